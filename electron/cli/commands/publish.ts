import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { UplinkError } from '../../engine/errors.js';
import { readFileChunks } from '../../engine/flv/file-reader.js';
import { readFlvTags } from '../../engine/flv/reader.js';
import { FilePublish } from '../../engine/outputs/file-publish.js';
import { type DestinationOptions, addDestinationOptions, targetsFromOptions } from '../context.js';
import { StatusLine, formatBitrate } from '../status-line.js';

/** A file is pushed as fast as allowed, with no congestion policy to feed: rare acknowledgements will do. */
const FILE_ACK_WINDOW_BYTES = 2_500_000;

interface PublishOptions extends DestinationOptions {
  fast?: boolean;
  timeout: string;
}

export function registerPublish(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('publish')
    .description('publish an FLV file (H.264/AAC, as FFmpeg writes it) to one or more RTMP(S) servers')
    .argument('<file>', 'the .flv file to send');
  addDestinationOptions(command)
    .option('--fast', 'send as fast as the link allows instead of in real time')
    .option('--timeout <seconds>', 'time allowed for each connection step', '10')
    .addHelpText(
      'after',
      '\nExit status 0 only when every destination got every tag and unpublished cleanly.\n' +
        'Example: uplink publish show.flv --to rtmp://live.twitch.tv/app/KEY --to rtmps://a.rtmps.youtube.com/live2/KEY',
    )
    .action(async (file: string, options: PublishOptions) => {
      setExitCode(await publishFile(file, options));
    });
}

async function publishFile(file: string, options: PublishOptions): Promise<number> {
  const timeoutMs = Number(options.timeout) * 1000;
  if (!(timeoutMs > 0)) throw new UplinkError('INVALID_ARGUMENT', '--timeout must be a number of seconds above 0');
  if (!options.to?.length) throw new UplinkError('INVALID_ARGUMENT', 'say where to publish: --to URL (repeatable)');
  const targets = targetsFromOptions(options.to, options.key);
  try {
    await access(file);
  } catch {
    throw new UplinkError('FILE_NOT_FOUND', `cannot read ${file}: no such file`);
  }

  const status = new StatusLine();
  const say = (line: string): void => {
    status.clear();
    process.stderr.write(`uplink: ${line}\n`);
  };
  const publish = new FilePublish(targets, { publisher: { timeoutMs, ackWindowBytes: FILE_ACK_WINDOW_BYTES } });
  const abort = new AbortController();
  for (const destination of publish.destinations) {
    destination.on('state', (state, error) => {
      if (abort.signal.aborted || !error) return;
      if (state === 'failed') say(`${destination.target.display}: ${error.message}`);
      else if (state === 'reconnecting') say(`${destination.target.display}: ${error.message}: reconnecting`);
    });
  }

  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const startedAt = performance.now();
  const timer = setInterval(() => {
    const seconds = (performance.now() - startedAt) / 1000;
    const stats = publish.destinations.map((d) => d.stats());
    const live = stats.filter((s) => s.state === 'live').length;
    const kbps = stats.reduce((sum, s) => sum + s.bitrateKbps, 0);
    if (live > 0) status.update(`publishing ${(publish.mediaMs / 1000).toFixed(1)} s of media to ${live}/${targets.length} destinations, ${formatBitrate(kbps * 1000)} (${seconds.toFixed(0)} s)`);
  }, 250);
  let inputError: UplinkError | undefined;
  let results: Awaited<ReturnType<FilePublish['run']>> = [];
  try {
    // The file is read into one buffer again and again while every destination has sent what it was given.
    const chunks = readFileChunks(file, { canReuse: () => publish.inputReleased });
    results = await publish.run(readFlvTags(chunks), { realTime: !options.fast, signal: abort.signal });
  } catch (err) {
    inputError = err instanceof UplinkError ? err : new UplinkError('INPUT_FAILED', `cannot read ${file}: ${String(err)}`);
  } finally {
    clearInterval(timer);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    status.clear();
  }
  if (abort.signal.aborted) {
    process.stderr.write('uplink: stopped before the end of the file\n');
    return 1;
  }
  if (inputError) {
    process.stderr.write(`uplink: ${inputError.message}\n`);
    return 1;
  }
  for (const result of results) {
    if (result.ok || result.failed) continue; // failures were said as they happened
    if (result.error) say(`${result.target.display}: ${result.error.message}`);
    else if (result.stats.reconnects > 0 || result.stats.framesDropped > 0) {
      say(`${result.target.display}: the connection dropped ${result.stats.reconnects} time(s); ${result.stats.framesDropped} video frames did not arrive`);
    }
  }
  const ok = results.length > 0 && results.every((result) => result.ok);
  if (ok) {
    const seconds = (performance.now() - startedAt) / 1000;
    process.stderr.write(`uplink: published ${(publish.mediaMs / 1000).toFixed(1)} s of media to ${targets.length} destination(s) in ${seconds.toFixed(1)} s\n`);
  }
  return ok ? 0 : 1;
}
