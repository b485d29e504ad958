import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChunkStreamError, ChunkStreamReader, ChunkStreamWriter, type RtmpMessage } from '../../electron/engine/rtmp/chunk.js';
import { HandshakeError, HandshakeReader, createC0C1, parseS0S1S2 } from '../../electron/engine/rtmp/handshake.js';
import {
  ControlMessageError,
  MessageType,
  controlMessage,
  decodeControlMessage,
  encodeAbort,
  encodeSetChunkSize,
  encodeUserControl,
  encodeWindowAckSize,
} from '../../electron/engine/rtmp/messages.js';

const SEED = 424242;
const MAX_MESSAGE = 4096;
const MAX_BUFFERED = 3 * MAX_MESSAGE;

/** A plausible server-to-client stream: control messages, commands, a large message, interleaving. */
function validStream(): Buffer {
  const writer = new ChunkStreamWriter();
  const messages: RtmpMessage[] = [
    controlMessage(MessageType.WindowAckSize, encodeWindowAckSize(2_500_000)),
    controlMessage(MessageType.SetChunkSize, encodeSetChunkSize(200)),
    { chunkStreamId: 3, typeId: MessageType.CommandAMF0, timestamp: 0, streamId: 0, payload: Buffer.alloc(300, 2) },
    controlMessage(MessageType.UserControl, encodeUserControl({ type: 'StreamBegin', streamId: 1 })),
    { chunkStreamId: 6, typeId: MessageType.Video, timestamp: 0xfffff0, streamId: 1, payload: Buffer.alloc(700, 9) },
    { chunkStreamId: 6, typeId: MessageType.Video, timestamp: 0x2000000, streamId: 1, payload: Buffer.alloc(700, 8) },
    { chunkStreamId: 320, typeId: MessageType.Audio, timestamp: 5, streamId: 1, payload: Buffer.alloc(3, 1) },
    controlMessage(MessageType.Abort, encodeAbort(6)),
  ];
  return Buffer.concat(
    messages.map((m) => {
      const out = writer.encode(m);
      if (m.typeId === MessageType.SetChunkSize) writer.chunkSize = 200;
      return out;
    }),
  );
}

/** Feeds `stream` in pieces; only a ChunkStreamError may escape, and memory stays within the limits. */
function feedReader(stream: Buffer, splits: number[]): void {
  const reader = new ChunkStreamReader({ maxMessageSize: MAX_MESSAGE, maxBufferedBytes: MAX_BUFFERED });
  let pos = 0;
  try {
    for (let i = 0; pos < stream.length; i++) {
      const step = splits[i % splits.length] ?? 1;
      for (const message of reader.push(stream.subarray(pos, pos + step))) {
        expect(message.payload.length).toBeLessThanOrEqual(MAX_MESSAGE);
        // Control payloads the reader hands on must decode or fail with a typed error.
        try {
          decodeControlMessage(message.typeId, message.payload);
        } catch (err) {
          expect(err).toBeInstanceOf(ControlMessageError);
        }
      }
      expect(reader.bufferedBytes).toBeLessThanOrEqual(MAX_BUFFERED);
      pos += step;
    }
  } catch (err) {
    expect(err).toBeInstanceOf(ChunkStreamError);
  }
}

const splitsArb = fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 });

describe('fuzzing the chunk stream reader', () => {
  it('survives random bytes with only typed errors and bounded memory', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), splitsArb, (bytes, splits) => {
        feedReader(Buffer.from(bytes), splits);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('survives mutated valid streams with only typed errors and bounded memory', () => {
    const valid = validStream();
    const mutation = fc.record({
      at: fc.nat({ max: valid.length - 1 }),
      kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate'),
      value: fc.integer({ min: 0, max: 255 }),
    });
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), splitsArb, (mutations, splits) => {
        let stream = Buffer.from(valid);
        for (const m of mutations) {
          const at = Math.min(m.at, stream.length);
          if (m.kind === 'flip') stream[at] = m.value;
          else if (m.kind === 'insert') stream = Buffer.concat([stream.subarray(0, at), Buffer.from([m.value]), stream.subarray(at)]);
          else if (m.kind === 'delete') stream = Buffer.concat([stream.subarray(0, at), stream.subarray(at + 1)]);
          else stream = stream.subarray(0, at);
        }
        feedReader(stream, splits);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('rejects every declared length above maxMessageSize without allocating it', () => {
    fc.assert(
      fc.property(fc.integer({ min: MAX_MESSAGE + 1, max: 0xffffff }), (length) => {
        const header = Buffer.from('06 000000 000000 09 01000000'.replaceAll(' ', ''), 'hex');
        header.writeUIntBE(length, 4, 3);
        const reader = new ChunkStreamReader({ maxMessageSize: MAX_MESSAGE });
        expect(() => reader.push(header)).toThrow(ChunkStreamError);
        expect(reader.bufferedBytes).toBe(0);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

describe('fuzzing control message decoding', () => {
  it('decodes, ignores or fails with ControlMessageError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 30 }), fc.uint8Array({ maxLength: 12 }), (typeId, bytes) => {
        try {
          const decoded = decodeControlMessage(typeId, Buffer.from(bytes));
          if (typeId >= 1 && typeId <= 6) expect(decoded).toBeDefined();
          else expect(decoded).toBeUndefined();
        } catch (err) {
          expect(err).toBeInstanceOf(ControlMessageError);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('fuzzing the handshake', () => {
  const { c1 } = createC0C1(0, (n) => Buffer.alloc(n, 7));

  it('accepts or fails with HandshakeError whatever the server sends', () => {
    const reply = fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 4000 }).map((b) => Buffer.from(b)),
      fc.uint8Array({ minLength: 3073, maxLength: 3200 }).map((b) => {
        const out = Buffer.from(b);
        out[0] = 3;
        return out;
      }),
    );
    fc.assert(
      fc.property(reply, splitsArb, (data, splits) => {
        const reader = new HandshakeReader();
        let pos = 0;
        try {
          for (let i = 0; pos < data.length; i++) {
            const step = (splits[i % splits.length] ?? 1) * 50;
            const done = reader.push(data.subarray(pos, pos + step));
            pos += step;
            if (done) {
              expect(done.s0s1s2.length).toBe(3073);
              expect(done.s0s1s2.length + done.rest.length).toBe(Math.min(pos, data.length));
              parseS0S1S2(done.s0s1s2, c1);
              return;
            }
          }
          expect(data.length).toBeLessThan(3073);
        } catch (err) {
          expect(err).toBeInstanceOf(HandshakeError);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});
