import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PREVIEW, JpegSplitter, PreviewReader, previewChain, previewOutput, type PreviewFrame } from '../../electron/engine/scenes/preview.js';
import { tmpDir } from '../helpers/fixtures.js';

/** Real JPEGs as FFmpeg's mjpeg encoder writes them, one file per picture: the truth to split into. */
let pictures: Buffer[] = [];
let stream: Buffer;

beforeAll(() => {
  const dir = tmpDir(`preview-unit-${process.pid}`);
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=s=96x64:r=10', '-frames:v', '4', '-c:v', 'mjpeg', '-q:v', '5', join(dir, 'p%02d.jpg')]);
  pictures = readdirSync(dir)
    .filter((name) => name.endsWith('.jpg'))
    .sort()
    .map((name) => readFileSync(join(dir, name)));
  rmSync(dir, { recursive: true, force: true });
  stream = Buffer.concat(pictures);
});

/** A deterministic generator, so a failing pattern can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function splitAll(splitter: JpegSplitter, chunks: Buffer[]): Buffer[] {
  return chunks.flatMap((chunk) => splitter.push(chunk));
}

/** The same JPEG with a comment segment holding an EOI marker's bytes, which a naive search would cut at. */
function withTrickyComment(jpeg: Buffer): Buffer {
  const text = Buffer.from([0xff, 0xd9, 0xff, 0xd8, 0x41]);
  const com = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, text.length + 2]), text]);
  return Buffer.concat([jpeg.subarray(0, 2), com, jpeg.subarray(2)]);
}

describe('JpegSplitter', () => {
  it('has real pictures to work on', () => {
    expect(pictures).toHaveLength(4);
    for (const p of pictures) expect([p[0], p[1], p[p.length - 2], p[p.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
  });

  it('splits a whole stream pushed at once', () => {
    expect(new JpegSplitter().push(stream)).toEqual(pictures);
  });

  it('splits the same way at every single chunk boundary', () => {
    for (let cut = 0; cut <= stream.length; cut += 1) {
      const out = splitAll(new JpegSplitter(), [stream.subarray(0, cut), stream.subarray(cut)]);
      if (out.length !== pictures.length || !out.every((p, i) => p.equals(pictures[i]!))) throw new Error(`wrong split with a cut at ${cut}`);
    }
  });

  it('splits a stream fed byte by byte and in random chunk sizes', () => {
    const bytes = Array.from(stream, (_, i) => stream.subarray(i, i + 1));
    expect(splitAll(new JpegSplitter(), bytes)).toEqual(pictures);
    const random = lcg(7);
    for (let round = 0; round < 50; round += 1) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < stream.length; ) {
        const size = 1 + Math.floor(random() * 700);
        chunks.push(stream.subarray(at, at + size));
        at += size;
      }
      expect(splitAll(new JpegSplitter(), chunks)).toEqual(pictures);
    }
  });

  it('does not cut a picture at FFD9 or FFD8 bytes inside a segment', () => {
    const tricky = withTrickyComment(pictures[0]!);
    expect(new JpegSplitter().push(Buffer.concat([tricky, pictures[1]!]))).toEqual([tricky, pictures[1]]);
  });

  it('skips garbage before, between and after pictures', () => {
    const noise = (n: number, seed: number): Buffer => {
      const random = lcg(seed);
      return Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    };
    const input = Buffer.concat([noise(5000, 1), pictures[0]!, noise(3000, 2), pictures[1]!, Buffer.from([0xff]), pictures[2]!, noise(100, 3)]);
    const cuts = lcg(11);
    for (let round = 0; round < 20; round += 1) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < input.length; ) {
        const size = 1 + Math.floor(cuts() * 2000);
        chunks.push(input.subarray(at, at + size));
        at += size;
      }
      expect(splitAll(new JpegSplitter(), chunks)).toEqual([pictures[0], pictures[1], pictures[2]]);
    }
  });

  it('drops a truncated picture and returns every whole one after it, in order', () => {
    const half = pictures[0]!.subarray(0, Math.floor(pictures[0]!.length / 2));
    // Cut inside a segment header: the next picture's SOI is first read as that segment's length, so
    // the splitter only finds its error (and resynchronises) once that many bytes have arrived.
    const headerOnly = pictures[1]!.subarray(0, 40);
    const more = Array.from({ length: 40 }, () => pictures).flat();
    const splitter = new JpegSplitter();
    expect(splitAll(splitter, [half, pictures[2]!, headerOnly, pictures[3]!, ...more])).toEqual([pictures[2], pictures[3], ...more]);
    // A stream that ends inside a picture just returns nothing more.
    expect(splitter.push(half)).toEqual([]);
  });

  it('keeps memory bounded on garbage and on a picture that never ends, then recovers', () => {
    const maxBytes = 64 * 1024;
    const splitter = new JpegSplitter(maxBytes);
    const random = lcg(5);
    const noise = Buffer.from(Array.from({ length: 256 * 1024 }, () => Math.floor(random() * 256)));
    // SOI, a scan header, then scan data that never reaches a marker.
    const endless = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 0x3f, 0]), Buffer.alloc(1024 * 1024, 0x11)]);
    let peak = 0;
    for (const input of [noise, endless]) {
      for (let at = 0; at < input.length; at += 10_000) {
        expect(splitter.push(input.subarray(at, at + 10_000))).toEqual([]);
        peak = Math.max(peak, splitter.buffered);
      }
    }
    expect(peak).toBeLessThanOrEqual(maxBytes);
    expect(splitter.push(Buffer.concat([pictures[0]!, pictures[1]!]))).toEqual([pictures[0], pictures[1]]);
  });

  it('drops a picture larger than maxBytes and keeps the following ones', () => {
    const splitter = new JpegSplitter(Math.max(...pictures.map((p) => p.length)) + 64);
    const big = Buffer.concat([pictures[0]!.subarray(0, -2), Buffer.alloc(50_000, 0x22), Buffer.from([0xff, 0xd9])]);
    expect(splitter.push(Buffer.concat([big, pictures[1]!, pictures[2]!]))).toEqual([pictures[1], pictures[2]]);
  });
});

describe('JpegSplitter, fuzzed', () => {
  const SEED = 808;

  it('finds exactly the pictures among garbage without 0xFF bytes, however the stream is cut', () => {
    const garbage = fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes.map((b) => (b === 0xff ? 0x7f : b))));
    const piece = fc.record({ picture: fc.nat({ max: 3 }), before: garbage });
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }), garbage, fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 20 }), (pieces, tail, sizes) => {
        const input = Buffer.concat([...pieces.flatMap((p) => [p.before, pictures[p.picture]!]), tail]);
        const chunks: Buffer[] = [];
        for (let at = 0, i = 0; at < input.length; i += 1) {
          const size = sizes[i % sizes.length]!;
          chunks.push(input.subarray(at, at + size));
          at += size;
        }
        expect(splitAll(new JpegSplitter(), chunks)).toEqual(pieces.map((p) => pictures[p.picture]));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('never throws, stays within maxBytes and returns only SOI..EOI pieces on arbitrary bytes', () => {
    const maxBytes = 4096;
    // Arbitrary bytes, spiked with markers and pieces of real pictures so that parsing gets somewhere.
    const part = fc.oneof(
      fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
      fc.constantFrom(...[0xd8, 0xd9, 0xda, 0xdb, 0xc0, 0x00, 0xd0, 0xff].map((m) => Buffer.from([0xff, m]))),
      fc.tuple(fc.nat({ max: 3 }), fc.nat(), fc.nat()).map(([i, a, b]) => {
        const p = pictures[i]!;
        return p.subarray(Math.min(a, b) % p.length, Math.max(a, b) % (p.length + 1));
      }),
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 40 }), (parts) => {
        const splitter = new JpegSplitter(maxBytes);
        for (const chunk of parts) {
          for (const jpeg of splitter.push(chunk)) {
            expect([jpeg[0], jpeg[1], jpeg[jpeg.length - 2], jpeg[jpeg.length - 1]]).toEqual([0xff, 0xd8, 0xff, 0xd9]);
            expect(jpeg.length).toBeLessThanOrEqual(maxBytes);
          }
          expect(splitter.buffered).toBeLessThanOrEqual(maxBytes);
        }
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe('PreviewReader', () => {
  it('numbers frames, keeps only the newest and ends with the pipe', async () => {
    const pipe = new PassThrough();
    const reader = new PreviewReader(pipe);
    const seen: PreviewFrame[] = [];
    reader.on('frame', (frame) => seen.push(frame));
    const ended = new Promise<void>((resolve) => reader.once('end', resolve));
    expect(reader.latest()).toBeUndefined();
    pipe.write(stream.subarray(0, 100));
    pipe.write(stream.subarray(100));
    pipe.end();
    await ended;
    expect(seen.map((f) => f.seq)).toEqual([1, 2, 3, 4]);
    expect(seen.map((f) => f.jpeg)).toEqual(pictures);
    expect(reader.frames).toBe(4);
    expect(reader.latest()).toBe(seen[3]);
    expect(seen.every((f, i) => f.at >= 0 && (i === 0 || f.at >= seen[i - 1]!.at))).toBe(true);
  });
});

describe('preview graph and output', () => {
  it('lowers the rate before scaling and letterboxes', () => {
    expect(previewChain(DEFAULT_PREVIEW)).toBe(
      'fps=15,scale=640:360:flags=fast_bilinear:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=640:360:(ow-iw)/2:(oh-ih)/2,setsar=1',
    );
    expect(() => previewChain({ width: 641, height: 360, fps: 15 })).toThrow(RangeError);
    expect(() => previewChain({ width: 640, height: 360, fps: 60 })).toThrow(RangeError);
  });

  it('writes MJPEG through a fifo that drops rather than blocks', () => {
    expect(previewOutput('preview', 5)).toEqual({
      args: ['-map', '[preview]', '-c:v', 'mjpeg', '-q:v', '5', '-f', 'fifo', '-fifo_format', 'mjpeg', '-queue_size', '15', '-drop_pkts_on_overflow', '1', '-attempt_recovery', '0'],
      url: 'pipe:5',
    });
    expect(previewOutput('p', 3, { quality: 8 }).args).toContain('8');
    expect(() => previewOutput('p', 3, { quality: 1 })).toThrow(RangeError);
    expect(() => previewOutput('p', 1)).toThrow(RangeError);
  });
});
