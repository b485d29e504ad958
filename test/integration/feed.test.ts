import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inputForSource, type SourceSpec } from '../../electron/engine/capture/sources.js';
import { locateFfmpeg } from '../../electron/engine/ffmpeg/locate.js';
import { SourceFeed, frameBytes, type FeedSpec, type FeedState, type FeedStateChange, type SourceFeedOptions } from '../../electron/engine/scenes/feed.js';
import { Relay, audioLane, blackFrame, videoLane } from '../../electron/engine/scenes/relay.js';
import { isRunning, until } from '../helpers/wait.js';

const W = 320;
const H = 240;
const FPS = 30;
const canvas = { width: W, height: H, fps: FPS, sampleRate: 48000, clock: false };

let ffmpegPath = '';
let dir = '';
const feeds: SourceFeed[] = [];
const pids = new Set<number>();

function feed(source: SourceSpec | FeedSpec['input'], spec: Partial<FeedSpec> = {}, options: SourceFeedOptions = {}): SourceFeed {
  const input = 'url' in source ? source : inputForSource(source, canvas);
  const made = new SourceFeed(
    { sourceId: 'src', name: 'Camera', ffmpegPath, input, onEnd: 'hold', ...(spec.audio ? {} : { video: { width: W, height: H, fps: FPS } }), ...spec },
    options,
  );
  // Every capture process the feed ever ran, to check none outlives stop().
  made.on('state', () => {
    if (made.pid !== undefined) pids.add(made.pid);
  });
  feeds.push(made);
  return made;
}

/** Every state change, in order, and a way to wait for the next one of a kind. */
function recordStates(source: SourceFeed): { states: FeedStateChange[]; reach(state: FeedState): Promise<FeedStateChange> } {
  const states: FeedStateChange[] = [];
  const waiters: { state: FeedState; resolve: (change: FeedStateChange) => void }[] = [];
  source.on('state', (change) => {
    states.push(change);
    for (const waiter of waiters.filter((w) => w.state === change.state)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(change);
    }
  });
  return {
    states,
    reach: (state) =>
      source.state === state
        ? Promise.resolve(states.findLast((change) => change.state === state) ?? { sourceId: '', name: '', state })
        : new Promise((resolve) => waiters.push({ state, resolve })),
  };
}

beforeAll(async () => {
  ffmpegPath = (await locateFfmpeg()).path;
  dir = await mkdtemp(join(tmpdir(), 'uplink-feed-'));
});

afterEach(async () => {
  for (const made of feeds.splice(0)) {
    if (made.pid !== undefined) {
      pids.add(made.pid);
      process.kill(made.pid, 'SIGCONT');
    }
    await made.stop();
    expect(made.state).toBe('stopped');
  }
  for (const pid of pids) expect(isRunning(pid), `capture process ${pid} still running`).toBe(false);
  pids.clear();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SourceFeed with the real FFmpeg', () => {
  it('delivers whole frames of the asked size, in limited-range yuv420p', async () => {
    const red = feed({ kind: 'color', color: 'red' });
    const { states, reach } = recordStates(red);
    red.start();
    expect(red.state).toBe('opening');
    await reach('live');
    const frame = red.latestFrame();
    expect(frame?.length).toBe(frameBytes(W, H));
    if (!frame) return;
    const at = (offset: number): number => frame[offset] ?? -1;
    const u = W * H;
    const v = u + (W / 2) * (H / 2);
    // BT.601 limited-range red: Y 81, U 90, V 240; sampled in the middle of the picture.
    expect(Math.abs(at((H / 2) * W + W / 2) - 81)).toBeLessThanOrEqual(3);
    expect(Math.abs(at(u + (H / 4) * (W / 2) + W / 4) - 90)).toBeLessThanOrEqual(3);
    expect(Math.abs(at(v + (H / 4) * (W / 2) + W / 4) - 240)).toBeLessThanOrEqual(3);
    expect(states.map((change) => change.state)).toEqual(['opening', 'live']);
  });

  it('a source that stops sending is stalled, keeps its last frame, and is live again when it resumes', async () => {
    const camera = feed({ kind: 'test-pattern' }, {}, { stallMs: 500 });
    const { reach } = recordStates(camera);
    camera.start();
    await reach('live');
    const pid = camera.pid ?? 0;
    process.kill(pid, 'SIGSTOP');
    const stalled = await reach('stalled');
    expect(stalled).toMatchObject({ sourceId: 'src', name: 'Camera', reason: '"Camera" sent no picture for 0.5 s.' });
    expect(camera.latestFrame()?.length).toBe(frameBytes(W, H));
    process.kill(pid, 'SIGCONT');
    await reach('live');
    expect(camera.pid).toBe(pid);
  });

  it('a capture process that dies is lost, reopened and live again', async () => {
    const camera = feed({ kind: 'test-pattern' }, {}, { retryDelayMs: () => 200 });
    const { states, reach } = recordStates(camera);
    camera.start();
    await reach('live');
    const first = camera.pid ?? 0;
    const frame = camera.latestFrame();
    process.kill(first, 'SIGKILL');
    const lost = await reach('lost');
    expect(lost.reason).toMatch(/^"Camera" was lost \(.*SIGKILL.*\); trying again in 0\.2 s\.$/);
    expect(camera.latestFrame()).toBeDefined();
    await reach('opening');
    await reach('live');
    expect(camera.pid).toBeDefined();
    expect(camera.pid).not.toBe(first);
    expect(camera.latestFrame()).not.toBe(frame);
    expect(states.map((change) => change.state)).toEqual(['opening', 'live', 'lost', 'opening', 'live']);
  });

  it('a device that cannot be opened is retried with backoff until stopped', async () => {
    const delays: number[] = [];
    const missing = feed({ args: ['-f', 'v4l2'], url: '/dev/video-uplink-missing', kind: 'video' }, {}, {
      retryDelayMs: (attempt) => (delays.push(attempt), 100),
    });
    const { states } = recordStates(missing);
    missing.start();
    await until(() => delays.length >= 3);
    expect(delays.slice(0, 3)).toEqual([0, 1, 2]);
    const lost = states.find((change) => change.state === 'lost');
    expect(lost?.reason).toMatch(/^"Camera" was lost \(FFmpeg: .*\); trying again in 0\.1 s\.$/);
    expect(missing.latestFrame()).toBeUndefined();
  });

  describe('a media file', () => {
    let clip = '';
    beforeAll(async () => {
      clip = join(dir, 'clip.mkv');
      await promisify(execFile)(ffmpegPath, [
        '-hide_banner', '-loglevel', 'error',
        '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
        '-t', '1', '-c:v', 'mpeg4', '-c:a', 'pcm_s16le', clip,
      ]);
    });

    it("with 'hold' ends and keeps its last frame", async () => {
      const media = feed({ args: [], url: clip, kind: 'video' }, { onEnd: 'hold', audio: { sampleRate: 48000, channels: 2 }, video: { width: W, height: H, fps: FPS } });
      const { states, reach } = recordStates(media);
      media.start();
      const ended = await reach('ended');
      expect(ended.reason).toBe('"Camera" reached its end.');
      const order = states.map((change) => change.state);
      expect(order.slice(0, 2)).toEqual(['opening', 'live']);
      expect(order.at(-1)).toBe('ended');
      expect(media.latestFrame()?.length).toBe(frameBytes(W, H));
      expect(media.pid).toBeUndefined();
    });

    /** The first picture of each run, taken as the run goes live (the chunk that completes it cannot hold a second). */
    function firstPictures(media: SourceFeed): Buffer[] {
      const firsts: Buffer[] = [];
      media.on('state', (change) => {
        if (change.state === 'live') firsts.push(Buffer.from(media.latestFrame()!));
      });
      return firsts;
    }

    it('plays again from its first frame when restarted after its end', async () => {
      const media = feed({ args: [], url: clip, kind: 'video' }, { onEnd: 'hold' });
      const { states, reach } = recordStates(media);
      const firsts = firstPictures(media);
      media.start();
      await reach('ended');
      const last = media.latestFrame();
      await media.restart();
      await reach('live');
      expect(firsts).toHaveLength(2);
      expect(firsts[1]!.equals(firsts[0]!), 'the first picture again').toBe(true);
      expect(firsts[1]!.equals(last!)).toBe(false);
      expect(states.map((change) => change.state)).toEqual(['opening', 'live', 'ended', 'opening', 'live']);
    });

    it('stopped while it plays: ended with no process and its last frame kept, then restarted from the start', async () => {
      const media = feed({ args: [], url: clip, kind: 'video' }, { onEnd: 'loop' });
      const { states, reach } = recordStates(media);
      const firsts = firstPictures(media);
      media.start();
      await reach('live');
      await media.hold('"Camera" was stopped.');
      expect(media.state).toBe('ended');
      expect(media.pid).toBeUndefined();
      expect(media.latestFrame()?.length).toBe(frameBytes(W, H));
      await media.restart();
      await reach('live');
      expect(firsts[1]!.equals(firsts[0]!), 'the first picture again').toBe(true);
      expect(states.map((change) => change.state)).toEqual(['opening', 'live', 'ended', 'opening', 'live']);
      expect(states[2]!.reason).toBe('"Camera" was stopped.');
    });

    it('starts a media file at a later time when asked: FFmpeg seeks before reading', async () => {
      // One second of red, then three of blue: the first picture tells where playback began.
      const twoColours = join(dir, 'two-colours.mkv');
      await promisify(execFile)(ffmpegPath, [
        '-hide_banner', '-loglevel', 'error', '-y',
        '-f', 'lavfi', '-i', 'color=c=red:s=160x120:r=30:d=1,format=yuv420p', '-f', 'lavfi', '-i', 'color=c=blue:s=160x120:r=30:d=3,format=yuv420p',
        '-filter_complex', '[0][1]concat=n=2:v=1', '-c:v', 'mpeg4', '-q:v', '2', twoColours,
      ]);
      const media = feed({ args: [], url: twoColours, kind: 'video' }, { onEnd: 'hold' });
      const { reach } = recordStates(media);
      const firsts = firstPictures(media);
      // Y of the picture's centre: red is dark (81), blue darker still (41).
      const luma = (picture: Buffer): number => picture[(H / 2) * W + W / 2]!;
      media.start();
      await reach('live');
      await media.restart(2000);
      await reach('live');
      await media.restart();
      await reach('live');
      expect(firsts.map(luma).map((y) => (Math.abs(y - 81) < 12 ? 'red' : Math.abs(y - 41) < 12 ? 'blue' : y))).toEqual(['red', 'blue', 'red']);
    });

    it("with 'loop' keeps delivering", async () => {
      const media = feed({ args: [], url: clip, kind: 'video' }, { onEnd: 'loop' });
      const { states, reach } = recordStates(media);
      media.start();
      await reach('live');
      const pid = media.pid;
      // The clip lasts 1 s: count new pictures until more than two clips' worth have come.
      let last = media.latestFrame();
      let changes = 0;
      await until(() => {
        const frame = media.latestFrame();
        if (frame !== last) changes += 1;
        last = frame;
        return changes >= 70;
      }, 30_000);
      expect(media.pid).toBe(pid);
      expect(media.state).toBe('live');
      expect(states.map((change) => change.state)).toEqual(['opening', 'live']);
    });
  });

  it('sound: exact sizes, the sound itself, silence when starved', async () => {
    const tone = feed({ kind: 'tone' }, { audio: { sampleRate: 48000, channels: 2 } });
    const { reach } = recordStates(tone);
    tone.start();
    await reach('live');
    const tick = 1600 * 4;
    await until(() => tone.takeAudio(tick).some((byte) => byte !== 0));
    expect(tone.takeAudio(tick).length).toBe(tick);
    expect(tone.takeAudio(4).length).toBe(4);
    process.kill(tone.pid ?? 0, 'SIGSTOP');
    // Whatever was queued runs out; then every take is silence of the asked size.
    for (let i = 0; i < 100; i++) tone.takeAudio(tick);
    const starved = tone.takeAudio(tick);
    expect(starved.length).toBe(tick);
    expect(starved.every((byte) => byte === 0)).toBe(true);
    expect(tone.latestFrame()).toBeUndefined();
  });
});

describe('Relay from SourceFeeds to a real FFmpeg', () => {
  it('the compositor inputs keep their full rate and stay aligned while a capture is stopped for 3 s', async () => {
    const camera = feed({ kind: 'test-pattern' });
    const mic = feed({ kind: 'tone' }, { audio: { sampleRate: 48000, channels: 2 } });
    const { reach } = recordStates(camera);
    const micStates = recordStates(mic);
    camera.start();
    mic.start();
    await Promise.all([reach('live'), micStates.reach('live')]);

    // Raw pipe inputs are opened one after the other: without a tiny probe FFmpeg waits for seconds of
    // the second input while the first one's pipe is full, and the relay (skipping for all) never sends it.
    const raw = ['-probesize', '32', '-analyzeduration', '0'];
    const consumer = spawn(ffmpegPath, [
      '-hide_banner', '-nostdin', '-loglevel', 'info',
      ...raw, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-video_size', `${W}x${H}`, '-framerate', String(FPS), '-i', 'pipe:0',
      ...raw, '-f', 's16le', '-ar', '48000', '-ac', '2', '-i', 'pipe:3',
      '-map', '0:v', '-f', 'null', '-',
      '-map', '1:a', '-c:a', 'pcm_s16le', '-f', 's16le', 'pipe:1',
    ], { stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    const audioIn = consumer.stdio[3];
    if (!(audioIn instanceof Writable)) throw new Error('no audio pipe');
    let stderr = '';
    let audioOut = 0;
    consumer.stderr.setEncoding('utf8');
    consumer.stderr.on('data', (chunk: string) => (stderr += chunk));
    consumer.stdout.on('data', (chunk: Buffer) => (audioOut += chunk.length));
    const consumerExit = new Promise<number | null>((resolve) => consumer.once('exit', (code) => resolve(code)));

    const relay = new Relay(FPS, [
      videoLane(consumer.stdin, camera, blackFrame(W, H)),
      audioLane(audioIn, mic, { sampleRate: 48000, channels: 2 }, FPS),
    ]);
    relay.start();
    try {
      await until(() => relay.stats.ticks >= FPS);
      const pid = camera.pid ?? 0;
      process.kill(pid, 'SIGSTOP');
      const before = relay.stats;
      await reach('stalled');
      await new Promise((resolve) => setTimeout(resolve, 3000 - 1500));
      const during = relay.stats;
      process.kill(pid, 'SIGCONT');
      await reach('live');
      await until(() => relay.stats.ticks >= during.ticks + FPS);

      // Three seconds at 30 fps is 90 ticks; a loaded machine may be late, but the clock never stops.
      expect(during.ticks - before.ticks).toBeGreaterThan(45);
    } finally {
      relay.stop();
      consumer.stdin.end();
      audioIn.end();
    }
    expect(await consumerExit).toBe(0);
    const frames = [...stderr.matchAll(/frame=\s*(\d+)/g)].at(-1)?.[1];
    // Everything the relay wrote reached FFmpeg as whole frames: nothing stalled, nothing torn; and
    // exactly one tick of sound per frame, so picture and sound stay aligned however long it runs.
    expect(Number(frames)).toBe(relay.stats.ticks);
    expect(audioOut).toBe(relay.stats.ticks * (48000 / FPS) * 4);
  });
});
