import type { Command } from 'commander';
import { UplinkError } from '../engine/errors.js';
import { type FfmpegInfo, locateFfmpeg } from '../engine/ffmpeg/locate.js';
import { cacheDir } from '../engine/paths.js';
import { type RtmpTarget, parseRtmpUrl } from '../engine/rtmp/url.js';

/** What every sub-command may need from the global options. */
export interface CliContext {
  ffmpeg(): Promise<FfmpegInfo>;
}

export function cliContext(command: Command): CliContext {
  const { ffmpeg: explicitPath } = command.optsWithGlobals<{ ffmpeg?: string }>();
  let located: Promise<FfmpegInfo> | undefined;
  return {
    ffmpeg: () => (located ??= locateFfmpeg({ explicitPath, cacheDir: cacheDir() })),
  };
}

/** Prints one JSON document to stdout, for scripts (`--json`). */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export interface DestinationOptions {
  to?: string[];
  key?: string[];
}

/** --to URL and --key KEY, both repeatable, as `stream` and `publish` take them. */
export function addDestinationOptions(command: Command): Command {
  return command
    .option('--to <url>', 'destination rtmp[s]://host[:port]/app/KEY (repeat for several)', collect)
    .option('--key <key>', 'stream key of the --to server URL of the same rank (repeatable)', collect);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Each --to URL carries its key, or, when --key is given, each --to is a server URL and gets the --key of the same rank. */
export function targetsFromOptions(urls: readonly string[] = [], keys: readonly string[] = []): RtmpTarget[] {
  if (keys.length === 0) return urls.map((url) => parseRtmpUrl(url));
  if (keys.length !== urls.length) {
    throw new UplinkError('INVALID_ARGUMENT', `give one --key per --to (${urls.length} --to, ${keys.length} --key), or put each key in its URL`);
  }
  return urls.map((url, i) => parseRtmpUrl(url, keys[i]));
}
