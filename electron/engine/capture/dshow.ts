import { fpsRange, uniqueFormats } from './formats.js';
import { logLines, parseNumber } from './log-lines.js';
import type { CaptureDevice, VideoFormat } from './types.js';

/**
 * Parsers for `ffmpeg -list_devices true -f dshow -i dummy` and `ffmpeg -f dshow -list_options true -i
 * video=...` (Windows DirectShow).
 *
 * FFmpeg 4.x prints a "DirectShow video devices" header, then ` "name"` lines, then a "DirectShow audio
 * devices" header. FFmpeg 5.0 dropped the headers and ends each name with its media types: `"name" (video)`,
 * `(audio)`, `(audio, video)` for a capture card with an audio pin, `(none)` when the driver reports no
 * type. Every version follows a name with `Alternative name "@device_..."`, which is unique where names are
 * not (two identical webcams), so ids and FFmpeg input strings use it.
 */

type MediaKind = 'video' | 'audio';

interface Entry {
  name: string;
  kinds: MediaKind[];
  alternativeName?: string;
}

const NAME_LINE = /^\s*"(.*)"(?:\s+\(([^()]*)\))?\s*$/;
const ALTERNATIVE_LINE = /^\s*Alternative name\s+"(.*)"\s*$/;

export function parseDshowDevices(stderr: string): CaptureDevice[] {
  const entries: Entry[] = [];
  let section: MediaKind | undefined;
  // 5.x lists the video category first, then the audio one; a "(none)" entry takes the category it is in.
  let seenAudioCategory = false;
  for (const line of logLines(stderr)) {
    if (/DirectShow video devices/.test(line)) {
      section = 'video';
      continue;
    }
    if (/DirectShow audio devices/.test(line)) {
      section = 'audio';
      continue;
    }
    const alternative = ALTERNATIVE_LINE.exec(line);
    if (alternative) {
      const last = entries.at(-1);
      if (last && last.alternativeName === undefined) last.alternativeName = alternative[1];
      continue;
    }
    const named = NAME_LINE.exec(line);
    if (!named) continue;
    const name = named[1] ?? '';
    const types = named[2];
    let kinds: MediaKind[];
    if (types === undefined || types.trim() === 'none') {
      kinds = [section ?? (seenAudioCategory ? 'audio' : 'video')];
    } else {
      const listed = types.split(',').map((t) => t.trim());
      kinds = (['video', 'audio'] as const).filter((k) => listed.includes(k));
      if (listed.length === 1 && listed[0] === 'audio') seenAudioCategory = true;
      if (kinds.length === 0) continue;
    }
    entries.push({ name, kinds });
  }

  const devices: CaptureDevice[] = [];
  const ids = new Set<string>();
  for (const entry of entries) {
    for (const kind of entry.kinds) {
      const id = `dshow:${kind}=${entry.alternativeName ?? entry.name}`;
      if (ids.has(id)) continue;
      ids.add(id);
      const device: CaptureDevice = { id, name: entry.name, kind, api: 'dshow' };
      if (entry.alternativeName !== undefined) device.alternativeName = entry.alternativeName;
      devices.push(device);
    }
  }
  return devices;
}

const VIDEO_OPTION_LINE =
  /^\s*(?:pixel_format=(\S+)|vcodec=(\S+)|unknown compression type \S+)\s+min s=(\d+)x(\d+) fps=(\S+) max s=(\d+)x(\d+) fps=(\S+)/;

/**
 * Video formats from `-list_options true`: `pixel_format=yuyv422  min s=640x480 fps=5 max s=640x480 fps=30`
 * or `vcodec=mjpeg ...`, with a colour description after it since 5.0. A format whose compression FFmpeg
 * cannot decode is skipped. Audio lines (`ch= 2, bits=16, rate= 44100`, or 4.x `min ch=1 bits=8 ...`) are
 * not video formats and are ignored.
 */
export function parseDshowOptions(stderr: string): VideoFormat[] {
  const formats: VideoFormat[] = [];
  for (const line of logLines(stderr)) {
    const m = VIDEO_OPTION_LINE.exec(line);
    if (!m) continue;
    const [, pixelFormat, codec, , , minFps, maxW, maxH, maxFps] = m;
    if (pixelFormat === undefined && codec === undefined) continue;
    const width = Number(maxW);
    const height = Number(maxH);
    const low = parseNumber(minFps ?? '');
    const high = parseNumber(maxFps ?? '');
    const format: VideoFormat = { width, height };
    if (pixelFormat !== undefined) format.pixelFormat = pixelFormat;
    if (codec !== undefined) format.codec = codec;
    if (low !== undefined && high !== undefined) format.fps = fpsRange(low, high);
    else if (high !== undefined) format.fps = [high];
    formats.push(format);
  }
  return uniqueFormats(formats);
}
