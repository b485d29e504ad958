import type { UplinkError } from '../errors.js';
import { StreamHeaderCache } from '../flv/headers.js';
import { MediaSpan, paceByTimestamps } from '../flv/pace.js';
import type { FlvTag } from '../flv/reader.js';
import type { PublisherOptions } from '../rtmp/publisher.js';
import type { RtmpTarget } from '../rtmp/url.js';
import { Destination, type DestinationStats } from './destination.js';
import type { ReconnectPolicy } from './reconnect.js';

export interface FilePublishOptions {
  publisher?: PublisherOptions;
  reconnect?: Partial<ReconnectPolicy>;
  deadAfterMs?: number;
}

export interface FilePublishResult {
  target: RtmpTarget;
  /** Every tag reached this destination and it unpublished cleanly. */
  ok: boolean;
  /** The destination failed while the file was being sent (its 'failed' state event said why). */
  failed: boolean;
  /** Why not, when not (undefined when the run was interrupted and that is the only reason). */
  error?: UplinkError;
  stats: DestinationStats;
}

/**
 * A recorded stream sent to several destinations, as fast as the slowest link takes it or in real time.
 * Each destination is a Destination in file mode: the same connection, dead-link detection, reconnects
 * and errors as a live stream, but nothing is dropped for congestion: the reader waits instead.
 */
export class FilePublish {
  readonly destinations: Destination[];
  private readonly span = new MediaSpan();
  private readonly headers = new StreamHeaderCache();
  private readonly failures = new Map<Destination, UplinkError>();

  constructor(targets: readonly RtmpTarget[], options: FilePublishOptions = {}) {
    this.destinations = targets.map(
      (target) =>
        new Destination(target, {
          headers: this.headers,
          mode: 'file',
          publisher: options.publisher,
          reconnect: options.reconnect,
          deadAfterMs: options.deadAfterMs,
        }),
    );
    for (const destination of this.destinations) {
      destination.on('state', (state, error) => {
        if (state === 'failed' && error) this.failures.set(destination, error);
      });
    }
  }

  /** No destination holds bytes of the tags given to it: a reader may reuse the memory they were cut from. */
  get inputReleased(): boolean {
    return this.destinations.every((destination) => !destination.holdsInput);
  }

  /** Media time sent so far, from the first media tag (headers aside). */
  get mediaMs(): number {
    return this.span.ms;
  }

  /**
   * Connects every destination, sends every tag, then flushes and unpublishes. An aborted `signal` stops
   * at once in any phase (connecting, sending, flushing). Errors reading `tags` are thrown once every
   * destination is stopped.
   */
  async run(tags: AsyncIterable<FlvTag>, options: { realTime?: boolean; signal?: AbortSignal } = {}): Promise<FilePublishResult[]> {
    const { signal } = options;
    const cutShort = (): void => {
      for (const destination of this.destinations) void destination.stop({ flushMs: 0 });
    };
    signal?.addEventListener('abort', cutShort, { once: true });
    const stopErrors = new Map<Destination, UplinkError | undefined>();
    try {
      if (!signal?.aborted) for (const destination of this.destinations) destination.start();
      try {
        const input = options.realTime ? paceByTimestamps(tags, signal) : tags;
        for await (const tag of input) {
          // Every destination takes the tag, or is gone: the file goes at the pace of the slowest link.
          if (!this.destinations.every((destination) => destination.writable)) {
            await Promise.all(this.destinations.map((destination) => destination.whenWritable()));
          }
          if (signal?.aborted || !this.destinations.some(isRunning)) break;
          this.span.add(tag);
          for (const destination of this.destinations) destination.push(tag);
        }
      } catch (error) {
        if (!signal?.aborted) throw error;
      }
    } finally {
      const flush = signal?.aborted ? { flushMs: 0 } : {};
      await Promise.all(this.destinations.map(async (destination) => stopErrors.set(destination, await destination.stop(flush))));
      signal?.removeEventListener('abort', cutShort);
    }
    return this.destinations.map((destination) => this.resultOf(destination, stopErrors.get(destination), signal?.aborted === true));
  }

  private resultOf(destination: Destination, stopError: UplinkError | undefined, interrupted: boolean): FilePublishResult {
    const stats = destination.stats();
    const failure = this.failures.get(destination);
    const complete = !failure && !stopError && !interrupted && stats.reconnects === 0 && stats.framesDropped === 0;
    const result: FilePublishResult = { target: destination.target, ok: complete, failed: failure !== undefined, stats };
    const error = failure ?? (interrupted ? undefined : stopError);
    if (error) result.error = error;
    return result;
  }
}

function isRunning(destination: Destination): boolean {
  return destination.state === 'connecting' || destination.state === 'live' || destination.state === 'reconnecting';
}
