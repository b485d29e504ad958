import { setTimeout as sleep } from 'node:timers/promises';
import type { FlvTag } from './reader.js';

/**
 * Releases tags no earlier than their timestamps say, measured from the first tag: a file then reaches
 * the server as a live encoder would send it. Timestamps that jump back (a new file spliced on) restart
 * the clock instead of stalling.
 */
export async function* paceByTimestamps(tags: AsyncIterable<FlvTag>, signal?: AbortSignal): AsyncGenerator<FlvTag> {
  let startedAt: number | undefined;
  let firstTimestamp = 0;
  for await (const tag of tags) {
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
