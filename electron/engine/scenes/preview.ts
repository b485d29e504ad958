/**
 * The program preview: a cheap copy of the program picture, JPEG-encoded by the compositor's FFmpeg on a
 * side pipe, and the reader that turns that pipe into frames where the newest one wins.
 *
 * Graph usage (the compositor builds it):
 *   -filter_complex "...[program]split=2[video][preview_in];[preview_in]${previewChain(opts)}[preview]"
 *   ...main output... ${previewOutput('preview', 5).args} pipe:5
 *
 * Measured on FFmpeg 5.1 (Debian 12), 720p30 program:
 * - Any output that blocks stops the whole process: a plain `-f mjpeg pipe:N` whose reader pauses stops
 *   the program. Through the fifo muxer with drop_pkts_on_overflow the program keeps its rate while the
 *   reader is paused for 5 s; packets are dropped, never waited for.
 * - On overflow the fifo muxer drops every queued packet once its writer thread gets going again ("FIFO
 *   queue flushed"), so after a pause the reader gets what the pipe held (about a frame) and then live
 *   pictures, whatever queue_size is. The queue only absorbs short hiccups of the reader.
 * - A preview pipe closed by its reader fails the whole FFmpeg (EPIPE, "Conversion failed!") even
 *   through the fifo muxer: PreviewReader therefore never closes the pipe, it reads it to the end.
 */
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { FfmpegOutput } from '../ffmpeg/argv.js';
import { onPipeEnd } from './pipe-end.js';

export interface PreviewOptions {
  width: number;
  height: number;
  /** Up to 30. */
  fps: number;
}

export const DEFAULT_PREVIEW: PreviewOptions = Object.freeze({ width: 640, height: 360, fps: 15 });

export const MAX_PREVIEW_FPS = 30;

/** mjpeg -q:v: 2 (best) .. 31. 5 gives about 30-50 KB per 640x360 picture. */
const DEFAULT_QUALITY = 5;

/**
 * Packets the fifo muxer holds while the reader is late: half a second at 30 fps, a second at 15, at most
 * about 1 MB of JPEGs. Longer stalls are dropped rather than queued: a viewer wants the newest picture.
 */
const PREVIEW_QUEUE_PACKETS = 15;

function checkPreview(opts: PreviewOptions): void {
  const even = (n: number): boolean => Number.isInteger(n) && n >= 16 && n % 2 === 0;
  if (!even(opts.width) || !even(opts.height)) {
    throw new RangeError(`preview size ${opts.width}x${opts.height}: width and height must be even integers of at least 16`);
  }
  if (!(opts.fps > 0 && opts.fps <= MAX_PREVIEW_FPS)) throw new RangeError(`preview fps ${opts.fps}: must be in (0, ${MAX_PREVIEW_FPS}]`);
}

/**
 * Filters that turn the program picture into preview pictures, to follow a `split` of the program. The
 * frame rate goes down first, so the scaler only sees pictures that are kept; fast_bilinear because a
 * preview does not need a better scaler; a picture of another aspect is letterboxed, not stretched.
 */
export function previewChain(opts: PreviewOptions): string {
  checkPreview(opts);
  const { width: w, height: h, fps } = opts;
  return [
    `fps=${fps}`,
    `scale=${w}:${h}:flags=fast_bilinear:force_original_aspect_ratio=decrease:force_divisible_by=2`,
    `pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2`,
    'setsar=1',
  ].join(',');
}

/**
 * Output options for the preview on `pipe:fd`: MJPEG (each packet one whole JPEG) through the fifo
 * muxer, which writes from its own thread and drops packets when its queue is full, so a reader that
 * stops reading never blocks the program (see the file comment). `label` is the graph output to map.
 */
export function previewOutput(label: string, fd: number, opts: { quality?: number } = {}): FfmpegOutput {
  const quality = opts.quality ?? DEFAULT_QUALITY;
  if (!Number.isInteger(quality) || quality < 2 || quality > 31) throw new RangeError(`preview quality ${quality}: must be an integer in 2..31`);
  if (!Number.isInteger(fd) || fd < 3) throw new RangeError(`preview fd ${fd}: side pipes start at 3`);
  return {
    args: [
      '-map', `[${label}]`,
      '-c:v', 'mjpeg',
      '-q:v', String(quality),
      '-f', 'fifo',
      '-fifo_format', 'mjpeg',
      '-queue_size', String(PREVIEW_QUEUE_PACKETS),
      '-drop_pkts_on_overflow', '1',
      // A failed write is a reader gone for good: retrying would only hold packets longer.
      '-attempt_recovery', '0',
    ],
    url: `pipe:${fd}`,
  };
}

export interface PreviewFrame {
  /** 1 for the first frame the reader saw. */
  seq: number;
  jpeg: Buffer;
  /** ms since the reader started, when it arrived */
  at: number;
}

export const DEFAULT_MAX_JPEG_BYTES = 4 * 1024 * 1024;

type SplitPhase = 'seek' | 'markers' | 'entropy';

/**
 * Splits an MJPEG byte stream into whole JPEG images. It walks the JPEG structure (marker segments by
 * their length, entropy-coded data up to the next real marker) rather than searching for FFD9, which
 * can occur inside a table or a comment. Memory is bounded: the buffer never holds more than maxBytes;
 * a picture that would not fit, or bytes that do not parse, are dropped and the stream is resynchronised
 * at the next SOI (FFD8).
 */
export class JpegSplitter {
  private readonly maxBytes: number;
  private buf: Buffer;
  private len = 0;
  /** Offset of the current picture's SOI in `buf`; -1 while seeking one. */
  private start = -1;
  /** Where parsing continues; in 'markers' it can run past `len` while a segment is still arriving. */
  private pos = 0;
  private phase: SplitPhase = 'seek';

  constructor(maxBytes = DEFAULT_MAX_JPEG_BYTES) {
    if (!Number.isInteger(maxBytes) || maxBytes < 64) throw new RangeError(`maxBytes ${maxBytes}: must be an integer of at least 64`);
    this.maxBytes = maxBytes;
    this.buf = Buffer.allocUnsafe(Math.min(maxBytes, 256 * 1024));
  }

  /** Bytes held now (for tests of the bound). */
  get buffered(): number {
    return this.len;
  }

  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      this.compact();
      if (this.len === this.maxBytes) {
        // The picture in progress cannot fit: give it up and look for the next one in what is held.
        this.resyncAfter(this.start);
        this.parse(out);
        this.compact();
      }
      const take = Math.min(chunk.length - offset, this.maxBytes - this.len);
      this.append(chunk.subarray(offset, offset + take));
      offset += take;
      this.parse(out);
    }
    return out;
  }

  private append(bytes: Buffer): void {
    const needed = this.len + bytes.length;
    if (needed > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.min(this.maxBytes, Math.max(needed, this.buf.length * 2)));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    bytes.copy(this.buf, this.len);
    this.len = needed;
  }

  /** Drops bytes nobody needs: everything before the current SOI, or everything scanned while seeking. */
  private compact(): void {
    let keepFrom: number;
    if (this.start >= 0) keepFrom = this.start;
    // While seeking, a lone trailing 0xFF may be the first half of the next SOI.
    else keepFrom = this.len > 0 && this.buf[this.len - 1] === 0xff ? this.len - 1 : this.len;
    if (keepFrom === 0) return;
    this.buf.copy(this.buf, 0, keepFrom, this.len);
    this.len -= keepFrom;
    this.pos = Math.max(0, this.pos - keepFrom);
    if (this.start >= 0) this.start -= keepFrom;
  }

  /** Abandons the picture at `from` and seeks the next SOI after it. */
  private resyncAfter(from: number): void {
    this.phase = 'seek';
    this.start = -1;
    this.pos = from + 1;
  }

  private parse(out: Buffer[]): void {
    // A view of the valid bytes, so that searches never run into stale capacity.
    const b = this.buf.subarray(0, this.len);
    for (;;) {
      if (this.phase === 'seek') {
        const soi = findSoi(b, this.pos);
        if (soi < 0) {
          // The last byte is searched again: it may be the 0xFF of an SOI split across chunks.
          this.pos = Math.max(this.pos, this.len - 1);
          return;
        }
        this.start = soi;
        this.pos = soi + 2;
        this.phase = 'markers';
        continue;
      }

      if (this.phase === 'entropy') {
        if (this.pos >= this.len) return;
        const ff = b.indexOf(0xff, this.pos);
        if (ff < 0 || ff >= this.len - 1) {
          this.pos = ff < 0 ? this.len : ff;
          return;
        }
        const next = b[ff + 1]!;
        // FF00 is a stuffed data byte, FFD0-FFD7 restart markers, FFFF fill: all part of the scan.
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) this.pos = ff + 2;
        else if (next === 0xff) this.pos = ff + 1;
        else {
          this.pos = ff;
          this.phase = 'markers';
        }
        continue;
      }

      // 'markers': a marker is expected at pos.
      if (this.pos + 2 > this.len) return;
      if (b[this.pos] !== 0xff) {
        this.resyncAfter(this.start);
        continue;
      }
      const marker = b[this.pos + 1]!;
      if (marker === 0xff) {
        this.pos += 1;
        continue;
      }
      if (marker === 0xd9) {
        out.push(Buffer.from(b.subarray(this.start, this.pos + 2)));
        this.phase = 'seek';
        this.pos += 2;
        this.start = -1;
        continue;
      }
      if (marker === 0xd8) {
        // A new picture began before this one ended (a truncated picture): keep the new one.
        this.start = this.pos;
        this.pos += 2;
        continue;
      }
      if (marker === 0x00) {
        this.resyncAfter(this.start);
        continue;
      }
      if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        this.pos += 2;
        continue;
      }
      if (this.pos + 4 > this.len) return;
      const length = b.readUInt16BE(this.pos + 2);
      if (length < 2) {
        this.resyncAfter(this.start);
        continue;
      }
      this.pos += 2 + length;
      if (marker === 0xda) this.phase = 'entropy';
      // A segment still arriving: pos stays past len until its bytes are here.
      if (this.pos > this.len) return;
    }
  }
}

function findSoi(bytes: Buffer, from: number): number {
  let i = from;
  for (;;) {
    const ff = bytes.indexOf(0xff, i);
    if (ff < 0 || ff >= bytes.length - 1) return -1;
    if (bytes[ff + 1] === 0xd8) return ff;
    i = ff + 1;
  }
}

/**
 * Reads the preview pipe to its end and always drains it (a pipe left full would stall FFmpeg's fifo
 * writer thread, and one closed early fails FFmpeg). Keeps only the newest frame and emits 'frame' for
 * every frame: a consumer that is slow takes `latest()` when it is ready, or listens and drops, and
 * never slows the pipe. The reader never pauses or closes the pipe itself.
 */
export class PreviewReader extends EventEmitter<{ frame: [PreviewFrame]; end: [] }> {
  private readonly splitter: JpegSplitter;
  private readonly startedAt = performance.now();
  private newest: PreviewFrame | undefined;
  private count = 0;

  constructor(pipe: Readable, maxJpegBytes?: number) {
    super();
    this.splitter = new JpegSplitter(maxJpegBytes);
    pipe.on('data', (chunk: Buffer) => this.onData(chunk));
    onPipeEnd(pipe, () => this.emit('end'));
  }

  latest(): PreviewFrame | undefined {
    return this.newest;
  }

  /** Frames seen so far. */
  get frames(): number {
    return this.count;
  }

  private onData(chunk: Buffer): void {
    for (const jpeg of this.splitter.push(chunk)) {
      this.count += 1;
      const frame: PreviewFrame = { seq: this.count, jpeg, at: performance.now() - this.startedAt };
      this.newest = frame;
      this.emit('frame', frame);
    }
  }
}
