import { logLines } from './log-lines.js';
import type { CaptureDevice, VideoFormat } from './types.js';

/**
 * Screens that are not in a device listing: the X11 display of this session (x11grab) on Linux and the
 * Windows desktop (gdigrab). macOS screens come with the AVFoundation listing.
 */

export function x11Screen(display: string, format?: VideoFormat): CaptureDevice {
  const device: CaptureDevice = { id: `x11grab:${display}`, name: `Screen ${display}`, kind: 'screen', api: 'x11grab' };
  if (format) device.formats = [format];
  return device;
}

export function gdigrabDesktop(): CaptureDevice {
  return { id: 'gdigrab:desktop', name: 'Desktop', kind: 'screen', api: 'gdigrab' };
}

/**
 * The first video stream FFmpeg reports when it opens an input:
 * `Stream #0:0: Video: rawvideo (BGR[0] / 0x524742), bgr0, 640x480, 294617 kb/s, 29.97 fps, ...`.
 * Used to learn a screen's size from a one-frame x11grab capture. The rate it shows is only the grabber's
 * default, not a limit of the screen, so it is left out.
 */
export function parseVideoStreamLine(stderr: string): VideoFormat | undefined {
  for (const line of logLines(stderr)) {
    const m = /Stream #\d+:\d+.*?: Video: (.*)$/.exec(line);
    if (!m?.[1]) continue;
    // Parenthesised details hold commas of their own: "yuv420p(tv, bt709, progressive)".
    let flat = m[1];
    for (let prev = ''; prev !== flat; ) {
      prev = flat;
      flat = flat.replace(/\([^()]*\)/g, '');
    }
    const parts = flat.split(',').map((p) => p.trim());
    const sizeIndex = parts.findIndex((p) => /^\d+x\d+\b/.test(p));
    const size = /^(\d+)x(\d+)/.exec(parts[sizeIndex] ?? '');
    if (!size) continue;
    const format: VideoFormat = { width: Number(size[1]), height: Number(size[2]) };
    const pixelFormat = sizeIndex >= 2 ? parts[sizeIndex - 1] : undefined;
    if (pixelFormat && /^[a-z0-9_]+$/.test(pixelFormat)) format.pixelFormat = pixelFormat;
    return format;
  }
  return undefined;
}
