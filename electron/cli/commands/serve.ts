import type { Command } from 'commander';
import { UplinkError } from '../../engine/errors.js';
import { interruption } from '../context.js';

interface ServeOptions {
  profile?: string;
  host: string;
  port: string;
}

/**
 * `uplink serve`: the studio in a browser. This command only reads its flags, says where the studio is,
 * and waits for Ctrl-C; the server is the web remote's (remote/server.ts).
 */
export function registerServe(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('serve')
    .description('run the studio headless and open it in a browser (the address printed, with its token)')
    .option('--profile <dir>', `the profile folder: scenes (collection.json), media/ and recordings/ (default: uplink/profile in the OS folder for application data)`)
    .option('--host <address>', 'the address to listen on; anything but loopback lets other computers in (with the token)', '127.0.0.1')
    .option('--port <n>', 'the port to listen on; 0 picks a free one', '8080')
    .addHelpText('after', '\nAnyone with the printed address (it holds the token) controls the studio. Ctrl-C stops it.')
    .action(async (options: ServeOptions, command: Command) => {
      setExitCode(await serve(options, command));
    });
}

async function serve(options: ServeOptions, command: Command): Promise<number> {
  const port = /^\d+$/.test(options.port.trim()) ? Number(options.port) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UplinkError('INVALID_SETTING', `--port must be a number from 0 to 65535 (got "${options.port}")`);
  const { ffmpeg } = command.optsWithGlobals<{ ffmpeg?: string }>();
  // Loaded when serve runs: the help of every command needs none of the server.
  const { StudioServer, defaultProfileDir, isLoopback } = await import('../../remote/server.js');
  const server = new StudioServer({
    profileDir: options.profile ?? defaultProfileDir(),
    host: options.host,
    port,
    studio: ffmpeg === undefined ? {} : { ffmpegPath: ffmpeg },
  });

  // Ctrl-C during start-up stops too, once what started can be stopped.
  const { interrupted, stop: stopSignals } = interruption();
  try {
    const { url } = await server.start();
    if (!isLoopback(options.host)) {
      process.stderr.write(
        `uplink: warning: listening on ${options.host}: anyone who can reach this address and has the token controls the studio (its streams, and files in the profile's media and recordings folders). Use --host 127.0.0.1 to keep it to this computer.\n`,
      );
    }
    process.stdout.write(`Uplink studio: ${url}\nOpen it in a browser. Ctrl-C stops the studio.\n`);
    await interrupted;
    process.stderr.write('uplink: stopping the studio\n');
    return 0;
  } finally {
    stopSignals();
    await server.stop();
  }
}
