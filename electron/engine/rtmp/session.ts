import { EventEmitter } from 'node:events';
import type net from 'node:net';
import { UplinkError, errorMessage } from '../errors.js';
import { Logger } from '../log.js';
import { type Amf0Object, type Amf0Value, decodeAmf0, encodeAmf0 } from './amf0.js';
import { ChunkStreamReader, ChunkStreamWriter, type RtmpMessage } from './chunk.js';
import { HandshakeReader, createC0C1, createC2, parseS0S1S2 } from './handshake.js';
import {
  ChunkStreamId,
  MessageType,
  controlMessage,
  decodeControlMessage,
  encodeAcknowledgement,
  encodeSetChunkSize,
  encodeUserControl,
  encodeWindowAckSize,
} from './messages.js';
import { type TransportOptions, describeSocketError, openTransport } from './transport.js';
import type { RtmpTarget } from './url.js';

/** Chunk streams we send on; stream-level commands go on their own, as FFmpeg sends them. */
const CSID = {
  command: ChunkStreamId.Command,
  audio: ChunkStreamId.Audio,
  data: ChunkStreamId.Data,
  video: ChunkStreamId.Video,
  stream: 8,
} as const;

export class RtmpSessionError extends UplinkError {}

export const ACK_WINDOW_BYTES = 64 * 1024;

/**
 * The chunk size we announce. Every chunk of a message costs a header and, for a large message, one
 * more piece in the gathered write; at FFmpeg's and OBS's 4096 a 1080p keyframe was a hundred of them.
 * 64 KiB carries most frames whole and stays far below what servers accept (nginx-rtmp: 10 MB).
 */
export const ANNOUNCED_CHUNK_SIZE = 64 * 1024;
/** A message up to this size goes out copied into one buffer with its header; a larger one is never copied. */
const COPY_MAX_BYTES = 1024;

/**
 * The longest message we accept from a server. A server sends a publisher only control messages and
 * command answers, a few hundred bytes each; a bound this low means a broken or hostile server costs a
 * clear protocol error, never a 16 MiB allocation.
 */
export const MAX_SERVER_MESSAGE_BYTES = 64 * 1024;
/** Room for a few unfinished control messages interleaved on different chunk streams. */
const MAX_SERVER_BUFFERED_BYTES = 4 * MAX_SERVER_MESSAGE_BYTES;

export interface PublishSessionOptions {
  /** Budget for each step: TCP/TLS connect, handshake, connect, publish. */
  timeoutMs?: number;
  /** The chunk size we announce before `connect`. */
  chunkSize?: number;
  ca?: TransportOptions['ca'];
  signal?: AbortSignal;
  flashVer?: string;
  /**
   * How often the server should acknowledge what it received. Small (the default, a fraction of a
   * second of media) where congestion is measured by it; large for a file pushed as fast as possible,
   * where thousands of acknowledgements would only cost CPU.
   */
  ackWindowBytes?: number;
  /**
   * When given, the connection, handshake, `connect` and `createStream` go ahead at once, but `publish`
   * is sent only once this resolves: a stream that turns out not to work never goes live anywhere. When
   * it rejects, the connection is closed without publishing (PUBLISH_CANCELLED).
   */
  publishGate?: Promise<void>;
}

export type SessionPhase = 'connecting' | 'handshake' | 'connect' | 'publish' | 'live' | 'closing' | 'closed';

interface PendingCall {
  name: string;
  resolve: (args: Amf0Value[]) => void;
  reject: (err: Error) => void;
}

interface SessionEvents {
  drain: [];
  /** The connection ended. `error` is set when it ended for any reason other than our own `close()`. */
  close: [error: UplinkError | undefined];
  /** The server acknowledged this many bytes (32-bit, wraps). */
  acknowledgement: [sequenceNumber: number];
}

/**
 * One publishing connection: handshake, `connect`, `createStream`, `publish`, then media messages, then
 * `FCUnpublish` / `deleteStream`. It reads everything the server sends (chunk size changes, window
 * acknowledgements, pings, status messages) and turns every way a publish can fail into one sentence.
 */
export class RtmpPublishSession extends EventEmitter<SessionEvents> {
  phase: SessionPhase = 'connecting';
  streamId = 0;
  /** Bytes handed to the socket so far, media and protocol. */
  bytesOut = 0;

  private readonly log: Logger;
  private readonly writer = new ChunkStreamWriter();
  private readonly reader = new ChunkStreamReader({ maxMessageSize: MAX_SERVER_MESSAGE_BYTES, maxBufferedBytes: MAX_SERVER_BUFFERED_BYTES });
  private readonly handshake = new HandshakeReader();
  private readonly pending = new Map<number, PendingCall>();
  private nextTransactionId = 1;
  private bytesIn = 0;
  private lastAcknowledged = 0;
  private windowAckSize = 0;
  /** The acknowledgement window we asked the server for, once announced. */
  private announcedAckWindow: number | undefined;
  private ackWindowWanted = ACK_WINDOW_BYTES;
  private publishWaiter: PendingCall | undefined;
  private closeError: UplinkError | undefined;
  private closed = false;

  private constructor(
    private readonly socket: net.Socket,
    readonly target: RtmpTarget,
  ) {
    super();
    this.log = new Logger(`rtmp ${target.display}`);
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', (err) => this.fail(describeSocketError(err, target)));
    socket.on('close', () => this.onSocketClose());
  }

  /** Connects and publishes; resolves once the server said `NetStream.Publish.Start`. */
  static async publish(target: RtmpTarget, options: PublishSessionOptions = {}): Promise<RtmpPublishSession> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const socket = await openTransport(target, { timeoutMs, ca: options.ca, signal: options.signal });
    const session = new RtmpPublishSession(socket, target);
    const onAbort = (): void => session.fail(new RtmpSessionError('ABORTED', `publishing to ${target.display} was cancelled`));
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await session.start(timeoutMs, options);
      return session;
    } catch (err) {
      session.destroy();
      throw err;
    } finally {
      options.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Bytes waiting in the socket's own buffer. */
  get writableLength(): number {
    return this.socket.writableLength;
  }

  get isLive(): boolean {
    return this.phase === 'live';
  }

  /** How often we asked the server to acknowledge (bytes); what its acknowledgements should look like. */
  get ackWindowBytes(): number {
    return this.ackWindowWanted;
  }

  /** Sends one audio, video or data message; false when the socket buffer is full (wait for 'drain'). */
  sendMedia(typeId: number, timestamp: number, payload: Buffer, onWritten?: () => void): boolean {
    const chunkStreamId = typeId === MessageType.Audio ? CSID.audio : typeId === MessageType.Video ? CSID.video : CSID.data;
    return this.write({ chunkStreamId, typeId, timestamp, streamId: this.streamId, payload }, onWritten);
  }

  /**
   * Unpublishes and closes after everything queued in the socket is written. Resolves when the socket
   * closed; rejects when the connection had failed (so the caller knows not every byte arrived).
   */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.closed) {
      if (this.closeError) throw this.closeError;
      return;
    }
    if (this.phase === 'live') {
      this.command(CSID.command, 0, 'FCUnpublish', null, this.target.streamKey);
      this.command(CSID.stream, this.streamId, 'deleteStream', null, this.streamId);
    }
    this.phase = 'closing';
    const closed = new Promise<void>((resolve, reject) => {
      this.once('close', (err) => (err ? reject(err) : resolve()));
    });
    // Silence is what times out: a slow link still acknowledging what it gets is given the time it needs.
    const timeout = (): void => {
      this.fail(new RtmpSessionError('TIMEOUT', `${this.target.display} did not take the end of the stream within ${timeoutMs / 1000} s`));
    };
    let timer = setTimeout(timeout, timeoutMs);
    const onAcknowledgement = (): void => {
      clearTimeout(timer);
      timer = setTimeout(timeout, timeoutMs);
    };
    this.on('acknowledgement', onAcknowledgement);
    this.socket.end();
    try {
      await closed;
    } finally {
      clearTimeout(timer);
      this.removeListener('acknowledgement', onAcknowledgement);
    }
  }

  /** Tears the connection down at once (no unpublish). */
  destroy(): void {
    this.phase = 'closing';
    this.socket.destroy();
  }

  private async start(timeoutMs: number, options: PublishSessionOptions): Promise<void> {
    const { c0c1, c1 } = createC0C1();
    this.c1 = c1;
    this.phase = 'handshake';
    const handshakeDone = this.waitFor<void>('handshake', timeoutMs, (resolve) => {
      this.handshakeDone = resolve;
    });
    this.socket.write(c0c1);
    this.bytesOut += c0c1.length;
    await handshakeDone;

    const chunkSize = options.chunkSize ?? ANNOUNCED_CHUNK_SIZE;
    this.write(controlMessage(MessageType.SetChunkSize, encodeSetChunkSize(chunkSize)));
    this.writer.chunkSize = chunkSize;

    this.phase = 'connect';
    const connectReply = await this.call(timeoutMs, CSID.command, 0, 'connect', {
      app: this.target.app,
      type: 'nonprivate',
      flashVer: options.flashVer ?? 'FMLE/3.0 (compatible; Uplink)',
      tcUrl: this.target.tcUrl,
    });
    const connectStatus = statusOf(connectReply[1]);
    if (connectStatus.code !== undefined && connectStatus.code !== 'NetConnection.Connect.Success') {
      throw this.connectRejected(connectStatus.description ?? connectStatus.code);
    }
    // Ask the server to acknowledge often: what it confirms tells queue depth and dead connections
    // apart from what merely sits in kernel buffers.
    this.ackWindowWanted = options.ackWindowBytes ?? ACK_WINDOW_BYTES;
    this.announceAckWindow();

    // Several servers never answer these two: send them, wait for nothing.
    this.command(CSID.command, 0, 'releaseStream', null, this.target.streamKey);
    this.command(CSID.command, 0, 'FCPublish', null, this.target.streamKey);
    const created = await this.call(timeoutMs, CSID.command, 0, 'createStream', null);
    const streamId = created[1];
    if (typeof streamId !== 'number' || !Number.isInteger(streamId) || streamId < 0) {
      throw new RtmpSessionError('PROTOCOL', `${this.target.display} answered createStream without a stream id`);
    }
    this.streamId = streamId;

    if (options.publishGate) await this.waitForGate(options.publishGate);

    this.phase = 'publish';
    let publishTransaction = 0;
    await this.waitFor<void>('publish', timeoutMs, (resolve, reject) => {
      this.publishWaiter = { name: 'publish', resolve: () => resolve(), reject };
      publishTransaction = this.command(CSID.stream, this.streamId, 'publish', null, this.target.streamKey, 'live');
      // The answer is an onStatus, but some servers refuse with an _error on the transaction instead.
      this.pending.set(publishTransaction, { name: 'publish', resolve: () => undefined, reject });
    });
    this.pending.delete(publishTransaction);
    this.phase = 'live';
    this.log.info('publishing');
  }

  private handshakeDone: (() => void) | undefined;
  private c1: Buffer | undefined;

  private onData(data: Buffer): void {
    if (this.closed) return;
    this.bytesIn += data.length;
    try {
      if (this.phase === 'handshake') {
        const done = this.handshake.push(data);
        if (!done) return;
        const { s1, s2EchoesC1 } = parseS0S1S2(done.s0s1s2, this.c1 ?? Buffer.alloc(0));
        if (!s2EchoesC1) this.log.debug('S2 does not echo C1; going on, as other clients do');
        const c2 = createC2(s1);
        this.socket.write(c2);
        this.bytesOut += c2.length;
        this.phase = 'connect';
        this.handshakeDone?.();
        if (done.rest.length > 0) this.onMessages(this.reader.push(done.rest));
        return;
      }
      this.onMessages(this.reader.push(data));
      this.acknowledgeIfDue();
    } catch (err) {
      this.fail(
        err instanceof UplinkError && err.code === 'RTMP_HANDSHAKE'
          ? err
          : new RtmpSessionError('PROTOCOL', `${this.target.display} sent data Uplink cannot read: ${errorMessage(err)}`),
      );
    }
  }

  private onMessages(messages: RtmpMessage[]): void {
    for (const message of messages) {
      if (this.closed) return;
      this.onMessage(message);
    }
  }

  private onMessage(message: RtmpMessage): void {
    const control = decodeControlMessage(message.typeId, message.payload);
    if (control) {
      switch (control.type) {
        case 'WindowAckSize':
          this.windowAckSize = control.size;
          break;
        case 'SetPeerBandwidth':
          // Spec 5.4.5: answer with a Window Acknowledgement Size when this differs from the last one we
          // sent (servers such as Wowza expect it). The answer restates our own window: the peer's
          // bandwidth limits what we send, it is no reason to let the server acknowledge less often.
          if (this.announcedAckWindow !== undefined && control.size !== this.announcedAckWindow) this.announceAckWindow();
          break;
        case 'UserControl':
          if (control.event.type === 'PingRequest') {
            this.write(controlMessage(MessageType.UserControl, encodeUserControl({ type: 'PingResponse', timestamp: control.event.timestamp })));
          }
          break;
        case 'Acknowledgement':
          this.emit('acknowledgement', control.sequenceNumber);
          break;
        default:
          break;
      }
      return;
    }
    if (message.typeId === MessageType.CommandAMF0 || message.typeId === MessageType.CommandAMF3) {
      // An AMF3 command starts with one format byte and is AMF0 after it.
      const body = message.typeId === MessageType.CommandAMF3 ? message.payload.subarray(1) : message.payload;
      this.onCommand(decodeAmf0(body));
    }
  }

  private onCommand(values: Amf0Value[]): void {
    const [name, transactionId, , ...args] = values;
    if (typeof name !== 'string') return;
    if ((name === '_result' || name === '_error') && typeof transactionId === 'number') {
      const call = this.pending.get(transactionId);
      if (!call) return;
      this.pending.delete(transactionId);
      if (name === '_result') call.resolve(values.slice(2));
      else call.reject(this.callError(call.name, statusOf(args[0])));
      return;
    }
    if (name === 'onStatus') {
      this.onStatus(statusOf(args[0]));
    }
  }

  private onStatus(status: Status): void {
    this.log.debug(`status ${status.code ?? '?'} ${status.description ?? ''}`);
    if (status.code === 'NetStream.Publish.Start') {
      const waiter = this.publishWaiter;
      this.publishWaiter = undefined;
      waiter?.resolve([]);
      return;
    }
    if (status.level !== 'error' && !/BadName|Rejected|Denied|Failed|Error/i.test(status.code ?? '')) return;
    const waiter = this.publishWaiter;
    if (waiter) {
      this.publishWaiter = undefined;
      waiter.reject(this.callError('publish', status));
    } else {
      // Mid-stream, an error status is whatever it says: the key was accepted long ago.
      this.fail(serverStatusError(this.target, status));
    }
  }

  private callError(callName: string, status: Status): UplinkError {
    const detail = status.description ?? status.code ?? 'no reason given';
    if (callName === 'connect') return this.connectRejected(detail);
    if (callName === 'publish' || status.code === 'NetStream.Publish.BadName') {
      return isStreamBusy(status) ? streamBusy(this.target, detail) : keyRefused(this.target, detail);
    }
    return new RtmpSessionError('COMMAND_FAILED', `${this.target.display} refused ${callName}: ${detail}`);
  }

  private connectRejected(detail: string): UplinkError {
    return new RtmpSessionError(
      'CONNECT_REJECTED',
      `${this.target.display} refused the connection to application "${this.target.app}" (${detail}): check the server URL`,
    );
  }

  private announceAckWindow(): void {
    this.announcedAckWindow = this.ackWindowWanted;
    this.write(controlMessage(MessageType.WindowAckSize, encodeWindowAckSize(this.ackWindowWanted)));
  }

  /** Holds `publish` until the gate opens; the connection's own failures still end the wait. */
  private waitForGate(gate: Promise<void>): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onClose = (err: UplinkError | undefined): void => reject(this.closedDuring('the wait before publishing', err));
      this.once('close', onClose);
      gate.then(
        () => {
          this.removeListener('close', onClose);
          if (this.closed) reject(this.closedDuring('the wait before publishing', this.closeError));
          else resolve();
        },
        () => {
          this.removeListener('close', onClose);
          reject(new RtmpSessionError('PUBLISH_CANCELLED', `publishing to ${this.target.display} was called off before it began`));
        },
      );
    });
  }

  private acknowledgeIfDue(): void {
    if (this.windowAckSize > 0 && this.bytesIn - this.lastAcknowledged >= this.windowAckSize) {
      this.lastAcknowledged = this.bytesIn;
      this.write(controlMessage(MessageType.Acknowledgement, encodeAcknowledgement(this.bytesIn >>> 0)));
    }
  }

  private write(message: RtmpMessage, onWritten?: () => void): boolean {
    if (this.closed) return false;
    if (message.payload.length <= COPY_MAX_BYTES) {
      const bytes = this.writer.encode(message);
      this.bytesOut += bytes.length;
      return this.socket.write(bytes, onWritten);
    }
    // A larger message goes out as one gathered write (writev) of its chunk headers and views of its
    // payload: copying every media byte into a new buffer cost more CPU than the rest of sending it.
    const parts = this.writer.encodeParts(message);
    const last = parts.length - 1;
    this.socket.cork();
    for (let i = 0; i < last; i++) {
      this.bytesOut += parts[i]!.length;
      this.socket.write(parts[i]!);
    }
    this.bytesOut += parts[last]!.length;
    const belowHighWater = this.socket.write(parts[last]!, onWritten);
    this.socket.uncork();
    return belowHighWater;
  }

  private command(chunkStreamId: number, streamId: number, name: string, ...args: Amf0Value[]): number {
    const transactionId = this.nextTransactionId++;
    this.write({ chunkStreamId, typeId: MessageType.CommandAMF0, timestamp: 0, streamId, payload: encodeAmf0(name, transactionId, ...args) });
    return transactionId;
  }

  private call(timeoutMs: number, chunkStreamId: number, streamId: number, name: string, ...args: Amf0Value[]): Promise<Amf0Value[]> {
    return this.waitFor(name, timeoutMs, (resolve, reject) => {
      const transactionId = this.command(chunkStreamId, streamId, name, ...args);
      this.pending.set(transactionId, { name, resolve, reject });
    });
  }

  /** Runs `begin` and waits for it to settle, for the session to fail, or for the step's time to run out. */
  private waitFor<T>(step: string, timeoutMs: number, begin: (resolve: (value: T) => void, reject: (err: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const onClose = (err: UplinkError | undefined): void => {
        clearTimeout(timer);
        reject(this.closedDuring(step, err));
      };
      const timer = setTimeout(() => {
        this.removeListener('close', onClose);
        reject(new RtmpSessionError('TIMEOUT', `${this.target.display} did not answer ${step} within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      this.once('close', onClose);
      begin(
        (value) => {
          clearTimeout(timer);
          this.removeListener('close', onClose);
          resolve(value);
        },
        (err) => {
          clearTimeout(timer);
          this.removeListener('close', onClose);
          reject(err);
        },
      );
    });
  }

  /** What a connection that ended in the middle of a step means for the streamer. */
  private closedDuring(step: string, err: UplinkError | undefined): UplinkError {
    if (err && err.code !== 'CONNECTION_LOST' && err.code !== 'CLOSED') return err;
    // Servers such as nginx-rtmp refuse a key by closing the connection right after `publish`.
    if (step === 'publish') return keyRefused(this.target, 'it closed the connection');
    if (step === 'handshake') return new RtmpSessionError('PROTOCOL', `${this.target.display} closed the connection during the RTMP handshake: is this an RTMP server?`);
    return new RtmpSessionError('CONNECTION_LOST', `${this.target.display} closed the connection during ${step}`);
  }

  private fail(error: UplinkError): void {
    if (this.closed) return;
    this.closeError ??= error;
    this.socket.destroy();
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    const expected = this.phase === 'closing' && !this.closeError;
    const error = expected ? undefined : (this.closeError ?? new RtmpSessionError('CLOSED', `${this.target.display} closed the connection`));
    this.phase = 'closed';
    for (const call of this.pending.values()) call.reject(this.closedDuring(call.name, error));
    this.pending.clear();
    this.emit('close', error);
  }
}

interface Status {
  level?: string;
  code?: string;
  description?: string;
}

function statusOf(value: Amf0Value): Status {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) return {};
  const object = ('entries' in value && typeof value.entries === 'object' ? value.entries : value) as Amf0Object;
  const text = (key: string): string | undefined => (typeof object[key] === 'string' ? (object[key] as string) : undefined);
  return { level: text('level'), code: text('code'), description: text('description') };
}

/**
 * "Already publishing" and its kin: the key is right but the server still holds a publisher for it,
 * most often our own previous connection, which it has not yet noticed is gone.
 */
function isStreamBusy(status: Status): boolean {
  return /already|in use|busy/i.test(status.description ?? '');
}

function streamBusy(target: RtmpTarget, detail: string): UplinkError {
  return new RtmpSessionError(
    'STREAM_BUSY',
    `${target.display}: the server says the stream is already publishing (${detail}): stop the other encoder using this key, or wait for the server to let a dropped connection go`,
  );
}

function serverStatusError(target: RtmpTarget, status: Status): UplinkError {
  const what = [status.code, status.description].filter((text) => text !== undefined).join(': ') || 'no reason given';
  return new RtmpSessionError('SERVER_ERROR', `${target.display} ended the stream with an error (${what})`);
}

function keyRefused(target: RtmpTarget, detail: string): UplinkError {
  return new RtmpSessionError('KEY_REFUSED', `${target.display}: the server refused the stream key (${detail}): check the key`);
}
