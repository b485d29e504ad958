import type { Command } from 'commander';
import { type FfmpegInfo, locateFfmpeg } from '../engine/ffmpeg/locate.js';
import { cacheDir } from '../engine/paths.js';

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
