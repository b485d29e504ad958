import { fpsRange, uniqueFormats } from './formats.js';
import { logLines, parseNumber } from './log-lines.js';
import type { CaptureDevice, VideoFormat } from './types.js';

/**
 * Parsers for macOS AVFoundation: the device listing of `ffmpeg -f avfoundation -list_devices true -i ""`
 * and the complaints FFmpeg prints when a camera refuses what it was asked for.
 *
 * The listing is `AVFoundation video devices:`, `[0] FaceTime HD Camera`, `[1] Capture screen 0`, then
 * `AVFoundation audio devices:`, `[0] MacBook Pro Microphone`. Screens are listed among the video devices
 * as "Capture screen N". The index is what FFmpeg takes (`-i "1"` for video, `-i ":0"` for audio).
 */

const DEVICE_LINE = /^\[(\d+)\] (.+?)\s*$/;
const SCREEN_NAME = /^Capture screen \d+$/;

export function parseAvfoundationDevices(stderr: string): CaptureDevice[] {
  const devices: CaptureDevice[] = [];
  let section: 'video' | 'audio' | undefined;
  for (const line of logLines(stderr)) {
    if (/AVFoundation video devices:/.test(line)) {
      section = 'video';
      continue;
    }
    if (/AVFoundation audio devices:/.test(line)) {
      section = 'audio';
      continue;
    }
    if (!section) continue;
    const m = DEVICE_LINE.exec(line);
    if (!m) continue;
    const index = m[1] ?? '';
    const name = m[2] ?? '';
    const kind = section === 'audio' ? 'audio' : SCREEN_NAME.test(name) ? 'screen' : 'video';
    devices.push({ id: `avfoundation:${section}:${index}`, name, kind, api: 'avfoundation' });
  }
  return devices;
}

export type AvfoundationRefusal = 'framerate' | 'video-size' | 'pixel-format';

export interface AvfoundationOpenProblem {
  /** What the device refused; the frame rate and size refusals are fatal, the pixel format one is not. */
  refused: AvfoundationRefusal[];
  /** From "Supported modes:", e.g. `1280x720@[1.000000 30.000000]fps`. */
  modes: VideoFormat[];
  /** From "Supported pixel formats:". */
  pixelFormats: string[];
  /** The pixel format FFmpeg fell back to ("Overriding selected pixel format to use nv12 instead."). */
  pixelFormatUsed?: string;
}

const MODE_LINE = /^\s*(\d+)x(\d+)@\[(\S+) (\S+)\]fps\s*$/;
const PIXEL_FORMAT_LINE = /^\s+([a-z0-9_]+)\s*$/;

/**
 * What an AVFoundation open attempt said about the camera's modes. A camera refuses a frame rate it does
 * not list ("Selected framerate (29.970030) is not supported by the device." followed by the supported
 * modes) or a size; for a pixel format it lists the supported ones and picks one itself. Returns
 * undefined when the text has none of this.
 */
export function parseAvfoundationOpenProblem(stderr: string): AvfoundationOpenProblem | undefined {
  const refused = new Set<AvfoundationRefusal>();
  const modes: VideoFormat[] = [];
  const pixelFormats: string[] = [];
  let pixelFormatUsed: string | undefined;
  let list: 'modes' | 'pixel-formats' | undefined;
  for (const line of logLines(stderr)) {
    if (/Selected framerate \(.*\) is not supported by the device/.test(line)) refused.add('framerate');
    if (/Selected video size \(.*\) is not supported by the device/.test(line)) refused.add('video-size');
    if (/Selected pixel format \(.*\) is not supported by the input device/.test(line)) refused.add('pixel-format');
    const override = /Overriding selected pixel format to use (\S+) instead/.exec(line);
    if (override) pixelFormatUsed = override[1];
    if (/^Supported modes:/.test(line)) {
      list = 'modes';
      continue;
    }
    if (/^Supported pixel formats:/.test(line)) {
      list = 'pixel-formats';
      continue;
    }
    if (list === 'modes') {
      const m = MODE_LINE.exec(line);
      if (m) {
        const low = parseNumber(m[3] ?? '');
        const high = parseNumber(m[4] ?? '');
        const mode: VideoFormat = { width: Number(m[1]), height: Number(m[2]) };
        if (low !== undefined && high !== undefined) mode.fps = fpsRange(low, high);
        modes.push(mode);
        continue;
      }
    }
    if (list === 'pixel-formats') {
      const m = PIXEL_FORMAT_LINE.exec(line);
      if (m?.[1]) {
        if (!pixelFormats.includes(m[1])) pixelFormats.push(m[1]);
        continue;
      }
    }
    list = undefined;
  }
  if (refused.size === 0 && modes.length === 0 && pixelFormats.length === 0) return undefined;
  const problem: AvfoundationOpenProblem = { refused: [...refused], modes: uniqueFormats(modes), pixelFormats };
  if (pixelFormatUsed !== undefined) problem.pixelFormatUsed = pixelFormatUsed;
  return problem;
}
