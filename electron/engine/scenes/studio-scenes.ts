/**
 * The studio's scenes: the collection it runs, the compositor that shows it, and what the fronts see of
 * both (the view in every snapshot, preview pictures, audio levels, notices about sources). Studio keeps
 * the command queue and the contract; this keeps the scene side of it in one place.
 */
import { EventEmitter } from 'node:events';
import type { AudioLevels, CaptureDevice, Notice, PreviewFrame, RenderingStats, ScenesView, SourceStatus } from '../../contract.js';
import type { MediaAction } from '../../contract-schema.js';
import { InvalidInputError } from '../input-error.js';
import { UplinkError } from '../errors.js';
import { compositorSupport } from '../ffmpeg/capabilities.js';
import type { FfmpegFeatures } from '../ffmpeg/locate.js';
import type { ProgramSource } from '../ffmpeg/program-encoder.js';
import { Compositor } from './compositor.js';
import { gatherContext } from './context.js';
import type { FeedStateChange } from './feed.js';
import { type Collection, type Source, referenceProblems } from './model.js';
import type { PlanContext } from './plan.js';
import type { PreviewOptions } from './preview.js';

export interface StudioScenesOptions {
  /** The FFmpeg in use: its path and what its build has. */
  ffmpeg: () => Promise<{ path: string; features: FfmpegFeatures }>;
  discover: () => Promise<CaptureDevice[]>;
  /** Preview pictures for the fronts; false for none (the command line). */
  preview?: PreviewOptions | false;
  meters?: boolean;
}

interface StudioScenesEvents {
  /** The view changed (collection, scene on air, a source's state). */
  changed: [];
  preview: [PreviewFrame];
  levels: [AudioLevels];
  notice: [level: Notice['level'], message: string, code: string];
}

export class StudioScenes extends EventEmitter<StudioScenesEvents> {
  private collection: Collection | undefined;
  private compositor: Compositor | undefined;
  private context: PlanContext | undefined;
  private readonly statuses = new Map<string, SourceStatus>();
  /** When each media file or network feed began its current playback (epoch ms). */
  private readonly playingSince = new Map<string, number>();
  /** Where the next playback of a media file begins (seekMedia), until it does. */
  private readonly startsAt = new Map<string, number>();
  /** Media sources the streamer stopped (mediaAction 'stop'), until played again. */
  private readonly stoppedByUser = new Set<string>();
  /** Sources that stalled or were lost and are not live again yet. */
  private readonly troubled = new Set<string>();
  private readonly levels = new Map<string | null, { peakDb: number; rmsDb: number }>();

  constructor(private readonly options: StudioScenesOptions) {
    super();
  }

  get view(): ScenesView | null {
    if (!this.collection) return null;
    return {
      collection: this.collection,
      programSceneId: this.compositor?.sceneId ?? this.collection.currentSceneId,
      sources: [...this.statuses.values()],
      sourceSizes: this.sourceSizes(this.collection),
      media: this.mediaStatus(this.collection),
    };
  }

  /** Where each media file and network feed is: playing since when, of how long, or stopped. */
  private mediaStatus(collection: Collection): NonNullable<ScenesView['media']> {
    return collection.sources.flatMap((source) => {
      if (source.kind !== 'media' && source.kind !== 'network') return [];
      const durationMs = source.kind === 'media' ? (this.context?.fileDurations?.get(source.settings.file) ?? null) : null;
      const loop = source.kind === 'media' && source.settings.loop;
      return [{ sourceId: source.id, durationMs, loop, playingSinceMs: this.playingSince.get(source.id) ?? null, stopped: this.stoppedByUser.has(source.id) }];
    });
  }

  /** What probing the sources' files told (the obs-websocket front gives OBS's scales from these). */
  private sourceSizes(collection: Collection): NonNullable<ScenesView['sourceSizes']> {
    const sizes = this.context?.fileSizes;
    if (sizes === undefined) return [];
    return collection.sources.flatMap((source) => {
      const size = source.kind === 'image' || source.kind === 'media' ? sizes.get(source.settings.file) : undefined;
      return size === undefined ? [] : [{ sourceId: source.id, width: size.width, height: size.height }];
    });
  }

  get active(): boolean {
    return this.collection !== undefined;
  }

  /** The composed program, for the encoder; undefined until a collection runs. */
  get program(): ProgramSource | undefined {
    return this.compositor?.program;
  }

  /** Program frames made and missed for rendering lag since the compositor started; undefined until a collection runs. */
  get rendering(): RenderingStats | undefined {
    return this.compositor?.rendering;
  }

  /** Every FFmpeg the scenes run (capture processes and the compositor). */
  get pids(): number[] {
    return this.compositor?.pids ?? [];
  }

  /** Runs `collection`: the compositor starts (or takes it live, by commands where it can). */
  async load(collection: Collection): Promise<void> {
    const problem = referenceProblems(collection)[0];
    if (problem) throw new InvalidInputError('INVALID_COLLECTION', problem.path, `${problem.path}: ${problem.message}`);
    const ffmpeg = await this.options.ffmpeg();
    const ffmpegPath = ffmpeg.path;
    const support = compositorSupport(ffmpeg.features);
    if (support.essential.length > 0) {
      throw new UplinkError('FFMPEG_CANNOT_COMPOSE', `this FFmpeg (${ffmpegPath}) cannot compose scenes: it lacks ${support.essential.join(', ')}; run uplink ffmpeg, and use a full build of FFmpeg`);
    }
    const known = this.context;
    const context = { ...(await gatherContext(collection, { ffmpegPath, discover: this.options.discover, ...(known ? { known } : {}) })), drawtext: ffmpeg.features.drawtext };
    // What this build lacks turns that feature off rather than the scenes (uplink ffmpeg names it).
    const lacks = (what: string): boolean => support.missing.some((m) => m.includes(`(${what})`));
    if (!this.compositor) {
      const compositor = new Compositor({
        ffmpegPath,
        collection,
        context,
        preview: lacks('preview') ? false : (this.options.preview ?? undefined),
        meters: lacks('audio meters') ? false : (this.options.meters ?? true),
        control: support.control,
      });
      if (support.control === 'rebuild') {
        this.emit('notice', 'warning', 'this FFmpeg has no zmq filter: each scene change starts the compositor again beside the running one (about half a second, no gap), and fades are cuts', 'FFMPEG_NO_ZMQ');
      }
      this.wire(compositor);
      try {
        await compositor.start();
      } catch (err) {
        await compositor.stop();
        throw err;
      }
      this.compositor = compositor;
    } else {
      await this.compositor.update(collection, context);
    }
    this.collection = collection;
    this.context = context;
    for (const id of this.statuses.keys()) if (!collection.sources.some((s) => s.id === id)) this.statuses.delete(id);
    this.emit('changed');
  }

  /** Applies one edit of the collection (a pure function from edit.ts). */
  async edit<R>(change: (collection: Collection) => { collection: Collection; result: R }): Promise<R> {
    const { collection, result } = change(this.current());
    await this.load(collection);
    return result;
  }

  async setProgramScene(sceneId: string): Promise<void> {
    const collection = this.current();
    if (!collection.scenes.some((s) => s.id === sceneId)) throw new InvalidInputError('NO_SUCH_SCENE', 'sceneId', `there is no scene "${sceneId}"`);
    await this.compositor!.switchScene(sceneId);
    this.collection = { ...collection, currentSceneId: sceneId };
    this.emit('changed');
  }

  /** Plays, restarts or stops a media file or network feed (see StudioCommands.mediaAction). */
  async mediaAction(sourceId: string, action: MediaAction): Promise<void> {
    const source = this.mediaSource(sourceId);
    if (source.kind !== 'media' && source.kind !== 'network') {
      throw new InvalidInputError('NOT_MEDIA', 'sourceId', `"${source.name}" is not a media source: only media files and network feeds can be played, restarted or stopped`);
    }
    await this.compositor!.mediaAction(sourceId, action);
    // Until it opens again (onSource).
    if (action === 'stop' && !this.stoppedByUser.has(sourceId)) {
      this.stoppedByUser.add(sourceId);
      this.emit('changed');
    }
  }

  /** Plays a media file from `positionMs` in (see StudioCommands.seekMedia). */
  async seekMedia(sourceId: string, positionMs: number): Promise<void> {
    const source = this.mediaSource(sourceId);
    if (source.kind !== 'media') throw new InvalidInputError('NOT_MEDIA', 'sourceId', `"${source.name}" is not a media file: only a file has a position to go to`);
    const durationMs = this.context?.fileDurations?.get(source.settings.file);
    const from = Math.round(durationMs === undefined ? positionMs : Math.min(positionMs, durationMs));
    this.startsAt.set(sourceId, from);
    await this.compositor!.mediaAction(sourceId, 'restart', from);
  }

  private mediaSource(sourceId: string): Source {
    const source = this.current().sources.find((s) => s.id === sourceId);
    if (!source) throw new InvalidInputError('NO_SUCH_SOURCE', 'sourceId', `there is no source "${sourceId}"`);
    return source;
  }

  async dispose(): Promise<void> {
    await this.compositor?.stop();
    this.compositor = undefined;
  }

  private current(): Collection {
    if (!this.collection) throw new UplinkError('NO_SCENES', 'there is no scene collection: load one (or import one from OBS) first');
    return this.collection;
  }

  private wire(compositor: Compositor): void {
    compositor.on('preview', (frame) => this.emit('preview', { seq: frame.seq, jpeg: frame.jpeg }));
    compositor.on('level', ({ sourceId, level }) => {
      this.levels.set(sourceId, level);
      // The mix's reading closes a round: every source has had its own by then.
      if (sourceId === null) this.emit('levels', { levels: [...this.levels].map(([id, l]) => ({ sourceId: id, peakDb: l.peakDb, rmsDb: l.rmsDb })) });
    });
    compositor.on('source', (change) => this.onSource(change));
    compositor.on('error', (err) => this.emit('notice', 'warning', `the compositor failed and is restarting: ${err.message}`, 'COMPOSITOR_RESTARTED'));
    compositor.on('scene', () => this.emit('changed'));
  }

  private onSource(change: FeedStateChange): void {
    // A playback begins when the source goes live after opening (not when it is back from a stall).
    const before = this.statuses.get(change.sourceId)?.state;
    if (change.state === 'live' && before === 'opening') {
      this.playingSince.set(change.sourceId, Date.now() - (this.startsAt.get(change.sourceId) ?? 0));
      this.startsAt.delete(change.sourceId);
    }
    if (change.state !== 'live' && change.state !== 'stalled') this.playingSince.delete(change.sourceId);
    // A run reopened after a loss starts from the beginning.
    if (change.state === 'lost' || change.state === 'ended' || change.state === 'stopped') this.startsAt.delete(change.sourceId);
    // Played again (or its capture ended: a source removed or changed).
    if (change.state === 'opening' || change.state === 'stopped') this.stoppedByUser.delete(change.sourceId);
    // Back from a stall or a loss (through 'opening' again after a loss), not just opened.
    const troubled = this.troubled.has(change.sourceId);
    if (change.state === 'stalled' || change.state === 'lost') this.troubled.add(change.sourceId);
    if (change.state === 'live' || change.state === 'stopped') this.troubled.delete(change.sourceId);
    if (change.state === 'live' || change.state === 'stopped') this.statuses.delete(change.sourceId);
    else this.statuses.set(change.sourceId, { sourceId: change.sourceId, state: change.state, ...(change.reason ? { reason: change.reason } : {}) });
    if (change.state === 'stalled' || change.state === 'lost') {
      this.emit('notice', 'warning', change.reason ?? `"${change.name}" ${change.state === 'lost' ? 'was lost' : 'stalled'}`, change.state === 'lost' ? 'SOURCE_LOST' : 'SOURCE_STALLED');
    } else if (change.state === 'live' && troubled) {
      this.emit('notice', 'info', `"${change.name}" is back`, 'SOURCE_BACK');
    } else if (change.state === 'ended') {
      this.emit('notice', 'info', change.reason ?? `"${change.name}" ended`, 'SOURCE_ENDED');
    }
    this.emit('changed');
  }
}

