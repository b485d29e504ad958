/**
 * The composed program as raw ticks (one picture and its share of sound), from whichever compositor
 * process runs now to whichever encoders listen. The compositor runs whenever the studio is open (preview,
 * meters); going live only attaches an encoder, and a compositor replaced by a new graph hands over at a
 * whole tick, so an encoder never sees the change.
 *
 * Sound and picture come out of FFmpeg on two pipes that buffer differently (a pipe holds ten ticks of
 * sound but less than one picture), so they are paired here by count, not by arrival: tick n is picture n
 * with the samples of tick n. Any tick is then a clean place for an encoder to join or leave.
 */
import { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { ProgramSource } from '../ffmpeg/program-encoder.js';
import { frameBytes } from './feed.js';
import { backedUp, samplesForTick } from './relay.js';

export interface ProgramFormat {
  width: number;
  height: number;
  fps: number;
  sampleRate: number;
  channels: number;
}

export interface ProgramTick {
  video: Buffer;
  audio: Buffer;
}

interface ProgramFeedEvents {
  tick: [ProgramTick];
}

/** Pictures held while their sound has not arrived; beyond this the oldest go (FFmpeg lost the sound). */
const MAX_WAITING = 60;

/** Pairs one compositor's picture and sound pipes into ticks. */
class TickReader {
  get ticks(): number {
    return this.tick;
  }

  private frame: Buffer;
  private filled = 0;
  private readonly waiting: Buffer[] = [];
  private audio: Buffer[] = [];
  private audioBytes = 0;
  /** Ticks this compositor has put out (paired), delivered or not. */
  tick = 0;
  readonly bytesPerFrame: number;
  private readonly bytesPerSample: number;

  constructor(
    private readonly format: ProgramFormat,
    private readonly emit: (tick: ProgramTick) => void,
  ) {
    this.bytesPerFrame = frameBytes(format.width, format.height);
    this.bytesPerSample = 2 * format.channels;
    this.frame = Buffer.allocUnsafe(this.bytesPerFrame);
  }

  pushVideo(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, this.bytesPerFrame - this.filled);
      chunk.copy(this.frame, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.bytesPerFrame) {
        // A new buffer per picture: encoders may still hold the last one in a pipe write.
        this.waiting.push(this.frame);
        if (this.waiting.length > MAX_WAITING) this.waiting.shift();
        this.frame = Buffer.allocUnsafe(this.bytesPerFrame);
        this.filled = 0;
      }
    }
    this.pair();
  }

  pushAudio(chunk: Buffer): void {
    this.audio.push(chunk);
    this.audioBytes += chunk.length;
    this.pair();
  }

  private pair(): void {
    while (this.waiting.length > 0) {
      const need = samplesForTick(this.tick, this.format.sampleRate, this.format.fps) * this.bytesPerSample;
      if (this.audioBytes < need) return;
      const all = this.audio.length === 1 ? this.audio[0]! : Buffer.concat(this.audio, this.audioBytes);
      const audio = all.subarray(0, need);
      const rest = all.subarray(need);
      this.audio = rest.length > 0 ? [rest] : [];
      this.audioBytes = rest.length;
      this.tick++;
      this.emit({ video: this.waiting.shift()!, audio });
    }
  }
}

export class ProgramFeed extends EventEmitter<ProgramFeedEvents> implements ProgramSource {
  private active: TickReader | undefined;
  /** A newer compositor's reader, taking over at its first tick. */
  private pending: TickReader | undefined;
  private ticks = 0;
  private skipped = 0;

  constructor(readonly format: ProgramFormat) {
    super();
  }

  /** Ticks delivered so far, across compositor processes. */
  get delivered(): number {
    return this.ticks;
  }

  /** Ticks an encoder could not take in time (OBS counts these as frames skipped due to encoding lag). */
  get encoderSkipped(): number {
    return this.skipped;
  }

  /**
   * Reads a compositor's program pipes. The newest reader takes over at its first whole tick; ticks of
   * the reader it replaced are dropped from then on (that process is on its way out).
   */
  read(video: Readable, audio: Readable): { readonly ticks: number } {
    const reader: TickReader = new TickReader(this.format, (tick) => {
      if (this.active !== reader) {
        if (this.active !== undefined && this.pending !== reader) return;
        this.active = reader;
        this.pending = undefined;
      }
      this.ticks++;
      this.emit('tick', tick);
    });
    if (this.active === undefined) this.active = reader;
    else this.pending = reader;
    video.on('data', (chunk: Buffer) => reader.pushVideo(chunk));
    audio.on('data', (chunk: Buffer) => reader.pushAudio(chunk));
    return reader;
  }

  attach(video: Writable, audio: Writable): () => void {
    const onTick = (tick: ProgramTick): void => {
      if (video.destroyed || audio.destroyed) return;
      // An encoder slower than real time loses whole ticks, picture and sound together, so the two stay
      // paired; waiting would stall the compositor, and the preview with it.
      if (backedUp(video, tick.video.length) || backedUp(audio, tick.audio.length)) {
        this.skipped++;
        return;
      }
      video.write(tick.video);
      audio.write(tick.audio);
    };
    const ignore = (): void => undefined;
    video.on('error', ignore);
    audio.on('error', ignore);
    this.on('tick', onTick);
    return () => this.off('tick', onTick);
  }
}
