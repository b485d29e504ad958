import type { CaptureDevice } from './types.js';

/**
 * PulseAudio (and PipeWire's pulse server) sources, from the best listing available: `pactl -f json list
 * sources` (pactl 16+), the text of `pactl list sources` (run with LC_ALL=C: the labels are translated),
 * or `ffmpeg -sources pulse`. A source that is the monitor of a sink records what that sink plays, i.e.
 * desktop audio; it is flagged so the UI can offer it as such rather than as a microphone.
 */

function pulseDevice(name: string, description: string | undefined, monitor: boolean): CaptureDevice {
  return { id: `pulse:${name}`, name: description || name, kind: 'audio', api: 'pulse', monitor };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value !== 'n/a' ? value : undefined;
}

/** Undefined when the text is not pactl's JSON (older pactl prints text or an error instead). */
export function parsePactlJson(stdout: string): CaptureDevice[] | undefined {
  let data: unknown;
  try {
    data = JSON.parse(stdout);
  } catch {
    return undefined;
  }
  if (!Array.isArray(data)) return undefined;
  const devices: CaptureDevice[] = [];
  for (const source of data) {
    if (!isRecord(source)) continue;
    const name = text(source.name);
    if (!name) continue;
    const properties = isRecord(source.properties) ? source.properties : {};
    // pactl 16 writes the monitored sink's name under "monitor_source" for sources (empty if none).
    const monitor =
      properties['device.class'] === 'monitor' ||
      text(source.monitor_source) !== undefined ||
      text(source.monitor_of_sink) !== undefined;
    devices.push(pulseDevice(name, text(source.description), monitor));
  }
  return devices;
}

/** `pactl list sources` in the C locale: blocks opened by `Source #N` with tab-indented fields. */
export function parsePactlText(stdout: string): CaptureDevice[] {
  const devices: CaptureDevice[] = [];
  const blocks = stdout.split(/^Source #\d+\s*$/m).slice(1);
  for (const block of blocks) {
    const field = (label: string): string | undefined =>
      text(new RegExp(`^\\t${label}: ?(.*)$`, 'm').exec(block)?.[1]?.trim());
    const name = field('Name');
    if (!name) continue;
    const deviceClass = /^\t\tdevice\.class = "(.*)"$/m.exec(block)?.[1];
    const monitor = field('Monitor of Sink') !== undefined || deviceClass === 'monitor';
    devices.push(pulseDevice(name, field('Description'), monitor));
  }
  return devices;
}

/**
 * `ffmpeg -sources pulse`: `Auto-detected sources for pulse:` then `* name [description]`, with the media
 * types ` (none)` appended since FFmpeg 5.0; `*` marks the default. It tells nothing about monitors
 * beyond PulseAudio's naming convention, `<sink>.monitor`.
 */
export function parseFfmpegPulseSources(stdout: string): CaptureDevice[] {
  const devices: CaptureDevice[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = /^[* ] (\S+) \[(.*)\](?: \([^()]*\))?\s*$/.exec(line);
    if (!m?.[1]) continue;
    devices.push(pulseDevice(m[1], m[2], m[1].endsWith('.monitor')));
  }
  return devices;
}
