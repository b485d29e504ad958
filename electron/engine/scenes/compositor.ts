/**
 * The live compositor: the program scene composed on the canvas, changed while it runs, with the preview
 * and the meters, whether or not anything is live. It owns:
 *
 * - one SourceFeed per live source (its own capture FFmpeg), kept running across graph rebuilds;
 * - one graph run: the compositor FFmpeg, the relay that feeds it on the program clock, its control
 *   channel, and the readers of its side pipes;
 * - the ProgramFeed that encoders attach to.
 *
 * Switching scenes, moving, cropping, hiding an item, volume and mute are filter commands sent as one
 * batch (they land on one frame). What needs another graph (a new source, a scene with more items than
 * the graph has slots, another canvas) starts a new run beside the old one; the program hands over at a
 * whole tick when the new run's first picture is out, so an encoder attached to the program never sees it.
 */
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { MediaAction } from '../../contract-schema.js';
import { UplinkError, errorMessage } from '../errors.js';
import { type FfmpegExit, FfmpegProcess, exitError } from '../ffmpeg/process.js';
import { Logger } from '../log.js';
import { type ControlChannel, type FilterCommand, ZmqControl, freePort } from './control.js';
import { type FeedStateChange, SourceFeed } from './feed.js';
import { CLOCK_SIZE, CHANNELS, type CompiledGraph, type CompositionState, PARKED, SAMPLE_RATE, compileGraph, stateCommands } from './graph.js';
import { type MeterLevel, MeterReader, meterChain } from './meters.js';
import type { Collection, Transition } from './model.js';
import { type CompositorPlan, type FeedPlan, type PlanContext, planCompositor, programState, sceneGains, sceneSlots } from './plan.js';
import { DEFAULT_PREVIEW, type PreviewFrame, type PreviewOptions, PreviewReader, previewChain, previewOutput } from './preview.js';
import { ProgramFeed } from './program-feed.js';
import { Relay, type RelayLane, audioLane, blackFrame, samplesForTick, videoLane } from './relay.js';

export interface CompositorOptions {
  ffmpegPath: string;
  collection: Collection;
  context: PlanContext;
  /** Program preview pictures; false for none (the CLI). */
  preview?: PreviewOptions | false;
  /** Audio meters; default on. */
  meters?: boolean;
  /**
   * How changes reach the running graph: 'zmq' commands (they land on one frame), or, for an FFmpeg built
   * without libzmq, 'rebuild': every change starts a new graph beside the running one, which takes over at
   * a whole tick (about half a second per change, no gap; fades become cuts). FFmpeg's stdin commands are
   * no way out: FFmpeg stops reading its stdin when any input is a pipe, and every input here is.
   */
  control?: 'zmq' | 'rebuild';
}

export interface SourceLevel {
  /** null: the program mix. */
  sourceId: string | null;
  level: MeterLevel;
}

interface CompositorEvents {
  preview: [PreviewFrame];
  level: [SourceLevel];
  /** A live source stalled, was lost, came back or ended. */
  source: [FeedStateChange];
  /** The compositor FFmpeg failed; a new one is being started. */
  error: [UplinkError];
  /** The program scene on air changed (after a transition has finished). */
  scene: [string];
}

/** Restarts of a failing compositor FFmpeg, and how long after one to count it as healthy again. */
const RESTART_DELAY_MS = 1000;
/** The longest wait between tries when new graphs keep failing to start. */
const MAX_RESTART_DELAY_MS = 30_000;
/** Ticks the compositor may hold between the relay and its output: the most a command can wait to be seen. */
const MAX_IN_FLIGHT = 6;

/**
 * The ticks the relay may have in flight for a graph with a preview at `previewFps`. FFmpeg 5.1 holds the
 * program back until the preview branch has had enough frames for its next picture (measured: with a
 * 4 fps preview of a 30 fps program, the program stopped after 3 ticks with 6 in flight, and the graph
 * was restarted as stuck every 2 s); so a slow preview needs room for two of its pictures' worth of
 * ticks. The default preview (15 fps of 30) keeps MAX_IN_FLIGHT.
 */
export function maxInFlight(canvasFps: number, previewFps?: number): number {
  if (previewFps === undefined) return MAX_IN_FLIGHT;
  return Math.max(MAX_IN_FLIGHT, 2 * Math.ceil(canvasFps / previewFps) + 2);
}
/**
 * A graph that puts out nothing for this long is stuck (FFmpeg 5.1 has been seen to stop producing
 * frames after a batch of crop and scale changes, without exiting): it is killed and a new graph takes
 * over, so the program never stays frozen.
 */
const STUCK_MS = 2_000;
/**
 * A new graph that has put out no picture at all for this long never will (it is given black for every
 * source that has not opened yet, so only starting FFmpeg stands between it and its first tick): it is
 * killed, and what started it is told why instead of waiting for ever.
 */
const FIRST_TICK_MS = 10_000;
/**
 * Program ticks after a batch before the next step may rely on it having reached every branch (two were
 * not always enough: a scene's second item was once a frame late in the preview).
 */
const SETTLE_TICKS = 3;

function feedKey(feed: FeedPlan): string {
  return JSON.stringify([feed.input, feed.video, feed.audio, feed.onEnd]);
}

/** One compositor FFmpeg with what feeds and reads it. */
class GraphRun {
  readonly ffmpeg: FfmpegProcess;
  readonly relay: Relay;
  /** The plan the graph was built from; sizes and volumes may be updated, sources and slots not. */
  plan: CompositorPlan;
  control: ControlChannel | undefined;
  /** Killed by the watchdog for putting out nothing. */
  stuck = false;
  private readonly readers: Array<{ off(): void }> = [];

  constructor(
    plan: CompositorPlan,
    public state: CompositionState,
    readonly compiled: CompiledGraph,
    ffmpegPath: string,
    feeds: ReadonlyMap<string, SourceFeed>,
    inFlight: number,
  ) {
    this.plan = plan;
    this.ffmpeg = new FfmpegProcess({
      ffmpegPath,
      args: ['-hide_banner', '-nostats', '-loglevel', 'level+info', '-filter_complex_threads', '1', ...compiled.args],
      extraPipes: compiled.pipes.length,
      rawFrames: true,
    });
    // A side pipe fails when FFmpeg goes (EPIPE on a lane, ECONNRESET when it dies with bytes unread):
    // its exit says why; the error must not go unhandled after the relay and the readers have let go.
    for (const pipe of this.ffmpeg.sidePipes) pipe.on('error', () => undefined);
    const { fps } = plan.canvas;
    const clock = blackFrame(CLOCK_SIZE, CLOCK_SIZE);
    const silence = Buffer.alloc(Math.ceil(SAMPLE_RATE / fps + 1) * 2 * CHANNELS);
    const lanes: RelayLane[] = [];
    compiled.pipes.forEach((role, i) => {
      const sink = this.ffmpeg.sidePipes[i]!;
      switch (role.role) {
        case 'clock':
          lanes.push({ sink, next: () => clock });
          break;
        case 'bed':
          lanes.push({ sink, next: (tick) => silence.subarray(0, samplesForTick(tick, SAMPLE_RATE, fps) * 2 * CHANNELS) });
          break;
        case 'video': {
          const size = plan.video.find((v) => v.sourceId === role.sourceId)!.size;
          lanes.push(videoLane(sink, feeds.get(role.sourceId)!, blackFrame(size.width, size.height)));
          break;
        }
        case 'audio':
          lanes.push(audioLane(sink, feeds.get(role.sourceId)!, { sampleRate: SAMPLE_RATE, channels: CHANNELS }, fps));
          break;
        default:
          break;
      }
    });
    this.relay = new Relay(fps, lanes, { inFlight: { count: () => this.relay.stats.ticks - (this.output?.ticks ?? 0), max: inFlight } });
  }

  /** The program coming out of this run (set when it is wired to the program feed). */
  output: { readonly ticks: number } | undefined;

  pipe(role: CompiledGraph['pipes'][number]['role']): Readable | undefined {
    const i = this.compiled.pipes.findIndex((p) => p.role === role);
    return i < 0 ? undefined : this.ffmpeg.sidePipes[i];
  }

  pipesOf(role: 'meter'): Array<{ sourceId: string | null; pipe: Readable }> {
    return this.compiled.pipes.flatMap((p, i) => (p.role === role ? [{ sourceId: p.sourceId, pipe: this.ffmpeg.sidePipes[i]! }] : []));
  }

  track(reader: { off(): void }): void {
    this.readers.push(reader);
  }

  async stop(): Promise<FfmpegExit> {
    this.relay.stop();
    for (const reader of this.readers) reader.off();
    await this.control?.close().catch(() => undefined);
    // Nothing it makes needs finishing (the program is handed over, or ends): no need to drain it.
    return this.ffmpeg.terminate();
  }
}

export class Compositor extends EventEmitter<CompositorEvents> {
  readonly program: ProgramFeed;
  private collection: Collection;
  private context: PlanContext;
  private readonly feeds = new Map<string, { key: string; feed: SourceFeed }>();
  private run: GraphRun | undefined;
  private readonly log = new Logger('compositor');
  /** Serializes everything that changes the graph: one change at a time, in order. */
  private queue: Promise<void> = Promise.resolve();
  /** The fade running now: its next step, and how it lands. */
  private fade: { timer: NodeJS.Timeout | undefined; land: () => Promise<void> } | undefined;
  private stopped = false;
  private onAir: string;
  /** Ticks skipped by runs that are no longer current: what rendering lag a restart or rebuild must not forget. */
  private laggedBefore = 0;

  constructor(private readonly options: CompositorOptions) {
    super();
    this.collection = options.collection;
    this.context = options.context;
    this.onAir = options.collection.currentSceneId;
    const { width, height, fps } = options.collection.canvas;
    this.program = new ProgramFeed({ width, height, fps, sampleRate: SAMPLE_RATE, channels: CHANNELS });
  }

  /** The scene on air (the one being faded to, during a fade). */
  get sceneId(): string {
    return this.onAir;
  }

  /** Every FFmpeg the compositor runs: the graph and every capture process. */
  get pids(): number[] {
    const pids = [...this.feeds.values()].flatMap(({ feed }) => (feed.pid === undefined ? [] : [feed.pid]));
    if (this.run?.ffmpeg.pid !== undefined && this.run.ffmpeg.running) pids.push(this.run.ffmpeg.pid);
    return pids;
  }

  /** Ticks of the program clock written and skipped (the compositor could not keep up). */
  get relayStats(): { ticks: number; skipped: number } {
    return this.run?.relay.stats ?? { ticks: 0, skipped: 0 };
  }

  /**
   * Program frames missed because the compositor (or the clock feeding it) could not keep up, since it
   * started and across every graph it ran, as OBS counts "frames missed due to rendering lag"; the total
   * is the frames made plus those missed.
   */
  get rendering(): { framesLagged: number; framesTotal: number } {
    const lagged = this.laggedBefore + (this.run?.relay.stats.skipped ?? 0);
    return { framesLagged: lagged, framesTotal: this.program.delivered + lagged };
  }

  /** Starts the sources and the graph; resolves at the first program picture. */
  start(): Promise<void> {
    return this.enqueue(() => this.rebuild());
  }

  /**
   * Takes a new collection (items moved, hidden, cropped, volumes, sources added...). Commands when the
   * running graph can show it, a new graph beside the old one otherwise.
   */
  update(collection: Collection, context: PlanContext = this.context): Promise<void> {
    return this.enqueue(async () => {
      await this.endFade();
      const sceneId = collection.scenes.some((s) => s.id === this.onAir) ? this.onAir : collection.currentSceneId;
      this.collection = collection;
      this.context = context;
      this.onAir = sceneId;
      const run = this.run;
      const plan = planCompositor(collection, collection.canvas, context);
      if (!run || !samePlan(run.plan, plan)) return this.rebuild();
      run.plan = { ...plan, slots: run.plan.slots };
      const next = programState(collection, sceneId, run.plan);
      if (!next) return this.rebuild();
      await this.apply(run, next);
    });
  }

  /** Puts `sceneId` on air with `transition` (default: the collection's). */
  switchScene(sceneId: string, transition: Transition = this.collection.transition): Promise<void> {
    return this.enqueue(async () => {
      if (!this.collection.scenes.some((s) => s.id === sceneId)) throw new UplinkError('NO_SUCH_SCENE', `There is no scene "${sceneId}".`);
      await this.endFade();
      const run = this.run;
      if (!run) return;
      const slots = sceneSlots(this.collection, sceneId, run.plan);
      this.onAir = sceneId;
      if (!slots || !this.commandsLand) {
        await this.rebuild();
        this.emit('scene', sceneId);
        return;
      }
      const gains = sceneGains(this.collection, sceneId, run.plan);
      // The new scene is set up on layer 1, unseen, and only then put on air by one command: a batch can
      // spread over two frames under load, and a command reaches the filters of a frame unevenly (the
      // sources' branches run a frame or two ahead of the canvas's), so a half-switched scene would
      // otherwise be on air for a frame.
      await this.apply(run, { layers: [run.state.layers[0], slots], fadeOpacity: 1, gains: run.state.gains });
      await this.settle(run);
      if (transition.kind === 'cut' || transition.durationMs === 0) {
        await this.apply(run, { layers: run.state.layers, fadeOpacity: 0, gains });
        await this.land(run, slots, gains, sceneId);
        return;
      }
      this.startFade(run, slots, gains, transition.durationMs, sceneId);
    });
  }

  /** Plays, restarts (from its start or `fromMs` in) or stops the capture of a media source (see StudioCommands.mediaAction). */
  async mediaAction(sourceId: string, action: MediaAction, fromMs = 0): Promise<void> {
    const feed = this.feeds.get(sourceId)?.feed;
    const name = this.collection.sources.find((s) => s.id === sourceId)?.name ?? sourceId;
    if (!feed) throw new UplinkError('MEDIA_NOT_RUNNING', `"${name}" is not playing: it is in no scene, or its file cannot be read`);
    if (action === 'stop') return feed.hold(`"${name}" was stopped.`);
    if (action === 'play' && feed.state !== 'ended') return;
    await feed.restart(fromMs);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.fade?.timer);
    this.fade = undefined;
    await this.queue.catch(() => undefined);
    await this.run?.stop();
    this.run = undefined;
    await Promise.all([...this.feeds.values()].map(({ feed }) => feed.stop()));
    this.feeds.clear();
  }

  private enqueue(job: () => Promise<void>): Promise<void> {
    const next = this.queue.then(() => (this.stopped ? undefined : job()));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async apply(run: GraphRun, change: CompositionState): Promise<void> {
    // Scene switches and fades leave the master fader where it is; a collection update says where it goes.
    const next: CompositionState = { master: run.state.master, ...change };
    const commands = stateCommands(run.state, next);
    if (commands.length === 0) return;
    if (!this.commandsLand) {
      // The end state only: a graph built for it (a fade's steps would each be a new graph).
      if (next.fadeOpacity === 1) await this.rebuild();
      return;
    }
    run.state = next;
    await this.send(run, commands);
  }

  private get commandsLand(): boolean {
    return (this.options.control ?? 'zmq') === 'zmq';
  }

  private async send(run: GraphRun, commands: FilterCommand[]): Promise<void> {
    if (!run.control) throw new UplinkError('COMPOSITOR_NOT_READY', 'The compositor is not running.');
    await run.control.send(commands);
  }

  /**
   * A fade from layer 0 to layer 1 (which already holds the new scene): the blend steps layer 0's weight
   * down once a frame and the sound crosses over, then the transition lands.
   */
  private startFade(run: GraphRun, slots: CompositionState['layers'][0], gains: number[], durationMs: number, sceneId: string): void {
    const fromGains = run.state.gains;
    const started = performance.now();
    const frameMs = 1000 / this.collection.canvas.fps;
    const fade = { timer: undefined as NodeJS.Timeout | undefined, land: () => this.land(run, slots, gains, sceneId) };
    const step = (): void => {
      if (this.fade !== fade) return;
      const t = Math.min(1, (performance.now() - started) / durationMs);
      if (t >= 1) {
        void this.enqueue(() => this.endFade()).catch((err) => this.log.warn(`fade: ${errorMessage(err)}`));
        return;
      }
      const state: CompositionState = { layers: run.state.layers, fadeOpacity: 1 - t, gains: fromGains.map((g, k) => g + (gains[k]! - g) * t) };
      this.apply(run, state).catch((err) => this.log.warn(`fade: ${errorMessage(err)}`));
      fade.timer = setTimeout(step, frameMs);
    };
    this.fade = fade;
    fade.timer = setTimeout(step, frameMs);
  }

  /** A fade still running ends now (its time is up, or another change came): it lands at once. */
  private async endFade(): Promise<void> {
    const fade = this.fade;
    if (!fade) return;
    clearTimeout(fade.timer);
    this.fade = undefined;
    await fade.land();
  }

  /**
   * The end of a transition, with layer 1 on air: layer 0 takes the same scene (unseen) and then, last
   * in the same batch, the blend is switched off, which puts layer 0 back on air (the same picture); then
   * layer 1 is parked (unseen). No step can show a half-done change, however the batches fall on frames.
   */
  private async land(run: GraphRun, slots: CompositionState['layers'][0], gains: number[], sceneId: string): Promise<void> {
    if (this.run !== run) return;
    await this.apply(run, { layers: run.state.layers, fadeOpacity: 0, gains });
    this.emit('scene', sceneId);
    await this.settle(run);
    await this.apply(run, { layers: [slots, slots], fadeOpacity: 0, gains });
    await this.settle(run);
    await this.apply(run, { layers: [slots, slots], fadeOpacity: 1, gains });
    await this.settle(run);
    await this.apply(run, { layers: [slots, slots.map(() => PARKED)], fadeOpacity: 1, gains });
  }

  /** Until every branch of the graph has put out frames made after the last batch: SETTLE_TICKS program ticks. */
  private settle(run: GraphRun): Promise<void> {
    const start = run.output?.ticks ?? 0;
    return new Promise((resolve) => {
      const check = (): void => {
        if ((run.output?.ticks ?? 0) >= start + SETTLE_TICKS || this.run !== run || this.stopped) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(check, 1000 / this.collection.canvas.fps / 2);
      timer.unref();
    });
  }

  /** A new graph for the current collection beside the running one; the program hands over at its first tick. */
  private async rebuild(): Promise<void> {
    const plan = planCompositor(this.collection, this.collection.canvas, this.context);
    const state = programState(this.collection, this.onAir, plan);
    if (!state) throw new Error('a fresh plan has slots for every scene');
    this.syncFeeds(plan);
    const port = await freePort();
    const compiled = compileGraph({
      canvas: plan.canvas,
      video: plan.video,
      audio: plan.audio,
      slotsPerLayer: plan.slots,
      initial: state,
      control: this.commandsLand ? { kind: 'zmq', port } : { kind: 'stdin' },
      ...(this.options.preview === false ? {} : { preview: previewPlan(this.options.preview) }),
      ...(this.options.meters === false ? {} : { meter: (fd: number) => meterChain(fd, { sampleRate: SAMPLE_RATE }) }),
    });
    const feeds = new Map([...this.feeds].map(([id, { feed }]) => [id, feed]));
    const previewFps = this.options.preview === false ? undefined : (this.options.preview ?? DEFAULT_PREVIEW).fps;
    const run = new GraphRun(plan, state, compiled, this.options.ffmpegPath, feeds, maxInFlight(plan.canvas.fps, previewFps));
    const old = this.run;
    this.run = run;
    const carried = old?.relay.stats.skipped ?? 0;
    this.laggedBefore += carried;
    this.wire(run);
    run.relay.start();
    try {
      if (this.commandsLand) run.control = await ZmqControl.connect(port);
      await this.firstTick(run);
    } catch (err) {
      if (this.run === run) {
        this.run = old;
        this.laggedBefore -= carried;
      }
      await run.stop();
      throw err;
    }
    if (old) await old.stop();
  }

  private firstTick(run: GraphRun): Promise<void> {
    return new Promise((resolve, reject) => {
      const before = this.program.delivered;
      const onTick = (): void => {
        if (this.program.delivered > before && this.run === run) {
          this.program.off('tick', onTick);
          resolve();
        }
      };
      this.program.on('tick', onTick);
      void run.ffmpeg.exited.then((exit) => {
        this.program.off('tick', onTick);
        reject(run.stuck ? new UplinkError('COMPOSITOR_STUCK', `The compositor put out no picture in ${FIRST_TICK_MS / 1000} s and was stopped; run uplink ffmpeg to check this FFmpeg.`) : exitError(exit));
      });
    });
  }

  private wire(run: GraphRun): void {
    run.output = this.program.read(run.ffmpeg.stdout, run.pipe('program-audio')!);
    const preview = run.pipe('preview');
    if (preview) {
      const reader = new PreviewReader(preview);
      const onFrame = (frame: PreviewFrame): void => {
        if (this.run === run) this.emit('preview', frame);
      };
      reader.on('frame', onFrame);
      run.track({ off: () => reader.off('frame', onFrame) });
    }
    for (const { sourceId, pipe } of run.pipesOf('meter')) {
      const reader = new MeterReader(pipe);
      const onLevel = (level: MeterLevel): void => {
        if (this.run === run) this.emit('level', { sourceId, level });
      };
      reader.on('level', onLevel);
      run.track({ off: () => reader.off('level', onLevel) });
    }
    let seen = 0;
    let movedAt = performance.now();
    const watchdog = setInterval(() => {
      const ticks = run.output?.ticks ?? 0;
      const limit = seen === 0 ? FIRST_TICK_MS : STUCK_MS;
      if (ticks !== seen) {
        seen = ticks;
        movedAt = performance.now();
      } else if (performance.now() - movedAt > limit && this.run === run && !run.stuck) {
        run.stuck = true;
        this.log.warn(`the compositor has put out nothing for ${limit} ms: ${seen === 0 ? 'stopping it' : 'starting a new one'}`);
        run.ffmpeg.kill('SIGKILL');
      }
    }, STUCK_MS / 4);
    watchdog.unref();
    void run.ffmpeg.exited.then((exit) => {
      clearInterval(watchdog);
      // One that never made a tick failed to start: whoever started it is told so (firstTick).
      if (this.run !== run || this.stopped || exit.reason === 'stopped' || (run.output?.ticks ?? 0) === 0) return;
      // A crash of the graph: the sources keep running, a new graph takes over.
      const error = run.stuck ? new UplinkError('COMPOSITOR_STUCK', 'The compositor stopped putting out pictures and was restarted.') : exitError(exit);
      this.log.warn(`compositor failed: ${error.message}`);
      this.emit('error', error);
      setTimeout(() => this.restart(), run.stuck ? 0 : RESTART_DELAY_MS).unref();
    });
  }

  /**
   * A new graph after a failed one; one that fails to start is tried again (1 s, 2 s, 4 s... at most
   * 30 s apart), until one runs or the compositor stops.
   */
  private restart(attempt = 0): void {
    this.enqueue(() => this.rebuild()).catch((err: unknown) => {
      if (this.stopped) return;
      this.log.warn(`restart: ${errorMessage(err)}`);
      this.emit('error', err instanceof UplinkError ? err : new UplinkError('COMPOSITOR_FAILED', errorMessage(err)));
      setTimeout(() => this.restart(attempt + 1), Math.min(MAX_RESTART_DELAY_MS, RESTART_DELAY_MS * 2 ** attempt)).unref();
    });
  }

  /** Capture processes for the plan: unchanged ones keep running, new ones start, unused ones stop. */
  private syncFeeds(plan: CompositorPlan): void {
    const wanted = new Map(plan.feeds.map((feed) => [feed.sourceId, feed]));
    for (const [id, { key, feed }] of this.feeds) {
      const next = wanted.get(id);
      if (!next || feedKey(next) !== key) {
        void feed.stop();
        this.feeds.delete(id);
      }
    }
    for (const [id, feedPlan] of wanted) {
      if (this.feeds.has(id)) continue;
      const feed = new SourceFeed({
        sourceId: id,
        name: feedPlan.name,
        ffmpegPath: this.options.ffmpegPath,
        input: feedPlan.input,
        ...(feedPlan.video ? { video: { ...feedPlan.video, fps: plan.canvas.fps } } : {}),
        ...(feedPlan.audio ? { audio: { sampleRate: SAMPLE_RATE, channels: CHANNELS } } : {}),
        onEnd: feedPlan.onEnd,
      });
      feed.on('state', (change) => this.emit('source', change));
      feed.start();
      this.feeds.set(id, { key: feedKey(feedPlan), feed });
    }
  }
}

function previewPlan(options: PreviewOptions | undefined): NonNullable<Parameters<typeof compileGraph>[0]['preview']> {
  return { chain: previewChain(options ?? DEFAULT_PREVIEW), output: (label, fd) => previewOutput(label, fd) };
}

/** Whether a running graph (its sources, sizes and slots) can show another plan by commands alone. */
function samePlan(a: CompositorPlan, b: CompositorPlan): boolean {
  const shape = (plan: CompositorPlan): string => JSON.stringify([plan.canvas, plan.video, plan.audio]);
  return shape(a) === shape(b) && b.slots <= a.slots;
}
