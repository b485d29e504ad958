import { describe, expect, it } from 'vitest';
import {
  AMF0_MAX_DEPTH,
  Amf0EcmaArray,
  Amf0Error,
  decodeAmf0,
  decodeAmf0Value,
  encodeAmf0,
  type Amf0Object,
  type Amf0Value,
} from '../../electron/engine/rtmp/amf0.js';

/** Bytes written as hex with optional spaces, as the AMF0 spec's examples print them. */
function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

function amf0ErrorOf(fn: () => unknown): Amf0Error {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(Amf0Error);
    return err as Amf0Error;
  }
  throw new Error('expected an Amf0Error, nothing was thrown');
}

const ONE = '3FF0000000000000'; // IEEE 754 double 1.0

describe('AMF0 golden vectors (AMF0 spec section 2)', () => {
  const vectors: Array<[string, Amf0Value, string]> = [
    ['number 1.0', 1, `00 ${ONE}`],
    ['number -2.5', -2.5, '00 C004000000000000'],
    ['boolean true', true, '01 01'],
    ['boolean false', false, '01 00'],
    ['string', 'hi', '02 0002 6869'],
    ['empty string', '', '02 0000'],
    ['UTF-8 string', 'é', '02 0002 C3A9'],
    ['object', { a: 1 }, `03 0001 61 00${ONE} 0000 09`],
    ['empty object', {}, '03 0000 09'],
    ['null', null, '05'],
    ['undefined', undefined, '06'],
    ['ECMA array', new Amf0EcmaArray({ a: 'b' }), '08 00000001 0001 61 02000162 0000 09'],
    ['strict array', [1, 'x'], `0A 00000002 00${ONE} 02000178`],
    ['date (epoch, time zone 0)', new Date(0), '0B 0000000000000000 0000'],
    ['date', new Date(1_000), '0B 408F400000000000 0000'],
  ];

  for (const [name, value, bytes] of vectors) {
    it(`encodes and decodes ${name}`, () => {
      expect(encodeAmf0(value).toString('hex')).toBe(hex(bytes).toString('hex'));
      expect(decodeAmf0(hex(bytes))).toEqual([value]);
    });
  }

  it('encodes an RTMP connect command as the bytes a server expects', () => {
    const bytes = encodeAmf0('connect', 1, { app: 'live', objectEncoding: 0 });
    const expected = hex(
      '02 0007 636F6E6E656374' + // "connect"
        `00 ${ONE}` + // transaction id 1
        '03' +
        '0003 617070 02 0004 6C697665' + // app: "live"
        '000E 6F626A656374456E636F64696E67 00 0000000000000000' + // objectEncoding: 0
        '0000 09',
    );
    expect(bytes.toString('hex')).toBe(expected.toString('hex'));
  });

  it('uses a long string (0x0C) above 65535 UTF-8 bytes, a short one at exactly 65535', () => {
    const atLimit = 'a'.repeat(0xffff);
    const encodedAtLimit = encodeAmf0(atLimit);
    expect(encodedAtLimit.subarray(0, 3).toString('hex')).toBe('02ffff');
    expect(encodedAtLimit.length).toBe(3 + 0xffff);

    const over = 'b'.repeat(0x10000);
    const encodedOver = encodeAmf0(over);
    expect(encodedOver.subarray(0, 5).toString('hex')).toBe('0c00010000');
    expect(decodeAmf0(encodedOver)).toEqual([over]);

    // The limit counts UTF-8 bytes, not characters: 30000 three-byte characters need a long string.
    const wide = '€'.repeat(30_000);
    expect(encodeAmf0(wide)[0]).toBe(0x0c);
    expect(decodeAmf0(encodeAmf0(wide))).toEqual([wide]);
  });

  it('decodes a typed object (0x10) as a plain object, dropping the class name', () => {
    const typed = hex(`10 0003 466F6F 0001 61 00${ONE} 0000 09`);
    expect(decodeAmf0(typed)).toEqual([{ a: 1 }]);
  });

  it('decodes an ECMA array whose count is wrong, trusting the end marker', () => {
    // Several encoders write a count of 0; the properties still follow.
    const bytes = hex(`08 00000000 0001 61 00${ONE} 0001 62 0101 0000 09`);
    const [value] = decodeAmf0(bytes);
    expect(value).toBeInstanceOf(Amf0EcmaArray);
    expect((value as Amf0EcmaArray).entries).toEqual({ a: 1, b: true });
  });
});

describe('AMF0 round trips', () => {
  it('round-trips an onStatus-like message with nested values', () => {
    const values: Amf0Value[] = [
      'onStatus',
      0,
      null,
      {
        level: 'status',
        code: 'NetStream.Publish.Start',
        description: 'Start publishing',
        details: { list: [1, 2, [3, { deep: new Date(1_700_000_000_000) }]], none: undefined, nan: Number.NaN },
        meta: new Amf0EcmaArray({ width: 1280, height: 720, stereo: true }),
      },
    ];
    const decoded = decodeAmf0(encodeAmf0(...values));
    expect(decoded).toEqual(values);
  });

  it('keeps ECMA arrays and objects apart in both directions', () => {
    const decoded = decodeAmf0(encodeAmf0(new Amf0EcmaArray({ x: 1 }), { x: 1 }));
    expect(decoded[0]).toBeInstanceOf(Amf0EcmaArray);
    expect(decoded[1]).not.toBeInstanceOf(Amf0EcmaArray);
    expect(encodeAmf0(...decoded)).toEqual(encodeAmf0(new Amf0EcmaArray({ x: 1 }), { x: 1 }));
  });

  it('keeps special numbers bit-exact', () => {
    const [neg0, inf, nan] = decodeAmf0(encodeAmf0(-0, Number.POSITIVE_INFINITY, Number.NaN));
    expect(Object.is(neg0, -0)).toBe(true);
    expect(inf).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(nan)).toBe(true);
  });

  it('decodes one value at a time from an offset', () => {
    const bytes = encodeAmf0('_result', 1, { fmsVer: 'FMS/3,0,1,123' });
    const first = decodeAmf0Value(bytes, 0);
    expect(first.value).toBe('_result');
    const second = decodeAmf0Value(bytes, first.next);
    expect(second.value).toBe(1);
    const third = decodeAmf0Value(bytes, second.next);
    expect(third.value).toEqual({ fmsVer: 'FMS/3,0,1,123' });
    expect(third.next).toBe(bytes.length);
    expect(decodeAmf0(bytes, first.next)).toEqual([1, { fmsVer: 'FMS/3,0,1,123' }]);
  });

  it('decodes from a Uint8Array view that does not start at the beginning of its buffer', () => {
    const inner = encodeAmf0('x', 2);
    const backing = new Uint8Array(inner.length + 7);
    backing.set(inner, 5);
    expect(decodeAmf0(backing.subarray(5, 5 + inner.length))).toEqual(['x', 2]);
  });

  it('encodes holes of sparse arrays as undefined', () => {
    const sparse: Amf0Value[] = [];
    sparse[2] = 1;
    expect(decodeAmf0(encodeAmf0(sparse))).toEqual([[undefined, undefined, 1]]);
  });
});

describe('AMF0 hostile and malformed input', () => {
  it('keeps a __proto__ key as an own property without touching any prototype', () => {
    // {"__proto__": {"polluted": true}, "constructor": 1}
    const bytes = hex('03 0009 5F5F70726F746F5F5F 03 0008 706F6C6C75746564 0101 0000 09 000B 636F6E7374727563746F72 00' + ONE + ' 0000 09');
    const [value] = decodeAmf0(bytes);
    const obj = value as Amf0Object;
    expect(Object.getPrototypeOf(obj)).toBe(Object.prototype);
    expect(Object.keys(obj)).toEqual(['__proto__', 'constructor']);
    expect(Object.getOwnPropertyDescriptor(obj, '__proto__')?.value).toEqual({ polluted: true });
    expect((obj as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    // And it survives a round trip as a key, not as a prototype.
    expect(Object.keys(decodeAmf0(encodeAmf0(obj))[0] as Amf0Object)).toEqual(['__proto__', 'constructor']);
  });

  const truncated: Array<[string, string, number]> = [
    ['empty number', '00', 1],
    ['half a number', '00 3FF000', 1],
    ['boolean without value', '01', 1],
    ['string length cut', '02 00', 1],
    ['string body cut', '02 0005 6869', 3],
    ['long string body cut', '0C 00000010 6869', 5],
    ['date without time zone', '0B 0000000000000000 00', 9],
    ['object without end marker', `03 0001 61 00${ONE}`, 13],
    ['object with a key but no value', '03 0001 61', 4],
    ['object key cut', '03 0005 6162', 3],
    ['ECMA array count cut', '08 0000', 1],
  ];
  for (const [name, bytes, offset] of truncated) {
    it(`reports truncation (${name}) with the offset of the missing field`, () => {
      const err = amf0ErrorOf(() => decodeAmf0(hex(bytes)));
      expect(err.code).toBe('AMF0_MALFORMED');
      expect(err.offset).toBe(offset);
      expect(err.message).toContain(`at byte ${offset}`);
    });
  }

  it('rejects a strict array that claims more elements than bytes remain, before looping on them', () => {
    const err = amf0ErrorOf(() => decodeAmf0(hex('0A FFFFFFFF 05 05')));
    expect(err.offset).toBe(1);
    expect(err.message).toContain('4294967295');
  });

  const unsupported: Array<[string, string, RegExp]> = [
    ['reference', '07 0001', /reference/i],
    ['unsupported marker', '0D', /unsupported/i],
    ['AMF3 switch', '11 01', /AMF3/],
    ['movie clip', '04', /reserved/],
    ['unknown marker', 'FE', /unknown marker 0xFE/],
    ['object end at top level', '09', /object end/],
  ];
  for (const [name, bytes, message] of unsupported) {
    it(`gives a typed error for ${name}`, () => {
      // A valid value first, so the offset has to point past it.
      const input = Buffer.concat([hex('05'), hex(bytes)]);
      const err = amf0ErrorOf(() => decodeAmf0(input));
      expect(err.offset).toBe(1);
      expect(err.message).toMatch(message);
    });
  }

  it(`accepts ${AMF0_MAX_DEPTH} nested containers and rejects one more`, () => {
    const nest = (depth: number): Buffer => Buffer.concat([Buffer.from('0A00000001'.repeat(depth), 'hex'), hex('05')]);
    const ok = decodeAmf0(nest(AMF0_MAX_DEPTH));
    let level: Amf0Value = ok[0];
    for (let i = 1; i < AMF0_MAX_DEPTH; i++) level = (level as Amf0Value[])[0];
    expect(level).toEqual([null]);

    const err = amf0ErrorOf(() => decodeAmf0(nest(AMF0_MAX_DEPTH + 1)));
    expect(err.offset).toBe(AMF0_MAX_DEPTH * 5);
    // The encoder refuses what the decoder would refuse.
    const wrap = (depth: number): Amf0Value => (depth === 0 ? null : [wrap(depth - 1)]);
    expect(encodeAmf0(wrap(AMF0_MAX_DEPTH)).equals(nest(AMF0_MAX_DEPTH))).toBe(true);
    expect(() => encodeAmf0(wrap(AMF0_MAX_DEPTH + 1))).toThrow(TypeError);
    // Hostile depth far beyond the stack's reach is refused the same way.
    expect(() => decodeAmf0(Buffer.alloc(1_000_000, 0x03))).toThrow(Amf0Error);
  });

  it('throws TypeError for values AMF0 cannot hold', () => {
    expect(() => encodeAmf0((() => 1) as unknown as Amf0Value)).toThrow(TypeError);
    expect(() => encodeAmf0(Symbol('s') as unknown as Amf0Value)).toThrow(TypeError);
    expect(() => encodeAmf0(10n as unknown as Amf0Value)).toThrow(TypeError);
    expect(() => encodeAmf0({ nested: new Map() } as unknown as Amf0Value)).toThrow(TypeError);
    const cyclic: Amf0Object = {};
    cyclic.self = cyclic;
    expect(() => encodeAmf0(cyclic)).toThrow(/cyclic/);
  });
});
