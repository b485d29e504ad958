import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { UplinkError, errorMessage } from '../engine/errors.js';
import { type LogLevel, redact, setLogSink } from '../engine/log.js';
import { packageRoot } from '../engine/paths.js';

type Register = (program: Command, setExitCode: (code: number) => void) => void;

/**
 * Each command's module is loaded only when it runs (all of them for help): start-up is part of the
 * time to go live and of the CPU a file push costs, and `publish` needs none of capture or encoding.
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  stream: async () => (await import('./commands/stream.js')).registerStream,
  publish: async () => (await import('./commands/publish.js')).registerPublish,
  devices: async () => (await import('./commands/devices.js')).registerDevices,
  encoders: async () => (await import('./commands/encoders.js')).registerEncoders,
  ffmpeg: async () => (await import('./commands/ffmpeg.js')).registerFfmpeg,
  remux: async () => (await import('./commands/remux.js')).registerRemux,
  'import-obs': async () => (await import('./commands/import-obs.js')).registerImportObs,
  serve: async () => (await import('./commands/serve.js')).registerServe,
};

/**
 * The `uplink` command line. Each sub-command lives in `commands/` and registers itself on the program;
 * its action returns the process exit code. Errors reach the user as one redacted line.
 */
export async function main(argv: readonly string[]): Promise<number> {
  // Engine warnings read like the command's own lines; UPLINK_LOG=debug shows everything.
  setLogSink((level, scope, message) => {
    const prefix = level === 'warn' ? 'warning: ' : level === 'error' ? '' : `[${level} ${scope}] `;
    process.stderr.write(`uplink: ${prefix}${message}\n`);
  }, (process.env.UPLINK_LOG as LogLevel | undefined) ?? 'warn');
  const named = argv.find((arg) => !arg.startsWith('-'));
  const wanted = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS);
  // The command's modules load while package.json is read: both are on the way to going live.
  const [uplinkVersion, registers] = await Promise.all([version(), Promise.all(wanted.map((name) => COMMANDS[name]!()))]);
  const program = new Command('uplink')
    .description('Uplink: live-stream to Twitch, YouTube, Facebook, Kick or any RTMP(S) server.')
    .version(uplinkVersion, '-V, --version')
    .option('--ffmpeg <path>', 'the FFmpeg to use, and no other (without it: FFMPEG_PATH, else ffmpeg-static, else ffmpeg on PATH)')
    .exitOverride()
    .showHelpAfterError('(run uplink --help for usage)')
    .configureOutput({ outputError: (text, write) => write(redact(text)) });

  let exitCode = 0;
  const setExitCode = (code: number): void => {
    exitCode = code;
  };
  for (const register of registers) register(program, setExitCode);

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const prefix = err instanceof UplinkError ? '' : 'unexpected error: ';
    process.stderr.write(`uplink: ${prefix}${redact(errorMessage(err))}\n`);
    return 1;
  }
}

async function version(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(packageRoot(), 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}
