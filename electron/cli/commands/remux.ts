import type { Command } from 'commander';
import { remuxToMp4 } from '../../engine/outputs/recording.js';
import { cliContext } from '../context.js';

export function registerRemux(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('remux')
    .description('turn a recording (.mkv) into an MP4 for editors and players, without re-encoding')
    .argument('<file>', 'the recording')
    .argument('[output]', 'the MP4 to write (default: the same name with .mp4)')
    .action(async (file: string, output: string | undefined, _options: unknown, command: Command) => {
      const ffmpeg = await cliContext(command).ffmpeg();
      const written = await remuxToMp4({ ffmpegPath: ffmpeg.path, input: file, output });
      process.stderr.write(`uplink: wrote ${written}\n`);
      setExitCode(0);
    });
}
