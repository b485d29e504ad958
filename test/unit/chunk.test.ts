import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkStreamError, ChunkStreamReader, ChunkStreamWriter, type RtmpMessage } from '../../electron/engine/rtmp/chunk.js';
import { MessageType, controlMessage, encodeAbort, encodeSetChunkSize } from '../../electron/engine/rtmp/messages.js';
import { UplinkError } from '../../electron/engine/errors.js';
import { thrown } from '../helpers/wait.js';

/** Hex with spaces, for golden bytes laid out as the spec draws them. */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

function bytes(length: number, seed = 1): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

function msg(partial: Partial<RtmpMessage> & { payload: Buffer }): RtmpMessage {
  return { chunkStreamId: 6, typeId: MessageType.Video, timestamp: 0, streamId: 1, ...partial };
}

function readAll(data: Buffer, reader = new ChunkStreamReader()): RtmpMessage[] {
  return reader.push(data);
}


describe('ChunkStreamWriter golden bytes', () => {
  it('writes a type-0 header: 24-bit timestamp, 24-bit length, type id, little-endian stream id', () => {
    const writer = new ChunkStreamWriter();
    const out = writer.encode({ chunkStreamId: 3, typeId: 20, timestamp: 0x000102, streamId: 1, payload: Buffer.from('hello') });
    expect(out).toEqual(hex('03  000102  000005  14  01000000  68656c6c6f'));
  });

  it.each([
    [2, '02'],
    [63, '3f'],
    [64, '00 00'],
    [319, '00 ff'],
    [320, '01 00 01'],
    [65599, '01 ff ff'],
  ])('encodes chunk stream id %i in a basic header of %s', (chunkStreamId, basic) => {
    const writer = new ChunkStreamWriter();
    const out = writer.encode({ chunkStreamId, typeId: 8, timestamp: 0, streamId: 0, payload: hex('af') });
    expect(out).toEqual(hex(`${basic} 000000 000001 08 00000000 af`));
    const [back] = readAll(out);
    expect(back?.chunkStreamId).toBe(chunkStreamId);
  });

  it('compresses headers per chunk stream: type 0, 2, 3, 1, then 0 when time goes back or the stream changes', () => {
    const writer = new ChunkStreamWriter();
    const p4 = hex('01020304');
    const p6 = hex('010203040506');
    const encoded = [
      writer.encode(msg({ timestamp: 1000, payload: p4 })),
      writer.encode(msg({ timestamp: 1040, payload: p4 })),
      writer.encode(msg({ timestamp: 1080, payload: p4 })),
      writer.encode(msg({ timestamp: 1120, payload: p6 })),
      writer.encode(msg({ timestamp: 1100, payload: p4 })),
      writer.encode(msg({ timestamp: 1200, streamId: 2, payload: p4 })),
    ];
    expect(encoded).toEqual([
      hex('06 0003e8 000004 09 01000000 01020304'),
      hex('86 000028 01020304'),
      hex('c6 01020304'),
      hex('46 000028 000006 09 010203040506'),
      hex('06 00044c 000004 09 01000000 01020304'),
      hex('06 0004b0 000004 09 02000000 01020304'),
    ]);
    expect(readAll(Buffer.concat(encoded)).map((m) => [m.timestamp, m.streamId, m.payload.length])).toEqual([
      [1000, 1, 4],
      [1040, 1, 4],
      [1080, 1, 4],
      [1120, 1, 6],
      [1100, 1, 4],
      [1200, 2, 4],
    ]);
  });

  it('uses type 1 when only the type id changes', () => {
    const writer = new ChunkStreamWriter();
    writer.encode(msg({ timestamp: 10, typeId: 18, payload: hex('00') }));
    expect(writer.encode(msg({ timestamp: 10, typeId: 20, payload: hex('00') }))).toEqual(hex('46 000000 000001 14 00'));
  });

  it('keeps header state separate per chunk stream', () => {
    const writer = new ChunkStreamWriter();
    writer.encode(msg({ chunkStreamId: 4, typeId: 8, timestamp: 0, payload: hex('aa') }));
    expect(writer.encode(msg({ chunkStreamId: 6, timestamp: 0, payload: hex('bb') }))).toEqual(hex('06 000000 000001 09 01000000 bb'));
  });

  it('splits a message into type-3 continuation chunks at the chunk size', () => {
    const writer = new ChunkStreamWriter();
    const payload = bytes(300);
    const out = writer.encode(msg({ timestamp: 5, payload }));
    expect(out).toEqual(
      Buffer.concat([
        hex('06 000005 00012c 09 01000000'),
        payload.subarray(0, 128),
        hex('c6'),
        payload.subarray(128, 256),
        hex('c6'),
        payload.subarray(256),
      ]),
    );
  });

  it('writes a header alone for an empty message, and reads it back', () => {
    const writer = new ChunkStreamWriter();
    const out = writer.encode(msg({ timestamp: 7, payload: Buffer.alloc(0) }));
    expect(out).toEqual(hex('06 000007 000000 09 01000000'));
    expect(readAll(out)).toEqual([msg({ timestamp: 7, payload: Buffer.alloc(0) })]);
  });

  it('uses 3-byte continuation headers for large chunk stream ids', () => {
    const writer = new ChunkStreamWriter(2);
    expect(writer.encode(msg({ chunkStreamId: 400, payload: hex('010203') }))).toEqual(
      hex('01 5001 000000 000003 09 01000000 0102 c1 5001 03'),
    );
  });

  it('applies a new chunk size to the next message only', () => {
    const writer = new ChunkStreamWriter();
    writer.chunkSize = 2;
    expect(writer.chunkSize).toBe(2);
    expect(writer.encode(msg({ payload: hex('010203') }))).toEqual(hex('06 000000 000003 09 01000000 0102 c6 03'));
    expect(() => (writer.chunkSize = 0)).toThrow(RangeError);
    expect(() => (writer.chunkSize = 0x80000000)).toThrow(RangeError);
  });

  it('refuses what cannot go on the wire', () => {
    const writer = new ChunkStreamWriter();
    expect(() => writer.encode(msg({ chunkStreamId: 1, payload: hex('00') }))).toThrow(RangeError);
    expect(() => writer.encode(msg({ chunkStreamId: 65600, payload: hex('00') }))).toThrow(RangeError);
    expect(() => writer.encode(msg({ typeId: 256, payload: hex('00') }))).toThrow(RangeError);
    expect(() => writer.encode(msg({ timestamp: -1, payload: hex('00') }))).toThrow(RangeError);
    const tooLarge = thrown(() => writer.encode(msg({ payload: Buffer.allocUnsafe(0x1000000) })));
    expect(tooLarge).toBeInstanceOf(UplinkError);
    expect((tooLarge as UplinkError).code).toBe('RTMP_MESSAGE_TOO_LARGE');
  });

  it('wraps timestamps past 2^32 and starts over with a type-0 header', () => {
    const writer = new ChunkStreamWriter();
    writer.encode(msg({ timestamp: 0xfffffff0, payload: hex('00') }));
    expect(writer.encode(msg({ timestamp: 0x1_0000_0010, payload: hex('00') }))).toEqual(hex('06 000010 000001 09 01000000 00'));
  });
});

describe('extended timestamps', () => {
  it('stays in the 24-bit field up to 0xFFFFFE', () => {
    const writer = new ChunkStreamWriter();
    expect(writer.encode(msg({ timestamp: 0xfffffe, payload: hex('00') }))).toEqual(hex('06 fffffe 000001 09 01000000 00'));
  });

  it('writes 0xFFFFFF and the 32-bit absolute timestamp, repeated in every continuation chunk', () => {
    const writer = new ChunkStreamWriter();
    const payload = bytes(200);
    const out = writer.encode(msg({ timestamp: 0x01020304, payload }));
    expect(out).toEqual(
      Buffer.concat([hex('06 ffffff 0000c8 09 01000000 01020304'), payload.subarray(0, 128), hex('c6 01020304'), payload.subarray(128)]),
    );
    expect(readAll(out)).toEqual([msg({ timestamp: 0x01020304, payload })]);
  });

  it('treats exactly 0xFFFFFF as extended', () => {
    const writer = new ChunkStreamWriter();
    expect(writer.encode(msg({ timestamp: 0xffffff, payload: hex('00') }))).toEqual(hex('06 ffffff 000001 09 01000000 00ffffff 00'));
  });

  it('extends a large delta, and repeats it in a following type-3 message header and its continuations', () => {
    const writer = new ChunkStreamWriter();
    const payload = bytes(200);
    const out = [
      writer.encode(msg({ timestamp: 0, payload })),
      writer.encode(msg({ timestamp: 0x01000000, payload })),
      writer.encode(msg({ timestamp: 0x02000000, payload })),
    ];
    expect(out[1]).toEqual(Buffer.concat([hex('86 ffffff 01000000'), payload.subarray(0, 128), hex('c6 01000000'), payload.subarray(128)]));
    expect(out[2]).toEqual(Buffer.concat([hex('c6 01000000'), payload.subarray(0, 128), hex('c6 01000000'), payload.subarray(128)]));
    expect(readAll(Buffer.concat(out)).map((m) => m.timestamp)).toEqual([0, 0x01000000, 0x02000000]);
  });

  it('reads a type 3 after an extended type 0 as FFmpeg writes it: the repeated field is the delta', () => {
    const stream = hex('06 ffffff 000001 09 01000000 01000000 aa   c6 01000000 bb');
    expect(readAll(stream).map((m) => [m.timestamp, m.payload.toString('hex')])).toEqual([
      [0x01000000, 'aa'],
      [0x02000000, 'bb'],
    ]);
  });

  it('wraps accumulated deltas at 32 bits', () => {
    const stream = hex('06 ffffff 000001 09 01000000 fffffff0 aa   86 000020 bb');
    expect(readAll(stream).map((m) => m.timestamp)).toEqual([0xfffffff0, 0x10]);
  });
});

describe('ChunkStreamReader', () => {
  it('takes a type 3 after a type 0 as repeating the type-0 timestamp as a delta (spec 5.3.1.2.4)', () => {
    const stream = hex('03 000064 000001 14 00000000 aa   c3 bb   83 00000a cc   c3 dd');
    expect(readAll(stream).map((m) => m.timestamp)).toEqual([100, 200, 210, 220]);
  });

  it('accepts 2- and 3-byte basic headers for small ids, as some servers write them', () => {
    // Chunk stream 64 written in the 3-byte form: id - 64 = 0, little-endian.
    const [m] = readAll(hex('01 0000 000000 000001 09 01000000 ee'));
    expect(m?.chunkStreamId).toBe(64);
  });

  it('reassembles a large video message with audio chunks interleaved between its chunks', () => {
    const writer = new ChunkStreamWriter();
    const video = msg({ chunkStreamId: 6, timestamp: 40, payload: bytes(1000, 7) });
    const encodedVideo = writer.encode(video);
    const audios = [0, 1, 2].map((i) => msg({ chunkStreamId: 4, typeId: MessageType.Audio, timestamp: 40 + i * 21, payload: bytes(100, i) }));
    const firstChunk = 12 + 128;
    const parts: Buffer[] = [encodedVideo.subarray(0, firstChunk)];
    let pos = firstChunk;
    for (const audio of audios) {
      parts.push(writer.encode(audio), encodedVideo.subarray(pos, pos + 129));
      pos += 129;
    }
    parts.push(encodedVideo.subarray(pos));
    const reader = new ChunkStreamReader();
    expect(reader.push(Buffer.concat(parts))).toEqual([...audios, video]);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('applies a SetChunkSize at once: chunks later in the same push use the new size', () => {
    const writer = new ChunkStreamWriter();
    const setChunkSize = controlMessage(MessageType.SetChunkSize, encodeSetChunkSize(4096));
    const first = writer.encode(setChunkSize);
    writer.chunkSize = 4096;
    const video = msg({ timestamp: 33, payload: bytes(5000) });
    const second = writer.encode(video);
    // At 4096 the 5000-byte message is two chunks; read at 128 it would be garbage.
    expect(second.length).toBe(12 + 5000 + 1);
    const reader = new ChunkStreamReader();
    expect(reader.push(Buffer.concat([first, second]))).toEqual([setChunkSize, video]);
    expect(reader.chunkSize).toBe(4096);
  });

  it('discards the unfinished message of an aborted chunk stream', () => {
    const writer = new ChunkStreamWriter();
    const partial = writer.encode(msg({ timestamp: 0, payload: bytes(300) })).subarray(0, 12 + 128);
    const abort = controlMessage(MessageType.Abort, encodeAbort(6));
    const next = msg({ timestamp: 50, payload: bytes(10) });
    const fresh = new ChunkStreamWriter().encode(next);
    const reader = new ChunkStreamReader();
    expect(reader.push(partial)).toEqual([]);
    expect(reader.bufferedBytes).toBeGreaterThan(0);
    expect(reader.push(Buffer.concat([writer.encode(abort), fresh]))).toEqual([abort, next]);
    expect(reader.bufferedBytes).toBe(0);
  });

  it('reads the same messages whatever the split points', () => {
    const writer = new ChunkStreamWriter();
    const messages = [
      controlMessage(MessageType.SetChunkSize, encodeSetChunkSize(300)),
      msg({ chunkStreamId: 3, typeId: 20, timestamp: 0, streamId: 0, payload: bytes(250) }),
      msg({ timestamp: 0x1000000, payload: bytes(700) }),
      msg({ timestamp: 0x2000000, payload: bytes(700, 3) }),
      msg({ chunkStreamId: 65599, timestamp: 5, payload: bytes(1) }),
    ];
    const encoded: Buffer[] = [];
    for (const m of messages) {
      encoded.push(writer.encode(m));
      if (m.typeId === MessageType.SetChunkSize) writer.chunkSize = 300;
    }
    const stream = Buffer.concat(encoded);
    for (let step = 1; step <= 23; step += 2) {
      const reader = new ChunkStreamReader();
      const got: RtmpMessage[] = [];
      for (let i = 0; i < stream.length; i += step) got.push(...reader.push(stream.subarray(i, i + step)));
      expect(got).toEqual(messages);
    }
  });

  it('round-trips random message sequences through writer and reader at random split points', () => {
    const message = fc.record({
      chunkStreamId: fc.constantFrom(3, 4, 6, 63, 64, 319, 320, 65599),
      typeId: fc.constantFrom(8, 9, 18, 20),
      timestampStep: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constant(0xffffff), fc.integer({ min: -50, max: 0x2000000 })),
      streamId: fc.constantFrom(0, 1, 0xffffffff),
      length: fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 3000 })),
      newChunkSize: fc.option(fc.integer({ min: 1, max: 2000 }), { freq: 8 }),
    });
    fc.assert(
      fc.property(fc.array(message, { maxLength: 25 }), fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 10 }), (specs, splits) => {
        const writer = new ChunkStreamWriter();
        const sent: RtmpMessage[] = [];
        const encoded: Buffer[] = [];
        let timestamp = 0;
        for (const [i, spec] of specs.entries()) {
          if (spec.newChunkSize !== null) {
            const announce = controlMessage(MessageType.SetChunkSize, encodeSetChunkSize(spec.newChunkSize));
            sent.push(announce);
            encoded.push(writer.encode(announce));
            writer.chunkSize = spec.newChunkSize;
          }
          timestamp = (timestamp + spec.timestampStep) >>> 0;
          const m: RtmpMessage = { chunkStreamId: spec.chunkStreamId, typeId: spec.typeId, timestamp, streamId: spec.streamId, payload: bytes(spec.length, i) };
          sent.push(m);
          encoded.push(writer.encode(m));
        }
        const stream = Buffer.concat(encoded);
        const reader = new ChunkStreamReader();
        const got: RtmpMessage[] = [];
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const step = splits[i % splits.length] as number;
          got.push(...reader.push(stream.subarray(pos, pos + step)));
          pos += step;
        }
        expect(got).toEqual(sent);
        expect(reader.bufferedBytes).toBe(0);
      }),
      { seed: 20240601, numRuns: 150 },
    );
  });
});

describe('ChunkStreamReader errors', () => {
  function expectChunkError(stream: Buffer, options?: ConstructorParameters<typeof ChunkStreamReader>[0]): ChunkStreamError {
    const err = thrown(() => new ChunkStreamReader(options).push(stream));
    expect(err).toBeInstanceOf(ChunkStreamError);
    expect((err as ChunkStreamError).code).toBe('RTMP_CHUNK_MALFORMED');
    return err as ChunkStreamError;
  }

  it('rejects a chunk size of 0', () => {
    expect(expectChunkError(hex('02 000000 000004 01 00000000 00000000')).message).toMatch(/chunk size 0/);
  });

  it('rejects a chunk size with the high bit set', () => {
    expectChunkError(hex('02 000000 000004 01 00000000 80000000'));
  });

  it('accepts the largest chunk size, 0x7FFFFFFF', () => {
    const reader = new ChunkStreamReader();
    reader.push(hex('02 000000 000004 01 00000000 7fffffff'));
    expect(reader.chunkSize).toBe(0x7fffffff);
  });

  it('rejects a SetChunkSize too short to hold a size', () => {
    expectChunkError(hex('02 000000 000002 01 00000000 0000'));
  });

  it.each(['43 000000 000001 09 00', '83 000000 00', 'c3 00'])('rejects header %s on a chunk stream never opened by a type 0', (stream) => {
    const err = expectChunkError(hex(stream));
    expect(err.offset).toBe(0);
    expect(err.message).toMatch(/chunk stream 3/);
  });

  it('gives the offset of the bad header within the whole stream', () => {
    const reader = new ChunkStreamReader();
    // A type-1 header on chunk stream 64, its 3-byte basic header split across the two pushes.
    reader.push(hex('03 000000 000001 14 00000000 aa 41'));
    const err = thrown(() => reader.push(hex('0000')));
    expect(err).toBeInstanceOf(ChunkStreamError);
    expect((err as ChunkStreamError).offset).toBe(13);
  });

  it('rejects a message longer than maxMessageSize before receiving it', () => {
    expect(expectChunkError(hex('06 000000 001001 09 01000000'), { maxMessageSize: 4096 }).message).toMatch(/4097 bytes/);
  });

  it('bounds the bytes held across many unfinished messages', () => {
    const writer = new ChunkStreamWriter();
    const parts: Buffer[] = [];
    for (let id = 10; id < 20; id++) parts.push(writer.encode(msg({ chunkStreamId: id, payload: bytes(1000) })).subarray(0, 12 + 128));
    const err = expectChunkError(Buffer.concat(parts), { maxMessageSize: 1000, maxBufferedBytes: 1000 });
    expect(err.message).toMatch(/Unfinished messages/);
  });

  it('keeps failing after an error instead of reading from a lost position', () => {
    const reader = new ChunkStreamReader();
    expect(() => reader.push(hex('c3 00'))).toThrow(ChunkStreamError);
    expect(() => reader.push(hex('03 000000 000001 14 00000000 aa'))).toThrow(ChunkStreamError);
  });
});
