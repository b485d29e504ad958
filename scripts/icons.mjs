// Every platform's icons from the one source image, resources/icon.svg (run by `npm run dist`; the
// outputs are not committed, so they cannot drift from the source):
//   build/icons/NxN.png   Linux (electron-builder takes the folder: desktop entry, AppImage, deb)
//   build/icon.png        1024 px, the window icon and what electron-builder falls back to
//   build/icon.ico        Windows (app, NSIS installer and uninstaller)
//   build/icon.icns       macOS (app, dmg)
// Each size is rendered from the vector source (no downscaled blur). ICO and ICNS are small containers
// of PNGs, written here rather than by another dependency: the ICO's small sizes are 32-bit bitmaps,
// which every Windows icon reader (NSIS's included) understands; its 256 px entry is a PNG, as
// Windows has read it since Vista.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024];
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** ICNS entry types and their pixel sizes (the @2x types share pixels with the next size up). */
export const ICNS_TYPES = [
  ['icp4', 16],
  ['icp5', 32],
  ['icp6', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic09', 512],
  ['ic10', 1024],
  ['ic11', 32],
  ['ic12', 64],
  ['ic13', 512],
  ['ic14', 1024],
];

/**
 * An ICO file: `images` are { size, png, rgba? }; an entry with `rgba` (straight, not premultiplied,
 * top-down RGBA) is stored as a 32-bit bitmap, one without as its PNG.
 */
export function buildIco(images) {
  const entries = images.map(({ size, png, rgba }) => ({ size, data: rgba ? icoBitmap(size, rgba) : png }));
  const header = Buffer.alloc(6 + 16 * entries.length);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(entries.length, 4);
  let offset = header.length;
  entries.forEach(({ size, data }, i) => {
    const at = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, at); // 0 means 256
    header.writeUInt8(size >= 256 ? 0 : size, at + 1);
    header.writeUInt8(0, at + 2); // no palette
    header.writeUInt8(0, at + 3);
    header.writeUInt16LE(1, at + 4); // planes
    header.writeUInt16LE(32, at + 6); // bits per pixel
    header.writeUInt32LE(data.length, at + 8);
    header.writeUInt32LE(offset, at + 12);
    offset += data.length;
  });
  return Buffer.concat([header, ...entries.map(({ data }) => data)]);
}

/** A BITMAPINFOHEADER, BGRA rows bottom-up, then the (unused, all-zero) 1-bit AND mask. */
function icoBitmap(size, rgba) {
  const info = Buffer.alloc(40);
  info.writeUInt32LE(40, 0);
  info.writeInt32LE(size, 4);
  info.writeInt32LE(size * 2, 8); // the XOR bitmap and the AND mask, stacked
  info.writeUInt16LE(1, 12);
  info.writeUInt16LE(32, 14);
  info.writeUInt32LE(0, 16); // BI_RGB
  info.writeUInt32LE(size * size * 4, 20);
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const from = (y * size + x) * 4;
      const to = ((size - 1 - y) * size + x) * 4;
      pixels[to] = rgba[from + 2];
      pixels[to + 1] = rgba[from + 1];
      pixels[to + 2] = rgba[from];
      pixels[to + 3] = rgba[from + 3];
    }
  }
  const maskRow = Math.ceil(size / 32) * 4;
  return Buffer.concat([info, pixels, Buffer.alloc(maskRow * size)]);
}

/** An ICNS file: `entries` are [type, png] in order. */
export function buildIcns(entries) {
  const chunks = entries.map(([type, png]) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + chunks.reduce((n, c) => n + c.length, 0), 4);
  return Buffer.concat([head, ...chunks]);
}

/** Premultiplied RGBA (what resvg renders) to straight RGBA (what a bitmap icon holds). */
export function unpremultiply(pixels) {
  const out = Buffer.from(pixels);
  for (let i = 0; i < out.length; i += 4) {
    const a = out[i + 3];
    if (a === 0 || a === 255) continue;
    for (let c = 0; c < 3; c++) out[i + c] = Math.min(255, Math.round((out[i + c] * 255) / a));
  }
  return out;
}

/** Renders the SVG at every size any platform asks for: Map size -> { png, rgba }. */
export async function renderSizes(svg, sizes) {
  const { Resvg } = await import('@resvg/resvg-js');
  const rendered = new Map();
  for (const size of new Set(sizes)) {
    const image = new Resvg(svg, { fitTo: { mode: 'width', value: size } }).render();
    if (image.width !== size || image.height !== size) throw new Error(`icon source must be square: rendered ${image.width}x${image.height} for ${size}`);
    rendered.set(size, { png: Buffer.from(image.asPng()), rgba: unpremultiply(image.pixels) });
  }
  return rendered;
}

/** Writes every icon into `outDir` (build/): the file names electron-builder.yml points at. */
export async function writeIcons(sourceSvg, outDir) {
  const svg = await readFile(sourceSvg);
  const sizes = [...LINUX_SIZES, ...ICO_SIZES, ...ICNS_TYPES.map(([, size]) => size)];
  const rendered = await renderSizes(svg, sizes);
  const png = (size) => rendered.get(size).png;
  await mkdir(join(outDir, 'icons'), { recursive: true });
  const written = [];
  const write = async (name, data) => {
    await writeFile(join(outDir, name), data);
    written.push(name);
  };
  for (const size of LINUX_SIZES) await write(join('icons', `${size}x${size}.png`), png(size));
  await write('icon.png', png(1024));
  await write('icon.ico', buildIco(ICO_SIZES.map((size) => (size >= 256 ? { size, png: png(size) } : { size, png: png(size), rgba: rendered.get(size).rgba }))));
  await write('icon.icns', buildIcns(ICNS_TYPES.map(([type, size]) => [type, png(size)])));
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(import.meta.dirname, '..');
  const written = await writeIcons(join(root, 'resources', 'icon.svg'), join(root, 'build'));
  console.log(`icons: ${written.length} files in build/ from resources/icon.svg`);
}
