import type { Command } from 'commander';
import { UplinkError } from '../../engine/errors.js';
import { registerSecret } from '../../engine/log.js';
import { generateObsPassword } from '../../engine/profile/obs-websocket.js';
import { interruption } from '../context.js';

interface ServeOptions {
  profile?: string;
  host: string;
  port: string;
  obsWebsocketPort?: string;
  obsWebsocketPassword?: string;
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
    .option('--obs-websocket-port <n>', 'also speak obs-websocket 5 (Stream Deck, Companion, Touch Portal) on this port (OBS uses 4455; 0 picks a free one), on the --host address')
    .option('--obs-websocket-password <pw>', 'the password obs-websocket clients need (or UPLINK_OBS_WEBSOCKET_PASSWORD; default: one made and printed)')
    .addHelpText('after', '\nAnyone with the printed address (it holds the token) controls the studio. Ctrl-C stops it.')
    .action(async (options: ServeOptions, command: Command) => {
      setExitCode(await serve(options, command));
    });
}

async function serve(options: ServeOptions, command: Command): Promise<number> {
  const port = /^\d+$/.test(options.port.trim()) ? Number(options.port) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UplinkError('INVALID_SETTING', `--port must be a number from 0 to 65535 (got "${options.port}")`);
  const obsWebSocket = obsWebSocketFlags(options, options.host);
  const { ffmpeg } = command.optsWithGlobals<{ ffmpeg?: string }>();
  // Loaded when serve runs: the help of every command needs none of the server.
  const { StudioServer, defaultProfileDir, isLoopback } = await import('../../remote/server.js');
  const server = new StudioServer({
    profileDir: options.profile ?? defaultProfileDir(),
    host: options.host,
    port,
    studio: ffmpeg === undefined ? {} : { ffmpegPath: ffmpeg },
    ...(obsWebSocket ? { obsWebSocket: obsWebSocket.config } : {}),
  });

  // Ctrl-C during start-up stops too, once what started can be stopped.
  const { interrupted, stop: stopSignals } = interruption();
  try {
    const { url } = await server.start();
    if (!isLoopback(options.host)) {
      process.stderr.write(
        `uplink: warning: listening on ${options.host}: anyone who can reach this address and has the token controls the studio (its streams, and files in the profile's media and recordings folders). Use --host 127.0.0.1 to keep it to this computer.\n`,
      );
      if (server.obsWebSocketAddress) process.stderr.write(`uplink: warning: obs-websocket listens on ${options.host} too: anyone who can reach it and has its password controls the studio.\n`);
    }
    const obsAddress = server.obsWebSocketAddress;
    if (obsAddress) {
      const shown = obsAddress.host.includes(':') ? `[${obsAddress.host}]` : obsAddress.host;
      // The password is printed only when Uplink made it: one typed in a flag or the environment is already known.
      const password = obsWebSocket === undefined ? "its password is in the studio's settings" : obsWebSocket.generated ? `password ${obsWebSocket.config.password}` : 'with the password given';
      process.stdout.write(`obs-websocket: ws://${shown}:${obsAddress.port} (${password})\n`);
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

/**
 * obs-websocket as the flags set it: on only with --obs-websocket-port; the password from the flag, the
 * environment, or made here (and then printed, since nobody else knows it).
 */
function obsWebSocketFlags(options: ServeOptions, host: string): { config: { host: string; port: number; password: string }; generated: boolean } | undefined {
  const given = options.obsWebsocketPassword ?? process.env.UPLINK_OBS_WEBSOCKET_PASSWORD;
  if (options.obsWebsocketPort === undefined) {
    if (options.obsWebsocketPassword !== undefined) throw new UplinkError('INVALID_SETTING', '--obs-websocket-password needs --obs-websocket-port (the port obs-websocket listens on; OBS uses 4455)');
    return undefined;
  }
  const port = /^\d+$/.test(options.obsWebsocketPort.trim()) ? Number(options.obsWebsocketPort) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UplinkError('INVALID_SETTING', `--obs-websocket-port must be a number from 0 to 65535 (got "${options.obsWebsocketPort}")`);
  if (given !== undefined && given.length < 6) throw new UplinkError('INVALID_SETTING', 'the obs-websocket password must be at least 6 characters long');
  const password = given ?? generateObsPassword();
  registerSecret(password);
  return { config: { host, port, password }, generated: given === undefined };
}
