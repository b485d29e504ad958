import { setTimeout as sleep } from 'node:timers/promises';
import { isStreamHeader } from './headers.js';
import type { FlvTag } from './reader.js';

/**
 * Releases tags no earlier than their timestamps say, measured from the first media tag: a file then
 * reaches the server as a live encoder would send it. Headers go at once, whatever their timestamps (a
 * file's headers at 0 and its media at 16777 s must not wait 16777 s). Timestamps that jump back (a new
 * file spliced on) restart the clock instead of stalling.
 */
export async function* paceByTimestamps(tags: AsyncIterable<FlvTag>, signal?: AbortSignal): AsyncGenerator<FlvTag> {
  let startedAt: number | undefined;
  let firstTimestamp = 0;
  for await (const tag of tags) {
    if (isStreamHeader(tag)) {
      yield tag;
      continue;
    }
    const now = performance.now();
    if (startedAt === undefined || tag.timestamp < firstTimestamp) {
      startedAt = now;
      firstTimestamp = tag.timestamp;
    }
    const due = startedAt + (tag.timestamp - firstTimestamp);
    if (due - now > 1) await sleep(due - now, undefined, { signal });
    yield tag;
  }
}

/** The media time a run of tags covers: from the first media tag to the last, headers aside. */
export class MediaSpan {
  private first: number | undefined;
  private last = 0;

  add(tag: FlvTag): void {
    if (isStreamHeader(tag)) return;
    this.first ??= tag.timestamp;
    if (tag.timestamp > this.last) this.last = tag.timestamp;
  }

  get ms(): number {
    return this.first === undefined ? 0 : Math.max(0, this.last - this.first);
  }
}
