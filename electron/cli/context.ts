import type { Command } from 'commander';
import { UplinkError } from '../engine/errors.js';
import { redact, registerSecret } from '../engine/log.js';
import type { FfmpegInfo } from '../engine/ffmpeg/locate.js';
import { cacheDir } from '../engine/paths.js';
import { type RtmpTarget, carriesStreamKey, parseRtmpUrl } from '../engine/rtmp/url.js';
import { type ServiceId, type ServicePreset, getService, isServiceId } from '../engine/services/presets.js';
import { targetForService } from '../engine/services/target.js';
import { type KeySource, STREAM_KEY_ENV, readStreamKeys } from './stream-keys.js';

/** What every sub-command may need from the global options. */
export interface CliContext {
  ffmpeg(): Promise<FfmpegInfo>;
}

export function cliContext(command: Command): CliContext {
  const { ffmpeg: explicitPath } = command.optsWithGlobals<{ ffmpeg?: string }>();
  let located: Promise<FfmpegInfo> | undefined;
  return {
    // Loaded on demand: `publish` never needs FFmpeg.
    ffmpeg: () => (located ??= import('../engine/ffmpeg/locate.js').then(({ locateFfmpeg }) => locateFfmpeg({ explicitPath, chosenWith: '--ffmpeg', cacheDir: cacheDir() }))),
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
  /** Every key, in the order given: --key values, and (once the command runs) those read by --key-file and --key-env. */
  key?: string[];
  keyFile?: string[];
  keyEnv?: string[];
}

const STREAM_KEY_HELP = `
Stream keys: --key shows in \`ps\` and in your shell history. Prefer --key-file FILE
(a file that holds only the key; chmod 600 it) or --key-env NAME (the key in the
environment variable NAME). Each is repeatable, and together they give one key
per --to, in the order written. With none of them, ${STREAM_KEY_ENV} is the key
of the one --to that has no key in it (a service name or a server URL).`;

/**
 * --to URL and the key options, repeatable, as `stream` and `publish` take them. Keys read from files
 * and the environment are put in `key` before the command runs, in command-line order, so a command
 * reads every key from one list.
 */
export function addDestinationOptions(command: Command): Command {
  // Each command parses once: the order of the three key options across each other is kept here.
  const keySources: KeySource[] = [];
  const remember =
    (kind: KeySource['kind']) =>
    (value: string, previous: string[] = []): string[] => {
      keySources.push({ kind, value });
      return [...previous, value];
    };
  return command
    .option('--to <url>', 'destination: rtmp[s]://host[:port]/app/KEY, or twitch, youtube, facebook or kick with a key (repeatable)', collect)
    .option('--key <key>', 'stream key of the --to of the same rank (repeatable; visible in ps, see below)', remember('key'))
    .option('--key-file <file>', 'read the stream key of the --to of the same rank from FILE (repeatable)', remember('file'))
    .option('--key-env <name>', 'read the stream key of the --to of the same rank from the environment variable NAME (repeatable)', remember('env'))
    .addHelpText('after', STREAM_KEY_HELP)
    .hook('preAction', (self) => {
      if (keySources.some((source) => source.kind !== 'key')) self.setOptionValue('key', readStreamKeys(keySources, process.env));
    });
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
 * kick: its default ingest). When keys are given, each --to gets the key of the same rank; when none is,
 * UPLINK_STREAM_KEY in `env` goes to the one --to that needs a key. The same destination twice is refused.
 */
export function destinationsFromOptions(urls: readonly string[] = [], keys: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): DestinationSpec[] {
  if (keys.length > 0 && keys.length !== urls.length) {
    throw new UplinkError(
      'INVALID_ARGUMENT',
      `give one key (--key, --key-file or --key-env) per --to (${urls.length} --to, ${keys.length} keys), or put each key in its URL`,
    );
  }
  const keyOfRank = keys.length > 0 ? (i: number) => keys[i] : keyFromEnvironment(urls, env);
  const destinations = urls.map((url, i): DestinationSpec => {
    const key = keyOfRank(i);
    const name = serviceName(url);
    if (name !== undefined) {
      const service = getService(name);
      if (key === undefined) {
        throw new UplinkError('MISSING_STREAM_KEY', `--to ${name} needs its stream key: add --key-file FILE, --key-env NAME or --key KEY (find it at ${service.streamKeyHint})`);
      }
      return { target: targetForService(service, { streamKey: key }), service };
    }
    return { target: key === undefined ? parseRtmpUrl(url) : parseRtmpUrl(url, key) };
  });
  refuseDuplicates(destinations.map((destination) => destination.target));
  return destinations;
}

function serviceName(url: string): Exclude<ServiceId, 'custom'> | undefined {
  const name = url.trim().toLowerCase();
  return isServiceId(name) && name !== 'custom' ? name : undefined;
}

/** The one --to that names a service or a server without its key gets UPLINK_STREAM_KEY. */
function keyFromEnvironment(urls: readonly string[], env: NodeJS.ProcessEnv): (rank: number) => string | undefined {
  const key = env[STREAM_KEY_ENV]?.trim() ?? '';
  if (key === '') return () => undefined;
  const needing = urls.flatMap((url, i) => (serviceName(url) !== undefined || !carriesStreamKey(url) ? [i] : []));
  if (needing.length > 1) {
    throw new UplinkError(
      'INVALID_ARGUMENT',
      `${STREAM_KEY_ENV} is one key but ${needing.length} --to need one: give one key per --to with --key-file or --key-env`,
    );
  }
  registerSecret(key);
  return (rank) => (rank === needing[0] ? key : undefined);
}

/** Publishing twice to the same server and key: the second connection would take the stream from the first. */
function refuseDuplicates(targets: readonly RtmpTarget[]): void {
  const seen = new Map<string, number>();
  targets.forEach((target, i) => {
    const identity = `${target.protocol}://${target.host.toLowerCase()}:${target.port}/${target.app}/${target.streamKey}`;
    const first = seen.get(identity);
    if (first !== undefined) {
      throw new UplinkError('DUPLICATE_DESTINATION', `--to ${target.display} is given twice (${first + 1} and ${i + 1}): give each destination once`);
    }
    seen.set(identity, i);
  });
}

export function targetsFromOptions(urls: readonly string[] = [], keys: readonly string[] = []): RtmpTarget[] {
  return destinationsFromOptions(urls, keys).map((destination) => destination.target);
}

/** Ctrl-C (SIGINT) or SIGTERM as a promise, and how to stop listening (the command's `finally`). */
export function interruption(): { interrupted: Promise<'interrupted'>; stop(): void } {
  let stop = (): void => undefined;
  const interrupted = new Promise<'interrupted'>((resolve) => {
    const onSignal = (): void => resolve('interrupted');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    stop = () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    };
  });
  return { interrupted, stop };
}
