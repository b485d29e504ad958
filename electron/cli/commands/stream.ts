import type { Command } from 'commander';
import type { DestinationInput, DestinationView, Notice, ProgramEnded, ProgramStats, StudioState } from '../../contract.js';
import { UplinkError } from '../../engine/errors.js';
import { InvalidInputError } from '../../engine/input-error.js';
import { checkRecordingPath } from '../../engine/outputs/recording.js';
import { checkEncodingForService } from '../../engine/services/check.js';
import { type EncodingSettings, validateEncoding } from '../../engine/settings/encoding.js';
import { Studio } from '../../engine/studio.js';
import { type DestinationOptions, type DestinationSpec, addDestinationOptions, destinationsFromOptions, interruption, printJson } from '../context.js';
import { readScenes } from './scenes-file.js';
import { StatusLine, formatBitrate } from '../status-line.js';

interface StreamOptions extends DestinationOptions {
  video: string;
  audio: string;
  scenes?: string;
  size: string;
  fps: string;
  bitrate: string;
  encoder: string;
  duration?: string;
  record?: string;
  dynamicBitrate?: boolean;
  json?: boolean;
}

/** The flag that sets each field, so that a refused value is named as the streamer typed it. */
const FLAG_OF: Record<string, string> = {
  width: '--size',
  height: '--size',
  fps: '--fps',
  videoBitrateKbps: '--bitrate',
  encoder: '--encoder',
  video: '--video',
  audio: '--audio',
};
const asFlag = (field: string): string => FLAG_OF[field] ?? field;

export function registerStream(program: Command, setExitCode: (code: number) => void): void {
  const command = program
    .command('stream')
    .description('capture, encode (H.264/AAC) and go live to one or more RTMP(S) servers')
    .option('--video <src>', 'video source: test, color:NAME, a device id from `uplink devices`, or a media file', 'test')
    .option('--audio <src>', 'audio source: tone, silence, a device id, or a media file', 'tone')
    .option('--scenes <file>', 'stream a scene collection instead, starting on its current scene: an Uplink profile folder or collection.json, or an OBS scene collection (.json)');
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
      try {
        setExitCode(await stream(options, command));
      } catch (err) {
        throw inFlagWords(err);
      }
    });
}

/** Reads the encoding flags into one validated settings object; a bad value names its flag. */
function settingsFromOptions(options: Pick<StreamOptions, 'size' | 'fps' | 'bitrate' | 'encoder'>): EncodingSettings {
  const size = /^(\d+)x(\d+)$/i.exec(options.size.trim());
  if (!size) throw new UplinkError('INVALID_SETTING', `--size must look like 1280x720 (got "${options.size}")`);
  // A value that is not a number stays text, so the message quotes what was typed.
  const number = (text: string): unknown => (/^\s*[\d.]+\s*$/.test(text) ? Number(text) : text);
  return validateEncoding(
    {
      width: Number(size[1]),
      height: Number(size[2]),
      fps: number(options.fps),
      videoBitrateKbps: number(options.bitrate),
      encoder: options.encoder,
    },
    asFlag,
  );
}

/** An engine error about a field, in the words of the command line (`--bitrate`, not `videoBitrateKbps`). */
function inFlagWords(err: unknown): unknown {
  if (!(err instanceof InvalidInputError) || !(err.field in FLAG_OF) || !err.message.startsWith(err.field)) return err;
  return new InvalidInputError(err.code, err.field, `${asFlag(err.field)}${err.message.slice(err.field.length)}`);
}

/** What the studio is told about one --to: a service's default server, or a server URL, with the key apart. */
function destinationInput(spec: DestinationSpec): DestinationInput {
  const { target, service } = spec;
  if (service) return { name: target.display, service: service.id, streamKey: target.streamKey };
  return { name: target.display, service: 'custom', serverUrl: target.tcUrl, streamKey: target.streamKey };
}

async function stream(options: StreamOptions, command: Command): Promise<number> {
  if (!options.to?.length && !options.record) throw new UplinkError('INVALID_ARGUMENT', 'say where to go: --to URL (repeatable) and/or --record FILE');
  const duration = options.duration === undefined ? undefined : Number(options.duration);
  if (duration !== undefined && !(duration > 0)) throw new UplinkError('INVALID_ARGUMENT', '--duration must be a number of seconds above 0');
  const settings = settingsFromOptions(options);
  const specs = destinationsFromOptions(options.to, options.key);
  for (const { service } of specs) {
    for (const warning of service ? checkEncodingForService(settings, service) : []) process.stderr.write(`uplink: warning: ${warning.message}\n`);
  }

  const { ffmpeg } = command.optsWithGlobals<{ ffmpeg?: string }>();
  const scenes = options.scenes === undefined ? undefined : await readScenes(options.scenes);
  const studio = new Studio({
    preview: false,
    meters: false,
    ffmpegPath: ffmpeg,
    video: options.video,
    audio: options.audio,
    encoding: settings,
    dynamicBitrate: options.dynamicBitrate,
    durationSec: duration,
  });
  const report = new Report(options.record !== undefined);
  studio.on('onState', (state) => report.onState(state));
  studio.on('onStats', (stats) => report.onStats(stats));
  studio.on('onNotice', (notice) => report.onNotice(notice));
  let endedWith: ProgramEnded | undefined;
  const ended = new Promise<ProgramEnded>((resolve) =>
    studio.once('onProgramEnded', (how) => {
      endedWith = how;
      resolve(how);
    }),
  );

  for (const spec of specs) await studio.addDestination(destinationInput(spec));
  if (scenes) {
    for (const line of scenes.report) report.say(line);
    await studio.loadCollection(scenes.collection);
  }

  const { interrupted, stop: stopSignals } = interruption();
  try {
    const started = (async () => {
      // A recording that cannot be written fails before anything goes live; it then starts at the
      // program's first keyframe, like the destinations.
      if (options.record) await checkRecordingPath(options.record);
      if (specs.length > 0) await studio.goLive();
      if (options.record) await studio.startRecording(options.record);
    })();
    const first = await Promise.race([started.then(() => 'started' as const), interrupted, ended]);
    if (first === 'started') {
      // Streaming: until the program ends (its --duration), Ctrl-C, or no destination is left to stream to.
      const outcome = await Promise.race([ended, interrupted, report.nowhereLeft]);
      if (outcome === 'nowhere') report.say('no destination is left to stream to: stopping');
    } else {
      started.catch(() => undefined);
    }
  } finally {
    stopSignals();
    await studio.dispose();
  }
  return report.finish(endedWith, options);
}

/** What the streamer reads: one line per event that matters, a live status line, and the summary. */
class Report {
  private readonly status = new StatusLine();
  private readonly names = new Map<string, string>();
  private readonly lastState = new Map<string, DestinationView['state']>();
  private readonly everLive = new Set<string>();
  private readonly failed = new Map<string, string>();
  private recording = false;
  private resolveNowhere: ((value: 'nowhere') => void) | undefined;
  /** Resolves when every destination has failed and nothing is recorded: nothing is left to do. */
  readonly nowhereLeft = new Promise<'nowhere'>((resolve) => (this.resolveNowhere = resolve));

  constructor(private readonly recordingAsked: boolean) {}

  say(line: string): void {
    this.status.clear();
    process.stderr.write(`uplink: ${line}\n`);
  }

  onState(state: StudioState): void {
    this.recording = state.recording.active;
    for (const d of state.destinations) {
      this.names.set(d.id, d.name);
      const before = this.lastState.get(d.id);
      if (before === d.state) continue;
      this.lastState.set(d.id, d.state);
      if (d.state === 'failed' && !this.failed.has(d.id)) {
        this.failed.set(d.id, d.error ?? 'failed');
        this.say(`${d.name}: ${d.error ?? 'failed'}`);
      } else if (d.state === 'live') {
        this.say(`${d.name}: ${this.everLive.has(d.id) ? 'reconnected' : 'live'}`);
        this.everLive.add(d.id);
      } else if (d.state === 'reconnecting' && before === 'live') {
        this.say(`${d.name}: connection lost${d.error ? ` (${d.error})` : ''}; reconnecting`);
      }
    }
    if (state.destinations.length > 0 && this.failed.size === state.destinations.length && !this.recordingAsked) this.resolveNowhere?.('nowhere');
  }

  onStats(stats: ProgramStats): void {
    this.status.update(formatStatus(stats, this.recording));
  }

  onNotice(notice: Notice): void {
    // A destination's failure is said once, from its state; a saved recording, in the summary.
    if (notice.destinationId !== undefined || notice.code === 'RECORDING_SAVED' || notice.level === 'info') return;
    this.say(notice.level === 'warning' ? `warning: ${notice.message}` : notice.message);
  }

  /** The last lines and the exit code: 0 only when every destination went live and none failed, and the program ended as asked. */
  finish(ended: ProgramEnded | undefined, options: Pick<StreamOptions, 'json' | 'record'>): number {
    this.status.clear();
    const neverLive = [...this.names.keys()].filter((id) => !this.everLive.has(id) && !this.failed.has(id));
    for (const id of neverLive) this.say(`${this.names.get(id)}: never went live`);
    let code = this.failed.size > 0 || neverLive.length > 0 ? 1 : 0;
    // The engine has said why the program failed, in a notice.
    if (ended?.reason === 'failed') code = 1;
    const mediaSec = ended?.stats.mediaSec ?? 0;
    if (options.json) {
      printJson({ ok: code === 0, mediaSec, ...ended?.stats, recording: ended?.recording ?? null });
    } else if (this.everLive.size > 0) {
      this.say(`streamed ${mediaSec.toFixed(1)} s to ${this.everLive.size}/${this.names.size} destination(s)${ended?.recording ? `, recorded to ${ended.recording.file}` : ''}`);
    } else if (ended?.recording) {
      this.say(`recorded ${ended.recording.durationSec.toFixed(1)} s to ${ended.recording.file}`);
    }
    return code;
  }
}

function formatStatus(stats: ProgramStats, recording: boolean): string {
  const live = stats.destinations.filter((d) => d.state === 'live').length;
  const sent = stats.destinations.reduce((sum, d) => sum + d.bitrateKbps, 0);
  const dropped = stats.destinations.reduce((sum, d) => sum + d.framesDropped, 0);
  const clock = new Date(stats.uptimeSec * 1000).toISOString().slice(11, 19);
  const fps = stats.encoder.fps === null ? '-' : stats.encoder.fps.toFixed(0);
  const speed = stats.encoder.speed === null ? '-' : `${stats.encoder.speed.toFixed(2)}x`;
  // LIVE only once a server takes the stream: before that the streamer is not on air yet.
  const phase = live > 0 ? 'LIVE' : stats.destinations.length > 0 ? 'CONNECTING' : 'RECORDING';
  const outputs = stats.destinations.length > 0 ? `  ${live}/${stats.destinations.length} live  ${formatBitrate(sent * 1000)}  dropped ${dropped}` : '';
  return `${phase} ${clock}  ${fps} fps ${speed}${outputs}${recording && phase !== 'RECORDING' ? '  REC' : ''}`;
}
