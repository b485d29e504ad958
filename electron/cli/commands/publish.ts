import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { UplinkError } from '../../engine/errors.js';
import { paceByTimestamps } from '../../engine/flv/pace.js';
import { readFlvTags } from '../../engine/flv/reader.js';
import { FanOut } from '../../engine/outputs/fanout.js';
import type { RtmpTarget } from '../../engine/rtmp/url.js';
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
  const failures = new Map<RtmpTarget, UplinkError>();
  const fanOut = new FanOut(targets, { timeoutMs, ackWindowBytes: FILE_ACK_WINDOW_BYTES });
  fanOut.on('destinationFailed', (target, err) => {
    if (failures.has(target)) return;
    failures.set(target, err);
    status.clear();
    process.stderr.write(`uplink: ${target.display}: ${err.message}\n`);
  });

  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let inputError: UplinkError | undefined;
  let interrupted = false;
  const startedAt = performance.now();
  let mediaMs = 0;
  try {
    if (await fanOut.start()) {
      const tags = readFlvTags(createReadStream(file, { highWaterMark: 1024 * 1024 }));
      const timer = setInterval(() => {
        const seconds = (performance.now() - startedAt) / 1000;
        const bytes = fanOut.publishers.reduce((sum, p) => sum + p.mediaBytesSent, 0);
        status.update(`publishing ${(mediaMs / 1000).toFixed(1)} s of media to ${fanOut.live().length}/${targets.length} destinations, ${formatBitrate((bytes * 8) / seconds)}`);
      }, 250);
      try {
        for await (const tag of options.fast ? tags : paceByTimestamps(tags, abort.signal)) {
          if (abort.signal.aborted) break;
          mediaMs = tag.timestamp;
          await fanOut.push(tag);
          if (fanOut.live().length === 0) break;
        }
      } catch (err) {
        if (abort.signal.aborted) interrupted = true;
        else inputError = err instanceof UplinkError ? err : new UplinkError('INPUT_FAILED', `cannot read ${file}: ${String(err)}`);
      } finally {
        clearInterval(timer);
      }
      interrupted ||= abort.signal.aborted;
    }
    await fanOut.finish();
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    status.clear();
  }
  if (inputError) process.stderr.write(`uplink: ${inputError.message}\n`);
  if (interrupted) process.stderr.write('uplink: stopped before the end of the file\n');
  const ok = failures.size === 0 && !inputError && !interrupted;
  if (ok) {
    const seconds = (performance.now() - startedAt) / 1000;
    process.stderr.write(`uplink: published ${(mediaMs / 1000).toFixed(1)} s of media to ${targets.length} destination(s) in ${seconds.toFixed(1)} s\n`);
  }
  return ok ? 0 : 1;
}
