import { EventEmitter } from 'node:events';
import type { DestinationState, DestinationStats } from '../../contract.js';
import { UplinkError, asUplinkError } from '../errors.js';
import type { StreamHeaderCache } from '../flv/headers.js';
import type { FlvTag, FlvTagKind } from '../flv/reader.js';
import { Logger } from '../log.js';
import type { PublisherOptions, RtmpPublisher } from '../rtmp/publisher.js';
import type { RtmpTarget } from '../rtmp/url.js';
import { CongestionPolicy, type CongestionThresholds, type DropReason, classifyTag, isDroppableVideoMessage } from './congestion.js';
import { DeadConnectionDetector, type DeadReason, type ReconnectPolicy, decideRetry, reconnectPolicy } from './reconnect.js';

export type { DestinationState, DestinationStats };

export interface DestinationOptions {
  /** The stream's current metadata and sequence headers, sent first on every new connection. */
  headers: StreamHeaderCache;
  reconnect?: Partial<ReconnectPolicy>;
  /** Per-connection options: timeouts, queue bounds, extra CA, ... (`signal` is the destination's own). */
  publisher?: PublisherOptions;
  /** A live connection that takes no bytes for this long is dead (default 5 s). */
  deadAfterMs?: number;
  congestion?: Partial<CongestionThresholds>;
  /**
   * 'live' (default): push() never waits; a link that cannot keep up drops inter frames.
   * 'file': the caller waits on whenWritable() before each push, so the stream goes at the pace of the
   * link and nothing is dropped for congestion; stop() sends everything queued for as long as the link
   * keeps moving. Dead-link detection, reconnects and errors are the same in both.
   */
  mode?: 'live' | 'file';
  /**
   * The connection opens, handshakes and creates its stream at once, but publishes only once this
   * resolves. When it rejects, the connection closes without ever publishing and the destination ends
   * offline, quietly: whoever rejected it reports why.
   */
  publishGate?: Promise<void>;
}

export interface StopOptions {
  /** How long queued media may take to reach the server (default 3 s live, as long as it moves for a file); 0 cuts at once. */
  flushMs?: number;
}

interface DestinationEvents {
  /** Every change of state; `error` says why when the state is reconnecting or failed. */
  state: [state: DestinationState, error: UplinkError | undefined];
  stats: [stats: DestinationStats];
  /** One tag was not sent, and why. */
  drop: [reason: DropReason, kind: FlvTagKind];
}

const DEFAULT_DEAD_AFTER_MS = 5_000;
/**
 * Before a destination was ever live, a failure is most often a wrong URL or a server that is down:
 * the streamer learns it after a couple of quick tries, not after minutes of backoff.
 */
const FIRST_CONNECT_TRIES = 3;
const FIRST_CONNECT_RETRY_MS = 500;
/** What the first connection may hold while it opens: the tags since the latest keyframe. */
const JOIN_BUFFER_MAX_BYTES = 16 * 1024 * 1024;
/** How long stop() waits for queued media to reach the server before it cuts the connection. */
const STOP_FLUSH_MS = 3_000;
const TICK_MS = 250;
const STATS_EVERY_MS = 1_000;

type PublisherModule = typeof import('../rtmp/publisher.js');
let publisherModule: PublisherModule | undefined;
let loadingPublisher: Promise<PublisherModule> | undefined;

/**
 * The RTMP client (publisher, session, chunking, AMF, handshake, transport) is loaded by the first
 * connection rather than with this module: going live starts the encoder first, and the client loads
 * while FFmpeg starts instead of before it (start-up is part of the time to go live).
 */
function loadPublisher(): Promise<PublisherModule> {
  loadingPublisher ??= import('../rtmp/publisher.js').then((loaded) => (publisherModule = loaded));
  return loadingPublisher;
}

/**
 * One live destination: its own connection, bounded queue, state and stats. It never blocks the
 * pipeline that feeds it: push() only queues or drops. A connection that fails, stalls or is cut is
 * replaced in the background with backoff, resuming at a keyframe after the stream's headers; a failure
 * that another attempt cannot fix (a refused key) fails this destination alone, with the reason.
 */
export class Destination extends EventEmitter<DestinationEvents> {
  private currentState: DestinationState = 'offline';
  private readonly log: Logger;
  private readonly policy: ReconnectPolicy;
  private readonly deadAfterMs: number;
  private readonly congestion: CongestionPolicy;

  /** The connection: being opened (live false) or publishing (live true). */
  private publisher: RtmpPublisher | undefined;
  private live = false;
  /** Bumped whenever a connection is given up, so that late events of the old one are ignored. */
  private generation = 0;
  private connecting: AbortController | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** When the scheduled reconnect attempt is due (performance.now()). */
  private retryAt: number | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private detector: DeadConnectionDetector | undefined;
  private stopping: Promise<UplinkError | undefined> | undefined;

  private attempt = 0;
  /** When the current run of failed attempts began (performance.now()). */
  private failingSince: number | undefined;
  private keyRetryAvailable = false;
  private lastTimestamp = 0;
  private seenVideo = false;
  private everLive = false;
  /** A connection has been live before the current one (everLive is set as the current one opens). */
  private everLiveBefore = false;
  /** Tags since the latest keyframe, kept while the first connection opens so it starts with them. */
  private joinBuffer: FlvTag[] = [];
  private joinBufferBytes = 0;

  private framesSent = 0;
  private readonly drops: Record<DropReason, number> = { congestion: 0, reconnecting: 0, 'waiting-for-keyframe': 0 };
  private reconnects = 0;
  private liveSince: number | undefined;
  private lastError: UplinkError | undefined;
  /** Media bytes sent by connections already closed. */
  private bytesOfClosedConnections = 0;
  private bitrateSample = { atMs: 0, bytes: 0 };
  private bitrateKbps = 0;
  private lastStatsAt = 0;
  /** The connection's queue is above its high-water mark (file mode waits for it to drain). */
  private backpressured = false;
  private writableWaiters: Array<() => void> = [];
  private gateClosed = false;
  /** Why a file's last flush was cut: the link died while the end of the stream was on its way. */
  private flushFailure: UplinkError | undefined;

  constructor(
    readonly target: RtmpTarget,
    private readonly options: DestinationOptions,
  ) {
    super();
    this.log = new Logger(`destination ${target.display}`);
    this.policy = reconnectPolicy(options.reconnect);
    this.deadAfterMs = options.deadAfterMs ?? DEFAULT_DEAD_AFTER_MS;
    this.congestion = new CongestionPolicy(options.congestion);
    options.publishGate?.then(undefined, () => this.onGateClosed());
  }

  private get fileMode(): boolean {
    return this.options.mode === 'file';
  }

  get state(): DestinationState {
    return this.currentState;
  }

  /** Connects in the background. Failures are 'state' events, never exceptions. */
  start(): void {
    if (this.currentState !== 'offline' && this.currentState !== 'failed') return;
    if (this.gateClosed) return;
    this.attempt = 0;
    this.keyRetryAvailable = false;
    this.startTicking();
    this.connect('connecting');
  }

  /**
   * Offers one tag. Never blocks and never throws: the tag is queued for the connection, or dropped
   * (and reported) when there is no connection, the connection must start at a keyframe, or the link is
   * congested.
   */
  push(tag: FlvTag): void {
    if (!this.isRunning()) return;
    const tagClass = classifyTag(tag);
    if (tagClass === 'header') {
      // The pipeline keeps this cache; recording here too makes a destination correct on its own.
      this.options.headers.update(tag);
    } else {
      if (tag.timestamp > this.lastTimestamp) this.lastTimestamp = tag.timestamp;
      if (tag.kind === 'video') this.seenVideo = true;
    }
    const publisher = this.live ? this.publisher : undefined;
    if (!publisher && !this.everLive && tagClass !== 'header') {
      this.keepForJoin(tag, tagClass === 'keyframe');
      return;
    }
    // A file waits for the link instead: its queue is bounded by whenWritable(), never by dropping.
    const queueMs = publisher && !this.fileMode ? publisher.queueDepth().ms : 0;
    const decision = this.congestion.decide(tagClass, { connected: publisher !== undefined, queueMs });
    if (decision.dropQueuedFrames && publisher) {
      const shed = publisher.dropQueued(isDroppableVideoMessage);
      this.framesSent -= shed;
      for (let i = 0; i < shed; i++) this.countDrop('congestion', 'video');
    }
    if (!decision.send) {
      // Headers are not lost: the next connection starts with them.
      if (tagClass !== 'header') this.countDrop(decision.reason, tag.kind, tagClass === 'keyframe' || tagClass === 'frame');
      return;
    }
    if (!publisher!.sendTag(tag)) this.backpressured = true;
    if (tagClass === 'keyframe' || tagClass === 'frame') this.framesSent++;
  }

  /**
   * Resolves when this destination can take the next tag without growing its queue past the high-water
   * mark: it is live and its queue has drained, or it is not running at all (stopped, failed). While it
   * connects or reconnects, this waits. For file mode, where the reader follows the slowest link.
   */
  whenWritable(): Promise<void> {
    if (this.isWritable()) return Promise.resolve();
    return new Promise((resolve) => this.writableWaiters.push(resolve));
  }

  /**
   * True while this destination holds bytes of tags it was given (queued, or in its socket): a reader
   * whose tags are views of a buffer may overwrite that buffer only once no destination does. Copies it
   * keeps (headers, the tags it joins with) do not count; a dropped connection holds nothing.
   */
  get holdsInput(): boolean {
    return this.publisher !== undefined && this.publisher.heldBytes() > 0;
  }

  /** What whenWritable() would resolve at once: lets a reader skip a wait per tag. */
  get writable(): boolean {
    return this.isWritable();
  }

  private isWritable(): boolean {
    return !this.isRunning() || (this.live && !this.backpressured);
  }

  private wakeWriters(): void {
    if (this.writableWaiters.length === 0 || !this.isWritable()) return;
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** The streamer's "reconnect now": skips the wait before the next attempt, or replaces a live connection. */
  reconnectNow(): void {
    switch (this.currentState) {
      case 'reconnecting':
        if (this.retryTimer === undefined) return; // an attempt is already under way
        clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        this.connect('reconnecting');
        return;
      case 'live':
        this.log.info('reconnecting on command');
        this.closeConnection();
        this.reconnects++;
        this.attempt = 0;
        // The server may not have let the old session go yet when the new one publishes.
        this.keyRetryAvailable = true;
        this.connect('reconnecting');
        return;
      case 'failed':
        this.start();
        return;
      default:
        return;
    }
  }

  /**
   * Sends what is queued, unpublishes and closes. Ends offline. Resolves with the reason the end of the
   * stream did not reach the server, if it did not. A second call with `flushMs: 0` cuts a flush short.
   */
  stop(options: StopOptions = {}): Promise<UplinkError | undefined> {
    if (this.stopping) {
      if (options.flushMs === 0) this.publisher?.abort();
      return this.stopping;
    }
    const stopping = this.doStop(options).finally(() => {
      this.stopping = undefined;
    });
    this.stopping = stopping;
    return stopping;
  }

  stats(): DestinationStats {
    const depth = this.live ? this.publisher?.queueDepth() : undefined;
    const dropped = this.drops.congestion + this.drops.reconnecting + this.drops['waiting-for-keyframe'];
    const total = dropped + this.framesSent;
    const stats: DestinationStats = {
      state: this.currentState,
      bitrateKbps: this.bitrateKbps,
      framesSent: this.framesSent,
      framesDropped: dropped,
      dropPercent: total === 0 ? 0 : (dropped / total) * 100,
      dropsByReason: { ...this.drops },
      queueMs: depth?.ms ?? 0,
      queueBytes: depth?.bytes ?? 0,
      reconnects: this.reconnects,
      uptimeSec: this.live && this.liveSince !== undefined ? (performance.now() - this.liveSince) / 1000 : 0,
    };
    if (this.lastError) stats.lastError = this.lastError.message;
    if (this.currentState === 'reconnecting' && this.retryTimer !== undefined && this.retryAt !== undefined) {
      stats.nextAttemptInSec = Math.max(0, (this.retryAt - performance.now()) / 1000);
    }
    return stats;
  }

  // ---------------------------------------------------------------------------------------------------

  private isRunning(): boolean {
    return this.currentState === 'connecting' || this.currentState === 'live' || this.currentState === 'reconnecting';
  }

  private connect(state: 'connecting' | 'reconnecting'): void {
    const generation = ++this.generation;
    if (!publisherModule) {
      if (this.currentState !== state) this.setState(state, undefined);
      loadPublisher().then(
        () => {
          if (generation === this.generation && this.isRunning()) this.connect(state);
        },
        (error: unknown) => {
          if (generation === this.generation && this.isRunning()) this.onAttemptFailed(asUplinkError(error, 'CONNECTION_FAILED'));
        },
      );
      return;
    }
    const abort = new AbortController();
    this.connecting = abort;
    const userSignal = this.options.publisher?.signal;
    const publisher = new publisherModule.RtmpPublisher(this.target, {
      ...this.options.publisher,
      signal: userSignal ? AbortSignal.any([userSignal, abort.signal]) : abort.signal,
      publishGate: this.options.publishGate,
    });
    publisher.on('error', (error) => {
      if (generation === this.generation) this.onConnectionLost(error);
    });
    publisher.on('acknowledgement', (sequenceNumber) => {
      if (generation === this.generation) this.detector?.onAcknowledgement(performance.now(), sequenceNumber);
    });
    publisher.on('drain', () => {
      if (generation !== this.generation) return;
      this.backpressured = false;
      this.wakeWriters();
    });
    this.publisher = publisher;
    this.live = false;
    this.backpressured = false;
    if (this.currentState !== state) this.setState(state, undefined);
    publisher.start().then(
      () => {
        if (generation === this.generation && this.isRunning()) this.onLive(publisher);
        else publisher.abort();
      },
      (error: unknown) => {
        if (generation === this.generation && this.isRunning()) this.onAttemptFailed(asUplinkError(error, 'CONNECTION_FAILED'));
      },
    );
  }

  private onLive(publisher: RtmpPublisher): void {
    this.connecting = undefined;
    this.live = true;
    this.everLive = true;
    this.attempt = 0;
    this.failingSince = undefined;
    this.keyRetryAvailable = false;
    this.liveSince = performance.now();
    this.detector = new DeadConnectionDetector(this.deadAfterMs, this.liveSince);
    // A file's first connection starts where the file starts; any other joins at a keyframe.
    if (this.fileMode && !this.everLiveBefore) this.congestion.resume(false, { startAtOnce: true });
    else this.congestion.resume(this.seenVideo || this.options.headers.videoSequenceHeader !== undefined);
    this.everLiveBefore = true;
    const joining = this.joinBuffer;
    this.joinBuffer = [];
    this.joinBufferBytes = 0;
    // Never behind what this destination already sent: servers drop or reorder on time going back.
    for (const header of this.options.headers.headers(joining[0]?.timestamp ?? this.lastTimestamp)) publisher.sendTag(header);
    // The first keyframe leaves before anyone hears of 'live': what listeners do then is not on its path.
    for (const tag of joining) this.push(tag);
    this.setState('live', undefined);
  }

  private keepForJoin(tag: FlvTag, keyframe: boolean): void {
    if (keyframe) {
      for (const dropped of this.joinBuffer) if (dropped.kind === 'video') this.countDrop('reconnecting', 'video');
      this.joinBuffer = [];
      this.joinBufferBytes = 0;
    }
    if (this.joinBuffer.length === 0 && !keyframe) {
      this.countDrop('waiting-for-keyframe', tag.kind, tag.kind === 'video');
      return;
    }
    if (this.joinBufferBytes + tag.data.length > JOIN_BUFFER_MAX_BYTES) {
      this.countDrop('reconnecting', tag.kind, tag.kind === 'video');
      return;
    }
    // Our own copy: the tag's bytes may be a view into a reader chunk.
    this.joinBuffer.push({ ...tag, data: Buffer.from(tag.data) });
    this.joinBufferBytes += tag.data.length;
  }

  private onAttemptFailed(error: UplinkError): void {
    if (error.code === 'PUBLISH_CANCELLED') {
      this.onGateClosed();
      return;
    }
    this.publisher = undefined;
    this.connecting = undefined;
    this.log.info(`attempt ${this.attempt + 1} failed: ${error.message}`);
    this.retryOrFail(error);
  }

  /** A live connection ended (closed, cut, refused mid-stream, too slow) or was found dead. */
  private onConnectionLost(error: UplinkError): void {
    this.log.warn(`connection lost: ${error.message}`);
    this.closeConnection();
    this.reconnects++;
    this.attempt = 0;
    this.keyRetryAvailable = true;
    this.retryOrFail(error);
  }

  private retryOrFail(error: UplinkError): void {
    this.lastError = error;
    if (!this.everLive) {
      this.retryFirstConnection(error);
      return;
    }
    this.failingSince ??= performance.now();
    const failingForMs = performance.now() - this.failingSince;
    const decision = decideRetry(
      error.code,
      { attempt: this.attempt, failingForMs, keyRetryAvailable: this.keyRetryAvailable, wasLive: true, random: Math.random() },
      this.policy,
    );
    if (!decision.retry) {
      const reason =
        decision.reason === 'gave-up'
          ? new UplinkError(error.code, `${error.message} (gave up after ${Math.round(failingForMs / 1000)} s and ${this.attempt} ${this.attempt === 1 ? 'retry' : 'retries'})`, { cause: error })
          : error;
      this.fail(reason);
      return;
    }
    this.attempt = decision.attempt;
    if (decision.usesKeyRetry) this.keyRetryAvailable = false;
    this.setState('reconnecting', error);
    this.retryAt = performance.now() + decision.delayMs;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.retryAt = undefined;
      if (this.currentState === 'reconnecting') this.connect('reconnecting');
    }, decision.delayMs);
  }

  private retryFirstConnection(error: UplinkError): void {
    const decision = decideRetry(error.code, { attempt: this.attempt, keyRetryAvailable: false, random: Math.random() }, this.policy);
    if (!decision.retry || this.attempt + 1 >= FIRST_CONNECT_TRIES) {
      this.fail(error);
      return;
    }
    this.attempt++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.currentState === 'connecting') this.connect('connecting');
    }, FIRST_CONNECT_RETRY_MS);
  }

  /** The publish gate rejected: close without ever publishing, and end offline without an error of our own. */
  private onGateClosed(): void {
    if (this.gateClosed) return;
    this.gateClosed = true;
    if (this.currentState === 'offline' || this.currentState === 'failed') return;
    this.log.info('not publishing: the stream was called off before it began');
    this.joinBuffer = [];
    this.joinBufferBytes = 0;
    this.closeConnection();
    this.stopTicking();
    this.setState('offline', undefined);
  }

  private fail(error: UplinkError): void {
    // Reported through the 'failed' state event (setState logs it too): fronts decide how to show it.
    this.lastError = error;
    this.joinBuffer = [];
    this.joinBufferBytes = 0;
    this.closeConnection();
    this.stopTicking();
    this.setState('failed', error);
  }

  /** Gives up the current connection at once; its queue goes with it, so memory never piles up. */
  private closeConnection(): void {
    this.cancelAttempts();
    const publisher = this.publisher;
    if (publisher) {
      this.bytesOfClosedConnections += publisher.mediaBytesSent;
      publisher.abort();
    }
    this.publisher = undefined;
    this.live = false;
    this.liveSince = undefined;
    this.detector = undefined;
  }

  /** Stops any connection attempt under way or waiting, and makes late events of the current one stale. */
  private cancelAttempts(): void {
    this.generation++;
    this.connecting?.abort();
    this.connecting = undefined;
    if (this.retryTimer !== undefined) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
  }

  private async doStop(options: StopOptions): Promise<UplinkError | undefined> {
    if (this.currentState === 'offline') return undefined;
    const publisher = this.live ? this.publisher : undefined;
    this.cancelAttempts();
    this.setState('stopping', undefined);
    let notDelivered: UplinkError | undefined;
    if (publisher) {
      const flushMs = options.flushMs ?? (this.fileMode ? Infinity : STOP_FLUSH_MS);
      if (flushMs <= 0) publisher.abort();
      try {
        await publisher.finish(flushMs);
      } catch (error) {
        notDelivered = this.flushFailure ?? asUplinkError(error, 'CONNECTION_FAILED');
        this.flushFailure = undefined;
        this.log.warn(`did not take the end of the stream: ${notDelivered.message}`);
        publisher.abort();
      }
      this.bytesOfClosedConnections += publisher.mediaBytesSent;
    } else {
      this.publisher?.abort();
    }
    this.publisher = undefined;
    this.live = false;
    this.liveSince = undefined;
    this.detector = undefined;
    this.joinBuffer = [];
    this.joinBufferBytes = 0;
    this.stopTicking();
    this.setState('offline', undefined);
    return notDelivered;
  }

  private startTicking(): void {
    if (this.tickTimer) return;
    const now = performance.now();
    this.lastStatsAt = now;
    this.bitrateSample = { atMs: now, bytes: this.mediaBytesSent() };
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
  }

  private stopTicking(): void {
    if (this.tickTimer) clearInterval(this.tickTimer);
    this.tickTimer = undefined;
    this.bitrateKbps = 0;
  }

  private tick(): void {
    const now = performance.now();
    // While stopping, a live stream's last flush has its own time limit; a file's lasts while the link moves.
    const watched = this.currentState === 'live' || (this.currentState === 'stopping' && this.fileMode);
    const publisher = this.live && watched ? this.publisher : undefined;
    if (publisher && this.detector) {
      // Bytes on our side only: what the kernel already took may rightly sit there while a slow link drains it.
      const dead = this.detector.check({ nowMs: now, flushedBytes: publisher.bytesFlushed, pendingBytes: publisher.heldBytes() });
      if (dead && this.currentState === 'stopping') {
        this.flushFailure = deadConnectionError(this.target, dead, this.deadAfterMs);
        publisher.abort();
      } else if (dead) {
        this.onConnectionLost(deadConnectionError(this.target, dead, this.deadAfterMs));
      }
    }
    if (now - this.lastStatsAt >= STATS_EVERY_MS) {
      const bytes = this.mediaBytesSent();
      const elapsed = now - this.bitrateSample.atMs;
      this.bitrateKbps = elapsed > 0 ? Math.round(((bytes - this.bitrateSample.bytes) * 8) / elapsed) : 0;
      this.bitrateSample = { atMs: now, bytes };
      this.lastStatsAt = now;
      this.emit('stats', this.stats());
    }
  }

  private mediaBytesSent(): number {
    return this.bytesOfClosedConnections + (this.publisher?.mediaBytesSent ?? 0);
  }

  private countDrop(reason: DropReason, kind: FlvTagKind, isFrame = true): void {
    if (isFrame) this.drops[reason]++;
    this.emit('drop', reason, kind);
  }

  private setState(state: DestinationState, error: UplinkError | undefined): void {
    if (state === this.currentState && error === undefined) return;
    this.currentState = state;
    this.log.info(error ? `${state}: ${error.message}` : state);
    this.emit('state', state, error);
    this.wakeWriters();
  }
}

function deadConnectionError(target: RtmpTarget, reason: DeadReason, deadAfterMs: number): UplinkError {
  const what =
    reason === 'writes-stalled'
      ? `took no data for ${Math.round(deadAfterMs / 1000)} s`
      : 'stopped acknowledging what it received';
  return new UplinkError('CONNECTION_STALLED', `${target.display} ${what}: the connection is dead`);
}
