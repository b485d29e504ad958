/**
 * AMF0 (Action Message Format 0), the encoding of RTMP command messages (connect, publish, onStatus, ...)
 * and of FLV script tags (onMetaData). Pure functions over bytes: no I/O, no state between calls.
 *
 * Decoding treats its input as hostile (it comes from ingest servers and from files): every read is
 * bounds-checked, nesting is bounded, and keys can never reach an object's prototype.
 */
import { ParseError } from '../errors.js';

export interface Amf0Object {
  [key: string]: Amf0Value;
}

/**
 * An ECMA array (marker 0x08): an associative array that servers and FFmpeg's onMetaData use where an
 * object would do. Kept apart from plain objects so that a value re-encodes with the marker it came with.
 */
export class Amf0EcmaArray {
  constructor(readonly entries: Amf0Object) {}
}

export type Amf0Value =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | Amf0Value[]
  | Amf0EcmaArray
  | Amf0Object;

export class Amf0Error extends ParseError {
  constructor(message: string, offset: number) {
    super('AMF0_MALFORMED', `Malformed AMF0 data: ${message}`, offset);
  }
}

// Type markers from the AMF0 specification, section 2.1.
const Marker = {
  Number: 0x00,
  Boolean: 0x01,
  String: 0x02,
  Object: 0x03,
  MovieClip: 0x04,
  Null: 0x05,
  Undefined: 0x06,
  Reference: 0x07,
  EcmaArray: 0x08,
  ObjectEnd: 0x09,
  StrictArray: 0x0a,
  Date: 0x0b,
  LongString: 0x0c,
  Unsupported: 0x0d,
  RecordSet: 0x0e,
  XmlDocument: 0x0f,
  TypedObject: 0x10,
  AvmPlus: 0x11,
} as const;

/**
 * Containers nested deeper than this are rejected. RTMP messages nest two or three levels; the bound only
 * exists so that hostile input cannot exhaust the stack of the recursive decoder.
 */
export const AMF0_MAX_DEPTH = 64;

const MAX_SHORT_STRING_BYTES = 0xffff;

// ---------------------------------------------------------------------------------------------------
// Encoding

/** A growable output buffer: AMF messages are small, so doubling beats collecting parts to concat. */
class ByteWriter {
  private buf = Buffer.allocUnsafe(256);
  private length = 0;

  private reserve(n: number): void {
    const need = this.length + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  u8(v: number): void {
    this.reserve(1);
    this.buf[this.length++] = v;
  }

  u16(v: number): void {
    this.reserve(2);
    this.buf.writeUInt16BE(v, this.length);
    this.length += 2;
  }

  i16(v: number): void {
    this.reserve(2);
    this.buf.writeInt16BE(v, this.length);
    this.length += 2;
  }

  u32(v: number): void {
    this.reserve(4);
    this.buf.writeUInt32BE(v, this.length);
    this.length += 4;
  }

  f64(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleBE(v, this.length);
    this.length += 8;
  }

  bytes(b: Buffer): void {
    this.reserve(b.length);
    b.copy(this.buf, this.length);
    this.length += b.length;
  }

  result(): Buffer {
    // A copy, so that the (possibly much larger) growth buffer is not kept alive by the caller.
    return Buffer.from(this.buf.subarray(0, this.length));
  }
}

function isPlainObject(value: object): value is Amf0Object {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    return typeof ctor?.name === 'string' && ctor.name !== '' ? `a ${ctor.name}` : 'an object';
  }
  return `a ${typeof value}`;
}

function writeKey(out: ByteWriter, key: string): void {
  const bytes = Buffer.from(key, 'utf8');
  if (bytes.length > MAX_SHORT_STRING_BYTES) {
    throw new RangeError(`AMF0 property names are limited to 65535 UTF-8 bytes (got ${bytes.length})`);
  }
  out.u16(bytes.length);
  out.bytes(bytes);
}

function writeProperties(out: ByteWriter, entries: Amf0Object, ancestors: Set<object>): void {
  for (const key of Object.keys(entries)) {
    writeKey(out, key);
    writeValue(out, entries[key], ancestors);
  }
  out.u16(0);
  out.u8(Marker.ObjectEnd);
}

function enter(container: object, ancestors: Set<object>): void {
  if (ancestors.has(container)) throw new TypeError('AMF0 cannot encode a cyclic structure');
  if (ancestors.size >= AMF0_MAX_DEPTH) {
    throw new TypeError(`AMF0 values nested deeper than ${AMF0_MAX_DEPTH} levels are not encoded`);
  }
  ancestors.add(container);
}

function writeValue(out: ByteWriter, value: unknown, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'number':
      out.u8(Marker.Number);
      out.f64(value);
      return;
    case 'boolean':
      out.u8(Marker.Boolean);
      out.u8(value ? 1 : 0);
      return;
    case 'string': {
      const bytes = Buffer.from(value, 'utf8');
      if (bytes.length > MAX_SHORT_STRING_BYTES) {
        out.u8(Marker.LongString);
        out.u32(bytes.length);
      } else {
        out.u8(Marker.String);
        out.u16(bytes.length);
      }
      out.bytes(bytes);
      return;
    }
    case 'undefined':
      out.u8(Marker.Undefined);
      return;
    case 'object':
      break;
    default:
      throw new TypeError(`AMF0 cannot encode ${describe(value)}`);
  }
  if (value === null) {
    out.u8(Marker.Null);
    return;
  }
  if (value instanceof Date) {
    out.u8(Marker.Date);
    out.f64(value.getTime());
    // The time-zone field is reserved and must be 0; dates travel as UTC milliseconds.
    out.i16(0);
    return;
  }
  enter(value, ancestors);
  if (Array.isArray(value)) {
    out.u8(Marker.StrictArray);
    out.u32(value.length);
    // Indexing rather than for..of so that holes in sparse arrays encode as undefined.
    for (let i = 0; i < value.length; i++) writeValue(out, value[i], ancestors);
  } else if (value instanceof Amf0EcmaArray) {
    out.u8(Marker.EcmaArray);
    out.u32(Object.keys(value.entries).length);
    writeProperties(out, value.entries, ancestors);
  } else if (isPlainObject(value)) {
    out.u8(Marker.Object);
    writeProperties(out, value, ancestors);
  } else {
    throw new TypeError(`AMF0 cannot encode ${describe(value)}; use a plain object`);
  }
  ancestors.delete(value);
}

/**
 * Encodes values back to back, as RTMP command messages carry them (name, transaction id, arguments).
 * Strings longer than 65535 UTF-8 bytes become long strings. Throws TypeError for values AMF0 cannot
 * hold (functions, symbols, bigints, class instances, cycles).
 */
export function encodeAmf0(...values: Amf0Value[]): Buffer {
  const out = new ByteWriter();
  const ancestors = new Set<object>();
  for (const value of values) writeValue(out, value, ancestors);
  return out.result();
}

// ---------------------------------------------------------------------------------------------------
// Decoding

function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Assigns without invoking the `__proto__` setter, so a hostile key stays an ordinary own property. */
function setProperty(target: Amf0Object, key: string, value: Amf0Value): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
  ) {}

  need(n: number, what: string): void {
    const remaining = this.buf.length - this.pos;
    if (remaining < n) {
      throw new Amf0Error(`${what} needs ${n} bytes but only ${remaining} remain`, this.pos);
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++] as number;
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(what: string): number {
    this.need(8, what);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  utf8(length: number, what: string): string {
    this.need(length, what);
    const s = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return s;
  }
}

function readProperties(r: Reader, depth: number, kind: string): Amf0Object {
  const target: Amf0Object = {};
  for (;;) {
    const keyLength = r.u16(`${kind} property name length`);
    const key = r.utf8(keyLength, `${kind} property name`);
    if (keyLength === 0 && r.pos < r.buf.length && r.buf[r.pos] === Marker.ObjectEnd) {
      r.pos++;
      return target;
    }
    if (r.pos >= r.buf.length) {
      throw new Amf0Error(`${kind} is missing its end marker`, r.pos);
    }
    setProperty(target, key, readValue(r, depth));
  }
}

function readValue(r: Reader, depth: number): Amf0Value {
  const at = r.pos;
  const marker = r.u8('value marker');
  switch (marker) {
    case Marker.Number:
      return r.f64('number');
    case Marker.Boolean:
      return r.u8('boolean') !== 0;
    case Marker.String:
      return r.utf8(r.u16('string length'), 'string');
    case Marker.LongString:
      return r.utf8(r.u32('long string length'), 'long string');
    case Marker.Null:
      return null;
    case Marker.Undefined:
      return undefined;
    case Marker.Date: {
      const ms = r.f64('date');
      r.u16('date time zone');
      return new Date(ms);
    }
    case Marker.Object:
    case Marker.TypedObject:
    case Marker.EcmaArray:
    case Marker.StrictArray:
      break;
    case Marker.ObjectEnd:
      throw new Amf0Error('object end marker outside an object', at);
    case Marker.Reference:
      throw new Amf0Error('references (marker 0x07) are not supported', at);
    case Marker.Unsupported:
      throw new Amf0Error('the sender marked a value as unsupported (marker 0x0D)', at);
    case Marker.AvmPlus:
      throw new Amf0Error('AMF3 values (marker 0x11) are not supported', at);
    case Marker.MovieClip:
    case Marker.RecordSet:
    case Marker.XmlDocument:
      throw new Amf0Error(`marker 0x${hex(marker)} is reserved and not supported`, at);
    default:
      throw new Amf0Error(`unknown marker 0x${hex(marker)}`, at);
  }

  if (depth >= AMF0_MAX_DEPTH) {
    throw new Amf0Error(`values are nested deeper than ${AMF0_MAX_DEPTH} levels`, at);
  }
  switch (marker) {
    case Marker.Object:
      return readProperties(r, depth + 1, 'object');
    case Marker.TypedObject: {
      // The class name only matters to Flash; the properties are what a client reads.
      r.utf8(r.u16('typed object class name length'), 'typed object class name');
      return readProperties(r, depth + 1, 'typed object');
    }
    case Marker.EcmaArray:
      // The count is only a hint (encoders in the wild write 0); the end marker is authoritative.
      r.u32('ECMA array count');
      return new Amf0EcmaArray(readProperties(r, depth + 1, 'ECMA array'));
    default: {
      const countAt = r.pos;
      const count = r.u32('strict array count');
      // Every element takes at least one byte: refuse impossible counts before looping on them.
      if (count > r.buf.length - r.pos) {
        throw new Amf0Error(`strict array claims ${count} elements but only ${r.buf.length - r.pos} bytes remain`, countAt);
      }
      const items: Amf0Value[] = new Array<Amf0Value>(count);
      for (let i = 0; i < count; i++) items[i] = readValue(r, depth + 1);
      return items;
    }
  }
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0').toUpperCase();
}

function checkOffset(data: Uint8Array, offset: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset > data.length) {
    throw new RangeError(`offset ${offset} is outside the ${data.length}-byte input`);
  }
}

/** Decodes one value starting at `offset`; `next` is the offset just past it. */
export function decodeAmf0Value(data: Uint8Array, offset: number): { value: Amf0Value; next: number } {
  checkOffset(data, offset);
  const r = new Reader(asBuffer(data), offset);
  const value = readValue(r, 0);
  return { value, next: r.pos };
}

/** Decodes every value from `offset` to the end of `data`. */
export function decodeAmf0(data: Uint8Array, offset = 0): Amf0Value[] {
  checkOffset(data, offset);
  const r = new Reader(asBuffer(data), offset);
  const values: Amf0Value[] = [];
  while (r.pos < r.buf.length) values.push(readValue(r, 0));
  return values;
}
