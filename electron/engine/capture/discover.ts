import { Logger } from '../log.js';
import { parseArecordList } from './alsa.js';
import { parseAvfoundationDevices, parseAvfoundationOpenProblem } from './avfoundation.js';
import { parseDshowDevices, parseDshowOptions } from './dshow.js';
import { logLines } from './log-lines.js';
import { parseFfmpegPulseSources, parsePactlJson, parsePactlText } from './pulse.js';
import { runCommand, type CommandRunner, type RunResult } from './run.js';
import { gdigrabDesktop, parseVideoStreamLine, x11Screen } from './screens.js';
import type { CaptureDevice } from './types.js';
import { listV4l2Nodes, parseV4l2Formats, parseV4l2OpenError } from './v4l2.js';

/**
 * Finds the cameras, microphones and screens of this computer by running the listing commands of its OS.
 * A listing that fails (tool missing, timeout, no sound server) costs only the devices it would have
 * found, plus a warning that says what to do; discovery itself never throws.
 */
export interface DiscoverOptions {
  ffmpegPath: string;
  platform?: NodeJS.Platform;
  /** Limit for each listing command. */
  timeoutMs?: number;
  /**
   * Also ask each Windows or macOS camera for its formats (one more FFmpeg run per camera; on macOS it
   * briefly opens the camera). Linux always lists V4L2 formats: it is how capture nodes are told apart.
   */
  probeFormats?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Runs the listing commands; replaced in tests that replay recorded listings of other OSes. */
  run?: CommandRunner;
  v4l2SysfsRoot?: string;
}

export interface DeviceDiscovery {
  devices: CaptureDevice[];
  /** One sentence per listing that failed, for people. */
  warnings: string[];
}

const DEFAULT_TIMEOUT_MS = 10_000;
const log = new Logger('capture');

export async function discoverDevices(options: DiscoverOptions): Promise<CaptureDevice[]> {
  const { devices, warnings } = await discoverDevicesWithWarnings(options);
  for (const warning of warnings) log.warn(warning);
  return devices;
}

interface Context {
  ffmpeg: string;
  run: (command: string, args: readonly string[], extraEnv?: NodeJS.ProcessEnv) => Promise<RunResult>;
  env: NodeJS.ProcessEnv;
  probeFormats: boolean;
  v4l2SysfsRoot?: string;
  warnings: string[];
}

export async function discoverDevicesWithWarnings(options: DiscoverOptions): Promise<DeviceDiscovery> {
  const env = options.env ?? process.env;
  const runner = options.run ?? runCommand;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ctx: Context = {
    ffmpeg: options.ffmpegPath,
    run: (command, args, extraEnv) => runner(command, args, { timeoutMs, env: extraEnv ? { ...env, ...extraEnv } : env }),
    env,
    probeFormats: options.probeFormats ?? false,
    warnings: [],
  };
  if (options.v4l2SysfsRoot !== undefined) ctx.v4l2SysfsRoot = options.v4l2SysfsRoot;

  const platform = options.platform ?? process.platform;
  let devices: CaptureDevice[];
  if (platform === 'win32') devices = await discoverWindows(ctx);
  else if (platform === 'darwin') devices = await discoverMac(ctx);
  else devices = await discoverLinux(ctx);
  return { devices, warnings: ctx.warnings };
}

function ffmpegArgs(...args: string[]): string[] {
  return ['-hide_banner', '-nostdin', ...args];
}

/** The last line FFmpeg printed that is not empty: usually the reason it stopped. */
function lastLine(text: string): string {
  const lines = logLines(text)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return lines.at(-1) ?? 'no output';
}

function unsupportedFormat(stderr: string, format: string): boolean {
  return new RegExp(`Unknown input format:? '?${format}'?`).test(stderr);
}

async function discoverWindows(ctx: Context): Promise<CaptureDevice[]> {
  const listing = await ctx.run(ctx.ffmpeg, ffmpegArgs('-list_devices', 'true', '-f', 'dshow', '-i', 'dummy'));
  let devices: CaptureDevice[] = [];
  if (listing.failure) {
    ctx.warnings.push(`Could not list cameras and microphones: ${listing.failure}.`);
  } else if (unsupportedFormat(listing.stderr, 'dshow')) {
    ctx.warnings.push('This FFmpeg cannot capture DirectShow devices: use an FFmpeg build for Windows with dshow.');
  } else {
    devices = parseDshowDevices(listing.stderr);
  }
  if (ctx.probeFormats) {
    for (const device of devices) {
      if (device.kind !== 'video') continue;
      const target = device.id.slice('dshow:'.length);
      const options = await ctx.run(ctx.ffmpeg, ffmpegArgs('-f', 'dshow', '-list_options', 'true', '-i', target));
      const formats = parseDshowOptions(options.stderr);
      if (formats.length > 0) device.formats = formats;
    }
  }
  return [...devices, gdigrabDesktop()];
}

async function discoverMac(ctx: Context): Promise<CaptureDevice[]> {
  const listing = await ctx.run(ctx.ffmpeg, ffmpegArgs('-f', 'avfoundation', '-list_devices', 'true', '-i', ''));
  if (listing.failure) {
    ctx.warnings.push(`Could not list cameras, screens and microphones: ${listing.failure}.`);
    return [];
  }
  if (unsupportedFormat(listing.stderr, 'avfoundation')) {
    ctx.warnings.push('This FFmpeg cannot capture AVFoundation devices: use an FFmpeg build for macOS.');
    return [];
  }
  const devices = parseAvfoundationDevices(listing.stderr);
  if (ctx.probeFormats) {
    for (const device of devices) {
      if (device.kind !== 'video') continue;
      const index = device.id.split(':').at(-1) ?? '';
      // A rate no camera has makes AVFoundation print the modes it has, then stop.
      const probe = await ctx.run(
        ctx.ffmpeg,
        ffmpegArgs('-f', 'avfoundation', '-framerate', '1000', '-i', index, '-frames:v', '1', '-f', 'null', '-'),
      );
      const modes = parseAvfoundationOpenProblem(probe.stderr)?.modes ?? [];
      if (modes.length > 0) device.formats = modes;
    }
  }
  return devices;
}

async function discoverLinux(ctx: Context): Promise<CaptureDevice[]> {
  const [cameras, screens, audio] = await Promise.all([discoverV4l2(ctx), discoverX11(ctx), discoverLinuxAudio(ctx)]);
  return [...cameras, ...screens, ...audio];
}

async function discoverV4l2(ctx: Context): Promise<CaptureDevice[]> {
  const devices: CaptureDevice[] = [];
  // One node after the other: a camera's nodes share its driver, and the machine may have two cores.
  for (const node of await listV4l2Nodes(ctx.v4l2SysfsRoot)) {
    const result = await ctx.run(ctx.ffmpeg, ffmpegArgs('-f', 'v4l2', '-list_formats', 'all', '-i', node.path));
    if (result.failure) {
      ctx.warnings.push(`Could not list the formats of ${node.name} (${node.path}): ${result.failure}.`);
      continue;
    }
    const formats = parseV4l2Formats(result.stderr);
    if (formats.length > 0) {
      devices.push({ id: `v4l2:${node.path}`, name: node.name, kind: 'video', api: 'v4l2', formats });
      continue;
    }
    const error = parseV4l2OpenError(result.stderr);
    // UVC cameras have a second node for metadata; it is not a camera and needs no warning.
    if (error === undefined || error === 'not a video capture device' || /ioctl/i.test(error)) continue;
    const hint = /permission/i.test(error) ? ': add your user to the "video" group, then log in again' : '';
    ctx.warnings.push(`Cannot open ${node.name} (${node.path}): ${error}${hint}.`);
  }
  return devices;
}

async function discoverX11(ctx: Context): Promise<CaptureDevice[]> {
  const display = ctx.env.DISPLAY;
  if (!display) {
    if (ctx.env.WAYLAND_DISPLAY) {
      ctx.warnings.push('Screen capture needs an X11 session: this is a Wayland session without X11 ($DISPLAY is not set).');
    }
    return [];
  }
  const probe = await ctx.run(ctx.ffmpeg, ffmpegArgs('-f', 'x11grab', '-i', display, '-frames:v', '1', '-f', 'null', '-'));
  const format = parseVideoStreamLine(probe.stderr);
  if (!format) {
    const why = probe.failure ?? lastLine(probe.stderr);
    ctx.warnings.push(`Cannot capture the screen of X11 display ${display}: ${why}.`);
    return [];
  }
  return [x11Screen(display, format)];
}

async function discoverLinuxAudio(ctx: Context): Promise<CaptureDevice[]> {
  // pactl's text is translated; its JSON and FFmpeg's output are not, but C keeps every listing alike.
  const cLocale = { LC_ALL: 'C' };
  const json = await ctx.run('pactl', ['-f', 'json', 'list', 'sources'], cLocale);
  if (json.code === 0) {
    const devices = parsePactlJson(json.stdout);
    if (devices) return devices;
  }
  const problems: string[] = [];
  // pactl older than 16 has no JSON: it fails on the option but lists fine as text.
  if (json.failure === undefined) {
    const text = await ctx.run('pactl', ['list', 'sources'], cLocale);
    if (text.code === 0) return parsePactlText(text.stdout);
    problems.push(`pactl: ${text.failure ?? lastLine(text.stderr)}`);
  } else {
    problems.push(`pactl: ${json.failure}`);
  }
  const viaFfmpeg = await ctx.run(ctx.ffmpeg, ffmpegArgs('-sources', 'pulse'), cLocale);
  const fromFfmpeg = parseFfmpegPulseSources(viaFfmpeg.stdout);
  if (fromFfmpeg.length > 0) return fromFfmpeg;
  problems.push(`ffmpeg: ${viaFfmpeg.failure ?? lastLine(`${viaFfmpeg.stdout}\n${viaFfmpeg.stderr}`)}`);

  const alsa = await ctx.run('arecord', ['-l'], cLocale);
  if (alsa.code === 0) {
    ctx.warnings.push(
      `No PulseAudio or PipeWire sound server answered (${problems.join('; ')}), so only ALSA devices are listed: ` +
        'desktop audio needs one of those servers running.',
    );
    return parseArecordList(alsa.stdout);
  }
  ctx.warnings.push(
    `Could not list microphones (${problems.join('; ')}; arecord: ${alsa.failure ?? lastLine(alsa.stderr)}): ` +
      'start PulseAudio or PipeWire, or install alsa-utils.',
  );
  return [];
}
