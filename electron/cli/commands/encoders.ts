import type { Command } from 'commander';
import { probeEncoders } from '../../engine/ffmpeg/encoders.js';
import { cacheDir } from '../../engine/paths.js';
import { cliContext, printJson } from '../context.js';

export function registerEncoders(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('encoders')
    .description('list the H.264 encoders this FFmpeg has and whether each one works on this computer')
    .option('--json', 'print JSON')
    .option('--refresh', 'run the trial encodes again instead of using the cached results')
    .action(async (options: { json?: boolean; refresh?: boolean }, command: Command) => {
      const ffmpeg = await cliContext(command).ffmpeg();
      const encoders = await probeEncoders({
        ffmpegPath: ffmpeg.path,
        cacheDir: cacheDir(),
        listedEncoders: ffmpeg.features.encoders,
        refresh: options.refresh,
      });
      if (options.json) {
        printJson({ ffmpeg: { path: ffmpeg.path, version: ffmpeg.version.text }, encoders });
      } else {
        process.stdout.write(`FFmpeg ${ffmpeg.version.text} (${ffmpeg.path})\n`);
        for (const e of encoders) {
          const status = e.working ? 'works' : e.listed ? `not working: ${e.error ?? 'trial encode failed'}` : 'not in this FFmpeg';
          process.stdout.write(`  ${e.name.padEnd(18)} ${e.label.padEnd(22)} ${status}\n`);
        }
      }
      setExitCode(0);
    });
}
