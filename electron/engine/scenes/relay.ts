/**
 * The program clock between the capture processes and the compositor FFmpeg. The compositor reads raw
 * inputs whose timestamps are nothing but frame and sample counts, so this clock decides media time:
 * every tick writes one frame to every video lane and one tick of samples to every audio lane, on the
 * wall clock, whether or not a source delivered anything new. A stalled source therefore repeats its
 * last frame instead of stalling the whole graph (one FFmpeg waits for its slowest input).
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { errorMessage } from '../errors.js';
import { Logger } from '../log.js';

export interface RelayLane {
  sink: Writable;
  /**
   * The bytes for tick n (a frame, or one tick of samples). n counts the ticks written (skipped ones are
   * not counted), so samplesForTick(n) adds up to exactly the media time of the frames written.
   */
  next(tick: number): Buffer;
}

export interface RelayStats {
  ticks: number;
  /**
   * Ticks not written because FFmpeg had not taken the previous ones (it runs slower than real time):
   * OBS calls these frames "skipped due to rendering lag".
   */
  skipped: number;
}

export interface RelayOptions {
  now?: () => number;
  /**
   * Ticks written that have not come out of the consumer yet, and how many may be: beyond the limit a
   * tick is skipped. Pipes hold many ticks (a clock frame is 384 bytes), and every tick held is a frame of
   * delay between a command and the picture that shows it; the consumer's own output is the only true
   * measure of how far behind it is.
   */
  inFlight?: { count: () => number; max: number };
  /** How many overdue ticks a late timer still writes; beyond that they are skipped and the clock re-anchored. */
  maxCatchUpTicks?: number;
}

export interface RelayEvents {
  lag: [RelayStats];
}

const DEFAULT_MAX_CATCH_UP = 5;
const LAG_EVENT_INTERVAL_MS = 1000;
const log = new Logger('relay');

/** Samples in tick n at this rate: floor((n+1)*rate/fps) - floor(n*rate/fps), so 29.97 or 24 fps stay exact over time. */
export function samplesForTick(tick: number, sampleRate: number, fps: number): number {
  return samplesBefore(tick + 1, sampleRate, fps) - samplesBefore(tick, sampleRate, fps);
}

/**
 * floor(n*rate/fps) without the float error that would make 30000/1001 fps lose or gain a sample at
 * tick boundaries: the division is done on integers when fps is a whole or NTSC (x/1.001) rate.
 */
function samplesBefore(tick: number, sampleRate: number, fps: number): number {
  const ntsc = Math.round(fps * 1001);
  if (Number.isInteger(fps)) return Math.floor((tick * sampleRate) / fps);
  if (Math.abs(fps * 1001 - ntsc) < 1e-6 && ntsc % 1000 === 0) {
    return Math.floor((tick * sampleRate * 1001) / ntsc);
  }
  return Math.floor((tick * sampleRate) / fps + 1e-9);
}

/**
 * Raw pipe inputs must be opened with `-probesize 32 -analyzeduration 0` by the reading FFmpeg: it opens
 * its inputs one after the other, and with the default probe it waits for seconds of the second input
 * while the first one's pipe is full, so the relay (which then skips every lane) never sends it.
 */
export class Relay extends EventEmitter<RelayEvents> {
  private readonly periodMs: number;
  private readonly now: () => number;
  private readonly maxCatchUp: number;
  private readonly inFlight: RelayOptions['inFlight'];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Wall time of schedule slot 0; moved when a long pause resets the schedule. */
  private anchor = 0;
  /** The next schedule slot to serve. */
  private slot = 0;
  private written = 0;
  private skippedTicks = 0;
  private lastLagEventAt = Number.NEGATIVE_INFINITY;
  private readonly broken = new Set<Writable>();
  /** Bytes of each sink's last tick, the unit its backlog is judged in. */
  private readonly lastWrite = new Map<Writable, number>();
  private readonly errorHandlers = new Map<Writable, (err: Error) => void>();

  constructor(
    fps: number,
    private readonly lanes: readonly RelayLane[],
    options: RelayOptions = {},
  ) {
    super();
    if (!Number.isFinite(fps) || fps <= 0) throw new RangeError(`fps must be positive, not ${fps}`);
    this.periodMs = 1000 / fps;
    this.now = options.now ?? (() => performance.now());
    this.maxCatchUp = Math.max(0, Math.floor(options.maxCatchUpTicks ?? DEFAULT_MAX_CATCH_UP));
    this.inFlight = options.inFlight;
  }

  get stats(): RelayStats {
    return { ticks: this.written, skipped: this.skippedTicks };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    for (const { sink } of this.lanes) {
      if (this.errorHandlers.has(sink)) continue;
      // A sink's error (EPIPE when the compositor exits) is its owner's news; here it only stops writes.
      const onError = (err: Error): void => {
        if (!this.broken.has(sink)) log.debug(`lane closed: ${errorMessage(err)}`);
        this.broken.add(sink);
      };
      sink.on('error', onError);
      this.errorHandlers.set(sink, onError);
    }
    this.anchor = this.now();
    this.slot = 0;
    this.onTimer();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const [sink, handler] of this.errorHandlers) sink.off('error', handler);
    this.errorHandlers.clear();
  }

  private onTimer(): void {
    this.timer = undefined;
    if (!this.running) return;
    const now = this.now();
    const lastDue = Math.floor((now - this.anchor) / this.periodMs + 1e-9);
    const due = lastDue - this.slot + 1;
    if (due > 0) {
      const missed = due - 1;
      let toWrite = due;
      if (missed > this.maxCatchUp) {
        // Too far behind (the machine slept, the event loop was blocked): writing every missed tick would
        // be a burst the compositor can only buffer. Serve the current tick and restart the schedule here.
        this.skip(missed, now);
        this.anchor = now;
        this.slot = 0;
        toWrite = 1;
      }
      this.slot += toWrite;
      this.writeTicks(toWrite, now);
    }
    if (!this.running) return;
    // Rounded up: a timer that fires a fraction of a millisecond early would find nothing due and spin.
    const wait = Math.max(1, Math.ceil(this.anchor + this.slot * this.periodMs - this.now()));
    this.timer = setTimeout(() => this.onTimer(), wait);
  }

  /**
   * Backpressure is judged once per timer, before its ticks: the catch-up ticks of a late timer fill the
   * pipe themselves (a 720p frame is bigger than a pipe's buffer), which says nothing about FFmpeg's pace.
   */
  private writeTicks(count: number, now: number): void {
    // One full sink skips the ticks for every lane: the compositor counts frames and samples as time,
    // so lanes that stayed in step with each other stay aligned.
    if (this.lanes.some((lane) => this.isLive(lane.sink) && backedUp(lane.sink, this.lastWrite.get(lane.sink) ?? 0))) {
      this.skip(count, now);
      return;
    }
    const room = this.inFlight ? Math.max(0, this.inFlight.max - this.inFlight.count()) : count;
    if (room < count) {
      this.skip(count - room, now);
      count = room;
    }
    for (let i = 0; i < count; i++) {
      const tick = this.written;
      this.written += 1;
      for (const lane of this.lanes) {
        if (!this.isLive(lane.sink)) continue;
        try {
          const bytes = lane.next(tick);
          this.lastWrite.set(lane.sink, bytes.length);
          lane.sink.write(bytes);
        } catch (err) {
          // A lane that throws must not stop the clock for the others.
          log.warn(`lane write failed: ${errorMessage(err)}`);
        }
      }
    }
  }

  private isLive(sink: Writable): boolean {
    return !this.broken.has(sink) && !sink.destroyed && !sink.writableEnded && sink.writable;
  }

  private skip(count: number, now: number): void {
    this.skippedTicks += count;
    if (now - this.lastLagEventAt >= LAG_EVENT_INTERVAL_MS) {
      this.lastLagEventAt = now;
      this.emit('lag', this.stats);
    }
  }
}

/**
 * Ticks a sink may hold before the next ones are skipped. One is not enough: a 720p picture (1.4 MB) is
 * still being written when the reader is a few milliseconds late, which is no sign of a slow reader.
 */
export const MAX_PENDING_TICKS = 2;

/** Whether a sink holds MAX_PENDING_TICKS writes of `tickBytes` that its reader has not taken. */
export function backedUp(sink: Writable, tickBytes: number): boolean {
  return sink.writableLength >= MAX_PENDING_TICKS * Math.max(1, tickBytes);
}

/** Anything that keeps a newest picture: a SourceFeed. */
export interface FrameSource {
  latestFrame(): Buffer | undefined;
}

/** Anything that queues sound: a SourceFeed. */
export interface SoundSource {
  takeAudio(bytes: number): Buffer;
}

/** A video lane: the source's newest frame each tick, `placeholder` until its first one. */
export function videoLane(sink: Writable, source: FrameSource, placeholder: Buffer): RelayLane {
  return { sink, next: () => source.latestFrame() ?? placeholder };
}

/** An audio lane: exactly one tick of s16le samples each tick, from the source's queue. */
export function audioLane(
  sink: Writable,
  source: SoundSource,
  format: { sampleRate: number; channels: number },
  fps: number,
): RelayLane {
  const bytesPerSample = 2 * format.channels;
  return { sink, next: (tick) => source.takeAudio(samplesForTick(tick, format.sampleRate, fps) * bytesPerSample) };
}

/** A black yuv420p picture (limited range: Y 16, U and V 128). */
export function blackFrame(width: number, height: number): Buffer {
  const luma = width * height;
  const frame = Buffer.alloc(luma + 2 * Math.ceil(width / 2) * Math.ceil(height / 2), 128);
  frame.fill(16, 0, luma);
  return frame;
}
