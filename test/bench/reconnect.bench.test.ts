import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { StreamHeaderCache } from '../../electron/engine/flv/headers.js';
import { type FlvTag, readFlvTags } from '../../electron/engine/flv/reader.js';
import { classifyTag } from '../../electron/engine/outputs/congestion.js';
import { Destination } from '../../electron/engine/outputs/destination.js';
import { MessageType } from '../../electron/engine/rtmp/messages.js';
import type { MediaMessage } from '../../electron/engine/rtmp/publisher.js';
import { parseRtmpUrl } from '../../electron/engine/rtmp/url.js';
import { makeFlvFixture } from '../helpers/fixtures.js';
import { type RtmpTestServer, startNginxRtmp } from '../helpers/servers.js';
import { startThrottleProxy } from '../helpers/throttle-proxy.js';
import { percentile, printTable } from './measure.js';

/**
 * The benchmark: a live destination's server is killed and a new one starts on the same address
 * after a while; how long from the server accepting connections again to media flowing to it.
 * "First byte" is the first message of the new connection in the kernel (metadata, then the sequence
 * headers); "first keyframe" adds the wait for the encoder's next keyframe (2 s GOP here), where a new
 * connection must start. The reference is OBS, whose first retry comes 2 s after a drop (not measured here:
 * OBS does not run on this machine).
 */
const DOWNTIMES_MS = [0, 1000, 3000];
const ROUNDS_PER_DOWNTIME = 3;

async function loadTags(): Promise<{ tags: FlvTag[]; durationMs: number }> {
  const fixture = await makeFlvFixture({ seconds: 20, width: 1280, height: 720, fps: 30, videoKbps: 6000 });
  const tags: FlvTag[] = [];
  for await (const tag of readFlvTags(createReadStream(fixture, { highWaterMark: 1 << 20 }))) tags.push(tag);
  return { tags, durationMs: tags.at(-1)!.timestamp + 33 };
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
  return performance.now();
}

it('time from a restarted server accepting connections to media flowing again', async () => {
  const { tags, durationMs } = await loadTags();
  let server: RtmpTestServer = await startNginxRtmp({ record: false });
  const proxy = await startThrottleProxy({ targetPort: server.port });
  const headers = new StreamHeaderCache();
  const written: Array<{ at: number; picture: boolean; keyframe: boolean }> = [];
  const destination = new Destination(parseRtmpUrl(proxy.url('live', 'bench-reconnect')), {
    headers,
    publisher: {
      onWritten: (m: MediaMessage) => {
        const picture = m.typeId === MessageType.Video && m.payload[1] === 1;
        written.push({ at: performance.now(), picture, keyframe: picture && m.keyframe });
      },
    },
  });
  const feeding = new AbortController();
  // A live encoder: paced by timestamps, looped for as long as the rounds take.
  const fed = (async () => {
    const startedAt = performance.now();
    for (let loop = 0; !feeding.signal.aborted; loop++) {
      for (const original of tags) {
        if (loop > 0 && classifyTag(original) === 'header') continue;
        const tag = loop === 0 ? original : { ...original, timestamp: original.timestamp + loop * durationMs };
        const wait = startedAt + tag.timestamp - performance.now();
        if (wait > 1) await sleep(wait);
        if (feeding.signal.aborted) return;
        headers.update(tag);
        destination.push(tag);
      }
    }
  })();

  const rows: Record<string, string | number>[] = [];
  const firstBytes: number[] = [];
  try {
    destination.start();
    await waitFor('live', () => destination.state === 'live' && destination.stats().framesSent > 30, 10_000);
    for (const downtimeMs of DOWNTIMES_MS) {
      for (let round = 0; round < ROUNDS_PER_DOWNTIME; round++) {
        await proxy.refuse();
        await server.stop();
        const droppedAt = await waitFor('the drop', () => destination.state === 'reconnecting', 5000);
        await sleep(Math.max(0, downtimeMs - (performance.now() - droppedAt)));
        server = await startNginxRtmp({ record: false });
        await proxy.accept(server.port);
        const backAt = performance.now();
        const liveAt = await waitFor('live again', () => destination.state === 'live', 30_000);
        await waitFor('a keyframe', () => written.some((w) => w.at >= backAt && w.keyframe), 5000);
        const firstByte = written.find((w) => w.at >= backAt)!.at - backAt;
        const firstKeyframe = written.find((w) => w.at >= backAt && w.keyframe)!.at - backAt;
        firstBytes.push(firstByte);
        rows.push({
          'down s': ((backAt - droppedAt) / 1000).toFixed(2),
          'accept -> live ms': (liveAt - backAt).toFixed(0),
          'accept -> first byte ms': firstByte.toFixed(0),
          'accept -> first keyframe ms': firstKeyframe.toFixed(0),
        });
        // Let the new connection settle before the next cut.
        await sleep(300);
      }
    }
  } finally {
    feeding.abort();
    await fed;
    await destination.stop();
    await proxy.stop();
    await server.stop();
  }
  printTable('server killed and restarted on the same address (nginx-rtmp), 720p 6 Mbit/s, 2 s GOP', rows);
  firstBytes.sort((a, b) => a - b);
  console.log(
    `accept -> first byte: p50 ${percentile(firstBytes, 50).toFixed(0)} ms, max ${firstBytes.at(-1)!.toFixed(0)} ms (target < 1000 ms; OBS's first retry alone waits 2000 ms)`,
  );
  expect(rows).toHaveLength(DOWNTIMES_MS.length * ROUNDS_PER_DOWNTIME);
});
