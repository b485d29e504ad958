import { EventEmitter } from 'node:events';
import { UplinkError, errorMessage } from '../errors.js';
import { FlvParser, type FlvTag } from '../flv/reader.js';
import { Logger } from '../log.js';
import type { EncodingSettings } from '../settings/encoding.js';
import { type EncodeOptions, type FfmpegInput, buildEncodeArgs } from './argv.js';
import { type FfmpegExit, FfmpegProcess } from './process.js';
import type { FfmpegProgress } from './stderr.js';

export interface ProgramEncoderOptions {
  ffmpegPath: string;
  settings: EncodingSettings;
  inputs: readonly FfmpegInput[];
  /** Version-dependent options (e.g. -stats_period). */
  encodeOptions?: EncodeOptions;
  /** Restarts allowed after crashes within one minute before giving up. */
  maxCrashRestarts?: number;
}

export type RestartCause = 'settings' | 'crash';

interface ProgramEncoderEvents {
  /** One FLV tag of the program, timestamps continuous across FFmpeg restarts. */
  tag: [FlvTag];
  stats: [FfmpegProgress];
  /** A new FFmpeg took over. For a crash, `exit` says why the old one died. */
  restarted: [cause: RestartCause, exit: FfmpegExit | undefined];
  /** The encoder ended for good: inputs ended, stopped, or crashed too often. */
  ended: [FfmpegExit];
  error: [UplinkError];
}

/**
 * The program feed: FFmpeg encoding the inputs to FLV on its stdout, parsed into tags. Restarting it
 * (new settings while live, or after a crash) keeps timestamps going forward, so the RTMP connections
 * downstream see one continuous stream.
 */
export class ProgramEncoder extends EventEmitter<ProgramEncoderEvents> {
  private process: FfmpegProcess | undefined;
  private settings: EncodingSettings;
  private inputs: readonly FfmpegInput[];
  private readonly log = new Logger('encoder');
  /** Added to the timestamps of the current FFmpeg so they continue where the previous one stopped. */
  private offset = 0;
  private rebasePending = false;
  private lastTimestamp = -1;
  private lastTagAt = 0;
  private readonly crashTimes: number[] = [];
  private stopping = false;
  private restarting = false;
  private ended: FfmpegExit | undefined;

  constructor(private readonly options: ProgramEncoderOptions) {
    super();
    this.settings = options.settings;
    this.inputs = options.inputs;
  }

  get currentSettings(): EncodingSettings {
    return this.settings;
  }

  get running(): boolean {
    return this.process?.running === true;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get lastStats(): FfmpegProgress | null {
    return this.process?.lastStats ?? null;
  }

  /** Starts FFmpeg; throws at once (UplinkError) when the argv cannot be built from the settings. */
  start(): void {
    this.spawn();
  }

  /**
   * Replaces FFmpeg with one running `settings` (and `inputs`); downstream connections stay up and see
   * time go on. Resolves when the new FFmpeg has started.
   */
  async restart(settings: EncodingSettings = this.settings, inputs: readonly FfmpegInput[] = this.inputs): Promise<void> {
    buildEncodeArgs(settings, inputs, {}, this.options.encodeOptions); // refuse bad settings before stopping anything
    this.settings = settings;
    this.inputs = inputs;
    this.restarting = true;
    try {
      await this.process?.stop(2_000);
    } finally {
      this.restarting = false;
    }
    if (this.stopping) return;
    this.spawn();
    this.emit('restarted', 'settings', undefined);
  }

  /** Stops FFmpeg gently; the last tags it flushes are still emitted. */
  async stop(): Promise<FfmpegExit | undefined> {
    this.stopping = true;
    const exit = await this.process?.stop(3_000);
    return exit;
  }

  private spawn(): void {
    const args = buildEncodeArgs(this.settings, this.inputs, {}, this.encodeOptionsNow());
    const ffmpeg = new FfmpegProcess({ ffmpegPath: this.options.ffmpegPath, args });
    this.process = ffmpeg;
    this.rebasePending = this.lastTimestamp >= 0;
    const parser = new FlvParser();
    ffmpeg.stdout.on('data', (chunk: Buffer) => {
      if (this.process !== ffmpeg) return;
      let tags: FlvTag[];
      try {
        tags = parser.push(chunk);
      } catch (err) {
        this.emit('error', new UplinkError('ENCODER_OUTPUT', `the encoder's output could not be read (${errorMessage(err)}): restarting it`));
        ffmpeg.kill('SIGKILL');
        return;
      }
      for (const tag of tags) this.emitTag(tag);
    });
    ffmpeg.on('stats', (progress) => this.emit('stats', progress));
    ffmpeg.once('exit', (exit) => this.onExit(ffmpeg, exit));
  }

  /** A program duration counts program time: after a restart the new FFmpeg gets what is left. */
  private encodeOptionsNow(): EncodeOptions | undefined {
    const options = this.options.encodeOptions;
    if (options?.durationSec === undefined || this.lastTimestamp < 0) return options;
    return { ...options, durationSec: Math.max(0.1, options.durationSec - this.lastTimestamp / 1000) };
  }

  private emitTag(tag: FlvTag): void {
    const now = performance.now();
    if (this.rebasePending) {
      // Go on from the last tag by the wall time the restart took (at least one frame), so media time
      // keeps pace with the clock across restarts and never goes back.
      const frameMs = Math.max(1, Math.round(1000 / this.settings.fps));
      this.offset = this.lastTimestamp + Math.max(frameMs, Math.round(now - this.lastTagAt)) - tag.timestamp;
      this.rebasePending = false;
    }
    const timestamp = Math.max(0, tag.timestamp + this.offset);
    if (timestamp > this.lastTimestamp) this.lastTimestamp = timestamp;
    this.lastTagAt = now;
    this.emit('tag', timestamp === tag.timestamp ? tag : { ...tag, timestamp });
  }

  private onExit(ffmpeg: FfmpegProcess, exit: FfmpegExit): void {
    if (this.process !== ffmpeg || this.restarting) return;
    if (this.stopping || exit.reason === 'stopped' || exit.reason === 'ended') {
      this.finish(exit);
      return;
    }
    // A crash: restart unless it keeps crashing, or the failure is one a restart cannot fix.
    const now = Date.now();
    this.crashTimes.push(now);
    while (this.crashTimes.length > 0 && now - this.crashTimes[0]! > 60_000) this.crashTimes.shift();
    const permanent = exit.reason === 'device-missing' || exit.reason === 'encoder-failed' || exit.reason === 'invalid-argument';
    if (permanent || this.crashTimes.length > (this.options.maxCrashRestarts ?? 5) || this.lastTimestamp < 0) {
      this.finish(exit);
      return;
    }
    this.log.warn(`FFmpeg crashed (${exit.message}); restarting`);
    this.spawn();
    this.emit('restarted', 'crash', exit);
  }

  private finish(exit: FfmpegExit): void {
    if (this.ended) return;
    this.ended = exit;
    this.emit('ended', exit);
  }
}
