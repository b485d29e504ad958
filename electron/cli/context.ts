import type { Command } from 'commander';
import { UplinkError } from '../engine/errors.js';
import { redact } from '../engine/log.js';
import type { FfmpegInfo } from '../engine/ffmpeg/locate.js';
import { cacheDir } from '../engine/paths.js';
import { type RtmpTarget, parseRtmpUrl } from '../engine/rtmp/url.js';
import { type ServicePreset, getService, isServiceId } from '../engine/services/presets.js';
import { targetForService } from '../engine/services/target.js';

/** What every sub-command may need from the global options. */
export interface CliContext {
  ffmpeg(): Promise<FfmpegInfo>;
}

export function cliContext(command: Command): CliContext {
  const { ffmpeg: explicitPath } = command.optsWithGlobals<{ ffmpeg?: string }>();
  let located: Promise<FfmpegInfo> | undefined;
  return {
    // Loaded on demand: `publish` never needs FFmpeg.
    ffmpeg: () => (located ??= import('../engine/ffmpeg/locate.js').then(({ locateFfmpeg }) => locateFfmpeg({ explicitPath, cacheDir: cacheDir() }))),
  };
}

/** Prints one JSON document to stdout, for scripts (`--json`), every string in it redacted. */
export function printJson(value: unknown): void {
  process.stdout.write(`${jsonForPeople(value)}\n`);
}

/**
 * JSON with every string value redacted where it stands: redacting the finished text would miss a key
 * whose characters JSON escapes (a quote, a backslash). Errors carry their message (see UplinkError.toJSON).
 */
export function jsonForPeople(value: unknown): string {
  return JSON.stringify(value, (_name, item: unknown) => (typeof item === 'string' ? redact(item) : item), 2);
}

export interface DestinationOptions {
  to?: string[];
  key?: string[];
}

/** --to URL and --key KEY, both repeatable, as `stream` and `publish` take them. */
export function addDestinationOptions(command: Command): Command {
  return command
    .option('--to <url>', 'destination: rtmp[s]://host[:port]/app/KEY, or twitch, youtube, facebook or kick with --key (repeatable)', collect)
    .option('--key <key>', 'stream key of the --to server URL of the same rank (repeatable)', collect);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export interface DestinationSpec {
  target: RtmpTarget;
  /** The service named by --to (twitch, youtube, facebook, kick), whose limits the settings are checked against. */
  service?: ServicePreset;
}

/**
 * Each --to is a URL that carries its key, a server URL, or a service name (twitch, youtube, facebook,
 * kick: its default ingest). When --key is given, each --to gets the --key of the same rank.
 */
export function destinationsFromOptions(urls: readonly string[] = [], keys: readonly string[] = []): DestinationSpec[] {
  if (keys.length > 0 && keys.length !== urls.length) {
    throw new UplinkError('INVALID_ARGUMENT', `give one --key per --to (${urls.length} --to, ${keys.length} --key), or put each key in its URL`);
  }
  return urls.map((url, i) => {
    const key = keys[i];
    const name = url.trim().toLowerCase();
    if (isServiceId(name) && name !== 'custom') {
      const service = getService(name);
      if (key === undefined) throw new UplinkError('MISSING_STREAM_KEY', `--to ${name} needs its stream key: add --key KEY (find it at ${service.streamKeyHint})`);
      return { target: targetForService(service, { streamKey: key }), service };
    }
    return { target: key === undefined ? parseRtmpUrl(url) : parseRtmpUrl(url, key) };
  });
}

export function targetsFromOptions(urls: readonly string[] = [], keys: readonly string[] = []): RtmpTarget[] {
  return destinationsFromOptions(urls, keys).map((destination) => destination.target);
}
