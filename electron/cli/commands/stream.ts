import type { Command } from 'commander';
import { discoverDevices } from '../../engine/capture/discover.js';
import { type SourceSpec, inputForSource, inputOptionsFor, isBuiltInSource, parseSourceArg } from '../../engine/capture/sources.js';
import type { CaptureDevice } from '../../engine/capture/types.js';
import { UplinkError } from '../../engine/errors.js';
import type { FfmpegExit } from '../../engine/ffmpeg/process.js';
import { Broadcast, type BroadcastStats } from '../../engine/outputs/broadcast.js';
import { type EncodingSettings, validateEncoding } from '../../engine/settings/encoding.js';
import { checkEncodingForService } from '../../engine/services/check.js';
import { type DestinationOptions, addDestinationOptions, cliContext, destinationsFromOptions, printJson } from '../context.js';
import { StatusLine, formatBitrate } from '../status-line.js';

interface StreamOptions extends DestinationOptions {
  video: string;
  audio: string;
  size: string;
  fps: string;
  bitrate: string;
  encoder: string;
  duration?: string;
  record?: string;
  dynamicBitrate?: boolean;
  json?: boolean;
}

export function registerStream(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('stream')
    .description('capture, encode (H.264/AAC) and go live to one or more RTMP(S) servers')
    .option('--video <src>', 'video source: test, color:NAME, a device id from `uplink devices`, or a media file', 'test')
    .option('--audio <src>', 'audio source: tone, silence, a device id, or a media file', 'tone');
  addDestinationOptions(command)
    .option('--size <WxH>', 'output size', '1280x720')
    .option('--fps <n>', 'frames per second', '30')
    .option('--bitrate <kbps>', 'video bitrate in kbit/s (constant bitrate)', '2500')
    .option('--encoder <name>', 'H.264 encoder (see `uplink encoders`)', 'libx264')
    .option('--duration <seconds>', 'stop after this long (default: until Ctrl-C)')
    .option('--record <file>', 'also record the program to this file (.mkv, or .mp4 as fragmented MP4; both survive a crash)')
    .option('--dynamic-bitrate', 'lower the bitrate while every destination is congested, and raise it back after')
    .option('--json', 'print a JSON summary at the end')
    .addHelpText('after', '\nCtrl-C stops cleanly: FFmpeg ends, every destination unpublishes.\nExample: uplink stream --video test --audio tone --to rtmp://127.0.0.1/live/KEY --duration 30')
    .action(async (options: StreamOptions, command: Command) => {
      setExitCode(await stream(options, command));
    });
}

/** Reads the encoding flags into one validated settings object; a bad value names its flag. */
function settingsFromOptions(options: Pick<StreamOptions, 'size' | 'fps' | 'bitrate' | 'encoder'>): EncodingSettings {
  const size = /^(\d+)x(\d+)$/i.exec(options.size.trim());
  if (!size) throw new UplinkError('INVALID_SETTING', `--size must look like 1280x720 (got "${options.size}")`);
  return validateEncoding({
    width: Number(size[1]),
    height: Number(size[2]),
    fps: Number(options.fps),
    videoBitrateKbps: Number(options.bitrate),
    encoder: options.encoder as EncodingSettings['encoder'],
  });
}

async function stream(options: StreamOptions, command: Command): Promise<number> {
  if (!options.to?.length && !options.record) throw new UplinkError('INVALID_ARGUMENT', 'say where to go: --to URL (repeatable) and/or --record FILE');
  const duration = options.duration === undefined ? undefined : Number(options.duration);
  if (duration !== undefined && !(duration > 0)) throw new UplinkError('INVALID_ARGUMENT', '--duration must be a number of seconds above 0');
  const settings = settingsFromOptions(options);
  const destinations = destinationsFromOptions(options.to, options.key);
  const targets = destinations.map((d) => d.target);
  for (const { service } of destinations) {
    for (const warning of service ? checkEncodingForService(settings, service) : []) process.stderr.write(`uplink: warning: ${warning.message}\n`);
  }
  const ffmpeg = await cliContext(command).ffmpeg();

  // Listing devices costs a second or more: only when a source is not one of the built-in ones.
  const needsDevices = ![options.video, options.audio].every(isBuiltInSource);
  const devices: CaptureDevice[] = needsDevices ? await discoverDevices({ ffmpegPath: ffmpeg.path }) : [];
  const video = parseSourceArg(options.video, devices);
  const audio = parseSourceArg(options.audio, devices);
  checkKinds(video, audio);
  const inputOptions = inputOptionsFor(settings, ffmpeg.features.drawtext);
  const inputs = [inputForSource(video, inputOptions), inputForSource(audio, inputOptions)];

  const broadcast = new Broadcast({
    ffmpegPath: ffmpeg.path,
    settings,
    inputs,
    encodeOptions: { ffmpegVersion: ffmpeg.version, durationSec: duration },
    dynamicBitrate: options.dynamicBitrate,
  });
  const status = new StatusLine();
  const failed = new Map<string, string>();
  const everLive = new Set<string>();
  const say = (line: string): void => {
    status.clear();
    process.stderr.write(`uplink: ${line}\n`);
  };
  const lastState = new Map<string, string>();
  broadcast.on('destinationState', (id, state, error) => {
    const target = broadcast.destinations.get(id)?.target.display ?? id;
    const before = lastState.get(id);
    lastState.set(id, state);
    if (state === 'failed' && error && !failed.has(id)) {
      failed.set(id, error.message);
      say(`${target}: ${error.message}`);
    } else if (state === 'live') {
      say(`${target}: ${everLive.has(id) ? 'reconnected' : 'live'}`);
      everLive.add(id);
    } else if (state === 'reconnecting' && before === 'live') {
      say(`${target}: connection lost${error ? ` (${error.message})` : ''}; reconnecting`);
    }
  });
  broadcast.on('encoderRestarted', (cause, why) => {
    say(`the encoder ${cause === 'crash' ? `crashed (${why ?? 'no reason given'}) and was restarted` : 'restarted with new settings'}`);
  });
  broadcast.on('error', (err) => say(err.message));
  broadcast.on('bitrateChanged', (kbps, direction) => say(`${direction === 'down' ? 'congested: lowered' : 'recovered: raised'} the video bitrate to ${kbps} kbit/s`));
  let lastStats: BroadcastStats | undefined;
  broadcast.on('stats', (stats) => {
    lastStats = stats;
    status.update(formatStatus(stats));
  });

  for (const target of targets) broadcast.addDestination(target);
  if (options.record) await broadcast.startRecording(options.record);
  // The encoder starts while the destinations connect: each keeps the first keyframe until it is live.
  let stopSignals = (): void => undefined;
  const outcome = await new Promise<FfmpegExit | 'interrupted' | 'nowhere'>((resolve) => {
    const onSignal = (): void => resolve('interrupted');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    stopSignals = () => {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    };
    broadcast.once('ended', resolve);
    broadcast.start();
    if (targets.length > 0 && !options.record) {
      void broadcast.waitForDestinations().then(() => {
        if (failed.size === targets.length) resolve('nowhere');
      });
    }
  });
  stopSignals();
  await broadcast.stop();
  status.clear();
  lastStats = await broadcast.stats();

  // Every destination must have gone live and not failed; the encoder must have ended as asked.
  const neverLive = [...broadcast.destinations.entries()].filter(([id]) => !everLive.has(id) && !failed.has(id));
  for (const [, { target }] of neverLive) say(`${target}: never went live`);
  let code = failed.size > 0 || neverLive.length > 0 ? 1 : 0;
  if (typeof outcome === 'object' && outcome.reason !== 'ended' && outcome.reason !== 'stopped') {
    say(`${outcome.message}${outcome.detail ? ` (${outcome.detail})` : ''}`);
    code = 1;
  }
  if (options.json) printJson({ ok: code === 0, ...lastStats });
  else {
    const media = `${lastStats.mediaSec.toFixed(1)} s`;
    if (everLive.size > 0) say(`streamed ${media} to ${everLive.size}/${targets.length} destination(s)${options.record ? `, recorded to ${options.record}` : ''}`);
    else if (options.record) say(`recorded ${media} to ${options.record}`);
  }
  return code;
}

function checkKinds(video: SourceSpec, audio: SourceSpec): void {
  const isAudioOnly = (s: SourceSpec): boolean => s.kind === 'tone' || s.kind === 'silence' || (s.kind === 'device' && s.device.kind === 'audio');
  if (isAudioOnly(video)) throw new UplinkError('INVALID_ARGUMENT', '--video needs a picture: test, color:NAME, a camera, a screen or a media file');
  if (audio.kind === 'test-pattern' || audio.kind === 'color' || audio.kind === 'image' || (audio.kind === 'device' && audio.device.kind !== 'audio')) {
    throw new UplinkError('INVALID_ARGUMENT', '--audio needs sound: tone, silence, a microphone or a media file');
  }
}

function formatStatus(stats: BroadcastStats): string {
  const live = stats.destinations.filter((d) => d.state === 'live').length;
  const sent = stats.destinations.reduce((sum, d) => sum + d.bitrateKbps, 0);
  const dropped = stats.destinations.reduce((sum, d) => sum + d.framesDropped, 0);
  const clock = new Date(stats.uptimeSec * 1000).toISOString().slice(11, 19);
  const fps = stats.encoder.fps === null ? '-' : stats.encoder.fps.toFixed(0);
  const speed = stats.encoder.speed === null ? '-' : `${stats.encoder.speed.toFixed(2)}x`;
  return `LIVE ${clock}  ${fps} fps ${speed}  ${live}/${stats.destinations.length} live  ${formatBitrate(sent * 1000)}  dropped ${dropped}${stats.recording ? '  REC' : ''}`;
}
