import type { VideoFormat } from './types.js';

/** AVFoundation matches a rate within 0.01 of a listed one; the same slack absorbs 30 vs 30.000030. */
const FPS_TOLERANCE = 0.01;

/**
 * How a device takes a frame rate from a reported range: DirectShow takes any rate inside it ('range');
 * AVFoundation takes only the range's upper end (`fabs(framerate - max_framerate) < 0.01` in
 * avfoundation.m), so a camera listing `1280x720@[1.000000 30.000000]fps` refuses 29.97 ('upper').
 */
export type FrameRateRule = 'range' | 'upper';

/** Listings repeat formats (DirectShow lists each one with and without colour information). */
export function uniqueFormats(formats: readonly VideoFormat[]): VideoFormat[] {
  const seen = new Set<string>();
  const out: VideoFormat[] = [];
  for (const format of formats) {
    const key = `${format.pixelFormat ?? ''}|${format.codec ?? ''}|${format.width}x${format.height}|${(format.fps ?? []).join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(format);
  }
  return out;
}

/** The ends of a reported range, ascending and without repeats, so `[30, 30]` becomes `[30]`. */
export function fpsRange(min: number, max: number): number[] {
  const low = Math.min(min, max);
  const high = Math.max(min, max);
  return low === high ? [low] : [low, high];
}

/** True when the format takes `fps`, or when it does not say which rates it takes. */
export function supportsFrameRate(format: VideoFormat, fps: number, rule: FrameRateRule = 'range'): boolean {
  const rates = format.fps;
  if (!rates || rates.length === 0) return true;
  const low = Math.min(...rates);
  const high = Math.max(...rates);
  if (rule === 'upper') return Math.abs(fps - high) < FPS_TOLERANCE;
  return fps >= low - FPS_TOLERANCE && fps <= high + FPS_TOLERANCE;
}

/** The rate to ask the device for: the wanted one when the format takes it, else the nearest it takes. */
export function nearestFrameRate(format: VideoFormat, fps: number, rule: FrameRateRule = 'range'): number {
  const rates = format.fps;
  if (!rates || rates.length === 0 || supportsFrameRate(format, fps, rule)) return fps;
  const low = Math.min(...rates);
  const high = Math.max(...rates);
  if (rule === 'upper') return high;
  return Math.min(Math.max(fps, low), high);
}

export interface FormatChoice {
  format: VideoFormat;
  /** The frame rate to request, from the format's own numbers when the wanted one is not offered. */
  fps: number;
}

/**
 * The device format closest to what the canvas wants: the wanted size if offered, else the smallest
 * larger one (scaling down looks better than up), else the largest; among those, one that takes the wanted
 * frame rate (raw before compressed: nothing to decode), else the one whose rate is nearest. When rates
 * are unknown (V4L2) a compressed format wins: raw YUYV at 720p and above exceeds USB 2 bandwidth at full
 * frame rate on most webcams.
 */
export function pickVideoFormat(
  formats: readonly VideoFormat[] | undefined,
  want: { width: number; height: number; fps: number },
  rule: FrameRateRule = 'range',
): FormatChoice | undefined {
  if (!formats || formats.length === 0) return undefined;
  const area = (f: VideoFormat): number => f.width * f.height;
  let sized = formats.filter((f) => f.width === want.width && f.height === want.height);
  if (sized.length === 0) {
    const larger = formats.filter((f) => f.width >= want.width && f.height >= want.height);
    const pool = larger.length > 0 ? larger : formats;
    const target = larger.length > 0 ? Math.min(...pool.map(area)) : Math.max(...pool.map(area));
    sized = pool.filter((f) => area(f) === target);
  }
  // Among compressed formats MJPEG comes first: every UVC camera does it well, while their H.264 varies
  // with firmware.
  const codecCost = (f: VideoFormat): number => (f.codec === undefined ? 0 : f.codec === 'mjpeg' ? 0.1 : 0.2);
  const rank = (f: VideoFormat): number => {
    if (!f.fps || f.fps.length === 0) return f.codec ? codecCost(f) : 1;
    if (supportsFrameRate(f, want.fps, rule)) return codecCost(f);
    return 2 + Math.abs(nearestFrameRate(f, want.fps, rule) - want.fps) / 1000;
  };
  // Array.prototype.sort is stable: equal ranks keep the device's own order.
  const best = [...sized].sort((a, b) => rank(a) - rank(b))[0];
  if (!best) return undefined;
  return { format: best, fps: nearestFrameRate(best, want.fps, rule) };
}
