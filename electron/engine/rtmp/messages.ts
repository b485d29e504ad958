/**
 * RTMP message type ids, the chunk stream ids Uplink sends on, and the codecs of the protocol control
 * messages (types 1-6) and of aggregate messages (type 22). Pure functions over payload bytes: the
 * chunk stream (chunk.ts) carries the payloads, the session decides what to do with them.
 */
import { ParseError } from '../errors.js';
import type { RtmpMessage } from './chunk.js';

export const MessageType = {
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
} as const;

/**
 * Chunk stream ids we send on. Protocol control must use 2 (spec 5.4); the others are a convention,
 * chosen so that audio never waits behind a large video message on the same chunk stream.
 */
export const ChunkStreamId = {
  ProtocolControl: 2,
  Command: 3,
  Audio: 4,
  Data: 5,
  Video: 6,
} as const;

/** The largest chunk size the protocol allows: the high bit of the SetChunkSize payload must be 0. */
export const MAX_CHUNK_SIZE = 0x7fffffff;

export class ControlMessageError extends ParseError {
  constructor(message: string, offset: number) {
    super('RTMP_CONTROL_MALFORMED', message, offset);
  }
}

export class AggregateMessageError extends ParseError {
  constructor(message: string, offset: number) {
    super('RTMP_AGGREGATE_MALFORMED', message, offset);
  }
}

export type UserControlEvent =
  | { type: 'StreamBegin' | 'StreamEOF' | 'StreamDry' | 'StreamIsRecorded'; streamId: number }
  | { type: 'SetBufferLength'; streamId: number; bufferMs: number }
  | { type: 'PingRequest' | 'PingResponse'; timestamp: number }
  | { type: 'Unknown'; eventType: number };

export type ControlMessage =
  | { type: 'SetChunkSize'; size: number }
  | { type: 'Abort'; chunkStreamId: number }
  | { type: 'Acknowledgement'; sequenceNumber: number }
  | { type: 'WindowAckSize'; size: number }
  | { type: 'SetPeerBandwidth'; size: number; limitType: 0 | 1 | 2 }
  | { type: 'UserControl'; event: UserControlEvent };

const UserControlEventType = {
  StreamBegin: 0,
  StreamEOF: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;

const STREAM_EVENT_NAMES = {
  [UserControlEventType.StreamBegin]: 'StreamBegin',
  [UserControlEventType.StreamEOF]: 'StreamEOF',
  [UserControlEventType.StreamDry]: 'StreamDry',
  [UserControlEventType.StreamIsRecorded]: 'StreamIsRecorded',
} as const;

function uint32(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${what} must be an unsigned 32-bit integer, got ${value}`);
  }
  return value;
}

function u32Payload(value: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(value, 0);
  return out;
}

export function encodeSetChunkSize(size: number): Buffer {
  if (!Number.isInteger(size) || size < 1 || size > MAX_CHUNK_SIZE) {
    throw new RangeError(`chunk size must be 1..${MAX_CHUNK_SIZE}, got ${size}`);
  }
  return u32Payload(size);
}

export function encodeAbort(chunkStreamId: number): Buffer {
  return u32Payload(uint32(chunkStreamId, 'chunk stream id'));
}

export function encodeAcknowledgement(sequenceNumber: number): Buffer {
  // The sequence number is a byte count that wraps after 4 GiB; the caller may pass the raw count.
  if (!Number.isInteger(sequenceNumber) || sequenceNumber < 0) {
    throw new RangeError(`sequence number must be a non-negative integer, got ${sequenceNumber}`);
  }
  return u32Payload(sequenceNumber % 0x1_0000_0000);
}

export function encodeWindowAckSize(size: number): Buffer {
  return u32Payload(uint32(size, 'window acknowledgement size'));
}

export function encodeSetPeerBandwidth(size: number, limitType: 0 | 1 | 2): Buffer {
  const out = Buffer.allocUnsafe(5);
  out.writeUInt32BE(uint32(size, 'peer bandwidth'), 0);
  out[4] = limitType;
  return out;
}

export function encodeUserControl(event: UserControlEvent): Buffer {
  switch (event.type) {
    case 'StreamBegin':
    case 'StreamEOF':
    case 'StreamDry':
    case 'StreamIsRecorded': {
      const out = Buffer.allocUnsafe(6);
      out.writeUInt16BE(UserControlEventType[event.type], 0);
      out.writeUInt32BE(uint32(event.streamId, 'stream id'), 2);
      return out;
    }
    case 'SetBufferLength': {
      const out = Buffer.allocUnsafe(10);
      out.writeUInt16BE(UserControlEventType.SetBufferLength, 0);
      out.writeUInt32BE(uint32(event.streamId, 'stream id'), 2);
      out.writeUInt32BE(uint32(event.bufferMs, 'buffer length'), 6);
      return out;
    }
    case 'PingRequest':
    case 'PingResponse': {
      const out = Buffer.allocUnsafe(6);
      out.writeUInt16BE(UserControlEventType[event.type], 0);
      out.writeUInt32BE(uint32(event.timestamp, 'ping timestamp'), 2);
      return out;
    }
    case 'Unknown': {
      if (!Number.isInteger(event.eventType) || event.eventType < 0 || event.eventType > 0xffff) {
        throw new RangeError(`user control event type must be 0..65535, got ${event.eventType}`);
      }
      const out = Buffer.allocUnsafe(2);
      out.writeUInt16BE(event.eventType, 0);
      return out;
    }
  }
}

function need(payload: Buffer, bytes: number, what: string): void {
  if (payload.length < bytes) {
    throw new ControlMessageError(`${what} needs ${bytes} bytes, got ${payload.length}`, payload.length);
  }
}

function decodeUserControl(payload: Buffer): UserControlEvent {
  need(payload, 2, 'User control message');
  const eventType = payload.readUInt16BE(0);
  switch (eventType) {
    case UserControlEventType.StreamBegin:
    case UserControlEventType.StreamEOF:
    case UserControlEventType.StreamDry:
    case UserControlEventType.StreamIsRecorded: {
      const type = STREAM_EVENT_NAMES[eventType];
      need(payload, 6, `User control ${type}`);
      return { type, streamId: payload.readUInt32BE(2) };
    }
    case UserControlEventType.SetBufferLength:
      need(payload, 10, 'User control SetBufferLength');
      return { type: 'SetBufferLength', streamId: payload.readUInt32BE(2), bufferMs: payload.readUInt32BE(6) };
    case UserControlEventType.PingRequest:
    case UserControlEventType.PingResponse: {
      const type = eventType === UserControlEventType.PingRequest ? 'PingRequest' : 'PingResponse';
      need(payload, 6, `User control ${type}`);
      return { type, timestamp: payload.readUInt32BE(2) };
    }
    default:
      // Servers send undocumented events (31/32 "buffer empty/ready" from Wowza, for example); they
      // carry nothing a publisher needs, so they are reported rather than rejected.
      return { type: 'Unknown', eventType };
  }
}

/**
 * Decodes a protocol control message (types 1-6). Returns undefined for every other message type.
 * Trailing bytes are ignored: some servers pad, and nothing after the fields carries meaning.
 */
export function decodeControlMessage(typeId: number, payload: Buffer): ControlMessage | undefined {
  switch (typeId) {
    case MessageType.SetChunkSize: {
      need(payload, 4, 'SetChunkSize');
      const size = payload.readUInt32BE(0);
      if (size === 0 || size > MAX_CHUNK_SIZE) {
        throw new ControlMessageError(`SetChunkSize announces an invalid chunk size ${size}`, 0);
      }
      return { type: 'SetChunkSize', size };
    }
    case MessageType.Abort:
      need(payload, 4, 'Abort');
      return { type: 'Abort', chunkStreamId: payload.readUInt32BE(0) };
    case MessageType.Acknowledgement:
      need(payload, 4, 'Acknowledgement');
      return { type: 'Acknowledgement', sequenceNumber: payload.readUInt32BE(0) };
    case MessageType.UserControl:
      return { type: 'UserControl', event: decodeUserControl(payload) };
    case MessageType.WindowAckSize:
      need(payload, 4, 'WindowAckSize');
      return { type: 'WindowAckSize', size: payload.readUInt32BE(0) };
    case MessageType.SetPeerBandwidth: {
      need(payload, 5, 'SetPeerBandwidth');
      const limitType = payload[4];
      if (limitType !== 0 && limitType !== 1 && limitType !== 2) {
        throw new ControlMessageError(`SetPeerBandwidth has an unknown limit type ${limitType}`, 4);
      }
      return { type: 'SetPeerBandwidth', size: payload.readUInt32BE(0), limitType };
    }
    default:
      return undefined;
  }
}

/** A protocol control message ready for ChunkStreamWriter: chunk stream 2, message stream 0. */
export function controlMessage(typeId: number, payload: Buffer, timestamp = 0): RtmpMessage {
  return { chunkStreamId: ChunkStreamId.ProtocolControl, typeId, timestamp, streamId: 0, payload };
}

const AGGREGATE_TAG_HEADER = 11;
const AGGREGATE_BACK_POINTER = 4;

/**
 * Splits an aggregate message (type 22) into its sub-messages. Each sub-message is an FLV tag (11-byte
 * header, data, 4-byte back pointer). Per spec 7.1.6 the aggregate's own timestamp replaces the first
 * sub-message's, later ones keep their offsets from it, and the aggregate's message stream id overrides
 * theirs. Payloads are views into the aggregate's payload, not copies. A missing final back pointer is
 * tolerated; a truncated tag is not.
 */
export function splitAggregate(message: RtmpMessage): RtmpMessage[] {
  const data = message.payload;
  const out: RtmpMessage[] = [];
  let firstTimestamp: number | undefined;
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < AGGREGATE_TAG_HEADER) {
      throw new AggregateMessageError('Aggregate message ends inside a sub-message header', pos);
    }
    const typeId = data[pos] as number;
    const size = data.readUIntBE(pos + 1, 3);
    // FLV tag timestamps: 24 low bits, then the high 8 bits.
    const timestamp = (data.readUIntBE(pos + 4, 3) | ((data[pos + 7] as number) << 24)) >>> 0;
    const start = pos + AGGREGATE_TAG_HEADER;
    if (data.length - start < size) {
      throw new AggregateMessageError(`Aggregate sub-message of ${size} bytes is truncated`, pos);
    }
    firstTimestamp ??= timestamp;
    out.push({
      chunkStreamId: message.chunkStreamId,
      typeId,
      timestamp: (message.timestamp + timestamp - firstTimestamp) >>> 0,
      streamId: message.streamId,
      payload: data.subarray(start, start + size),
    });
    pos = Math.min(data.length, start + size + AGGREGATE_BACK_POINTER);
  }
  return out;
}
