import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UplinkError } from '../../electron/engine/errors.js';
import { StreamHeaderCache } from '../../electron/engine/flv/headers.js';
import { type FlvTag, type FlvTagKind, readFlvTags } from '../../electron/engine/flv/reader.js';
import { classifyTag, type DropReason, isDroppableVideoMessage } from '../../electron/engine/outputs/congestion.js';
import { Destination, type DestinationState } from '../../electron/engine/outputs/destination.js';
import type { MediaMessage } from '../../electron/engine/rtmp/publisher.js';
import { MessageType } from '../../electron/engine/rtmp/messages.js';
import { RtmpPublisher } from '../../electron/engine/rtmp/publisher.js';
import { parseRtmpUrl } from '../../electron/engine/rtmp/url.js';
import { makeFlvFixture } from '../helpers/fixtures.js';
import { type ProbeResult, isMonotonic, packetsOf, probeFile } from '../helpers/probe.js';
import { type RtmpTestServer, startNginxRtmp } from '../helpers/servers.js';
import { ScriptedRtmpServer } from '../helpers/scripted-server.js';
import { type ThrottleProxy, startThrottleProxy } from '../helpers/throttle-proxy.js';

// A 20 s 720p stream at about 6.4 Mbit/s (800 KB/s). The bitrate is high on purpose: loopback TCP
// buffers hold 4-6 MB, which a slow stream would take half a minute to fill before a fault shows.
let tags: FlvTag[];
let expected: ProbeResult;
let fixtureBytesPerSec: number;
let fixtureDurationMs: number;

beforeAll(async () => {
  const fixture = await makeFlvFixture({ seconds: 20, width: 1280, height: 720, fps: 30, videoKbps: 6000 });
  tags = [];
  for await (const tag of readFlvTags(createReadStream(fixture, { highWaterMark: 1 << 20 }))) tags.push(tag);
  expected = await probeFile(fixture);
  fixtureDurationMs = tags.at(-1)!.timestamp + 33;
  fixtureBytesPerSec = (tags.reduce((sum, tag) => sum + tag.data.length, 0) / fixtureDurationMs) * 1000;
});

/** The media time of the tag being fed right now: drops and waits are told in media time, not wall time. */
const cursor = { ms: 0 };

interface FeedOptions {
  /** Media seconds per wall second. */
  speed?: number;
  /** Plays the fixture this many times back to back, timestamps continuing. */
  loops?: number;
  signal?: AbortSignal;
}

/**
 * Feeds the fixture to destinations as a live encoder would: paced by timestamps, never waiting on them.
 * Resolves with how many video and audio frames (not headers) it pushed.
 */
async function feed(destinations: Destination[], headers: StreamHeaderCache, options: FeedOptions = {}): Promise<{ video: number; audio: number }> {
  const { speed = 1, loops = 1, signal } = options;
  const startedAt = performance.now();
  const fed = { video: 0, audio: 0 };
  for (let loop = 0; loop < loops; loop++) {
    for (const original of tags) {
      const tagClass = classifyTag(original);
      if (loop > 0 && tagClass === 'header') continue;
      const tag = loop === 0 ? original : { ...original, timestamp: original.timestamp + loop * fixtureDurationMs };
      const wait = startedAt + tag.timestamp / speed - performance.now();
      if (wait > 1) await sleep(wait);
      if (signal?.aborted) return fed;
      headers.update(tag);
      cursor.ms = tag.timestamp;
      for (const destination of destinations) destination.push(tag);
      if (tagClass === 'audio') fed.audio++;
      else if (tagClass !== 'header') fed.video++;
    }
  }
  return fed;
}

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
  return performance.now();
}

function recordStates(destination: Destination): Array<{ state: DestinationState; code?: string; at: number }> {
  const states: Array<{ state: DestinationState; code?: string; at: number }> = [];
  destination.on('state', (state, error?: UplinkError) => states.push({ state, code: error?.code, at: performance.now() }));
  return states;
}

function describeMessage(message: MediaMessage): string {
  if (message.typeId === MessageType.DataAMF0) return 'metadata';
  const header = message.payload[1] === 0;
  if (message.typeId === MessageType.Audio) return header ? 'audio-header' : 'audio';
  if (header) return 'video-header';
  return message.keyframe ? 'keyframe' : 'frame';
}

/** The first tags of a recorded FLV, as classes: what a server got first on a connection. */
async function firstTagsOf(file: string, count: number): Promise<string[]> {
  const seen: string[] = [];
  for await (const tag of readFlvTags(createReadStream(file))) {
    const tagClass = classifyTag(tag);
    seen.push(tagClass === 'header' ? `${tag.kind}-header` : tagClass);
    if (seen.length >= count) break;
  }
  return seen;
}

describe('a destination whose server is killed and restarted', () => {
  it('reconnects within seconds and resumes with the headers and a keyframe', async () => {
    const first = await startNginxRtmp();
    let second: RtmpTestServer | undefined;
    // The proxy keeps the server's address fixed while the server behind it is replaced: while it refuses,
    // clients get "connection refused" exactly as from a stopped server.
    const proxy = await startThrottleProxy({ targetPort: first.port });
    /** What each connection handed to the kernel, in order. */
    const written: Array<{ at: number; what: string }> = [];
    const headers = new StreamHeaderCache();
    const destination = new Destination(parseRtmpUrl(proxy.url('live', 'restart-key')), {
      headers,
      publisher: { timeoutMs: 3000, onWritten: (m: MediaMessage) => written.push({ at: performance.now(), what: describeMessage(m) }) },
    });
    const states = recordStates(destination);
    const feeding = new AbortController();
    try {
      destination.start();
      const fed = feed([destination], headers, { signal: feeding.signal });
      await waitFor('the first connection', () => destination.stats().framesSent > 60, 10_000);

      await proxy.refuse();
      await first.stop();
      const droppedAt = await waitFor('the drop to be noticed', () => destination.state === 'reconnecting', 5000);
      // Between attempts the stats count down to the next one (what a front shows beside "Reconnect now").
      await waitFor('a countdown to the next attempt', () => destination.stats().nextAttemptInSec !== undefined, 5000);
      expect(destination.stats().nextAttemptInSec).toBeLessThanOrEqual(10);
      second = await startNginxRtmp();
      await proxy.accept(second.port);
      const backAt = performance.now();
      const liveAt = await waitFor('live again', () => destination.state === 'live', 10_000);
      const firstByte = written.find((w) => w.at >= backAt);
      await waitFor('a keyframe on the new connection', () => written.some((w) => w.at >= backAt && w.what === 'keyframe'), 5000);
      const keyframeAt = written.find((w) => w.at >= backAt && w.what === 'keyframe')!.at;
      console.log(
        `server restart: down ${((backAt - droppedAt) / 1000).toFixed(2)} s; accepting again -> live ${(liveAt - backAt).toFixed(0)} ms, ` +
          `-> first byte ${firstByte ? (firstByte.at - backAt).toFixed(0) : '?'} ms (target < 1000), -> first keyframe ${(keyframeAt - backAt).toFixed(0)} ms`,
      );
      // Seconds of media on the new connection, so the restarted server records a stream worth probing.
      await waitFor('frames on the new connection', () => written.filter((w) => w.at >= backAt && w.what === 'frame').length > 60, 15_000);
      feeding.abort();
      await fed;
      await destination.stop();

      // (A retry refused while the new server was still starting repeats 'reconnecting': count it once.)
      const path = states.map((s) => s.state).filter((state, i, all) => state !== all[i - 1]);
      expect(path).toEqual(['connecting', 'live', 'reconnecting', 'live', 'stopping', 'offline']);
      expect(destination.stats().reconnects).toBe(1);
      // What the new connection sent first: metadata, both sequence headers, then a keyframe, audio with it.
      const resumed = written.filter((w) => w.at >= backAt).map((w) => w.what);
      expect(resumed.slice(0, 4)).toEqual(['metadata', 'video-header', 'audio-header', 'keyframe']);
      const recording = await second.recording('restart-key');
      // And what the restarted server recorded: sequence headers before any picture, the first picture a keyframe.
      const recorded = await firstTagsOf(recording, 8);
      const firstPicture = recorded.findIndex((t) => t === 'keyframe' || t === 'frame');
      expect(recorded[firstPicture]).toBe('keyframe');
      expect(recorded.slice(0, firstPicture)).toContain('video-header');
      expect(recorded.slice(0, firstPicture)).toContain('audio-header');
      const received = await probeFile(recording);
      expect(received.streams.find((s) => s.codecType === 'video')).toMatchObject({ codecName: 'h264', width: 1280, height: 720 });
      expect(received.streams.find((s) => s.codecType === 'audio')).toMatchObject({ codecName: 'aac' });
      const video = packetsOf(received, 'video');
      expect(video.length).toBeGreaterThan(30);
      expect(video[0]?.key).toBe(true);
      expect(isMonotonic(video)).toBe(true);
      expect(isMonotonic(packetsOf(received, 'audio'))).toBe(true);
    } finally {
      feeding.abort();
      await destination.stop();
      await proxy.stop();
      await first.stop();
      await second?.stop();
    }
  });
});

describe('destinations side by side on one server', () => {
  let nginx: RtmpTestServer;
  const proxies: ThrottleProxy[] = [];
  beforeAll(async () => {
    nginx = await startNginxRtmp({ allowedKeys: ['direct-key', 'stalled-key', 'good-key', 'throttled-key', 'command-key'] });
  });
  afterAll(async () => {
    await Promise.all(proxies.map((p) => p.stop()));
    await nginx?.stop();
  });

  it('a stalled link is found dead, holds bounded memory, and comes back, while the other destination gets every frame', async () => {
    const proxy = await startThrottleProxy({ targetPort: nginx.port });
    proxies.push(proxy);
    const headers = new StreamHeaderCache();
    const queueCap = 8 * 1024 * 1024;
    const direct = new Destination(parseRtmpUrl(nginx.url('live', 'direct-key')), { headers });
    const stalled = new Destination(parseRtmpUrl(proxy.url('live', 'stalled-key')), { headers, publisher: { maxQueueBytes: queueCap, timeoutMs: 5000 } });
    const stalledStates = recordStates(stalled);
    let maxQueueBytes = 0;
    const sampler = setInterval(() => {
      maxQueueBytes = Math.max(maxQueueBytes, stalled.stats().queueBytes);
    }, 20);
    const feeding = new AbortController();
    try {
      direct.start();
      stalled.start();
      await waitFor('both live', () => direct.state === 'live' && stalled.state === 'live', 10_000);
      const feedingDone = feed([direct, stalled], headers, { signal: feeding.signal });
      await waitFor('a second of media through both', () => direct.stats().framesSent > 30 && stalled.stats().framesSent > 30, 10_000);
      proxy.stall();
      const stalledAt = performance.now();
      const deadAt = await waitFor('the stalled link to be found dead', () => stalled.state === 'reconnecting', 25_000);
      const lost = stalledStates.find((s) => s.state === 'reconnecting');
      const sentBeforeResume = stalled.stats().framesSent;
      proxy.resume();
      const resumedAt = performance.now();
      const backAt = await waitFor('the stalled link to come back', () => stalled.state === 'live', 15_000);
      await waitFor('frames on the new connection', () => stalled.stats().framesSent > sentBeforeResume + 30, 10_000);
      console.log(
        `stalled link: dead after ${((deadAt - stalledAt) / 1000).toFixed(1)} s (${lost?.code}), back ${((backAt - resumedAt) / 1000).toFixed(1)} s after the link resumed; ` +
          `peak queue ${(maxQueueBytes / 1e6).toFixed(2)} MB (cap ${queueCap / 1e6} MB); drops ${JSON.stringify(stalled.stats().dropsByReason)}`,
      );
      feeding.abort();
      const fed = await feedingDone;
      await Promise.all([direct.stop(), stalled.stop()]);

      expect(lost?.code).toMatch(/CONNECTION_STALLED|TOO_SLOW/);
      expect(maxQueueBytes).toBeLessThanOrEqual(queueCap);
      expect(direct.stats()).toMatchObject({ framesDropped: 0, reconnects: 0, framesSent: fed.video });
      const received = await probeFile(await nginx.recording('direct-key'));
      expect(packetsOf(received, 'video')).toHaveLength(fed.video);
      expect(packetsOf(received, 'audio')).toHaveLength(fed.audio);
      expect(isMonotonic(packetsOf(received, 'video'))).toBe(true);
    } finally {
      feeding.abort();
      clearInterval(sampler);
      await Promise.all([direct.stop(), stalled.stop()]);
    }
  });

  it('a refused key fails that destination alone, with the reason, and is not retried', async () => {
    const headers = new StreamHeaderCache();
    const good = new Destination(parseRtmpUrl(nginx.url('live', 'good-key')), { headers });
    const refused = new Destination(parseRtmpUrl(nginx.url('live', 'wrong-secret-key')), { headers });
    const refusedStates = recordStates(refused);
    const feeding = new AbortController();
    try {
      good.start();
      refused.start();
      await waitFor('the good key live', () => good.state === 'live', 10_000);
      const fed = feed([good, refused], headers, { speed: 2, signal: feeding.signal });
      await waitFor('the refusal', () => refused.state === 'failed', 10_000);
      // 5 s of media more at 2x: longer than the first retry delay and the refused-key retry delay, in which
      // nothing more may happen to the refused destination.
      const sentAtRefusal = good.stats().framesSent;
      await waitFor('more media to the good key', () => good.stats().framesSent > sentAtRefusal + 150, 20_000);
      feeding.abort();
      await fed;
      expect(good.state).toBe('live');
      await good.stop();

      expect(refusedStates.map((s) => [s.state, s.code])).toEqual([
        ['connecting', undefined],
        ['failed', 'KEY_REFUSED'],
      ]);
      const stats = refused.stats();
      expect(stats.lastError).toMatch(/refused the stream key/);
      expect(stats.lastError).not.toContain('wrong-secret-key');
      const attempts = (await nginx.publishAttempts()).filter((a) => a.key === 'wrong-secret-key');
      expect(attempts).toEqual([{ app: 'live', key: 'wrong-secret-key', accepted: false }]);
      expect(good.stats()).toMatchObject({ reconnects: 0, dropsByReason: { congestion: 0, reconnecting: 0 } });
      const received = await probeFile(await nginx.recording('good-key'));
      expect(packetsOf(received, 'video').length).toBeGreaterThan(60);
      expect(packetsOf(received, 'video')[0]?.key).toBe(true);
    } finally {
      feeding.abort();
      await Promise.all([good.stop(), refused.stop()]);
    }
  });

  it('reconnects at once on command and resumes with a keyframe', async () => {
    const headers = new StreamHeaderCache();
    const destination = new Destination(parseRtmpUrl(nginx.url('live', 'command-key')), { headers });
    const states = recordStates(destination);
    const feeding = new AbortController();
    try {
      destination.start();
      await waitFor('live', () => destination.state === 'live', 10_000);
      const fed = feed([destination], headers, { speed: 2, signal: feeding.signal });
      await waitFor('frames', () => destination.stats().framesSent > 30, 5000);
      const commandedAt = performance.now();
      destination.reconnectNow();
      expect(destination.state).toBe('reconnecting');
      const liveAt = await waitFor('live again', () => destination.state === 'live', 10_000);
      const sent = destination.stats().framesSent;
      await waitFor('frames on the new connection', () => destination.stats().framesSent > sent + 30, 5000);
      console.log(`reconnect on command: live again after ${(liveAt - commandedAt).toFixed(0)} ms`);
      feeding.abort();
      await fed;
      await destination.stop();
      expect(states.map((s) => s.state)).toEqual(['connecting', 'live', 'reconnecting', 'live', 'stopping', 'offline']);
      expect(destination.stats()).toMatchObject({ reconnects: 1, dropsByReason: { congestion: 0 } });
      const received = await probeFile(await nginx.recording('command-key'));
      expect(packetsOf(received, 'video')[0]?.key).toBe(true);
      expect(packetsOf(received, 'video').length).toBeGreaterThan(30);
    } finally {
      feeding.abort();
      await destination.stop();
    }
  });

  it('a throttled link drops inter frames for congestion, never audio or keyframes, and stops dropping when the link recovers', async () => {
    const proxy = await startThrottleProxy({ targetPort: nginx.port });
    proxies.push(proxy);
    const headers = new StreamHeaderCache();
    const destination = new Destination(parseRtmpUrl(proxy.url('live', 'throttled-key')), { headers });
    /** Each drop and the media time it happened at. */
    const drops: Array<{ at: number; reason: DropReason; kind: FlvTagKind }> = [];
    destination.on('drop', (reason, kind) => drops.push({ at: cursor.ms, reason, kind }));
    let maxQueueMs = 0;
    destination.on('stats', (stats) => {
      maxQueueMs = Math.max(maxQueueMs, stats.queueMs);
    });
    // Fed at 3x real time, twice over: the loopback buffers fill sooner, and the link is half the fed rate.
    const speed = 3;
    const loops = 2;
    try {
      destination.start();
      await waitFor('live', () => destination.state === 'live', 10_000);
      proxy.throttle((fixtureBytesPerSec * speed) / 2);
      const fed = feed([destination], headers, { speed, loops });
      await waitFor('drops for congestion', () => drops.length > 0, 30_000);
      const congestedAt = drops[0]!.at;
      // 12 s of media under throttle: several rounds of congestion (dropping frees the link, sending fills it again).
      await waitFor('12 s of media under throttle', () => cursor.ms >= congestedAt + 12_000, 30_000);
      const dropsUnderThrottle = drops.length;
      proxy.resume();
      const liftedAt = cursor.ms;
      await fed;
      const endedAt = cursor.ms;
      const lastDrop = drops.at(-1)!;
      console.log(
        `throttled link: first drop at ${(congestedAt / 1000).toFixed(1)} s of media; ${dropsUnderThrottle} frames dropped in the next 12 s of media, ` +
          `${drops.length - dropsUnderThrottle} after the throttle was lifted; then ${((endedAt - Math.max(lastDrop.at, liftedAt)) / 1000).toFixed(1)} s of media without drops; ` +
          `deepest queue seen ${maxQueueMs} ms of media`,
      );
      await destination.stop();

      expect(drops.every((d) => d.reason === 'congestion' && d.kind === 'video')).toBe(true);
      // Congestion went on while throttled: drops in more than one run, not one burst.
      expect(drops.filter((d) => d.at >= congestedAt + 4500 && d.at < liftedAt).length).toBeGreaterThan(0);
      // Recovery: the run in progress ends at the next keyframe (2 s of media), with what the link still held.
      expect(lastDrop.at - liftedAt).toBeLessThan(6000);
      expect(endedAt - Math.max(lastDrop.at, liftedAt)).toBeGreaterThan(6000);
      expect(destination.stats()).toMatchObject({ reconnects: 0, framesDropped: drops.length });

      const received = await probeFile(await nginx.recording('throttled-key'));
      const sentVideo = packetsOf(received, 'video');
      // Every audio packet and every keyframe arrived; only inter frames are missing.
      expect(packetsOf(received, 'audio')).toHaveLength(packetsOf(expected, 'audio').length * loops);
      expect(sentVideo.filter((p) => p.key)).toHaveLength(packetsOf(expected, 'video').filter((p) => p.key).length * loops);
      expect(sentVideo).toHaveLength(packetsOf(expected, 'video').length * loops - drops.length);
      expect(isMonotonic(sentVideo)).toBe(true);
    } finally {
      await destination.stop();
    }
  });
});

describe('what destinations need from the publisher', () => {
  it('sheds queued inter frames on demand, and its flushed bytes stop moving when the server stops reading', async () => {
    const server = new ScriptedRtmpServer();
    const port = await server.listen();
    const publisher = new RtmpPublisher(parseRtmpUrl(`rtmp://127.0.0.1:${port}/live/publisher-additions`));
    const frameBytes = 100_000;
    const frame = (timestamp: number, keyframe: boolean): MediaMessage => {
      const payload = Buffer.alloc(frameBytes);
      payload[0] = keyframe ? 0x17 : 0x27;
      payload[1] = 1;
      return { typeId: MessageType.Video, timestamp, payload, keyframe };
    };
    try {
      await publisher.start();
      server.connections[0]!.socket.pause();
      // 15 MB: more than loopback's kernel buffers hold, so the rest waits in the publisher's queue.
      for (let i = 0; i < 150; i++) publisher.send(frame(i * 33, i % 30 === 0));
      await sleep(300);
      const flushed = publisher.bytesFlushed;
      const before = publisher.queueDepth();
      expect(before.messages).toBeGreaterThan(10);
      await sleep(300);
      expect(publisher.bytesFlushed).toBe(flushed);
      const dropped = publisher.dropQueued(isDroppableVideoMessage);
      const after = publisher.queueDepth();
      // Only the keyframes among the queued messages stay.
      expect(after.messages).toBeLessThanOrEqual(Math.ceil(before.messages / 30) + 1);
      expect(dropped).toBe(before.messages - after.messages);
      expect(after.bytes).toBe(before.bytes - dropped * frameBytes);
      expect(publisher.dropQueued(isDroppableVideoMessage)).toBe(0);
    } finally {
      publisher.abort();
      await server.close();
    }
  });
});

describe('a drop the server has not noticed yet', () => {
  it('is retried while nginx-rtmp still holds the old session ("Already publishing"), and the stream continues', async () => {
    // nginx lets an idle publisher go after 4 s here (60 s by default): the retries must outlast it.
    const nginx = await startNginxRtmp({ dropIdlePublisherSec: 4 });
    const proxy = await startThrottleProxy({ targetPort: nginx.port });
    const headers = new StreamHeaderCache();
    const destination = new Destination(parseRtmpUrl(proxy.url('live', 'held-session-key')), { headers, publisher: { timeoutMs: 5000 } });
    const states = recordStates(destination);
    const feeding = new AbortController();
    try {
      destination.start();
      await waitFor('live', () => destination.state === 'live', 10_000);
      const fed = feed([destination], headers, { loops: 3, signal: feeding.signal });
      await waitFor('frames', () => destination.stats().framesSent > 60, 10_000);
      proxy.cutClientsOnly();
      const backLive = (): boolean => states.filter((s) => s.state === 'live').length === 2;
      await waitFor('live again once the server let go, or a failure', () => backLive() || destination.state === 'failed', 30_000);
      expect(destination.stats().lastError).not.toMatch(/check the key/);
      expect(destination.state).toBe('live');
      // It was refused while the server held the old session: that is why this took more than one try.
      expect(states.some((s) => s.code === 'STREAM_BUSY')).toBe(true);
      const sent = destination.stats().framesSent;
      await waitFor('frames on the new connection', () => destination.stats().framesSent > sent + 60, 10_000);
      feeding.abort();
      await fed;
      await destination.stop();

      expect(states.some((s) => s.state === 'failed')).toBe(false);
      expect(states.filter((s) => s.state === 'reconnecting').every((s) => s.code !== 'KEY_REFUSED')).toBe(true);
      // What nginx recorded for the new session: it starts at a keyframe and goes on for seconds of media.
      const received = await probeFile(await nginx.recording('held-session-key'));
      const video = packetsOf(received, 'video');
      expect(video[0]?.key).toBe(true);
      expect(video.length).toBeGreaterThan(60);
      expect(isMonotonic(video)).toBe(true);
    } finally {
      feeding.abort();
      await destination.stop();
      await proxy.stop();
      await nginx.stop();
    }
  });
});

describe('the publish gate', () => {
  it('connects at once, publishes once the gate opens, and never publishes when it is called off', async () => {
    const server = new ScriptedRtmpServer();
    const port = await server.listen();
    let open!: () => void;
    let callOff!: (error: Error) => void;
    const opening = new Promise<void>((resolve) => (open = resolve));
    const calledOff = new Promise<void>((_resolve, reject) => (callOff = reject));
    const headers = new StreamHeaderCache();
    const opened = new Destination(parseRtmpUrl(`rtmp://127.0.0.1:${port}/live/gate-open-key`), { headers, publishGate: opening });
    const closed = new Destination(parseRtmpUrl(`rtmp://127.0.0.1:${port}/live/gate-closed-key`), { headers, publishGate: calledOff });
    const openedStates = recordStates(opened);
    const closedStates = recordStates(closed);
    const commandsOf = (key: string): string[] =>
      server.connections.find((c) => c.commands.some((command) => command.args.includes(key)))?.commands.map((command) => command.name) ?? [];
    try {
      opened.start();
      closed.start();
      // Both connections got as far as createStream while their gates were shut.
      await waitFor('both streams created', () => server.connections.filter((c) => c.commands.some((command) => command.name === 'createStream')).length === 2, 10_000);
      callOff(new Error('the encoder cannot work'));
      await waitFor('the called-off destination to end', () => closed.state === 'offline', 10_000);
      open();
      await waitFor('the open destination to go live', () => opened.state === 'live', 10_000);
      await opened.stop();

      expect(closedStates.map((s) => [s.state, s.code])).toEqual([
        ['connecting', undefined],
        ['offline', undefined],
      ]);
      expect(commandsOf('gate-closed-key')).not.toContain('publish');
      expect(openedStates.map((s) => s.state)).toEqual(['connecting', 'live', 'stopping', 'offline']);
      expect(commandsOf('gate-open-key')).toContain('publish');
    } finally {
      await Promise.all([opened.stop(), closed.stop()]);
      await server.close();
    }
  });
});
