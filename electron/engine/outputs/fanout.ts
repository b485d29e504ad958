import { EventEmitter } from 'node:events';
import { type UplinkError, asUplinkError } from '../errors.js';
import type { FlvTag } from '../flv/reader.js';
import { type PublisherOptions, RtmpPublisher, flvTagToMessage } from '../rtmp/publisher.js';
import type { RtmpTarget } from '../rtmp/url.js';

export interface DestinationResult {
  target: RtmpTarget;
  ok: boolean;
  error?: UplinkError;
  messagesSent: number;
  mediaBytesSent: number;
}

interface FanOutEvents {
  /** A destination failed; the others go on. */
  destinationFailed: [target: RtmpTarget, error: UplinkError];
}

/**
 * One input stream to many destinations, each with its own connection and bounded queue. A destination
 * that fails is dropped from the fan-out and reported; the others go on.
 */
export class FanOut extends EventEmitter<FanOutEvents> {
  readonly publishers: RtmpPublisher[];

  constructor(targets: readonly RtmpTarget[], options: PublisherOptions = {}) {
    super();
    this.publishers = targets.map((target) => {
      const publisher = new RtmpPublisher(target, options);
      publisher.on('error', (err) => this.emit('destinationFailed', target, err));
      return publisher;
    });
  }

  /** Connects every destination at once. Resolves when each is live or has failed; false when none is live. */
  async start(): Promise<boolean> {
    const results = await Promise.allSettled(this.publishers.map((p) => p.start()));
    results.forEach((result, i) => {
      if (result.status === 'rejected') this.emit('destinationFailed', this.publishers[i]!.target, asUplinkError(result.reason, 'FAILED'));
    });
    return this.live().length > 0;
  }

  live(): RtmpPublisher[] {
    return this.publishers.filter((p) => p.state === 'live');
  }

  /**
   * Sends a tag to every live destination. Resolves once every destination's queue is below its
   * high-water mark again, so a file is read no faster than the slowest destination takes it.
   */
  async push(tag: FlvTag, arrivedAt?: bigint): Promise<void> {
    const message = flvTagToMessage(tag, arrivedAt);
    const waits: Promise<unknown>[] = [];
    for (const publisher of this.publishers) {
      if (publisher.state !== 'live') continue;
      if (!publisher.send(message) && publisher.state === 'live') {
        waits.push(drainedOrFailed(publisher));
      }
    }
    if (waits.length > 0) await Promise.all(waits);
  }

  /** Flushes and unpublishes every destination. */
  async finish(): Promise<DestinationResult[]> {
    await Promise.allSettled(this.publishers.map((p) => (p.state === 'live' ? p.finish() : Promise.resolve())));
    return this.publishers.map((p) => ({
      target: p.target,
      ok: p.state === 'offline' && p.error === undefined,
      error: p.error,
      messagesSent: p.messagesSent,
      mediaBytesSent: p.mediaBytesSent,
    }));
  }

  abort(): void {
    for (const publisher of this.publishers) publisher.abort();
  }
}

function drainedOrFailed(publisher: RtmpPublisher): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      publisher.removeListener('drain', done);
      publisher.removeListener('error', done);
      resolve();
    };
    publisher.on('drain', done);
    publisher.on('error', done);
  });
}
