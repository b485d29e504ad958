import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AudioLevels, Notice, StudioState } from '../../electron/contract.js';
import type { Collection } from '../../electron/engine/scenes/model.js';
import { Studio } from '../../electron/engine/studio.js';
import { tmpDir } from '../helpers/fixtures.js';
import { packetsOf, probeFile } from '../helpers/probe.js';
import { collection, color, item, makeClip, near, yuvOf } from '../helpers/scenes.js';
import { type RtmpTestServer, startNginxRtmp } from '../helpers/servers.js';
import { isRunning, until } from '../helpers/wait.js';

const run = promisify(execFile);
const W = 320;
const H = 180;
const FPS = 30;
const canvas = { width: W, height: H, fps: FPS };
const SMALL = { width: W, height: H, fps: FPS, videoBitrateKbps: 400, preset: 'ultrafast', keyframeIntervalSec: 1 };
const RED = yuvOf(255, 0, 0);
const BLUE = yuvOf(0, 0, 255);
const GREEN = yuvOf(0, 255, 0);

let nginx: RtmpTestServer;
beforeAll(async () => {
  nginx = await startNginxRtmp();
});
afterAll(async () => {
  await nginx?.stop();
});

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Harness {
  studio: Studio;
  states: StudioState[];
  notices: Notice[];
  levels: AudioLevels[];
  mediaSec(): number;
}

function newStudio(): Harness {
  const studio = new Studio({ encoding: SMALL, cacheDir: tmpDir('studio-cache'), preview: false });
  const states: StudioState[] = [];
  const notices: Notice[] = [];
  const levels: AudioLevels[] = [];
  let media = 0;
  studio.on('onState', (s) => states.push(s));
  studio.on('onNotice', (n) => notices.push(n));
  studio.on('onLevels', (l) => levels.push(l));
  studio.on('onStats', (s) => (media = s.mediaSec));
  cleanups.push(async () => {
    const pids = studio.pids;
    await studio.dispose();
    for (const pid of pids) expect(isRunning(pid), `process ${pid} outlived the studio`).toBe(false);
  });
  return { studio, states, notices, levels, mediaSec: () => media };
}

async function goLive(h: Harness, c: Collection, key: string): Promise<void> {
  await h.studio.loadCollection(c);
  await h.studio.addDestination({ name: 'nginx', service: 'custom', serverUrl: nginx.url('live', key) });
  await h.studio.goLive();
  await until(() => h.states.at(-1)?.destinations[0]?.state === 'live');
}

/** Every decoded picture of a recording, yuv420p. */
async function decodedFrames(file: string): Promise<Buffer[]> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-f', 'rawvideo', '-pix_fmt', 'yuv420p', '-'], { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 });
  const size = W * H * 1.5;
  return Array.from({ length: Math.floor(stdout.length / size) }, (_, i) => stdout.subarray(i * size, (i + 1) * size));
}

function yuvAt(frame: Buffer, x: number, y: number): [number, number, number] {
  const c = Math.floor(y / 2) * (W / 2) + Math.floor(x / 2);
  return [frame[y * W + x]!, frame[W * H + c]!, frame[W * H * 1.25 + c]!];
}

/** The received video track has no hole: every frame 1/30 s after the one before, and as many as its duration says. */
async function expectFullRate(file: string): Promise<void> {
  const video = packetsOf(await probeFile(file), 'video');
  const gaps = video.slice(1).map((p, i) => p.dtsMs - video[i]!.dtsMs);
  expect(Math.max(...gaps), 'the longest gap between two received frames (ms)').toBeLessThan(70);
  const spanSec = (video.at(-1)!.dtsMs - video[0]!.dtsMs) / 1000;
  expect(video.length).toBeGreaterThanOrEqual(Math.floor(spanSec * FPS * 0.98));
}

/** The capture process of a source: the FFmpeg whose command line names its file. */
function capturePid(file: string): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (cmd.split('\0')[0]!.endsWith('ffmpeg') && cmd.includes(file)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  throw new Error(`no capture process for ${file}`);
}

describe('scenes, live to a real server', () => {
  it('switches scenes and moves an item mid-stream: the server gets a clean cut and the new position, at full rate', async () => {
    const h = newStudio();
    const c = collection(canvas, [color('red', '#ff0000'), color('blue', '#0000ff'), color('green', '#00ff00')], [
      { id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H })] },
      { id: 'B', items: [item('bg', 'blue', { x: 0, y: 0, width: W, height: H }), item('box', 'green', { x: 200, y: 100, width: 80, height: 60 })] },
    ]);
    await goLive(h, c, 'scenes-switch');
    await until(() => h.mediaSec() >= 2);
    await h.studio.setProgramScene('B');
    expect(h.states.at(-1)?.scenes?.programSceneId).toBe('B');
    await until(() => h.mediaSec() >= 4);
    await h.studio.updateItem('B', 'box', { x: 20, y: 20 });
    await until(() => h.mediaSec() >= 6);
    await h.studio.stopStream();

    const file = await nginx.recording('scenes-switch');
    await expectFullRate(file);
    const frames = await decodedFrames(file);
    // A tolerance wide enough for x264's error at 400 kbit/s (one frame's chroma was 7 off in a CI run),
    // far narrower than the distance between these colours or to a mix of two of them.
    const is = (f: Buffer, x: number, y: number, colour: readonly number[]): boolean => near(yuvAt(f, x, y), colour, 20);
    const kind = (f: Buffer): string =>
      is(f, 150, 10, RED) ? 'A' : is(f, 150, 10, BLUE) ? (is(f, 240, 130, GREEN) ? 'B' : is(f, 40, 40, GREEN) ? 'B moved' : 'B?') : '?';
    const sequence = frames.map(kind);
    // Runs of the same picture, in order: red, then blue with the box, then the box moved. A cut, so no
    // frame in between is a mix.
    const runs = sequence.filter((k, i) => i === 0 || k !== sequence[i - 1]);
    expect(runs).toEqual(['A', 'B', 'B moved']);
    expect(sequence.filter((k) => k === 'B').length).toBeGreaterThan(30);
  });

  it('a source that stalls for 5 s and one that is lost and comes back: the program keeps its rate, events name the source', async () => {
    const clip = await makeClip(4, 320, 180);
    const h = newStudio();
    const c = collection(canvas, [{ id: 'cam', name: 'Cam', kind: 'media', settings: { file: clip, loop: true } }, color('red', '#ff0000')], [
      { id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H }), item('cam', 'cam', { x: 0, y: 0, width: 160, height: 90 })] },
    ]);
    await goLive(h, c, 'scenes-stall');
    await until(() => h.mediaSec() >= 2);

    const stalled = capturePid(clip);
    process.kill(stalled, 'SIGSTOP');
    const stopAt = h.mediaSec();
    await until(() => h.notices.some((n) => n.code === 'SOURCE_STALLED'));
    await until(() => h.mediaSec() >= stopAt + 5, 30_000);
    process.kill(stalled, 'SIGCONT');
    await until(() => h.notices.some((n) => n.code === 'SOURCE_BACK'));

    process.kill(capturePid(clip), 'SIGKILL');
    await until(() => h.notices.some((n) => n.code === 'SOURCE_LOST'));
    await until(() => h.notices.filter((n) => n.code === 'SOURCE_BACK').length >= 2, 30_000);
    expect(h.notices.find((n) => n.code === 'SOURCE_STALLED')?.message).toMatch(/Cam/);
    await h.studio.stopStream();

    await expectFullRate(await nginx.recording('scenes-stall'));
    // One connection the whole time.
    expect(h.states.at(-1)?.destinations[0]?.error).toBeUndefined();
  });

  it('adding a source that needs a new graph while live: the encoder and the connection go on without a gap', async () => {
    const h = newStudio();
    const c = collection(canvas, [color('red', '#ff0000')], [{ id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H })] }]);
    await goLive(h, c, 'scenes-rebuild');
    await until(() => h.mediaSec() >= 2);
    const restartsBefore = h.states.at(-1)!.encoder.restarts;
    const { itemId } = await h.studio.addSource({ name: 'Blue', kind: 'color', settings: { color: '#0000ff', width: 160, height: 90 } }, 'A');
    expect(itemId).toBeDefined();
    await until(() => h.mediaSec() >= 4);
    await h.studio.stopStream();
    expect(h.states.at(-1)!.encoder.restarts).toBe(restartsBefore);

    const file = await nginx.recording('scenes-rebuild');
    await expectFullRate(file);
    const frames = await decodedFrames(file);
    expect(near(yuvAt(frames.at(-1)!, 80, 45), BLUE)).toBe(true);
  });

  it('meters: a tone of known level reads its level, after its fader, 20 times a second', async () => {
    const h = newStudio();
    const c = collection(canvas, [color('red', '#ff0000'), { id: 'tone', name: 'Tone', kind: 'tone', settings: { frequencyHz: 1000 }, audio: { volumeDb: -6, muted: false } }], [
      { id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H }), item('tone', 'tone', { x: 0, y: 0, width: 0, height: 0 })] },
    ]);
    await h.studio.loadCollection(c);
    await until(() => h.levels.length >= 40);
    // FFmpeg's sine has an amplitude of 1/8: -18.06 dBFS peak, -21.07 dBFS RMS. Mono spread over two
    // channels keeps its power (-3.01 dB a side, FFmpeg's upmix), and the fader takes 6.02 dB.
    const tone = h.levels.slice(-20).map((l) => l.levels.find((x) => x.sourceId === 'tone')!);
    for (const level of tone) {
      expect(level.peakDb).toBeCloseTo(-27.09, 0);
      expect(level.rmsDb).toBeCloseTo(-30.1, 0);
    }
    const mix = h.levels.at(-1)!.levels.find((x) => x.sourceId === null)!;
    expect(mix.rmsDb).toBeCloseTo(-30.1, 0);

    await h.studio.setSourceAudio('tone', { muted: true });
    const muted = h.levels.length;
    await until(() => h.levels.length >= muted + 10);
    expect(h.levels.at(-1)!.levels.find((x) => x.sourceId === 'tone')!.peakDb).toBe(-Infinity);
  });
});
