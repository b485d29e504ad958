/**
 * Shows program pictures (JPEG bytes) on a canvas, the newest first: while one picture decodes, later
 * ones replace each other and only the newest is shown next, so a page that falls behind skips pictures
 * instead of queueing them (the CPU it spends stays bounded by what it can show).
 *
 * What it costs, measured in Chromium with software rendering at 30 pictures a second
 * (test/bench/studio.bench.test.ts): an `<img>` fed with a new blob URL per picture, re-rendered by
 * React, spent twice the CPU per picture: the page around it was repainted and the decode ran on the
 * raster threads at the size shown. Here each picture is decoded off the main thread by
 * createImageBitmap at its own size and handed to a `bitmaprenderer` canvas without a copy; the
 * compositor scales it, and nothing else on the page is repainted. (Decoding with WebCodecs'
 * ImageDecoder and drawing the frame on a 2D canvas was measured too: the colour conversion in
 * drawImage ran on the main thread and cost more.)
 */
import type { PreviewFrame } from '../../../electron/contract.js';

/** The canvas side, narrowed so that tests can hand in a stand-in. */
export interface PictureSurface {
  width: number;
  height: number;
  dataset: DOMStringMap;
}

/** A decoded picture, shown (which consumes it) or closed. */
export interface Decoded<T> {
  image: T;
  width: number;
  height: number;
  close(): void;
}

export type Decode<T> = (jpeg: Uint8Array) => Promise<Decoded<T>>;
export type Present<T> = (image: T) => void;

export async function decodeJpeg(jpeg: Uint8Array): Promise<Decoded<ImageBitmap>> {
  const bitmap = await createImageBitmap(new Blob([jpeg as Uint8Array<ArrayBuffer>], { type: 'image/jpeg' }));
  return { image: bitmap, width: bitmap.width, height: bitmap.height, close: () => bitmap.close() };
}

export class PicturePainter<T> {
  private pending: PreviewFrame | undefined;
  private busy = false;
  private closed = false;
  private shown = -1;

  constructor(
    private readonly surface: PictureSurface,
    private readonly decode: Decode<T>,
    private readonly present: Present<T>,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** The newest picture: shown as soon as the one being decoded is done (older pictures in between are skipped). */
  show(picture: PreviewFrame): void {
    if (this.closed || picture.seq <= this.shown) return;
    this.pending = picture;
    if (!this.busy) void this.drain();
  }

  close(): void {
    this.closed = true;
    this.pending = undefined;
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.pending && !this.closed) {
      const picture = this.pending;
      this.pending = undefined;
      try {
        const decoded = await this.decode(picture.jpeg);
        try {
          if (!this.closed && picture.seq > this.shown) this.draw(picture.seq, decoded);
        } finally {
          decoded.close();
        }
      } catch (err) {
        // One bad picture (cut short, not a JPEG) is skipped; the next one is shown.
        this.onError(err);
      }
    }
    this.busy = false;
  }

  private draw(seq: number, decoded: Decoded<T>): void {
    const { surface } = this;
    if (surface.width !== decoded.width) surface.width = decoded.width;
    if (surface.height !== decoded.height) surface.height = decoded.height;
    this.present(decoded.image);
    this.shown = seq;
    // Which picture the canvas shows: the preview-latency benchmark pairs it with when it was made.
    surface.dataset.seq = String(seq);
  }
}
