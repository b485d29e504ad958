/**
 * Every platform's icons come from resources/icon.svg (scripts/icons.mjs): the PNG sizes Linux takes,
 * the ICO and ICNS containers read back entry by entry, and the pictures themselves (the mark's blue in
 * the middle, transparent corners) at the smallest size too.
 */
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ICNS_TYPES, ICO_SIZES, LINUX_SIZES, buildIco, unpremultiply, writeIcons } from '../../scripts/icons.mjs';
import { TMP_ROOT } from '../helpers/fixtures.js';

const ROOT = join(import.meta.dirname, '..', '..');
let out: string;

/** A PNG's size from its IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.toString('latin1', 12, 16)).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

interface IcoEntry {
  size: number;
  data: Buffer;
}

function readIco(ico: Buffer): IcoEntry[] {
  expect(ico.readUInt16LE(0)).toBe(0);
  expect(ico.readUInt16LE(2)).toBe(1);
  return Array.from({ length: ico.readUInt16LE(4) }, (_, i) => {
    const at = 6 + 16 * i;
    const size = ico.readUInt8(at) || 256;
    expect(ico.readUInt8(at + 1) || 256).toBe(size);
    expect(ico.readUInt16LE(at + 6)).toBe(32);
    const length = ico.readUInt32LE(at + 8);
    const offset = ico.readUInt32LE(at + 12);
    return { size, data: ico.subarray(offset, offset + length) };
  });
}

/** RGBA of pixel (x, y) of a 32-bit ICO bitmap (rows bottom-up, BGRA). */
function bitmapPixel(entry: IcoEntry, x: number, y: number): [number, number, number, number] {
  const at = 40 + ((entry.size - 1 - y) * entry.size + x) * 4;
  return [entry.data[at + 2]!, entry.data[at + 1]!, entry.data[at]!, entry.data[at + 3]!];
}

beforeAll(async () => {
  mkdirSync(TMP_ROOT, { recursive: true });
  out = mkdtempSync(join(TMP_ROOT, 'icons-'));
  await writeIcons(join(ROOT, 'resources', 'icon.svg'), out);
});

describe('icons from resources/icon.svg', () => {
  it('has a square PNG per Linux size, and a 1024 px icon.png', () => {
    for (const size of LINUX_SIZES) expect(pngSize(readFileSync(join(out, 'icons', `${size}x${size}.png`)))).toEqual({ width: size, height: size });
    expect(pngSize(readFileSync(join(out, 'icon.png')))).toEqual({ width: 1024, height: 1024 });
  });

  it('has an ICO with 16 to 256 px: bitmaps up to 128 (every reader, NSIS too, takes them), a PNG at 256', () => {
    const entries = readIco(readFileSync(join(out, 'icon.ico')));
    expect(entries.map((e) => e.size)).toEqual(ICO_SIZES);
    for (const entry of entries.filter((e) => e.size < 256)) {
      expect(entry.data.readUInt32LE(0)).toBe(40);
      expect(entry.data.readInt32LE(4)).toBe(entry.size);
      expect(entry.data.readInt32LE(8)).toBe(entry.size * 2);
      expect(entry.data.length).toBe(40 + entry.size * entry.size * 4 + Math.ceil(entry.size / 32) * 4 * entry.size);
    }
    expect(pngSize(entries.at(-1)!.data)).toEqual({ width: 256, height: 256 });
  });

  it('draws the mark at 16 px: the accent blue in the middle, transparent corners (straight alpha, not premultiplied)', () => {
    const sixteen = readIco(readFileSync(join(out, 'icon.ico'))).find((e) => e.size === 16)!;
    const [r, g, b, a] = bitmapPixel(sixteen, 8, 6);
    expect(a).toBe(255);
    expect(b).toBeGreaterThan(200);
    expect(b).toBeGreaterThan(r + 60);
    expect(g).toBeGreaterThan(r);
    expect(bitmapPixel(sixteen, 0, 0)[3]).toBe(0);
    expect([...unpremultiply(Buffer.from([64, 0, 0, 128, 10, 20, 30, 0, 1, 2, 3, 255]))]).toEqual([128, 0, 0, 128, 10, 20, 30, 0, 1, 2, 3, 255]);
  });

  it('has an ICNS with every macOS type, each entry a PNG of its size', () => {
    const icns = readFileSync(join(out, 'icon.icns'));
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const found: [string, number][] = [];
    for (let at = 8; at < icns.length; ) {
      const type = icns.toString('latin1', at, at + 4);
      const length = icns.readUInt32BE(at + 4);
      found.push([type, pngSize(icns.subarray(at + 8, at + length)).width]);
      at += length;
    }
    expect(found).toEqual(ICNS_TYPES);
  });

  it('writes 256 px and larger ICO entries as 0 in the directory, as the format says', () => {
    const png = readFileSync(join(out, 'icons', '256x256.png'));
    const ico = buildIco([{ size: 256, png }]);
    expect(ico.readUInt8(6)).toBe(0);
    expect(ico.readUInt32LE(6 + 8)).toBe(png.length);
    expect(ico.subarray(22)).toEqual(png);
  });
});
