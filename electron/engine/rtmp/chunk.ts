/**
 * The RTMP chunk stream (Adobe RTMP spec 1.0, section 5.3): messages cut into chunks, each chunk
 * prefixed with a header compressed against the previous header on the same chunk stream.
 *
 * The writer carries the whole encoded stream, so it builds one Buffer per message with a single
 * allocation and one copy of the payload. The reader mostly carries small server messages but must
 * survive anything a server (or an attacker) sends: typed errors, memory proportional to the bytes
 * received, bounded by maxMessageSize and maxBufferedBytes.
 *
 * Extended timestamps follow FFmpeg and Adobe's servers: when a header's timestamp field is 0xFFFFFF,
 * every type-3 chunk that depends on that header repeats the 4-byte extended timestamp.
 */
import { ParseError, UplinkError } from '../errors.js';
import { MAX_CHUNK_SIZE, MessageType } from './messages.js';

export interface RtmpMessage {
  /** 2..65599 */
  chunkStreamId: number;
  typeId: number;
  /** Absolute milliseconds, 32-bit unsigned, wraps. */
  timestamp: number;
  /** Message stream id (little-endian on the wire). */
  streamId: number;
  payload: Buffer;
}

export class ChunkStreamError extends ParseError {
  constructor(message: string, offset: number) {
    super('RTMP_CHUNK_MALFORMED', message, offset);
  }
}

export const DEFAULT_CHUNK_SIZE = 128;
/** Message lengths are 24-bit on the wire. */
export const MAX_MESSAGE_SIZE = 0xffffff;
export const MIN_CHUNK_STREAM_ID = 2;
export const MAX_CHUNK_STREAM_ID = 65599;

const EXTENDED = 0xffffff;
const TWO_TO_32 = 0x1_0000_0000;
/** Basic header (3) + type-0 message header (11) + extended timestamp (4). */
const MAX_HEADER_SIZE = 18;
const MESSAGE_HEADER_SIZE = [11, 7, 3, 0] as const;

function basicHeaderSize(chunkStreamId: number): number {
  return chunkStreamId < 64 ? 1 : chunkStreamId < 320 ? 2 : 3;
}

function writeBasicHeader(out: Buffer, pos: number, fmt: number, chunkStreamId: number): number {
  if (chunkStreamId < 64) {
    out[pos] = (fmt << 6) | chunkStreamId;
    return pos + 1;
  }
  const id = chunkStreamId - 64;
  if (id < 256) {
    out[pos] = fmt << 6;
    out[pos + 1] = id;
    return pos + 2;
  }
  out[pos] = (fmt << 6) | 1;
  out[pos + 1] = id & 0xff;
  out[pos + 2] = id >>> 8;
  return pos + 3;
}

function writeUInt24BE(out: Buffer, pos: number, value: number): void {
  out[pos] = value >>> 16;
  out[pos + 1] = (value >>> 8) & 0xff;
  out[pos + 2] = value & 0xff;
}

function writeUInt32BE(out: Buffer, pos: number, value: number): void {
  out[pos] = value >>> 24;
  out[pos + 1] = (value >>> 16) & 0xff;
  out[pos + 2] = (value >>> 8) & 0xff;
  out[pos + 3] = value & 0xff;
}

function readUInt24BE(buf: Buffer, pos: number): number {
  return ((buf[pos] as number) << 16) | ((buf[pos + 1] as number) << 8) | (buf[pos + 2] as number);
}

function readUInt32BE(buf: Buffer, pos: number): number {
  return (
    (((buf[pos] as number) << 24) | ((buf[pos + 1] as number) << 16) | ((buf[pos + 2] as number) << 8) | (buf[pos + 3] as number)) >>>
    0
  );
}

function checkChunkSize(size: number): void {
  if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunk size must be 1..${MAX_CHUNK_SIZE}, got ${size}`);
  }
}

interface WriterStreamState {
  timestamp: number;
  length: number;
  typeId: number;
  streamId: number;
  /**
   * The delta a type-3 header at a message start would mean. Only set by a type 1/2 header: after a
   * type 0, the spec and FFmpeg take the absolute timestamp as the delta but nginx-rtmp takes 0, so we
   * never rely on it.
   */
  delta: number | undefined;
}

export class ChunkStreamWriter {
  private size: number;
  private readonly streams = new Map<number, WriterStreamState>();

  constructor(chunkSize = DEFAULT_CHUNK_SIZE) {
    checkChunkSize(chunkSize);
    this.size = chunkSize;
  }

  /** Our outgoing chunk size; set it right after encoding the SetChunkSize message that announces it. */
  get chunkSize(): number {
    return this.size;
  }

  set chunkSize(size: number) {
    checkChunkSize(size);
    this.size = size;
  }

  /** Validates `message`, picks its header type against the previous header on its chunk stream, and records it. */
  private nextHeader(message: RtmpMessage): { fmt: 0 | 1 | 2 | 3; field: number } {
    const { chunkStreamId, typeId, streamId, payload } = message;
    if (!Number.isInteger(chunkStreamId) || chunkStreamId < MIN_CHUNK_STREAM_ID || chunkStreamId > MAX_CHUNK_STREAM_ID) {
      throw new RangeError(`chunk stream id must be ${MIN_CHUNK_STREAM_ID}..${MAX_CHUNK_STREAM_ID}, got ${chunkStreamId}`);
    }
    if (!Number.isInteger(typeId) || typeId < 0 || typeId > 0xff) {
      throw new RangeError(`message type id must be 0..255, got ${typeId}`);
    }
    if (!Number.isInteger(streamId) || streamId < 0 || streamId > 0xffffffff) {
      throw new RangeError(`message stream id must be an unsigned 32-bit integer, got ${streamId}`);
    }
    if (!Number.isInteger(message.timestamp) || message.timestamp < 0) {
      throw new RangeError(`timestamp must be a non-negative integer, got ${message.timestamp}`);
    }
    const length = payload.length;
    if (length > MAX_MESSAGE_SIZE) {
      throw new UplinkError(
        'RTMP_MESSAGE_TOO_LARGE',
        `A ${length}-byte media frame is larger than RTMP can carry (16 MiB); lower the bitrate or the keyframe size.`,
      );
    }
    const timestamp = message.timestamp % TWO_TO_32;

    const prev = this.streams.get(chunkStreamId);
    let fmt: 0 | 1 | 2 | 3;
    let field: number;
    if (prev === undefined || prev.streamId !== streamId || timestamp < prev.timestamp) {
      fmt = 0;
      field = timestamp;
    } else {
      field = timestamp - prev.timestamp;
      if (length !== prev.length || typeId !== prev.typeId) fmt = 1;
      else if (field !== prev.delta) fmt = 2;
      else fmt = 3;
    }
    if (prev === undefined) {
      this.streams.set(chunkStreamId, { timestamp, length, typeId, streamId, delta: fmt === 0 ? undefined : field });
    } else {
      prev.timestamp = timestamp;
      prev.length = length;
      prev.typeId = typeId;
      prev.streamId = streamId;
      prev.delta = fmt === 0 ? undefined : field;
    }
    return { fmt, field };
  }

  /** One message as the bytes of its chunks, in one buffer. */
  encode(message: RtmpMessage): Buffer {
    const parts = this.encodeParts(message);
    let size = 0;
    for (const part of parts) size += part.length;
    return Buffer.concat(parts, size);
  }

  /**
   * One message as the list of its bytes, for a gathered write: the chunk headers in one small buffer and
   * the payload's chunks as views of the payload, never copied. For large media messages, where copying
   * every byte into a new buffer cost more than the rest of sending it.
   */
  encodeParts(message: RtmpMessage): Buffer[] {
    const { chunkStreamId, typeId, streamId, payload } = message;
    const length = payload.length;
    const { fmt, field } = this.nextHeader(message);
    const extended = field >= EXTENDED;
    const basicSize = basicHeaderSize(chunkStreamId);
    const continuationSize = basicSize + (extended ? 4 : 0);
    const firstHeaderSize = basicSize + MESSAGE_HEADER_SIZE[fmt] + (extended ? 4 : 0);
    const chunkSize = this.size;
    const chunks = length === 0 ? 1 : Math.ceil(length / chunkSize);
    const headers = Buffer.allocUnsafe(firstHeaderSize + (chunks - 1) * continuationSize);
    let pos = writeBasicHeader(headers, 0, fmt, chunkStreamId);
    if (fmt !== 3) {
      writeUInt24BE(headers, pos, extended ? EXTENDED : field);
      pos += 3;
      if (fmt !== 2) {
        writeUInt24BE(headers, pos, length);
        headers[pos + 3] = typeId;
        pos += 4;
        if (fmt === 0) {
          headers.writeUInt32LE(streamId, pos);
          pos += 4;
        }
      }
    }
    if (extended) {
      writeUInt32BE(headers, pos, field);
      pos += 4;
    }
    const parts: Buffer[] = [headers.subarray(0, pos), payload.subarray(0, Math.min(chunkSize, length))];
    for (let offset = chunkSize; offset < length; offset += chunkSize) {
      const start = pos;
      pos = writeBasicHeader(headers, pos, 3, chunkStreamId);
      if (extended) {
        writeUInt32BE(headers, pos, field);
        pos += 4;
      }
      parts.push(headers.subarray(start, pos), payload.subarray(offset, Math.min(offset + chunkSize, length)));
    }
    return parts;
  }
}

export interface ChunkStreamReaderOptions {
  /** Longest message accepted; default and upper limit 0xFFFFFF, the 24-bit wire limit. */
  maxMessageSize?: number;
  /**
   * Bytes held at once in unfinished messages across all chunk streams (a peer can open thousands of
   * chunk streams). Default: twice maxMessageSize plus 1 MiB, room for a large video message with audio
   * interleaved.
   */
  maxBufferedBytes?: number;
}

interface ReaderStreamState {
  chunkStreamId: number;
  /** Timestamp of the latest message started on this chunk stream. */
  timestamp: number;
  /** What a type-3 header at a message start adds: the last type 1/2 delta, or the type-0 timestamp. */
  delta: number;
  length: number;
  typeId: number;
  streamId: number;
  /** The governing header's timestamp field was 0xFFFFFF: type-3 chunks carry 4 extra bytes. */
  extended: boolean;
  /** A message is being received on this chunk stream. */
  receiving: boolean;
  received: number;
  /** Grows with the bytes received so that a declared length alone never allocates memory. */
  buffer: Buffer | undefined;
}

interface ChunkHeader {
  fmt: number;
  chunkStreamId: number;
  /** Header bytes, basic header and extended timestamp included. */
  size: number;
  /** Timestamp or delta (extended value already applied); for type 3 only meaningful when extended. */
  field: number;
  extended: boolean;
  length: number;
  typeId: number;
  streamId: number;
}

const EMPTY = Buffer.alloc(0);
const MIN_GROWTH = 256;

export class ChunkStreamReader {
  private readonly maxMessageSize: number;
  private readonly maxBufferedBytes: number;
  private size = DEFAULT_CHUNK_SIZE;
  private readonly streams = new Map<number, ReaderStreamState>();
  /** Bytes of a header split across push calls (always fewer than a whole header). */
  private pending: Buffer = EMPTY;
  /** The chunk whose payload is being received, and how many of its bytes are still to come. */
  private current: ReaderStreamState | undefined;
  private remaining = 0;
  private buffered = 0;
  /** Stream offset of the first byte of the next push, for error offsets. */
  private position = 0;
  /** After an error the stream position is lost: every later push fails the same way. */
  private failure: ChunkStreamError | undefined;

  constructor(options: ChunkStreamReaderOptions = {}) {
    const maxMessageSize = options.maxMessageSize ?? MAX_MESSAGE_SIZE;
    if (!Number.isInteger(maxMessageSize) || maxMessageSize < 0 || maxMessageSize > MAX_MESSAGE_SIZE) {
      throw new RangeError(`maxMessageSize must be 0..${MAX_MESSAGE_SIZE}, got ${maxMessageSize}`);
    }
    const maxBufferedBytes = options.maxBufferedBytes ?? 2 * maxMessageSize + 0x100000;
    if (!Number.isInteger(maxBufferedBytes) || maxBufferedBytes < maxMessageSize) {
      throw new RangeError(`maxBufferedBytes must be an integer >= maxMessageSize, got ${maxBufferedBytes}`);
    }
    this.maxMessageSize = maxMessageSize;
    this.maxBufferedBytes = maxBufferedBytes;
  }

  /** The peer's chunk size, as last announced by a SetChunkSize message. */
  get chunkSize(): number {
    return this.size;
  }

  /** Bytes currently held in unfinished messages. */
  get bufferedBytes(): number {
    return this.buffered;
  }

  push(data: Buffer): RtmpMessage[] {
    if (this.failure) throw this.failure;
    try {
      return this.parse(data);
    } catch (err) {
      if (err instanceof ChunkStreamError) this.failure = err;
      throw err;
    }
  }

  private parse(data: Buffer): RtmpMessage[] {
    const out: RtmpMessage[] = [];
    const base = this.position;
    this.position += data.length;
    let pos = 0;

    if (this.pending.length > 0 && data.length > 0) {
      // Join only the few bytes a header can need, never the whole input.
      const head = Buffer.concat([this.pending, data.subarray(0, MAX_HEADER_SIZE)]);
      const header = this.parseHeader(head, 0, base - this.pending.length);
      if (header === undefined) {
        // An incomplete header in `head` means `data` was shorter than a header: all of it is in `head`.
        this.pending = head;
        return out;
      }
      pos = header.size - this.pending.length;
      this.pending = EMPTY;
      this.startChunk(header, base + pos - header.size, out);
    }

    while (pos < data.length) {
      if (this.current !== undefined) {
        const state = this.current;
        const n = Math.min(this.remaining, data.length - pos);
        this.append(state, data, pos, n, base + pos);
        pos += n;
        this.remaining -= n;
        if (this.remaining > 0) break;
        this.current = undefined;
        if (state.received === state.length) this.finishMessage(state, base + pos, out);
        continue;
      }
      const header = this.parseHeader(data, pos, base + pos);
      if (header === undefined) {
        this.pending = Buffer.from(data.subarray(pos));
        break;
      }
      pos += header.size;
      this.startChunk(header, base + pos - header.size, out);
    }
    return out;
  }

  /** Reads one chunk header at `pos`, or returns undefined when `buf` ends inside it. Changes nothing. */
  private parseHeader(buf: Buffer, pos: number, offset: number): ChunkHeader | undefined {
    const end = buf.length;
    if (pos >= end) return undefined;
    const first = buf[pos] as number;
    const fmt = first >>> 6;
    let chunkStreamId = first & 0x3f;
    let p = pos + 1;
    if (chunkStreamId === 0) {
      if (end - p < 1) return undefined;
      chunkStreamId = 64 + (buf[p] as number);
      p += 1;
    } else if (chunkStreamId === 1) {
      if (end - p < 2) return undefined;
      chunkStreamId = 64 + (buf[p] as number) + ((buf[p + 1] as number) << 8);
      p += 2;
    }
    const state = this.streams.get(chunkStreamId);
    if (fmt !== 0 && state === undefined) {
      throw new ChunkStreamError(
        `Chunk header type ${fmt} on chunk stream ${chunkStreamId}, which has no previous header`,
        offset,
      );
    }
    const messageHeaderSize = MESSAGE_HEADER_SIZE[fmt as 0 | 1 | 2 | 3];
    if (end - p < messageHeaderSize) return undefined;
    let field = 0;
    let extended: boolean;
    let length = 0;
    let typeId = 0;
    let streamId = 0;
    if (fmt === 3) {
      extended = (state as ReaderStreamState).extended;
    } else {
      field = readUInt24BE(buf, p);
      extended = field === EXTENDED;
      if (fmt <= 1) {
        length = readUInt24BE(buf, p + 3);
        typeId = buf[p + 6] as number;
      }
      if (fmt === 0) streamId = buf.readUInt32LE(p + 7);
    }
    p += messageHeaderSize;
    if (extended) {
      if (end - p < 4) return undefined;
      field = readUInt32BE(buf, p);
      p += 4;
    }
    return { fmt, chunkStreamId, size: p - pos, field, extended, length, typeId, streamId };
  }

  private startChunk(header: ChunkHeader, offset: number, out: RtmpMessage[]): void {
    let state = this.streams.get(header.chunkStreamId);
    const continues =
      state !== undefined && state.receiving && (header.fmt >= 2 || header.length === state.length);
    if (state !== undefined && state.receiving && !continues) {
      // A new length in the middle of a message: the rest of the old one is never coming (FFmpeg does the same).
      this.discard(state);
    }
    if (!continues) {
      switch (header.fmt) {
        case 0:
          if (state === undefined) {
            state = {
              chunkStreamId: header.chunkStreamId,
              timestamp: 0,
              delta: 0,
              length: 0,
              typeId: 0,
              streamId: 0,
              extended: false,
              receiving: false,
              received: 0,
              buffer: undefined,
            };
            this.streams.set(header.chunkStreamId, state);
          }
          state.timestamp = header.field;
          // Spec 5.3.1.2.4: a type 3 right after a type 0 reuses the type-0 timestamp as its delta.
          state.delta = header.field;
          state.length = header.length;
          state.typeId = header.typeId;
          state.streamId = header.streamId;
          state.extended = header.extended;
          break;
        case 1:
        case 2: {
          const s = state as ReaderStreamState;
          s.delta = header.field;
          s.timestamp = (s.timestamp + header.field) >>> 0;
          if (header.fmt === 1) {
            s.length = header.length;
            s.typeId = header.typeId;
          }
          s.extended = header.extended;
          break;
        }
        default: {
          const s = state as ReaderStreamState;
          if (s.extended) s.delta = header.field;
          s.timestamp = (s.timestamp + s.delta) >>> 0;
        }
      }
      const s = state as ReaderStreamState;
      if (s.length > this.maxMessageSize) {
        throw new ChunkStreamError(
          `Message of ${s.length} bytes on chunk stream ${s.chunkStreamId} exceeds the ${this.maxMessageSize}-byte limit`,
          offset,
        );
      }
      s.receiving = true;
      s.received = 0;
      s.buffer = undefined;
      if (s.length === 0) {
        this.finishMessage(s, offset + header.size, out);
        return;
      }
    }
    const s = state as ReaderStreamState;
    this.current = s;
    this.remaining = Math.min(this.size, s.length - s.received);
  }

  private append(state: ReaderStreamState, data: Buffer, pos: number, n: number, offset: number): void {
    const needed = state.received + n;
    const capacity = state.buffer?.length ?? 0;
    if (needed > capacity) {
      const next = Math.min(state.length, Math.max(needed, capacity * 2, MIN_GROWTH));
      if (this.buffered + next - capacity > this.maxBufferedBytes) {
        throw new ChunkStreamError(
          `Unfinished messages hold more than ${this.maxBufferedBytes} bytes`,
          offset,
        );
      }
      const grown = Buffer.allocUnsafe(next);
      if (state.buffer !== undefined) state.buffer.copy(grown, 0, 0, state.received);
      state.buffer = grown;
      this.buffered += next - capacity;
    }
    data.copy(state.buffer as Buffer, state.received, pos, pos + n);
    state.received = needed;
  }

  private discard(state: ReaderStreamState): void {
    this.buffered -= state.buffer?.length ?? 0;
    state.buffer = undefined;
    state.receiving = false;
    state.received = 0;
    if (this.current === state) {
      this.current = undefined;
      this.remaining = 0;
    }
  }

  private finishMessage(state: ReaderStreamState, offset: number, out: RtmpMessage[]): void {
    const payload = state.buffer ?? Buffer.alloc(0);
    this.discard(state);
    const message: RtmpMessage = {
      chunkStreamId: state.chunkStreamId,
      typeId: state.typeId,
      timestamp: state.timestamp,
      streamId: state.streamId,
      payload,
    };
    out.push(message);
    // Applied before the next header is parsed: the very next chunk may already use the new size.
    if (state.typeId === MessageType.SetChunkSize) {
      if (payload.length < 4) {
        throw new ChunkStreamError(`SetChunkSize message has ${payload.length} bytes, needs 4`, offset);
      }
      const size = readUInt32BE(payload, 0);
      if (size === 0 || size > MAX_CHUNK_SIZE) {
        throw new ChunkStreamError(`SetChunkSize announces an invalid chunk size ${size}`, offset);
      }
      this.size = size;
    } else if (state.typeId === MessageType.Abort) {
      if (payload.length < 4) {
        throw new ChunkStreamError(`Abort message has ${payload.length} bytes, needs 4`, offset);
      }
      const aborted = this.streams.get(readUInt32BE(payload, 0));
      if (aborted !== undefined && aborted.receiving) this.discard(aborted);
    }
  }
}
