import { EventEmitter } from 'node:events';
import { UplinkError, asUplinkError } from '../errors.js';
import type { FlvTag } from '../flv/reader.js';
import { encodeAmf0 } from './amf0.js';
import { MessageType } from './messages.js';
import { type PublishSessionOptions, RtmpPublishSession } from './session.js';
import type { RtmpTarget } from './url.js';

/** One audio, video or data message on its way to a server. */
export interface MediaMessage {
  typeId: number;
  timestamp: number;
  payload: Buffer;
  keyframe: boolean;
  /** When the message arrived on the input (process.hrtime.bigint()), for latency figures. */
  arrivedAt?: bigint;
}

/** A message in our queue, with when it came (performance.now()): how long it has waited is part of how late it is. */
type QueuedMessage = MediaMessage & { queuedAtMs: number };

export interface QueueDepth {
  /** Bytes not yet handed to the kernel: our queue plus the socket's own buffer. */
  bytes: number;
  /**
   * Media time between the newest message sent to us and the oldest one the server has not confirmed,
   * but never more than that oldest message has waited here: a burst is not a backlog.
   */
  ms: number;
  messages: number;
}

export interface PublisherOptions extends PublishSessionOptions {
  /** `send` returns false above this many queued bytes: the caller should wait for 'drain'. */
  highWaterBytes?: number;
  /** Hard bound: past it the destination is failed rather than let memory grow. */
  maxQueueBytes?: number;
  /** Hard bound in media time. */
  maxQueueMs?: number;
  /** Called when a message's last byte was handed to the kernel. */
  onWritten?: (message: MediaMessage) => void;
}

export type PublisherState = 'offline' | 'connecting' | 'live' | 'stopping' | 'failed';

interface PublisherEvents {
  drain: [];
  /** The destination failed after it was live (connection lost, server error, too slow). */
  error: [UplinkError];
  /** The server acknowledged this many bytes of the current connection (32-bit, wraps). */
  acknowledgement: [sequenceNumber: number];
}

/**
 * A forward jump in timestamps longer than this is a gap in the stream (an encoder restart, a paused
 * source), not media: nothing was made during it, so nothing of it can be waiting. Longer than any
 * frame interval a live stream has, shorter than the congestion thresholds.
 */
const MAX_CONTINUOUS_GAP_MS = 500;
/**
 * Acknowledgements further apart than this many of the windows we asked for are too rare to measure
 * queue depth by (some servers ignore the window and acknowledge every few megabytes): queue depth then
 * counts only the bytes we hold.
 */
const RARE_ACK_FACTOR = 4;
/** How long those windows may go unacknowledged before acknowledgements count as too rare. */
const ACK_DUE_MS = 2_000;

/** The socket buffer is kept small so that queue depth is measured here, where policy can act on it. */
const SOCKET_HIGH_WATER = 128 * 1024;

const SET_DATA_FRAME = encodeAmf0('@setDataFrame');
/** AMF0 string "onMetaData": the script tag FFmpeg writes first. */
const ON_METADATA = encodeAmf0('onMetaData');

/**
 * Publishes media messages to one destination through a queue bounded in bytes and in media time.
 * It never blocks its caller: `send` only queues, and a destination that falls too far behind fails
 * with a clear reason instead of holding memory.
 */
export class RtmpPublisher extends EventEmitter<PublisherEvents> {
  state: PublisherState = 'offline';
  messagesSent = 0;
  mediaBytesSent = 0;
  error: UplinkError | undefined;

  private session: RtmpPublishSession | undefined;
  private queue: Array<QueuedMessage | undefined> = [];
  private head = 0;
  private queuedBytes = 0;
  /** Messages handed to the socket but not yet confirmed delivered: [end offset in session.bytesOut, timestamp, queued at]. */
  private inSocket: Array<[number, number, number]> = [];
  private inSocketHead = 0;
  /** Bytes of this connection the server said it received, once it acknowledges at all. */
  private acknowledged: number | undefined;
  /** When the last acknowledgement came (performance.now()). */
  private acknowledgedAt = 0;
  /** Set once the server's acknowledgements proved too far apart to tell queue depth by. */
  private acknowledgementsTooRare = false;
  /**
   * Queue depth is measured on a media clock without the stream's gaps: [timestamp from which, ms of
   * gaps before it]. Without it, the media still unacknowledged from before an encoder restart looked
   * as old as the restart was long, and a healthy link dropped frames for "congestion".
   */
  private gaps: Array<[number, number]> = [];
  private gapMsSoFar = 0;
  private newestTimestamp: number | undefined;
  private newestClock = 0;
  /** Settles a finish() under way when the connection is given up. */
  private abortFinish: ((error: UplinkError) => void) | undefined;
  private aborted = false;
  private readonly lastTimestamp = new Map<number, number>();
  private needsDrain = false;
  private readonly highWaterBytes: number;
  private readonly maxQueueBytes: number;
  private readonly maxQueueMs: number;

  constructor(
    readonly target: RtmpTarget,
    private readonly options: PublisherOptions = {},
  ) {
    super();
    this.highWaterBytes = options.highWaterBytes ?? 4 * 1024 * 1024;
    this.maxQueueBytes = options.maxQueueBytes ?? 64 * 1024 * 1024;
    this.maxQueueMs = options.maxQueueMs ?? 30_000;
  }

  async start(): Promise<void> {
    this.state = 'connecting';
    try {
      this.session = await RtmpPublishSession.publish(this.target, this.options);
    } catch (err) {
      this.state = 'failed';
      this.error = asUplinkError(err, 'CONNECTION_FAILED');
      throw this.error;
    }
    this.state = 'live';
    this.session.on('drain', () => this.pump());
    this.session.on('acknowledgement', (sequenceNumber) => {
      this.onAcknowledgement(sequenceNumber);
      this.emit('acknowledgement', sequenceNumber);
    });
    this.session.on('close', (err) => {
      if (err && this.state !== 'failed') this.failWith(err);
    });
  }

  /** Queues a message; false when the queue is above its high-water mark. */
  send(message: MediaMessage): boolean {
    if (this.state !== 'live' && this.state !== 'stopping') return false;
    // Servers drop or reorder on timestamps that go back: keep each kind monotonic.
    const last = this.lastTimestamp.get(message.typeId) ?? 0;
    if (message.timestamp < last) message = { ...message, timestamp: last };
    this.lastTimestamp.set(message.typeId, message.timestamp);
    this.advanceClock(message.timestamp);

    this.queue.push({ ...message, queuedAtMs: performance.now() });
    this.queuedBytes += message.payload.length;
    this.pump();
    if ((this.state as PublisherState) === 'failed') return false;
    const depth = this.queueDepth();
    // Memory is what we hold (queue and socket buffer); lateness counts what the server has not confirmed.
    const held = this.heldBytes();
    if (held > this.maxQueueBytes || depth.ms > this.maxQueueMs) {
      this.failWith(
        new UplinkError(
          'TOO_SLOW',
          `${this.target.display} takes the stream slower than it is made (${Math.round(depth.ms / 1000)} s behind): check your upload speed or lower the bitrate`,
        ),
      );
      return false;
    }
    const belowHighWater = held < this.highWaterBytes;
    if (!belowHighWater) this.needsDrain = true;
    return belowHighWater;
  }

  private advanceClock(timestamp: number): void {
    const newest = this.newestTimestamp;
    if (newest !== undefined && timestamp <= newest) return;
    if (newest === undefined || timestamp - newest > MAX_CONTINUOUS_GAP_MS) {
      this.gapMsSoFar += timestamp - (newest ?? 0);
      this.gaps.push([timestamp, this.gapMsSoFar]);
    }
    this.newestTimestamp = timestamp;
    this.newestClock = timestamp - this.gapMsSoFar;
  }

  /** `timestamp` on the media clock without gaps. Forgets gaps older than it: callers ask oldest first. */
  private clockOf(timestamp: number): number {
    while (this.gaps.length > 1 && this.gaps[1]![0] <= timestamp) this.gaps.shift();
    const gap = this.gaps[0];
    if (gap === undefined) return timestamp;
    // Audio a little behind video, from before a gap: as old as the gap's start, not older.
    return Math.max(timestamp, gap[0]) - gap[1];
  }

  /** False while the queue is above its high-water mark: a caller that can wait should wait for 'drain'. */
  get writable(): boolean {
    return (this.state === 'live' || this.state === 'stopping') && this.heldBytes() < this.highWaterBytes;
  }

  /** Bytes in our queue and the socket's buffer: the memory this destination holds. */
  heldBytes(): number {
    return this.queuedBytes + (this.session?.writableLength ?? 0);
  }

  /** Queues an FLV tag; onMetaData becomes `@setDataFrame` as ingest servers expect. */
  sendTag(tag: FlvTag, arrivedAt?: bigint): boolean {
    return this.send(flvTagToMessage(tag, arrivedAt));
  }

  /**
   * What has not reached the server yet. Where the server acknowledges, bytes sent but not yet
   * acknowledged count too: kernel buffers can hold seconds of media on a slow link, where the socket
   * alone would look empty.
   */
  queueDepth(): QueueDepth {
    const session = this.session;
    const socketBytes = session?.writableLength ?? 0;
    let unacknowledged = 0;
    let oldest: number | undefined;
    let oldestQueuedAt: number | undefined;
    if (session) {
      const flushed = session.bytesOut - socketBytes;
      this.checkAcknowledgementsDue(flushed);
      const trusted = this.acknowledged !== undefined && !this.acknowledgementsTooRare;
      // The server acknowledges once a window: up to a window of bytes unacknowledged is the normal state
      // of a link with nothing waiting (64 KB is most of a second at a low bitrate), not a queue.
      const window = session.ackWindowBytes;
      const delivered = trusted ? Math.min(flushed, this.acknowledged! + window) : flushed;
      unacknowledged = flushed - delivered;
      while (this.inSocketHead < this.inSocket.length && this.inSocket[this.inSocketHead]![0] <= delivered) this.inSocketHead++;
      if (this.inSocketHead > 1024 && this.inSocketHead * 2 > this.inSocket.length) {
        this.inSocket = this.inSocket.slice(this.inSocketHead);
        this.inSocketHead = 0;
      }
      const entry = this.inSocket[this.inSocketHead];
      if (entry) [, oldest, oldestQueuedAt] = entry;
    }
    if (oldest === undefined) {
      const queued = this.queue[this.head];
      oldest = queued?.timestamp;
      oldestQueuedAt = queued?.queuedAtMs;
    }
    // Media that came in a burst (an encoder catching up after a late source) is not late until it
    // has waited: never more behind than the oldest message has been with us.
    const waitedMs = oldestQueuedAt === undefined ? 0 : performance.now() - oldestQueuedAt;
    return {
      bytes: this.queuedBytes + socketBytes + unacknowledged,
      ms: oldest === undefined ? 0 : Math.max(0, Math.min(this.newestClock - this.clockOf(oldest), waitedMs)),
      messages: this.queue.length - this.head,
    };
  }

  /** Acknowledgements carry 32 bits: unwrap to the count nearest what we sent. */
  private onAcknowledgement(sequenceNumber: number): void {
    const sent = this.session?.bytesOut ?? 0;
    const wraps = Math.round((sent - sequenceNumber) / 2 ** 32);
    const acknowledged = sequenceNumber + wraps * 2 ** 32;
    const window = this.session?.ackWindowBytes ?? 0;
    if (window > 0 && acknowledged - (this.acknowledged ?? 0) > RARE_ACK_FACTOR * window) this.acknowledgementsTooRare = true;
    this.acknowledged = acknowledged;
    this.acknowledgedAt = performance.now();
  }

  /**
   * A server that acknowledged once and then stays silent (nginx-rtmp acknowledges every 5 MB whatever
   * window we ask for: at a streamer's bitrate, once a minute) would leave its one acknowledgement
   * standing and make every byte since look undelivered, the queue seconds behind and growing. Once
   * several windows have gone out with no acknowledgement for a while, they are too rare to count on.
   */
  private checkAcknowledgementsDue(flushed: number): void {
    if (this.acknowledged === undefined || this.acknowledgementsTooRare) return;
    const window = this.session?.ackWindowBytes ?? 0;
    if (window > 0 && flushed - this.acknowledged > RARE_ACK_FACTOR * window && performance.now() - this.acknowledgedAt > ACK_DUE_MS) {
      this.acknowledgementsTooRare = true;
    }
  }

  /** True once the server's acknowledgements proved too rare to measure queue depth by. */
  get ignoresAcknowledgements(): boolean {
    return this.acknowledgementsTooRare;
  }

  /**
   * Bytes of the current connection handed to the kernel so far (handshake and protocol included, as
   * the server counts them in its acknowledgements). It stops moving when the connection stalls.
   */
  get bytesFlushed(): number {
    const session = this.session;
    return session ? session.bytesOut - session.writableLength : 0;
  }

  /**
   * Removes queued messages not yet handed to the socket for which `shouldDrop` is true (a congested
   * destination sheds video frames it can no longer send in time). Returns how many were removed.
   */
  dropQueued(shouldDrop: (message: MediaMessage) => boolean): number {
    let dropped = 0;
    const kept: Array<QueuedMessage | undefined> = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const message = this.queue[i]!;
      if (shouldDrop(message)) {
        dropped++;
        this.queuedBytes -= message.payload.length;
      } else {
        kept.push(message);
      }
    }
    if (dropped === 0) return 0;
    this.queue = kept;
    this.head = 0;
    this.pump();
    return dropped;
  }

  /**
   * Sends everything queued, unpublishes and closes. Rejects when not every message reached the socket
   * within `timeoutMs` (Infinity: as long as it takes; abort() still ends the wait), or when the server
   * then stays silent for `timeoutMs` (at most 10 s) instead of closing.
   */
  async finish(timeoutMs = 10_000): Promise<void> {
    if (this.state === 'failed') throw this.error;
    const session = this.session;
    if (!session) return;
    this.state = 'stopping';
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.state === 'failed') return done(this.error);
        if (this.head >= this.queue.length) done();
      };
      const timer = Number.isFinite(timeoutMs)
        ? setTimeout(
            () => done(new UplinkError('TIMEOUT', `${this.target.display} did not take the rest of the stream within ${timeoutMs / 1000} s`)),
            timeoutMs,
          )
        : undefined;
      const done = (err?: UplinkError): void => {
        clearTimeout(timer);
        this.abortFinish = undefined;
        this.removeListener('drain', check);
        this.removeListener('error', check);
        if (err) reject(err);
        else resolve();
      };
      this.abortFinish = done;
      this.on('drain', check);
      this.on('error', check);
      this.needsDrain = true;
      check();
    });
    try {
      await session.close(Math.min(timeoutMs, 10_000));
      if (this.aborted) throw this.abortedError();
      this.state = 'offline';
    } catch (err) {
      this.failWith(asUplinkError(err, 'CONNECTION_FAILED'));
      throw this.error;
    }
  }

  /** Drops the connection at once. */
  abort(): void {
    this.aborted = true;
    this.state = 'offline';
    this.session?.destroy();
    this.abortFinish?.(this.abortedError());
  }

  private abortedError(): UplinkError {
    return new UplinkError('ABORTED', `publishing to ${this.target.display} was stopped before the server had the end of the stream`);
  }

  private pump(): void {
    const session = this.session;
    if (!session || !session.isLive) return;
    this.writeQueued(session);
    if (this.head >= this.queue.length) {
      this.queue = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.needsDrain && this.heldBytes() < this.highWaterBytes / 2) {
      this.needsDrain = false;
      this.emit('drain');
    }
  }

  /** Hands queued messages to the socket until its own buffer is full. */
  private writeQueued(session: RtmpPublishSession): void {
    const onWritten = this.options.onWritten;
    while (this.head < this.queue.length && session.writableLength < SOCKET_HIGH_WATER) {
      const message = this.queue[this.head]!;
      this.queue[this.head++] = undefined; // let the payload be collected
      this.queuedBytes -= message.payload.length;
      if (onWritten) this.sendMeasured(session, message, onWritten);
      else session.sendMedia(message.typeId, message.timestamp, message.payload);
      this.inSocket.push([session.bytesOut, message.timestamp, message.queuedAtMs]);
      this.messagesSent++;
      this.mediaBytesSent += message.payload.length;
    }
  }

  /**
   * Reports a message as written once the kernel holds its last byte: at once when the socket took it
   * all synchronously, else from the write callback.
   */
  private sendMeasured(session: RtmpPublishSession, message: MediaMessage, onWritten: (message: MediaMessage) => void): void {
    let reported = false;
    session.sendMedia(message.typeId, message.timestamp, message.payload, () => {
      if (!reported) onWritten(message);
    });
    if (session.writableLength === 0) {
      reported = true;
      onWritten(message);
    }
  }

  private failWith(error: UplinkError): void {
    if (this.state === 'failed') return;
    this.state = 'failed';
    this.error = error;
    this.queue = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.session?.destroy();
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

export function flvTagToMessage(tag: FlvTag, arrivedAt?: bigint): MediaMessage {
  let payload = tag.data;
  if (tag.kind === 'script' && payload.subarray(0, ON_METADATA.length).equals(ON_METADATA)) {
    payload = Buffer.concat([SET_DATA_FRAME, payload]);
  }
  return {
    typeId: tag.kind === 'audio' ? MessageType.Audio : tag.kind === 'video' ? MessageType.Video : MessageType.DataAMF0,
    timestamp: tag.timestamp,
    payload,
    keyframe: tag.video?.frameType === 'key',
    arrivedAt,
  };
}
