/**
 * How the contract travels between processes: the web remote's WebSocket and the desktop app's
 * MessagePort carry the same messages. Text (JSON) for calls, results and events; binary for preview
 * pictures, the one stream too big and too frequent for JSON. No Node types: the renderer imports this.
 */
import type { AudioLevels, CommandError, StudioCommands, StudioEvents } from './contract.js';

export type CommandName = keyof StudioCommands;
/** Events that travel as JSON; preview pictures travel as binary messages. */
export type JsonEventName = Exclude<keyof StudioEvents, 'onPreview'>;

/** From a front to the engine: call a command; `id` pairs the result. */
export interface CallMessage {
  type: 'call';
  id: number;
  command: CommandName;
  args: unknown[];
}

export type ClientMessage = CallMessage;

export type ResultMessage = { type: 'result'; id: number; ok: true; value: unknown } | { type: 'result'; id: number; ok: false; error: CommandError };

export interface EventMessage<K extends JsonEventName = JsonEventName> {
  type: 'event';
  event: K;
  payload: StudioEvents[K];
}

export type ServerMessage = ResultMessage | EventMessage;

/** The first byte of a binary message says what it is. */
export const BINARY_PREVIEW = 1;

/** A preview picture: kind (1 byte), seq (uint32, big endian), then the JPEG. */
export function encodePreview(seq: number, jpeg: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + jpeg.length);
  out[0] = BINARY_PREVIEW;
  new DataView(out.buffer).setUint32(1, seq >>> 0);
  out.set(jpeg, 5);
  return out;
}

export function decodePreview(data: Uint8Array): { seq: number; jpeg: Uint8Array } | undefined {
  if (data.length < 6 || data[0] !== BINARY_PREVIEW) return undefined;
  return { seq: new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(1), jpeg: data.subarray(5) };
}

/** JSON has no -Infinity: silence travels as this floor, which a meter draws as empty anyway. */
export const WIRE_SILENCE_DB = -100;

export function levelsForWire(levels: AudioLevels): AudioLevels {
  const floor = (db: number): number => (Number.isFinite(db) ? Math.max(WIRE_SILENCE_DB, db) : WIRE_SILENCE_DB);
  return { levels: levels.levels.map((l) => ({ sourceId: l.sourceId, peakDb: floor(l.peakDb), rmsDb: floor(l.rmsDb) })) };
}
