import { EventEmitter } from 'node:events';
import type { DestinationState, ProgramStats } from '../../contract.js';
import { type UplinkError, errorMessage } from '../errors.js';
import type { EncodeOptions, FfmpegInput } from '../ffmpeg/argv.js';
import { ProgramEncoder, type ProgramSource, type RestartCause } from '../ffmpeg/program-encoder.js';
import type { FfmpegExit } from '../ffmpeg/process.js';
import type { FlvTag } from '../flv/reader.js';
import { Logger } from '../log.js';
import type { PublisherOptions } from '../rtmp/publisher.js';
import type { RtmpTarget } from '../rtmp/url.js';
import type { EncodingSettings } from '../settings/encoding.js';
import { DynamicBitrate } from './dynamic-bitrate.js';
import { ProgramOutputs } from './program-outputs.js';
import { ProgramStatsSampler } from './program-stats.js';
import type { RecordingFormat, RecordingResult } from './recording.js';

export { formatForFile } from './program-outputs.js';
export type { ProgramStats as BroadcastStats };

export interface BroadcastOptions {
  ffmpegPath: string;
  settings: EncodingSettings;
  inputs: readonly FfmpegInput[];
  /** The composed program (scenes), which the inputs then read (programInputs). */
  program?: ProgramSource;
  encodeOptions?: EncodeOptions;
  publisher?: PublisherOptions;
  /**
   * Lower the encoder bitrate while every destination stays congested, and raise it back step by step
   * once they are healthy (the connections stay up).
   */
  dynamicBitrate?: boolean;
}

interface BroadcastEvents {
  stats: [ProgramStats];
  destinationState: [id: string, state: DestinationState, error: UplinkError | undefined];
  encoderRestarted: [cause: RestartCause, why: string | undefined];
  /** Dynamic bitrate changed the encoder's bitrate. */
  bitrateChanged: [kbps: number, direction: 'down' | 'up'];
  /** The encoder makes media slower than real time, or keeps up again. */
  encoderSpeed: [slow: boolean, speed: number];
  ended: [FfmpegExit];
  error: [UplinkError];
}

/**
 * One program: a single encode feeding every destination and the recording. It wires the parts that
 * each have a job of their own: the encoder (ProgramEncoder), the outputs (ProgramOutputs), the stats
 * (ProgramStatsSampler) and dynamic bitrate (DynamicBitrate).
 */
export class Broadcast extends EventEmitter<BroadcastEvents> {
  readonly encoder: ProgramEncoder;
  readonly outputs: ProgramOutputs;
  private readonly sampler: ProgramStatsSampler;
  private readonly dynamicBitrate: DynamicBitrate | undefined;
  private readonly log = new Logger('broadcast');
  private mediaMs = 0;
  private restarts = 0;
  private started: Promise<void> | undefined;

  constructor(options: BroadcastOptions) {
    super();
    this.encoder = new ProgramEncoder({
      ffmpegPath: options.ffmpegPath,
      settings: options.settings,
      inputs: options.inputs,
      ...(options.program ? { program: options.program } : {}),
      encodeOptions: options.encodeOptions,
    });
    // A server sees a publish only once the encoder has proved it works (its first keyframe).
    this.outputs = new ProgramOutputs({ ffmpegPath: options.ffmpegPath, publisher: options.publisher, publishGate: this.encoder.ready });
    this.sampler = new ProgramStatsSampler(this.encoder, this.outputs, () => this.mediaMs, () => this.restarts);
    if (options.dynamicBitrate) this.dynamicBitrate = new DynamicBitrate(options.settings.videoBitrateKbps);

    this.encoder.on('tag', (tag) => this.onTag(tag));
    this.encoder.on('restarted', (cause, exit) => {
      this.restarts++;
      this.emit('encoderRestarted', cause, exit?.message);
    });
    this.encoder.on('ended', (exit) => this.emit('ended', exit));
    this.encoder.on('slow', (speed) => this.emit('encoderSpeed', true, speed));
    this.encoder.on('caughtUp', (speed) => this.emit('encoderSpeed', false, speed));
    this.encoder.on('error', (err) => this.emit('error', err));
    this.outputs.on('destinationState', (id, state, error) => this.emit('destinationState', id, state, error));
    this.outputs.on('recordingFailed', (err) => this.emit('error', err));
  }

  get destinations(): ProgramOutputs['destinations'] {
    return this.outputs.destinations;
  }

  get encoderRestarts(): number {
    return this.restarts;
  }

  /**
   * Starts the encoder. Resolves at its first keyframe: the encoder works. Rejects with the reason when
   * FFmpeg ends before making one (an encoder listed but unusable, a source FFmpeg cannot open), so a
   * program that cannot work is known before anybody sees it. Destinations added before or after join
   * at a keyframe.
   */
  start(): Promise<void> {
    if (!this.started) {
      this.started = this.encoder.ready;
      try {
        this.encoder.start();
      } catch {
        // `ready` rejects with the same error.
      }
      this.sampler.start((stats) => this.onStats(stats));
    }
    return this.started;
  }

  addDestination(target: RtmpTarget, id?: string): string {
    return this.outputs.addDestination(target, id);
  }

  /** Stops one destination once the encoder has put out what the program showed until now. */
  async removeDestination(id: string): Promise<void> {
    await this.encoder.drain();
    await this.outputs.removeDestination(id);
  }

  startRecording(file: string, format?: RecordingFormat): Promise<void> {
    return this.outputs.startRecording(file, format);
  }

  /** Ends the recording once the encoder has put out what the program showed until now. */
  async stopRecording(): Promise<RecordingResult | undefined> {
    await this.encoder.drain();
    return this.outputs.stopRecording();
  }

  /** New encoding settings (and sources) while live: FFmpeg restarts, every connection stays up. */
  async updateSettings(settings: EncodingSettings, inputs?: readonly FfmpegInput[]): Promise<void> {
    await this.encoder.restart(settings, inputs);
    this.dynamicBitrate?.reset(settings.videoBitrateKbps);
  }

  /** Stops the encoder, lets the outputs take what it flushed, unpublishes and closes everything. */
  async stop(): Promise<RecordingResult | undefined> {
    this.sampler.stop();
    await this.encoder.stop();
    return this.outputs.stop();
  }

  stats(): Promise<ProgramStats> {
    return this.sampler.sample();
  }

  private onStats(stats: ProgramStats): void {
    this.emit('stats', stats);
    const kbps = this.dynamicBitrate?.sample(stats, performance.now());
    if (kbps === undefined) return;
    const current = this.encoder.currentSettings;
    const direction = kbps < current.videoBitrateKbps ? 'down' : 'up';
    this.log.info(`dynamic bitrate: ${current.videoBitrateKbps} -> ${kbps} kbit/s`);
    this.emit('bitrateChanged', kbps, direction);
    void this.encoder.restart({ ...current, videoBitrateKbps: kbps }).catch((err: unknown) => this.log.warn(`bitrate change failed: ${errorMessage(err)}`));
  }

  private onTag(tag: FlvTag): void {
    if (tag.timestamp > this.mediaMs) this.mediaMs = tag.timestamp;
    this.outputs.push(tag);
  }
}
