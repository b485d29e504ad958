import { describe, expect, it } from 'vitest';
import type { RtmpMessage } from '../../electron/engine/rtmp/chunk.js';
import {
  AggregateMessageError,
  ChunkStreamId,
  ControlMessageError,
  MessageType,
  controlMessage,
  decodeControlMessage,
  encodeAbort,
  encodeAcknowledgement,
  encodeSetChunkSize,
  encodeSetPeerBandwidth,
  encodeUserControl,
  encodeWindowAckSize,
  splitAggregate,
  type UserControlEvent,
} from '../../electron/engine/rtmp/messages.js';
import { thrown } from '../helpers/wait.js';

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}


describe('message type ids and chunk stream ids', () => {
  it('match the spec numbers', () => {
    expect(MessageType).toEqual({
      SetChunkSize: 1,
      Abort: 2,
      Acknowledgement: 3,
      UserControl: 4,
      WindowAckSize: 5,
      SetPeerBandwidth: 6,
      Audio: 8,
      Video: 9,
      DataAMF3: 15,
      SharedObjectAMF3: 16,
      CommandAMF3: 17,
      DataAMF0: 18,
      SharedObjectAMF0: 19,
      CommandAMF0: 20,
      Aggregate: 22,
    });
    expect(ChunkStreamId.ProtocolControl).toBe(2);
    expect(new Set(Object.values(ChunkStreamId)).size).toBe(Object.values(ChunkStreamId).length);
  });
});

describe('protocol control encoders', () => {
  it('write big-endian 32-bit fields', () => {
    expect(encodeSetChunkSize(4096)).toEqual(hex('00001000'));
    expect(encodeAbort(6)).toEqual(hex('00000006'));
    expect(encodeAcknowledgement(0x01020304)).toEqual(hex('01020304'));
    expect(encodeWindowAckSize(2_500_000)).toEqual(hex('002625a0'));
    expect(encodeSetPeerBandwidth(2_500_000, 2)).toEqual(hex('002625a0 02'));
  });

  it('wraps the acknowledgement byte count at 4 GiB', () => {
    expect(encodeAcknowledgement(0x1_0000_0005)).toEqual(hex('00000005'));
  });

  it('refuses chunk sizes outside 1..0x7FFFFFFF', () => {
    expect(() => encodeSetChunkSize(0)).toThrow(RangeError);
    expect(() => encodeSetChunkSize(0x80000000)).toThrow(RangeError);
    expect(encodeSetChunkSize(0x7fffffff)).toEqual(hex('7fffffff'));
  });

  it.each<[UserControlEvent, string]>([
    [{ type: 'StreamBegin', streamId: 1 }, '0000 00000001'],
    [{ type: 'StreamEOF', streamId: 1 }, '0001 00000001'],
    [{ type: 'StreamDry', streamId: 1 }, '0002 00000001'],
    [{ type: 'SetBufferLength', streamId: 1, bufferMs: 3000 }, '0003 00000001 00000bb8'],
    [{ type: 'StreamIsRecorded', streamId: 1 }, '0004 00000001'],
    [{ type: 'PingRequest', timestamp: 0xdeadbeef }, '0006 deadbeef'],
    [{ type: 'PingResponse', timestamp: 0xdeadbeef }, '0007 deadbeef'],
    [{ type: 'Unknown', eventType: 31 }, '001f'],
  ])('encodes user control %j and decodes it back', (event, bytes) => {
    expect(encodeUserControl(event)).toEqual(hex(bytes));
    expect(decodeControlMessage(MessageType.UserControl, hex(bytes))).toEqual({ type: 'UserControl', event });
  });

  it('wraps a control payload for chunk stream 2, message stream 0', () => {
    const payload = encodeSetChunkSize(4096);
    expect(controlMessage(MessageType.SetChunkSize, payload)).toEqual({ chunkStreamId: 2, typeId: 1, timestamp: 0, streamId: 0, payload });
    expect(controlMessage(MessageType.Acknowledgement, payload, 99).timestamp).toBe(99);
  });
});

describe('decodeControlMessage', () => {
  it('decodes each control message', () => {
    expect(decodeControlMessage(1, hex('00001000'))).toEqual({ type: 'SetChunkSize', size: 4096 });
    expect(decodeControlMessage(2, hex('00000004'))).toEqual({ type: 'Abort', chunkStreamId: 4 });
    expect(decodeControlMessage(3, hex('ffffffff'))).toEqual({ type: 'Acknowledgement', sequenceNumber: 0xffffffff });
    expect(decodeControlMessage(5, hex('002625a0'))).toEqual({ type: 'WindowAckSize', size: 2_500_000 });
    expect(decodeControlMessage(6, hex('002625a0 01'))).toEqual({ type: 'SetPeerBandwidth', size: 2_500_000, limitType: 1 });
  });

  it('ignores trailing bytes', () => {
    expect(decodeControlMessage(5, hex('002625a0 0000'))).toEqual({ type: 'WindowAckSize', size: 2_500_000 });
  });

  it('returns undefined for media, data and command messages', () => {
    for (const typeId of [8, 9, 15, 17, 18, 20, 22, 0, 255]) expect(decodeControlMessage(typeId, hex('00000001'))).toBeUndefined();
  });

  it.each([
    [1, '000010'],
    [2, ''],
    [3, '00'],
    [4, '00'],
    [4, '0000 000001'],
    [4, '0003 00000001 0000'],
    [4, '0006'],
    [5, '000000'],
    [6, '00000001'],
  ])('rejects a type %i payload that is too short (%s)', (typeId, bytes) => {
    const err = thrown(() => decodeControlMessage(typeId, hex(bytes)));
    expect(err).toBeInstanceOf(ControlMessageError);
    expect((err as ControlMessageError).code).toBe('RTMP_CONTROL_MALFORMED');
  });

  it('rejects an invalid chunk size and an unknown peer bandwidth limit type', () => {
    expect(() => decodeControlMessage(1, hex('00000000'))).toThrow(ControlMessageError);
    expect(() => decodeControlMessage(1, hex('80000000'))).toThrow(ControlMessageError);
    expect(() => decodeControlMessage(6, hex('002625a0 03'))).toThrow(/limit type 3/);
  });
});

describe('splitAggregate', () => {
  function tag(typeId: number, timestamp: number, data: string, streamId = 0): Buffer {
    const body = hex(data);
    const header = Buffer.alloc(11);
    header[0] = typeId;
    header.writeUIntBE(body.length, 1, 3);
    header.writeUIntBE(timestamp & 0xffffff, 4, 3);
    header[7] = timestamp >>> 24;
    header.writeUIntBE(streamId, 8, 3);
    const backPointer = Buffer.alloc(4);
    backPointer.writeUInt32BE(11 + body.length);
    return Buffer.concat([header, body, backPointer]);
  }

  function aggregate(payload: Buffer, timestamp = 5000): RtmpMessage {
    return { chunkStreamId: 6, typeId: MessageType.Aggregate, timestamp, streamId: 1, payload };
  }

  it('rebases sub-message timestamps on the aggregate timestamp and takes its stream id', () => {
    const payload = Buffer.concat([tag(9, 1000, '1700', 7), tag(8, 1021, 'af01'), tag(9, 1040, '2701')]);
    expect(splitAggregate(aggregate(payload))).toEqual([
      { chunkStreamId: 6, typeId: 9, timestamp: 5000, streamId: 1, payload: hex('1700') },
      { chunkStreamId: 6, typeId: 8, timestamp: 5021, streamId: 1, payload: hex('af01') },
      { chunkStreamId: 6, typeId: 9, timestamp: 5040, streamId: 1, payload: hex('2701') },
    ]);
  });

  it('reads the high timestamp byte of a sub-message header', () => {
    const payload = Buffer.concat([tag(9, 0x01000000, '00'), tag(9, 0x01000010, '00')]);
    expect(splitAggregate(aggregate(payload, 0)).map((m) => m.timestamp)).toEqual([0, 0x10]);
  });

  it('tolerates a missing final back pointer', () => {
    const payload = Buffer.concat([tag(9, 0, '01'), tag(9, 40, '02').subarray(0, 12)]);
    expect(splitAggregate(aggregate(payload)).map((m) => m.payload.toString('hex'))).toEqual(['01', '02']);
  });

  it('returns nothing for an empty aggregate', () => {
    expect(splitAggregate(aggregate(Buffer.alloc(0)))).toEqual([]);
  });

  it('rejects a truncated sub-message', () => {
    const whole = Buffer.concat([tag(9, 0, '01'), tag(9, 40, '020304')]);
    const err = thrown(() => splitAggregate(aggregate(whole.subarray(0, whole.length - 6))));
    expect(err).toBeInstanceOf(AggregateMessageError);
    expect((err as AggregateMessageError).code).toBe('RTMP_AGGREGATE_MALFORMED');
    expect((err as AggregateMessageError).offset).toBe(16);
    expect(() => splitAggregate(aggregate(whole.subarray(0, 20)))).toThrow(AggregateMessageError);
  });
});
