import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import { UplinkError, errorMessage } from '../errors.js';
import { isStreamHeader, isVideoKeyframe } from '../flv/headers.js';
import { FlvParser, type FlvTag } from '../flv/reader.js';
import { Logger } from '../log.js';
import type { EncodingSettings } from '../settings/encoding.js';
import { type EncodeOptions, type FfmpegInput, buildEncodeArgs } from './argv.js';
import { type FfmpegExit, FfmpegProcess, exitError } from './process.js';
import { assessSpeed, initialSpeedState } from './speed.js';
import type { FfmpegProgress } from './stderr.js';
import { arrivalDelay, planCut, rebaseAfterGap } from './timeline.js';

/** The composed program (see scenes/program-feed.ts): raw pictures and sound the engine writes to FFmpeg. */
export interface ProgramSource {
  readonly format: { width: number; height: number; fps: number; sampleRate: number; channels: number };
  /** Writes every tick from now on to `video` and `audio`; returns the function that stops it. */
  attach(video: Writable, audio: Writable): () => void;
}

/** The encoder's inputs for a composed program: the picture on fd 3, the sound on fd 4. */
export function programInputs(format: ProgramSource['format']): FfmpegInput[] {
  // A short queue: a slow encoder should push back on the feed (which then skips whole ticks), not buffer
  // hundreds of raw pictures in FFmpeg's input thread.
  const queue = ['-thread_queue_size', '8', '-probesize', '32', '-analyzeduration', '0'];
  return [
    { args: ['-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-video_size', `${format.width}x${format.height}`, '-framerate', String(format.fps), ...queue], url: 'pipe:3', kind: 'video' },
    { args: ['-f', 's16le', '-ar', String(format.sampleRate), '-ac', String(format.channels), ...queue], url: 'pipe:4', kind: 'audio' },
  ];
}

export interface ProgramEncoderOptions {
  ffmpegPath: string;
  settings: EncodingSettings;
  /** What FFmpeg opens; with `program`, use programInputs(program.format). */
  inputs: readonly FfmpegInput[];
  /** The composed program, written to the inputs' pipes by the engine. */
  program?: ProgramSource;
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
  /** The encoder makes media slower than real time (`speed` media seconds per second, over 5 s). */
  slow: [speed: number];
  /** A slow encoder keeps up with real time again. */
  caughtUp: [speed: number];
  /** The encoder ended for good: inputs ended, stopped, or crashed too often. Emitted exactly once. */
  ended: [FfmpegExit];
  error: [UplinkError];
}

/** How long a new FFmpeg may take to produce its first keyframe before a restart is given up. */
const FIRST_KEYFRAME_TIMEOUT_MS = 15_000;
/** How long the old FFmpeg may take to reach the cut once the new one has its keyframe. */
const CUT_TIMEOUT_MS = 3_000;
/** How long an output being stopped waits for the encoder to put out the pictures it has been given. */
const DRAIN_TIMEOUT_MS = 2_000;
/** Video frames whose arrival delay is remembered, for placing the next FFmpeg on the timeline. */
const DELAY_SAMPLES = 30;

function stoppedExit(): FfmpegExit {
  return { code: null, signal: null, reason: 'stopped', message: 'The encoder was stopped.', stderrTail: [] };
}

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** One FFmpeg of the program and where its tags go on the program timeline. */
class EncoderRun {
  readonly ffmpeg: FfmpegProcess;
  readonly parser = new FlvParser();
  /** Program time = tag time + offset; undefined until its first tag is placed. */
  offset: number | undefined;
  /** Tags of a run waiting to take over, held until the cut. */
  held: FlvTag[] = [];
  keyframe: { tag: FlvTag; arrivalMs: number } | undefined;
  readonly delays: number[] = [];
  /** Stopped on purpose because another run replaces it: its exit is not a crash. */
  replaced = false;
  /** Killed for producing no picture in time. */
  timedOut = false;
  exit: FfmpegExit | undefined;
  /** Exited and its stdout read to the end, so every tag it flushed has been handled. */
  readonly done: Promise<FfmpegExit>;

  /** Stops the program being written to this FFmpeg's input pipes. */
  private detach: (() => void) | undefined;
  /** One yuv420p picture of the program. */
  private readonly pictureBytes: number;

  constructor(
    ffmpegPath: string,
    args: string[],
    readonly settings: EncodingSettings,
    readonly inputs: readonly FfmpegInput[],
    program?: ProgramSource,
  ) {
    this.ffmpeg = new FfmpegProcess({ ffmpegPath, args, extraPipes: program ? 2 : 0, rawFrames: program !== undefined });
    this.pictureBytes = program ? (program.format.width * program.format.height * 3) / 2 : Number.POSITIVE_INFINITY;
    if (program) {
      const [video, audio] = this.ffmpeg.sidePipes;
      this.detach = program.attach(video!, audio!);
    }
    const drained = new Promise<void>((resolve) => this.ffmpeg.stdout.once('close', resolve));
    this.done = this.ffmpeg.exited.then(async (exit) => {
      // A grandchild holding the pipe open must not keep the exit from being handled.
      await Promise.race([drained, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      this.exit = exit;
      return exit;
    });
  }

  /**
   * Before stopping: FFmpeg ignores 'q' when its inputs are pipes, but ends its inputs, flushes and exits
   * at their end, so the last pictures are encoded rather than cut off.
   */
  endInput(): void {
    if (!this.detach) return;
    this.detach();
    this.detach = undefined;
    for (const pipe of this.ffmpeg.sidePipes) pipe.end();
  }

  get frameMs(): number {
    return Math.max(1, Math.round(1000 / this.settings.fps));
  }

  /** Pictures of the program written to this FFmpeg so far (sent or still in the pipe's buffer). */
  get picturesIn(): number {
    const pipe = this.ffmpeg.sidePipes[0] as Partial<Socket> | undefined;
    return this.detach === undefined ? 0 : Math.floor((pipe?.bytesWritten ?? 0) / this.pictureBytes);
  }

  noteDelay(delay: number): void {
    this.delays.push(delay);
    if (this.delays.length > DELAY_SAMPLES) this.delays.shift();
  }
}

interface PendingCut {
  from: EncoderRun;
  /** Program time of the cut: the new FFmpeg's keyframe. */
  at: number;
  /**
   * Where audio switches: the new FFmpeg's first audio at or after the cut. Audio starts a little after
   * the keyframe's decoding time (B-frames put the first picture on screen two frames after it), so the
   * old FFmpeg's audio goes on until there.
   */
  audioAt: number | undefined;
  videoReached: boolean;
  audioReached: boolean;
  timer: NodeJS.Timeout;
}

/**
 * The program feed: FFmpeg encoding the inputs to FLV on its stdout, parsed into tags. Restarts (new
 * settings while live, or after a crash) keep timestamps going forward, so the RTMP connections
 * downstream see one continuous stream.
 *
 * A settings change is made before the old FFmpeg is broken: the new one starts while the old one runs,
 * and the program cuts over at the new one's first keyframe, so there is no gap in audio or video. Only
 * when an input can be opened by one process at a time (a camera, a capture card, an ALSA hw: device)
 * does the old FFmpeg stop before the new one starts; once the scenes work puts capture in processes of
 * its own, every restart can overlap. Restarts are serialized: a request made while one runs waits, and
 * a later request replaces a waiting one (with the settings of the latest).
 */
export class ProgramEncoder extends EventEmitter<ProgramEncoderEvents> {
  /** Resolves at the program's first video keyframe; rejects with why when the encoder ends before. */
  readonly ready: Promise<void>;
  private readyState: Deferred;
  private isReady = false;

  private settings: EncodingSettings;
  private inputs: readonly FfmpegInput[];
  private readonly log = new Logger('encoder');
  private readonly runs = new Set<EncoderRun>();
  /** The run whose tags make the program. */
  private current: EncoderRun | undefined;
  /** A run started to replace the current one, held until its first keyframe. */
  private incoming: EncoderRun | undefined;
  private handover: Deferred | undefined;
  private cut: PendingCut | undefined;
  private queued: Deferred[] | undefined;
  private restarting = false;

  private lastTimestamp = -1;
  private lastVideoTs = -1;
  private lastAudioTs = -1;
  private lastTagAt = 0;
  private readonly crashTimes: number[] = [];
  private readonly speed = initialSpeedState();
  private stopping: Promise<FfmpegExit | undefined> | undefined;
  private ended: FfmpegExit | undefined;

  constructor(private readonly options: ProgramEncoderOptions) {
    super();
    this.settings = options.settings;
    this.inputs = options.inputs;
    this.readyState = deferred();
    this.ready = this.readyState.promise;
    // Nobody may be waiting for it; its rejection is also reported through `ended`.
    this.ready.catch(() => undefined);
  }

  /** The settings asked for last: in effect, or being applied by a restart in progress or waiting. */
  get currentSettings(): EncodingSettings {
    return this.settings;
  }

  get running(): boolean {
    return this.current?.ffmpeg.running === true;
  }

  get pid(): number | undefined {
    return this.current?.ffmpeg.pid;
  }

  /** Every FFmpeg this encoder has running (two while a restart overlaps). */
  get pids(): number[] {
    return [...this.runs].flatMap((run) => (run.ffmpeg.pid === undefined || run.exit ? [] : [run.ffmpeg.pid]));
  }

  get lastStats(): FfmpegProgress | null {
    return this.current?.ffmpeg.lastStats ?? null;
  }

  /** Starts FFmpeg; throws at once (UplinkError) when the argv cannot be built from the settings. */
  start(): void {
    if (this.current || this.stopping) return;
    try {
      this.current = this.spawnRun();
    } catch (err) {
      this.readyState.reject(err);
      throw err;
    }
  }

  /**
   * Moves the program to `settings` (and `inputs`); downstream connections stay up and see time go on.
   * Resolves once the new FFmpeg makes the program; rejects (UplinkError) when it cannot start, in which
   * case the old one goes on when it could overlap.
   */
  restart(settings: EncodingSettings = this.settings, inputs: readonly FfmpegInput[] = this.inputs): Promise<void> {
    try {
      buildEncodeArgs(settings, inputs, {}, this.options.encodeOptions); // refuse bad settings before stopping anything
    } catch (err) {
      return Promise.reject(err);
    }
    this.settings = settings;
    this.inputs = inputs;
    if (!this.current || this.stopping || this.ended) return Promise.resolve();
    const waiter = deferred();
    (this.queued ??= []).push(waiter);
    void this.runRestarts();
    return waiter.promise;
  }

  /**
   * Resolves once the program has put out the pictures written to the encoder so far, or `timeoutMs`
   * later: an output stopped while the encoder goes on (a stream while recording, a recording while
   * streaming, one destination of several) still gets what the preview showed at that moment, as in OBS.
   */
  drain(timeoutMs = DRAIN_TIMEOUT_MS): Promise<void> {
    const run = this.current;
    const pictures = run?.picturesIn ?? 0;
    if (!run || run.offset === undefined || pictures === 0 || this.stopping || this.ended) return Promise.resolve();
    // Picture k of a run is at k frame durations; with B-frames its decoding time is up to two earlier.
    const target = run.offset + (pictures - 3) * (1000 / run.settings.fps);
    if (this.lastVideoTs >= target) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.off('tag', onTag);
        this.off('ended', done);
        resolve();
      };
      const onTag = (tag: FlvTag): void => {
        if (tag.kind === 'video' && tag.timestamp >= target) done();
      };
      const timer = setTimeout(done, timeoutMs);
      this.on('tag', onTag);
      this.on('ended', done);
    });
  }

  /** Stops every FFmpeg gently; the last tags the current one flushes are still emitted. Then `ended`. */
  stop(): Promise<FfmpegExit | undefined> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<FfmpegExit | undefined> {
    for (const waiter of this.queued?.splice(0) ?? []) waiter.resolve();
    if (this.cut) clearTimeout(this.cut.timer);
    this.cut = undefined;
    // A restart in progress ends with the encoder.
    this.handover?.resolve();
    this.handover = undefined;
    await Promise.all(
      [...this.runs].map(async (run) => {
        run.endInput();
        await run.ffmpeg.stop(3_000);
        await run.done;
      }),
    );
    this.finish(this.current?.exit ?? stoppedExit());
    return this.ended;
  }

  private async runRestarts(): Promise<void> {
    if (this.restarting) return;
    this.restarting = true;
    try {
      while (this.queued && this.queued.length > 0 && !this.stopping && !this.ended) {
        const waiters = this.queued.splice(0);
        try {
          await this.replaceCurrent();
          for (const waiter of waiters) waiter.resolve();
        } catch (err) {
          for (const waiter of waiters) waiter.reject(err);
        }
      }
      for (const waiter of this.queued?.splice(0) ?? []) waiter.resolve();
    } finally {
      this.restarting = false;
    }
  }

  private async replaceCurrent(): Promise<void> {
    const old = this.current;
    const exclusive = [...(old?.inputs ?? []), ...this.inputs].some((input) => input.exclusive);
    if (old && !old.exit && old.offset !== undefined && !exclusive) {
      try {
        await this.overlappingRestart();
        return;
      } catch (err) {
        // A device we did not know was exclusive: fall back to closing it first.
        if (!(err instanceof UplinkError && err.code === 'FFMPEG_DEVICE_BUSY')) throw err;
        this.log.warn('a source cannot be opened twice; restarting the encoder with a short gap');
      }
    }
    await this.sequentialRestart();
  }

  /** Make before break: the new FFmpeg runs alongside until the cut at its first keyframe. */
  private async overlappingRestart(): Promise<void> {
    const old = this.current;
    const run = this.spawnRun();
    this.incoming = run;
    const handover = deferred();
    this.handover = handover;
    const timer = setTimeout(() => {
      if (this.incoming !== run || run.keyframe) return;
      run.timedOut = true;
      run.ffmpeg.kill('SIGKILL');
    }, FIRST_KEYFRAME_TIMEOUT_MS);
    try {
      await handover.promise;
    } finally {
      clearTimeout(timer);
    }
    // Done when the old FFmpeg is gone too (it releases its inputs, and never three run at once).
    if (old && this.current === run) await old.done;
  }

  /** Break before make, for inputs only one process can open: the old FFmpeg flushes and ends first. */
  private async sequentialRestart(): Promise<void> {
    const old = this.current;
    if (old) {
      old.replaced = true;
      old.endInput();
      await old.ffmpeg.stop(2_000);
      await old.done;
    }
    if (this.stopping || this.ended) return;
    this.current = this.spawnRun();
    this.emit('restarted', 'settings', undefined);
  }

  private spawnRun(): EncoderRun {
    const options: EncodeOptions = { ...this.encodeOptionsNow(), clockOriginMs: Date.now() };
    const args = buildEncodeArgs(this.settings, this.inputs, {}, options);
    const run = new EncoderRun(this.options.ffmpegPath, args, this.settings, this.inputs, this.options.program);
    void run.done.then(() => run.endInput());
    this.runs.add(run);
    run.ffmpeg.stdout.on('data', (chunk: Buffer) => {
      let tags: FlvTag[];
      try {
        tags = run.parser.push(chunk);
      } catch (err) {
        if (run === this.current) {
          this.emit('error', new UplinkError('ENCODER_OUTPUT', `the encoder's output could not be read (${errorMessage(err)}): restarting it`));
        }
        run.ffmpeg.kill('SIGKILL');
        return;
      }
      const now = performance.now();
      for (const tag of tags) this.onTag(run, tag, now);
    });
    run.ffmpeg.on('stats', (progress) => {
      if (run !== this.current) return;
      this.emit('stats', progress);
      this.checkSpeed();
    });
    void run.done.then((exit) => {
      this.runs.delete(run);
      this.onExit(run, exit);
    });
    return run;
  }

  /** A program duration counts program time: after a restart the new FFmpeg gets what is left. */
  private encodeOptionsNow(): EncodeOptions | undefined {
    const options = this.options.encodeOptions;
    if (options?.durationSec === undefined || this.lastTimestamp < 0) return options;
    return { ...options, durationSec: Math.max(0.1, options.durationSec - this.lastTimestamp / 1000) };
  }

  private onTag(run: EncoderRun, tag: FlvTag, now: number): void {
    const header = isStreamHeader(tag);
    if (tag.kind === 'video' && !header) run.noteDelay(arrivalDelay(now, tag.timestamp));
    if (run === this.incoming) {
      run.held.push(tag);
      if (!run.keyframe && isVideoKeyframe(tag)) {
        run.keyframe = { tag, arrivalMs: now };
        this.beginCut(run);
      } else if (tag.kind === 'audio' && !header) {
        this.noteIncomingAudio(run, tag);
      }
      return;
    }
    // After the cut, what a replaced FFmpeg still flushes is past the cut: dropped.
    if (run !== this.current) return;
    // The end-of-sequence marker FFmpeg writes as it quits would tell players the stream ended.
    if (run.replaced && tag.video?.sequenceEnd) return;
    run.offset ??= rebaseAfterGap({ lastTs: this.lastTimestamp, lastTagAtMs: this.lastTagAt, nowMs: now, firstTs: tag.timestamp, frameMs: run.frameMs });
    const timestamp = Math.max(0, tag.timestamp + run.offset);
    const cut = this.cut;
    if (cut && cut.from === run && !header && tag.kind !== 'script') {
      if (tag.kind === 'video' && timestamp >= cut.at) cut.videoReached = true;
      else if (tag.kind === 'audio' && cut.audioAt !== undefined && timestamp >= cut.audioAt) cut.audioReached = true;
      else return this.emitTag(tag, timestamp, now);
      if (cut.videoReached && cut.audioReached) this.finishCut();
      return;
    }
    if (cut && cut.from === run && timestamp >= cut.at) return;
    // Right after a cut the old FFmpeg's audio may have run further ahead than the new one's held audio
    // reached: the new one's next frames cover time already sent, and are dropped like the held ones.
    if (tag.kind === 'audio' && !header && timestamp <= this.lastAudioTs) return;
    this.emitTag(tag, timestamp, now);
  }

  /** The new FFmpeg's first audio past the cut is where the old one's audio stops. */
  private noteIncomingAudio(run: EncoderRun, tag: FlvTag): void {
    const cut = this.cut;
    if (!cut || cut.audioAt !== undefined || run.offset === undefined) return;
    const timestamp = tag.timestamp + run.offset;
    if (timestamp < cut.at) return;
    cut.audioAt = Math.max(timestamp, this.lastAudioTs + 1);
    cut.audioReached = this.lastAudioTs >= timestamp;
    if (cut.videoReached && cut.audioReached) this.finishCut();
  }

  private emitTag(tag: FlvTag, timestamp: number, now: number): void {
    if (!isStreamHeader(tag)) {
      if (tag.kind === 'video') this.lastVideoTs = Math.max(this.lastVideoTs, timestamp);
      if (tag.kind === 'audio') this.lastAudioTs = Math.max(this.lastAudioTs, timestamp);
    }
    if (timestamp > this.lastTimestamp) this.lastTimestamp = timestamp;
    this.lastTagAt = now;
    this.emit('tag', timestamp === tag.timestamp ? tag : { ...tag, timestamp });
    if (!this.isReady && isVideoKeyframe(tag)) {
      this.isReady = true;
      this.readyState.resolve();
    }
  }

  /** The new FFmpeg has its first keyframe: decide the cut, then wait for the old one to reach it. */
  private beginCut(run: EncoderRun): void {
    const old = this.current;
    const key = run.keyframe;
    if (!key || !old || old.exit || old.offset === undefined || old.delays.length === 0) {
      this.finishCut();
      return;
    }
    const plan = planCut({
      oldOffset: old.offset,
      oldDelays: old.delays,
      keyframeTs: key.tag.timestamp,
      keyframeArrivalMs: key.arrivalMs,
      lastVideoTs: this.lastVideoTs,
      frameMs: old.frameMs,
    });
    run.offset = plan.offset;
    this.cut = { from: old, at: plan.at, audioAt: undefined, videoReached: false, audioReached: false, timer: setTimeout(() => this.finishCut(), CUT_TIMEOUT_MS) };
    for (const tag of run.held) if (tag.kind === 'audio' && !isStreamHeader(tag)) this.noteIncomingAudio(run, tag);
  }

  /** The old FFmpeg reached the cut (or ended): the new one makes the program from its keyframe on. */
  private finishCut(): void {
    const run = this.incoming;
    if (!run?.keyframe) return;
    if (this.cut) clearTimeout(this.cut.timer);
    this.cut = undefined;
    this.incoming = undefined;
    const old = this.current;
    this.current = run;
    const now = performance.now();
    const key = run.keyframe.tag;
    run.offset ??= rebaseAfterGap({ lastTs: this.lastTimestamp, lastTagAtMs: this.lastTagAt, nowMs: now, firstTs: key.timestamp, frameMs: run.frameMs });
    const at = key.timestamp + run.offset;
    const held = run.held;
    run.held = [];
    for (const tag of held) {
      if (isStreamHeader(tag)) {
        // Headers go just before the keyframe, never behind what their own kind has already sent.
        const floor = tag.kind === 'audio' ? this.lastAudioTs : tag.kind === 'script' ? this.lastTimestamp : -1;
        this.emitTag(tag, Math.max(at, floor), now);
        continue;
      }
      const timestamp = tag.timestamp + run.offset;
      // Audio the new FFmpeg made before its keyframe overlaps what the old one sent: dropped.
      if (timestamp < at || (tag.kind === 'audio' && timestamp <= this.lastAudioTs)) continue;
      this.emitTag(tag, timestamp, now);
    }
    if (old && !old.exit) {
      old.replaced = true;
      old.endInput();
      void old.ffmpeg.stop(2_000);
    }
    this.emit('restarted', 'settings', undefined);
    this.handover?.resolve();
    this.handover = undefined;
  }

  private onExit(run: EncoderRun, exit: FfmpegExit): void {
    if (run.replaced) return;
    if (run === this.incoming) {
      // The new FFmpeg failed before it took over: the old one goes on, the restart fails.
      this.incoming = undefined;
      if (this.cut) clearTimeout(this.cut.timer);
      this.cut = undefined;
      const error = run.timedOut
        ? new UplinkError(
            'ENCODER_RESTART_TIMEOUT',
            `The encoder with the new settings produced no picture within ${FIRST_KEYFRAME_TIMEOUT_MS / 1000} s, so the old settings stay: try again, or choose lighter settings.`,
          )
        : exitError(exit);
      this.handover?.reject(error);
      this.handover = undefined;
      const current = this.current;
      if (current?.exit && !current.replaced) this.onCurrentExit(current.exit);
      return;
    }
    if (run !== this.current) return;
    if (this.incoming && !this.stopping) {
      // The successor takes over at its keyframe, or right away when it already has one.
      if (this.cut) this.finishCut();
      return;
    }
    this.onCurrentExit(exit);
  }

  private onCurrentExit(exit: FfmpegExit): void {
    if (this.stopping || exit.reason === 'stopped' || exit.reason === 'ended') {
      this.finish(exit);
      return;
    }
    // A crash: restart unless it keeps crashing, or the failure is one a restart cannot fix.
    const now = Date.now();
    this.crashTimes.push(now);
    while (this.crashTimes.length > 0 && now - this.crashTimes[0]! > 60_000) this.crashTimes.shift();
    const permanent = ['device-missing', 'encoder-failed', 'invalid-argument', 'source-invalid'].includes(exit.reason);
    if (permanent || this.crashTimes.length > (this.options.maxCrashRestarts ?? 5) || this.lastTimestamp < 0) {
      this.finish(exit);
      return;
    }
    this.log.warn(`FFmpeg crashed (${exit.message}); restarting`);
    this.current = this.spawnRun();
    this.emit('restarted', 'crash', exit);
  }

  private checkSpeed(): void {
    if (this.lastTimestamp < 0) return;
    const verdict = assessSpeed(this.speed, { nowMs: performance.now(), mediaMs: this.lastTimestamp });
    if (!verdict) return;
    if (verdict.change === 'slow') {
      this.log.warn(`the encoder runs at ${verdict.speed.toFixed(2)}x real time`);
      this.emit('slow', verdict.speed);
    } else {
      this.emit('caughtUp', verdict.speed);
    }
  }

  private finish(exit: FfmpegExit): void {
    if (this.ended) return;
    this.ended = exit;
    if (!this.isReady) this.readyState.reject(exitError(exit));
    this.emit('ended', exit);
  }
}
