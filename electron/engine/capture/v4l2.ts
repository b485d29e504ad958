import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uniqueFormats } from './formats.js';
import { logLines } from './log-lines.js';
import type { VideoFormat } from './types.js';

/**
 * Linux Video4Linux2: the nodes under /sys/class/video4linux and the formats of one node from
 * `ffmpeg -f v4l2 -list_formats all -i /dev/videoN`, which prints per format
 * `Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 1280x720` or
 * `Compressed:       mjpeg :          Motion-JPEG : 640x480 ...`; drivers with free sizes (v4l2loopback,
 * vivid) print `{32-1920, 2}x{32-1080, 2}` instead of a list. The description may itself hold colons
 * ("YUYV 4:2:2"), so fields are split on " :" only.
 */

const FORMAT_LINE = /^(Raw|Compressed)\s*:\s*(\S+)\s+:\s(.*?)\s:(\sEmulated\s:)?(.*)$/;
const SIZE = /\{(\d+)-(\d+), (\d+)\}x\{(\d+)-(\d+), (\d+)\}|(\d+)x(\d+)/g;

export function parseV4l2Formats(stderr: string): VideoFormat[] {
  const formats: VideoFormat[] = [];
  for (const line of logLines(stderr)) {
    const m = FORMAT_LINE.exec(line);
    if (!m) continue;
    const [, type, name, , emulated, sizes] = m;
    // "Unsupported": FFmpeg has no name for the format, so it cannot ask for it. Emulated formats exist
    // only through libv4l2 conversion, which Uplink does not turn on.
    if (!name || name === 'Unsupported' || emulated) continue;
    for (const size of (sizes ?? '').matchAll(SIZE)) {
      // A stepwise range is offered as its largest size: the format picker scales down from there.
      const width = Number(size[2] ?? size[7]);
      const height = Number(size[5] ?? size[8]);
      const format: VideoFormat = type === 'Raw' ? { pixelFormat: name, width, height } : { codec: name, width, height };
      formats.push(format);
    }
  }
  return uniqueFormats(formats);
}

/**
 * Why a node cannot capture, from the same command's stderr: UVC cameras add a metadata node
 * ("Not a video capture device."), and a node may be unreadable for the user. Undefined if no such line.
 */
export function parseV4l2OpenError(stderr: string): string | undefined {
  for (const line of logLines(stderr)) {
    if (/Not a video capture device/.test(line)) return 'not a video capture device';
    const cannotOpen = /Cannot open video device (\S+): (.+)$/.exec(line);
    if (cannotOpen) return cannotOpen[2]?.trim();
    const ioctl = /^ioctl\((\w+)\): (.+)$/.exec(line.trim());
    if (ioctl) return `${ioctl[1]}: ${ioctl[2]}`;
  }
  return undefined;
}

export interface V4l2Node {
  /** `/dev/videoN` */
  path: string;
  /** The driver's card name from sysfs, e.g. "HD Pro Webcam C920". */
  name: string;
}

/** The /dev/video* nodes the kernel knows, in number order; empty when there is no V4L2 at all. */
export async function listV4l2Nodes(sysfsRoot = '/sys/class/video4linux'): Promise<V4l2Node[]> {
  let entries: string[];
  try {
    entries = await readdir(sysfsRoot);
  } catch {
    return [];
  }
  const numbered = entries
    .map((entry) => ({ entry, n: /^video(\d+)$/.exec(entry)?.[1] }))
    .filter((e): e is { entry: string; n: string } => e.n !== undefined)
    .sort((a, b) => Number(a.n) - Number(b.n));
  const nodes: V4l2Node[] = [];
  for (const { entry } of numbered) {
    let name = entry;
    try {
      name = (await readFile(join(sysfsRoot, entry, 'name'), 'utf8')).trim() || entry;
    } catch {
      // A node without a readable name is still a node; its /dev name stands in.
    }
    nodes.push({ path: `/dev/${entry}`, name });
  }
  return nodes;
}
