/**
 * One capture FFmpeg per live source, isolated from the compositor: it turns whatever the source is
 * (a camera, a microphone, a media file, a network feed) into raw frames and samples of one fixed
 * format, and keeps only what the program clock (relay.ts) needs: the newest picture and a short queue
 * of sound. When the source stalls, fails or ends, the feed says so and keeps its last picture; failures
 * are retried until the feed is stopped, so a camera plugged back in is picked up without a restart.
 */
import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { FfmpegInput } from '../ffmpeg/argv.js';
import { FfmpegProcess, type FfmpegExit } from '../ffmpeg/process.js';

/** Raw yuv420p frames of exactly width x height. */
export interface VideoFeedFormat {
  width: number;
  height: number;
  fps: number;
}

/** Raw s16le interleaved samples. */
export interface AudioFeedFormat {
  sampleRate: number;
  channels: 1 | 2;
}

export interface FeedSpec {
  /** For events and messages. */
  sourceId: string;
  name: string;
  ffmpegPath: string;
  /** How FFmpeg opens the source (args before -i, url). */
  input: FfmpegInput;
  /** Deliver the picture, scaled keeping aspect and letterboxed to exactly this size, at most fps. */
  video?: VideoFeedFormat;
  /** Deliver the sound. */
  audio?: AudioFeedFormat;
  /**
   * What to do when the input ends by itself (a media file): 'loop' opens it again, 'hold' stays ended
   * (the item keeps its last frame). A failure or loss (device unplugged, busy, network feed dropped) is
   * always retried with backoff. A network input that ends cleanly counts as lost: a feed that stopped
   * sending may come back.
   */
  onEnd: 'loop' | 'hold';
}

export type FeedState = 'opening' | 'live' | 'stalled' | 'lost' | 'ended' | 'stopped';

export interface FeedStateChange {
  sourceId: string;
  name: string;
  state: FeedState;
  /**
   * One sentence for the streamer, e.g. `"Camera" sent no picture for 2 s.` /
   * `"Camera" was lost (FFmpeg: ...); trying again in 2 s.`
   */
  reason?: string;
}

export interface SourceFeedOptions {
  /** No new data for this long while the process runs makes the feed 'stalled'; default 1500. */
  stallMs?: number;
  /** Wait before reopening after the attempt-th loss in a row (0-based); default 1 s, 2 s, 4 s... at most 10 s. */
  retryDelayMs?: (attempt: number) => number;
  /** Sound kept beyond what a takeAudio call takes; older sound is dropped. Default 200. */
  maxAudioMs?: number;
  /**
   * Sound gathered before takeAudio starts handing it out, and again after running dry; default 60.
   * Capture pipes deliver sound in packets (21 ms for 1024 samples) that do not line up with the program's
   * ticks: without this margin a tick would often find half a packet and play a click of silence.
   */
  audioPrimeMs?: number;
}

export interface SourceFeedEvents {
  state: [FeedStateChange];
}

const DEFAULT_STALL_MS = 1500;
const DEFAULT_MAX_AUDIO_MS = 200;
const DEFAULT_AUDIO_PRIME_MS = 60;
/** Sound kept when nobody takes any (no relay yet), beyond maxAudioMs. */
const UNTAKEN_AUDIO_MS = 1000;
const STOP_GRACE_MS = 1000;
const THREAD_QUEUE_SIZE = '512';

/** Default backoff: 1 s, 2 s, 4 s, 8 s, then 10 s. */
export function feedRetryDelay(attempt: number): number {
  return Math.min(1000 * 2 ** attempt, 10_000);
}

/** Bytes of one yuv420p picture (chroma planes round up for odd sizes, as FFmpeg's rawvideo does). */
export function frameBytes(width: number, height: number): number {
  return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
}

/** rtmp://, srt://, https://...: a network input. A plain path, file: and device names are not. */
export function isNetworkUrl(url: string): boolean {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1]?.toLowerCase();
  return scheme !== undefined && scheme !== 'file';
}

/** A file FFmpeg finds the format of by itself: no `-f` (devices and lavfi have one), not a network URL. */
function isMediaFile(input: FfmpegInput): boolean {
  return !input.args.includes('-f') && !isNetworkUrl(input.url);
}

function formatRate(fps: number): string {
  // NTSC rates as FFmpeg's exact fractions: 29.97 written as a decimal would drift a frame every ~17 min.
  const ntsc = Math.round(fps * 1001);
  if (!Number.isInteger(fps) && Math.abs(fps * 1001 - ntsc) < 1e-3 && ntsc % 1000 === 0) return `${ntsc}/1001`;
  return String(Number(fps.toFixed(6)));
}

function checkSpec(spec: FeedSpec): void {
  if (!spec.video && !spec.audio) throw new RangeError(`feed ${spec.sourceId}: neither video nor audio requested`);
  if (spec.video) {
    const { width, height, fps } = spec.video;
    if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
      throw new RangeError(`feed ${spec.sourceId}: bad video size ${width}x${height}`);
    }
    if (!Number.isFinite(fps) || fps <= 0) throw new RangeError(`feed ${spec.sourceId}: bad fps ${fps}`);
  }
  if (spec.audio && (!Number.isInteger(spec.audio.sampleRate) || spec.audio.sampleRate <= 0)) {
    throw new RangeError(`feed ${spec.sourceId}: bad sample rate ${spec.audio.sampleRate}`);
  }
}

/** The capture command line: the source in, raw picture on stdout and raw sound on fd 3. */
export function captureArgs(spec: FeedSpec): string[] {
  checkSpec(spec);
  const { input, video, audio } = spec;
  const args = ['-hide_banner', '-nostats', '-loglevel', 'level+info'];
  if (isMediaFile(input)) {
    // FFmpeg loops a file without a gap; reopening it would cost a process start (over a second when busy).
    if (spec.onEnd === 'loop' && !input.args.includes('-stream_loop')) args.push('-stream_loop', '-1');
    // A file would otherwise be decoded as fast as the CPU allows and be over in seconds.
    if (!input.args.includes('-re')) args.push('-re');
  }
  args.push(...input.args);
  if (!input.args.includes('-thread_queue_size')) args.push('-thread_queue_size', THREAD_QUEUE_SIZE);
  args.push('-i', input.url);
  // With both asked for, either may be missing (a clip without sound): '?' makes the map optional.
  const optional = video && audio ? '?' : '';
  if (video) {
    const { width: w, height: h } = video;
    const chain = [`scale=${w}:${h}:force_original_aspect_ratio=decrease`, `pad=${w}:${h}:-1:-1`, `fps=${formatRate(video.fps)}`, 'format=yuv420p'];
    args.push('-map', `0:v:0${optional}`, '-vf', chain.join(','), '-f', 'rawvideo', 'pipe:1');
  }
  if (audio) {
    args.push('-map', `0:a:0${optional}`, '-af', 'aresample=async=1', '-ar', String(audio.sampleRate), '-ac', String(audio.channels));
    args.push('-f', 's16le', 'pipe:3');
  }
  return args;
}

/**
 * Cuts a byte stream into pictures with one copy per byte. A picture handed out by latest() is never
 * written again: the relay may still have it queued in a pipe write. One that was never handed out (a
 * burst after a stall delivers many at once) is reused for the next picture.
 */
export class FrameAssembler {
  private filling: Buffer | undefined;
  private filled = 0;
  private newest: Buffer | undefined;
  private newestLent = false;
  private count = 0;

  constructor(readonly frameSize: number) {}

  /** Completed pictures so far. */
  get frames(): number {
    return this.count;
  }

  /** Takes a chunk from the pipe; returns how many pictures it completed. */
  push(chunk: Buffer): number {
    let offset = 0;
    let completed = 0;
    while (offset < chunk.length) {
      const target = (this.filling ??= Buffer.allocUnsafe(this.frameSize));
      const n = Math.min(this.frameSize - this.filled, chunk.length - offset);
      chunk.copy(target, this.filled, offset, offset + n);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameSize) {
        this.filling = this.newest !== undefined && !this.newestLent ? this.newest : undefined;
        this.newest = target;
        this.newestLent = false;
        this.filled = 0;
        this.count += 1;
        completed += 1;
      }
    }
    return completed;
  }

  latest(): Buffer | undefined {
    if (this.newest) this.newestLent = true;
    return this.newest;
  }

  /** A new process starts a new stream: the half picture of the old one is worthless. */
  discardPartial(): void {
    this.filled = 0;
  }
}

/**
 * The sound between a capture pipe and the program clock: bounded in media time, aligned to whole
 * sample frames (a pipe chunk may end inside one), and primed so that packet jitter does not click.
 */
export class AudioQueue {
  private chunks: Buffer[] = [];
  private head = 0;
  private queued = 0;
  private priming = true;

  /**
   * @param frameSize bytes of one sample frame (2 x channels for s16le)
   * @param maxBytes kept beyond what a take takes
   * @param primeBytes gathered before the first take and after running dry
   * @param untakenBytes kept beyond maxBytes when nobody takes (bounds memory)
   */
  constructor(
    private readonly frameSize: number,
    private readonly maxBytes: number,
    private readonly primeBytes: number,
    private readonly untakenBytes: number,
  ) {}

  get length(): number {
    return this.queued;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.queued += chunk.length;
    this.dropOldest(this.queued - (this.maxBytes + this.untakenBytes));
  }

  /** Exactly `bytes`: the oldest sound queued, then silence when there is not enough. */
  take(bytes: number): Buffer {
    if (bytes % this.frameSize !== 0) throw new RangeError(`${bytes} bytes is not a whole number of sample frames`);
    const out = Buffer.alloc(bytes);
    if (this.priming) {
      if (this.queued < Math.max(this.primeBytes, bytes)) return out;
      this.priming = false;
    }
    // A device whose clock runs fast would otherwise build up latency without end.
    this.dropOldest(this.queued - bytes - this.maxBytes);
    const n = Math.min(bytes, this.queued - (this.queued % this.frameSize));
    this.read(out, n);
    if (n < bytes) this.priming = true;
    return out;
  }

  /** Drops a trailing partial sample frame: the next process's stream starts aligned. */
  discardPartial(): void {
    let partial = this.queued % this.frameSize;
    while (partial > 0) {
      const last = this.chunks[this.chunks.length - 1];
      if (!last) break;
      const available = this.chunks.length === 1 ? last.length - this.head : last.length;
      const cut = Math.min(partial, available);
      if (cut === available) this.chunks.pop();
      else this.chunks[this.chunks.length - 1] = last.subarray(0, last.length - cut);
      this.queued -= cut;
      partial -= cut;
    }
    if (this.chunks.length === 0) this.head = 0;
  }

  private dropOldest(excess: number): void {
    if (excess <= 0) return;
    this.read(undefined, Math.min(Math.ceil(excess / this.frameSize) * this.frameSize, this.queued - (this.queued % this.frameSize)));
  }

  private read(into: Buffer | undefined, bytes: number): void {
    let done = 0;
    while (done < bytes) {
      const first = this.chunks[0];
      if (!first) break;
      const n = Math.min(bytes - done, first.length - this.head);
      if (into) first.copy(into, done, this.head, this.head + n);
      done += n;
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.queued -= done;
  }
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** Why a run ended, for the 'lost' sentence: FFmpeg's own line when there is one. */
function lossCause(exit: FfmpegExit): string {
  if (exit.detail !== undefined) return `FFmpeg: ${exit.detail.replace(/\.$/, '')}`;
  if (exit.reason === 'ended') return 'its stream ended';
  // The classified sentence without its advice: the feed retries by itself.
  return exit.message.split(': ')[0]?.replace(/\.$/, '') ?? exit.message;
}

export class SourceFeed extends EventEmitter<SourceFeedEvents> {
  private readonly stallMs: number;
  private readonly retryDelay: (attempt: number) => number;
  private readonly args: string[];
  private readonly picture: FrameAssembler | undefined;
  private readonly sound: AudioQueue | undefined;
  private current: FfmpegProcess | undefined;
  private currentExited = false;
  private deliveredThisRun = false;
  private attempt = 0;
  private lastDataAt = 0;
  private stallTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private stateNow: FeedState = 'stopped';

  constructor(
    private readonly spec: FeedSpec,
    options: SourceFeedOptions = {},
  ) {
    super();
    this.args = captureArgs(spec);
    this.stallMs = options.stallMs ?? DEFAULT_STALL_MS;
    this.retryDelay = options.retryDelayMs ?? feedRetryDelay;
    if (spec.video) this.picture = new FrameAssembler(frameBytes(spec.video.width, spec.video.height));
    if (spec.audio) {
      const bytesPerMs = (spec.audio.sampleRate * spec.audio.channels * 2) / 1000;
      const frameSize = spec.audio.channels * 2;
      const toBytes = (ms: number): number => Math.round((ms * bytesPerMs) / frameSize) * frameSize;
      this.sound = new AudioQueue(
        frameSize,
        toBytes(options.maxAudioMs ?? DEFAULT_MAX_AUDIO_MS),
        toBytes(options.audioPrimeMs ?? DEFAULT_AUDIO_PRIME_MS),
        toBytes(UNTAKEN_AUDIO_MS),
      );
    }
  }

  /** 'stopped' before start() and after stop(). */
  get state(): FeedState {
    return this.stateNow;
  }

  /** The current capture process. */
  get pid(): number | undefined {
    return this.currentExited ? undefined : this.current?.pid;
  }

  start(): void {
    if (this.stateNow !== 'stopped') return;
    this.attempt = 0;
    this.setState('opening');
    this.launch();
  }

  /** Ends the capture process; no FFmpeg outlives the returned promise. */
  async stop(): Promise<void> {
    const proc = this.end();
    this.setState('stopped');
    if (proc) await proc.stop(STOP_GRACE_MS);
  }

  /**
   * Opens the source again from its start, or `fromMs` into a media file (an ended one plays again); the
   * item shows its last picture until the first new one. Nothing while stopped.
   */
  async restart(fromMs = 0): Promise<void> {
    if (this.stateNow === 'stopped') return;
    const proc = this.end();
    this.attempt = 0;
    this.setState('opening');
    this.launch(fromMs);
    await proc?.stop(STOP_GRACE_MS);
  }

  /** Ends the capture as if the source had reached its end ('ended', `reason`), keeping its last picture, until restart(). */
  async hold(reason: string): Promise<void> {
    if (this.stateNow === 'stopped' || this.stateNow === 'ended') return;
    const proc = this.end();
    this.setState('ended', reason);
    await proc?.stop(STOP_GRACE_MS);
  }

  /** Lets go of the capture process (its exit and last output no longer count) and any timer. */
  private end(): FfmpegProcess | undefined {
    this.clearTimers();
    const proc = this.current;
    this.current = undefined;
    return proc;
  }

  /** The newest complete picture, undefined before the first. Kept across a stall, loss or end. */
  latestFrame(): Buffer | undefined {
    return this.picture?.latest();
  }

  /**
   * Exactly `bytes` of sound (a multiple of the frame size): what arrived, oldest first, padded with
   * silence when short. Sound older than maxAudioMs beyond what is taken is dropped.
   */
  takeAudio(bytes: number): Buffer {
    return this.sound ? this.sound.take(bytes) : Buffer.alloc(bytes);
  }

  private launch(fromMs = 0): void {
    this.picture?.discardPartial();
    this.sound?.discardPartial();
    // A later start: FFmpeg seeks the input before reading it (a loop then starts over from the beginning).
    const args = fromMs > 0 ? captureArgs({ ...this.spec, input: { ...this.spec.input, args: ['-ss', (fromMs / 1000).toFixed(3), ...this.spec.input.args] } }) : this.args;
    const proc = new FfmpegProcess({ ffmpegPath: this.spec.ffmpegPath, args, extraPipes: this.spec.audio ? 1 : 0, rawFrames: this.spec.video !== undefined });
    this.current = proc;
    this.currentExited = false;
    this.deliveredThisRun = false;
    const { picture, sound } = this;
    if (picture) {
      proc.stdout.on('data', (chunk: Buffer) => {
        if (proc === this.current && picture.push(chunk) > 0) this.onData();
      });
    } else {
      proc.stdout.resume();
    }
    const soundPipe = proc.sidePipes[0];
    if (sound && soundPipe) {
      soundPipe.on('data', (chunk: Buffer) => {
        if (proc !== this.current) return;
        sound.push(chunk);
        this.onData();
      });
    }
    void proc.exited.then((exit) => this.onExit(proc, exit));
  }

  private onData(): void {
    // Pipes hold what FFmpeg wrote before it exited: that is still picture, but not news of life.
    if (this.currentExited) return;
    this.lastDataAt = performance.now();
    if (!this.deliveredThisRun) {
      this.deliveredThisRun = true;
      this.attempt = 0;
    }
    if (this.stateNow === 'opening' || this.stateNow === 'stalled') this.setState('live');
    this.stallTimer ??= setTimeout(() => this.checkStall(), this.stallMs);
  }

  private checkStall(): void {
    this.stallTimer = undefined;
    if (this.stateNow !== 'live') return;
    const idle = performance.now() - this.lastDataAt;
    if (idle < this.stallMs) {
      this.stallTimer = setTimeout(() => this.checkStall(), this.stallMs - idle);
      return;
    }
    const what = this.spec.video ? 'picture' : 'sound';
    // onData re-arms the check when data comes back.
    this.setState('stalled', `"${this.spec.name}" sent no ${what} for ${seconds(this.stallMs)}.`);
  }

  private onExit(proc: FfmpegProcess, exit: FfmpegExit): void {
    if (proc !== this.current || this.stateNow === 'stopped') return;
    this.currentExited = true;
    this.clearTimers();
    const endedByItself = exit.reason === 'ended' && !isNetworkUrl(this.spec.input.url);
    // A run that delivered nothing and "ended" (an empty or broken file) would loop without pause.
    if (endedByItself && this.deliveredThisRun) {
      if (this.spec.onEnd === 'loop') {
        // FFmpeg loops files itself (-stream_loop); this is for inputs that end anyway, e.g. a lavfi source
        // with a duration. Still 'live' through the reopen; if nothing comes, the stall check says so.
        this.launch();
        this.stallTimer = setTimeout(() => this.checkStall(), this.stallMs);
        return;
      }
      this.setState('ended', `"${this.spec.name}" reached its end.`);
      return;
    }
    const delay = this.retryDelay(this.attempt);
    this.attempt += 1;
    this.setState('lost', `"${this.spec.name}" was lost (${lossCause(exit)}); trying again in ${seconds(delay)}.`);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.setState('opening');
      this.launch();
    }, delay);
  }

  private clearTimers(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.stallTimer = undefined;
    this.retryTimer = undefined;
  }

  private setState(state: FeedState, reason?: string): void {
    if (state === this.stateNow) return;
    this.stateNow = state;
    const change: FeedStateChange = { sourceId: this.spec.sourceId, name: this.spec.name, state };
    if (reason !== undefined) change.reason = reason;
    this.emit('state', change);
  }
}
