import type { VideoFormat } from './types.js';

/** AVFoundation accepts a rate within 0.01 of a listed range; DirectShow compares frame intervals. */
const FPS_TOLERANCE = 0.01;

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

export function supportsFrameRate(format: VideoFormat, fps: number): boolean {
  const rates = format.fps;
  if (!rates || rates.length === 0) return true;
  const low = Math.min(...rates);
  const high = Math.max(...rates);
  return fps >= low - FPS_TOLERANCE && fps <= high + FPS_TOLERANCE;
}

/** The rate to ask the device for: the wanted one when the format takes it, else the nearest it lists. */
export function nearestFrameRate(format: VideoFormat, fps: number): number {
  const rates = format.fps;
  if (!rates || rates.length === 0 || supportsFrameRate(format, fps)) return fps;
  let best = rates[0] ?? fps;
  for (const rate of rates) if (Math.abs(rate - fps) < Math.abs(best - fps)) best = rate;
  return best;
}

export interface FormatChoice {
  format: VideoFormat;
  /** The frame rate to request, from the format's own numbers when the wanted one is not offered. */
  fps: number;
}

/**
 * The device format closest to what the canvas wants: the wanted size if offered, else the smallest
 * larger one (scaling down looks better than up), else the largest; among those, one that offers the
 * wanted frame rate. When the rate is unknown (V4L2) a compressed format wins: raw YUYV at 720p and above
 * exceeds USB 2 bandwidth at full frame rate on most webcams.
 */
export function pickVideoFormat(
  formats: readonly VideoFormat[] | undefined,
  want: { width: number; height: number; fps: number },
): FormatChoice | undefined {
  if (!formats || formats.length === 0) return undefined;
  const area = (f: VideoFormat): number => f.width * f.height;
  const exact = formats.filter((f) => f.width === want.width && f.height === want.height);
  let sized = exact;
  if (sized.length === 0) {
    const larger = formats.filter((f) => f.width >= want.width && f.height >= want.height);
    const pool = larger.length > 0 ? larger : formats;
    const target = larger.length > 0 ? Math.min(...pool.map(area)) : Math.max(...pool.map(area));
    sized = pool.filter((f) => area(f) === target);
  }
  const rank = (f: VideoFormat): number => {
    if (f.fps && f.fps.length > 0) return supportsFrameRate(f, want.fps) ? 0 : 2;
    return f.codec ? 0 : 1;
  };
  const best = [...sized].sort((a, b) => rank(a) - rank(b))[0];
  if (!best) return undefined;
  return { format: best, fps: nearestFrameRate(best, want.fps) };
}
