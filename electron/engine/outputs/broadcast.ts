import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { UplinkError, errorMessage } from '../errors.js';
import type { EncodeOptions, FfmpegInput } from '../ffmpeg/argv.js';
import { ProgramEncoder, type RestartCause } from '../ffmpeg/program-encoder.js';
import type { FfmpegExit } from '../ffmpeg/process.js';
import type { FfmpegProgress } from '../ffmpeg/stderr.js';
import { StreamHeaderCache, isVideoKeyframe } from '../flv/headers.js';
import type { FlvTag } from '../flv/reader.js';
import { Logger } from '../log.js';
import type { PublisherOptions } from '../rtmp/publisher.js';
import type { RtmpTarget } from '../rtmp/url.js';
import type { EncodingSettings } from '../settings/encoding.js';
import { BitrateAdvisor } from './congestion.js';
import { type CpuFigures, CpuMeter } from './cpu-meter.js';
import { Destination, type DestinationState, type DestinationStats } from './destination.js';
import { Recorder, type RecordingFormat, type RecordingResult } from './recording.js';

export interface BroadcastOptions {
  ffmpegPath: string;
  settings: EncodingSettings;
  inputs: readonly FfmpegInput[];
  encodeOptions?: EncodeOptions;
  publisher?: PublisherOptions;
  /**
   * Lower the encoder bitrate while every destination stays congested, and raise it back step by step
   * once they are healthy (each change restarts the encoder; the connections stay up).
   */
  dynamicBitrate?: boolean;
}

export interface EncoderStats {
  running: boolean;
  fps: number | null;
  speed: number | null;
  /** Frames FFmpeg dropped or duplicated to hold the frame rate: the sign of an overloaded machine. */
  droppedFrames: number;
  duplicatedFrames: number;
  bitrateKbps: number | null;
  restarts: number;
}

export interface BroadcastStats {
  uptimeSec: number;
  /** Media time sent so far, in seconds. */
  mediaSec: number;
  encoder: EncoderStats;
  destinations: Array<{ id: string; target: string } & DestinationStats>;
  recording: { file: string; bytes: number } | null;
  cpu: CpuFigures;
}

interface BroadcastEvents {
  stats: [BroadcastStats];
  destinationState: [id: string, state: DestinationState, error: UplinkError | undefined];
  encoderRestarted: [cause: RestartCause, why: string | undefined];
  /** Dynamic bitrate changed the encoder's bitrate. */
  bitrateChanged: [kbps: number, direction: 'down' | 'up'];
  /** The first video keyframe left the encoder. */
  firstKeyframe: [];
  ended: [FfmpegExit];
  error: [UplinkError];
}

/**
 * One live program: a single encode feeding every destination and the recording. Destinations come and
 * go on their own, the encoder can be restarted with new settings while every connection stays up, and
 * nothing downstream can slow the encoder: each output has its own bounded queue.
 */
export class Broadcast extends EventEmitter<BroadcastEvents> {
  readonly headers = new StreamHeaderCache();
  readonly destinations = new Map<string, { target: RtmpTarget; destination: Destination }>();
  readonly encoder: ProgramEncoder;
  private recorder: Recorder | undefined;
  private readonly log = new Logger('broadcast');
  private startedAt = 0;
  private lastTimestamp = 0;
  private restarts = 0;

  get encoderRestarts(): number {
    return this.restarts;
  }
  private sawKeyframe = false;
  private statsTimer: NodeJS.Timeout | undefined;
  private cpu: CpuMeter | undefined;
  /** Dynamic bitrate; never recommends above the bitrate the streamer set. */
  private advisor: BitrateAdvisor | undefined;
  private readonly droppedSoFar = new Map<string, number>();

  constructor(private readonly options: BroadcastOptions) {
    super();
    if (options.dynamicBitrate) this.advisor = new BitrateAdvisor({ bitrateKbps: options.settings.videoBitrateKbps });
    this.encoder = new ProgramEncoder({
      ffmpegPath: options.ffmpegPath,
      settings: options.settings,
      inputs: options.inputs,
      encodeOptions: options.encodeOptions,
    });
    this.encoder.on('tag', (tag) => this.onTag(tag));
    this.encoder.on('restarted', (cause, exit) => {
      this.restarts++;
      this.emit('encoderRestarted', cause, exit?.message);
    });
    this.encoder.on('ended', (exit) => this.emit('ended', exit));
    this.encoder.on('error', (err) => this.emit('error', err));
  }

  /** Adds a destination; it connects at once and joins the program at the next keyframe. */
  addDestination(target: RtmpTarget, id: string = randomUUID()): string {
    const destination = new Destination(target, { headers: this.headers, publisher: this.options.publisher });
    destination.on('state', (state, error) => this.emit('destinationState', id, state, error));
    this.destinations.set(id, { target, destination });
    destination.start();
    return id;
  }

  async removeDestination(id: string): Promise<void> {
    const entry = this.destinations.get(id);
    if (!entry) return;
    this.destinations.delete(id);
    await entry.destination.stop();
  }

  /** Resolves once no destination is still making its first connection (each is live or has failed). */
  waitForDestinations(): Promise<void> {
    const settled = (): boolean => [...this.destinations.values()].every(({ destination }) => destination.state !== 'connecting');
    return new Promise((resolve) => {
      if (settled()) return resolve();
      const check = (): void => {
        if (!settled()) return;
        this.removeListener('destinationState', check);
        resolve();
      };
      this.on('destinationState', check);
    });
  }

  /** Starts the encoder; destinations added before get the program from its first keyframe. */
  start(): void {
    this.startedAt = performance.now();
    this.cpu = new CpuMeter();
    this.encoder.start();
    this.statsTimer = setInterval(() => void this.emitStats(), 1000);
    this.statsTimer.unref();
  }

  /** New encoding settings (and sources) while live: FFmpeg restarts, every connection stays up. */
  async updateSettings(settings: EncodingSettings, inputs?: readonly FfmpegInput[]): Promise<void> {
    await this.encoder.restart(settings, inputs);
    if (this.advisor) this.advisor = new BitrateAdvisor({ bitrateKbps: settings.videoBitrateKbps });
  }

  async startRecording(file: string, format?: RecordingFormat): Promise<void> {
    if (this.recorder) throw new UplinkError('ALREADY_RECORDING', `already recording to ${this.recorder.file}: stop that recording first`);
    const recorder = new Recorder({ ffmpegPath: this.options.ffmpegPath, file, format: format ?? formatForFile(file), headers: this.headers });
    recorder.on('error', (err) => {
      this.log.warn(`recording failed: ${err.message}`);
      if (this.recorder === recorder) this.recorder = undefined;
      this.emit('error', err);
    });
    await recorder.start();
    this.recorder = recorder;
  }

  async stopRecording(): Promise<RecordingResult | undefined> {
    const recorder = this.recorder;
    this.recorder = undefined;
    return recorder?.stop();
  }

  /** Stops the encoder, lets the outputs take what it flushed, unpublishes and closes everything. */
  async stop(): Promise<void> {
    clearInterval(this.statsTimer);
    await this.encoder.stop();
    await Promise.allSettled([
      ...[...this.destinations.values()].map(({ destination }) => destination.stop()),
      this.stopRecording(),
    ]);
  }

  async stats(): Promise<BroadcastStats> {
    const progress: FfmpegProgress | null = this.encoder.lastStats;
    const now = performance.now();
    this.cpu ??= new CpuMeter();
    const cpu = await this.cpu.sample(this.encoder.pid);
    return {
      uptimeSec: this.startedAt ? (now - this.startedAt) / 1000 : 0,
      mediaSec: this.lastTimestamp / 1000,
      encoder: {
        running: this.encoder.running,
        fps: progress?.fps ?? null,
        speed: progress?.speed ?? null,
        droppedFrames: progress?.drop ?? 0,
        duplicatedFrames: progress?.dup ?? 0,
        bitrateKbps: progress?.bitrateKbps ?? null,
        restarts: this.restarts,
      },
      destinations: [...this.destinations.entries()].map(([id, { target, destination }]) => ({ id, target: target.display, ...destination.stats() })),
      recording: this.recorder ? { file: this.recorder.file, bytes: this.recorder.bytesWritten } : null,
      cpu,
    };
  }

  private async emitStats(): Promise<void> {
    try {
      const stats = await this.stats();
      this.emit('stats', stats);
      this.adviseBitrate(stats);
    } catch (err) {
      this.log.debug(`stats: ${errorMessage(err)}`);
    }
  }

  /**
   * The least congested live destination speaks for all: lowering the one encode for everybody is only
   * right when every destination is congested (or there is one).
   */
  private adviseBitrate(stats: BroadcastStats): void {
    if (!this.advisor) return;
    const live = stats.destinations.filter((d) => d.state === 'live');
    if (live.length === 0) return;
    const samples = live.map((d) => {
      const dropped = d.dropsByReason.congestion - (this.droppedSoFar.get(d.id) ?? 0);
      this.droppedSoFar.set(d.id, d.dropsByReason.congestion);
      return { queueMs: d.queueMs, droppedFrames: dropped };
    });
    const best = samples.reduce((a, b) => (b.queueMs + b.droppedFrames * 1000 < a.queueMs + a.droppedFrames * 1000 ? b : a));
    const kbps = this.advisor.sample({ nowMs: performance.now(), ...best });
    if (kbps === undefined) return;
    const current = this.encoder.currentSettings;
    const direction = kbps < current.videoBitrateKbps ? 'down' : 'up';
    this.log.info(`dynamic bitrate: ${current.videoBitrateKbps} -> ${kbps} kbit/s`);
    this.emit('bitrateChanged', kbps, direction);
    void this.encoder.restart({ ...current, videoBitrateKbps: kbps }).catch((err: unknown) => this.log.warn(`bitrate change failed: ${errorMessage(err)}`));
  }

  private onTag(tag: FlvTag): void {
    const isHeader = tag.kind === 'script' || tag.video?.sequenceHeader === true || tag.audio?.sequenceHeader === true;
    // After an encoder restart FFmpeg repeats its headers: pass them on only when they changed.
    if (isHeader && !this.headers.update(tag)) return;
    if (!this.sawKeyframe && isVideoKeyframe(tag)) {
      this.sawKeyframe = true;
      this.emit('firstKeyframe');
    }
    if (tag.timestamp > this.lastTimestamp) this.lastTimestamp = tag.timestamp;
    for (const { destination } of this.destinations.values()) destination.push(tag);
    this.recorder?.push(tag);
  }
}

/** .mp4 records fragmented MP4; anything else Matroska. Both stay playable when Uplink crashes. */
export function formatForFile(file: string): RecordingFormat {
  return file.toLowerCase().endsWith('.mp4') ? 'fmp4' : 'mkv';
}
