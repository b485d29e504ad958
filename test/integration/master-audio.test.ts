/**
 * The master fader and mute (the mix, after every source's fader), applied live on real FFmpeg: streamed
 * to a real nginx-rtmp, the sound that arrives there is a tone at its level, then 20 dB lower, then
 * silence, with nothing but the master changed; the mix's meter reads after the master fader while the
 * source's own meter does not move. Without zmq (each change a new graph) the master still applies.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { AudioLevels, StudioState } from '../../electron/contract.js';
import { Compositor } from '../../electron/engine/scenes/compositor.js';
import type { Collection } from '../../electron/engine/scenes/model.js';
import { Studio } from '../../electron/engine/studio.js';
import { tmpDir } from '../helpers/fixtures.js';
import { liveSuite } from '../helpers/live-suite.js';
import { collection, color, item } from '../helpers/scenes.js';
import { isRunning, until } from '../helpers/wait.js';

const run = promisify(execFile);
const W = 320;
const H = 180;
const canvas = { width: W, height: H, fps: 30 };
const SMALL = { width: W, height: H, fps: 30, videoBitrateKbps: 400, preset: 'ultrafast', keyframeIntervalSec: 1 };
/** FFmpeg's sine (amplitude 1/8) through a -6 dB fader, spread over two channels: -30.1 dBFS RMS. */
const TONE_RMS_DB = -30.1;

const { nginx, cleanup } = liveSuite();

function toneScene(): Collection {
  return collection(canvas, [color('red', '#ff0000'), { id: 'tone', name: 'Tone', kind: 'tone', settings: { frequencyHz: 1000 }, audio: { volumeDb: -6, muted: false } }], [
    { id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H }), item('tone', 'tone', { x: 0, y: 0, width: 0, height: 0 })] },
  ]);
}

/** RMS in dBFS of each 100 ms of a recording's sound (both channels). */
async function rmsPerWindow(file: string): Promise<number[]> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-vn', '-f', 's16le', '-ac', '2', '-ar', '48000', '-'], { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
  const window = 4800 * 2;
  const out: number[] = [];
  for (let start = 0; start + window * 2 <= stdout.length; start += window * 2) {
    let sum = 0;
    for (let i = 0; i < window; i++) {
      const s = stdout.readInt16LE(start + i * 2) / 32768;
      sum += s * s;
    }
    out.push(10 * Math.log10(sum / window || 1e-12));
  }
  return out;
}

const mixOf = (levels: AudioLevels | undefined) => levels?.levels.find((l) => l.sourceId === null);
const toneOf = (levels: AudioLevels | undefined) => levels?.levels.find((l) => l.sourceId === 'tone');
const near = (value: number | undefined, target: number, tolerance = 1.5): boolean => value !== undefined && Math.abs(value - target) <= tolerance;

describe('the master fader', () => {
  it('lowers and mutes the mix that reaches the server, live; the mix meter follows, the source meter does not', async () => {
    const studio = new Studio({ encoding: SMALL, cacheDir: tmpDir('studio-cache'), preview: false });
    const states: StudioState[] = [];
    const levels: AudioLevels[] = [];
    let media = 0;
    studio.on('onState', (s) => states.push(s));
    studio.on('onLevels', (l) => levels.push(l));
    studio.on('onStats', (s) => (media = s.mediaSec));
    cleanup(async () => {
      const pids = studio.pids;
      await studio.dispose();
      for (const pid of pids) expect(isRunning(pid), `process ${pid} outlived the studio`).toBe(false);
    });

    await studio.loadCollection(toneScene());
    await studio.addDestination({ name: 'nginx', service: 'custom', serverUrl: nginx().url('live', 'master-audio') });
    await studio.goLive();
    await until(() => states.at(-1)?.destinations[0]?.state === 'live');
    await until(() => near(mixOf(levels.at(-1))?.rmsDb, TONE_RMS_DB) && media >= 2);
    const graph = studio.pids.at(-1);

    await studio.setMasterAudio({ volumeDb: -20 });
    expect(states.at(-1)?.scenes?.collection.master).toEqual({ volumeDb: -20, muted: false });
    await until(() => near(mixOf(levels.at(-1))?.rmsDb, TONE_RMS_DB - 20));
    // The source's meter is before the master: it does not move.
    expect(toneOf(levels.at(-1))?.rmsDb).toBeCloseTo(TONE_RMS_DB, 0);
    const lowered = media;
    await until(() => media >= lowered + 2);

    await studio.setMasterAudio({ muted: true });
    await until(() => mixOf(levels.at(-1))?.rmsDb === -Infinity);
    expect(toneOf(levels.at(-1))?.rmsDb).toBeCloseTo(TONE_RMS_DB, 0);
    const muted = media;
    await until(() => media >= muted + 2);
    // Commands, not a new graph: the same compositor FFmpeg all along.
    expect(studio.pids.at(-1)).toBe(graph);
    await studio.stopStream();

    // The received sound, 100 ms at a time: full, then 20 dB down, then silence, in that order. A window
    // across a change is neither, and is left out.
    const kind = (db: number): string => (Math.abs(db - TONE_RMS_DB) < 2 ? 'full' : Math.abs(db - (TONE_RMS_DB - 20)) < 2 ? 'lowered' : db < -90 ? 'silent' : '?');
    const windows = (await rmsPerWindow(await nginx().recording('master-audio'))).map(kind);
    const runs = windows.filter((k) => k !== '?').filter((k, i, all) => i === 0 || k !== all[i - 1]);
    expect(runs).toEqual(['full', 'lowered', 'silent']);
    expect(windows.filter((k) => k === 'lowered').length).toBeGreaterThan(10);
    expect(windows.filter((k) => k === '?').length).toBeLessThan(5);
  });

  it('without zmq (each change a new graph), the master fader still applies, and a scene switch keeps it', async () => {
    const c = { ...toneScene(), scenes: [...toneScene().scenes, { id: 'B', name: 'B', items: toneScene().scenes[0]!.items }] };
    const compositor = new Compositor({ ffmpegPath: 'ffmpeg', collection: c, context: { devices: [], fileSizes: new Map() }, preview: false, control: 'rebuild' });
    cleanup(async () => {
      const pids = compositor.pids;
      await compositor.stop();
      for (const pid of pids) expect(isRunning(pid), `process ${pid} outlived the compositor`).toBe(false);
    });
    let mix: number | undefined;
    compositor.on('level', ({ sourceId, level }) => {
      if (sourceId === null) mix = level.rmsDb;
    });
    await compositor.start();
    await until(() => near(mix, TONE_RMS_DB));
    const first = compositor.pids.at(-1);
    await compositor.update({ ...c, master: { volumeDb: -20, muted: false } });
    await until(() => near(mix, TONE_RMS_DB - 20));
    expect(compositor.pids.at(-1)).not.toBe(first);
    const lowered = compositor.pids.at(-1);
    await compositor.switchScene('B');
    // The new graph's own readings (the old one's are no longer passed on): still 20 dB down.
    mix = undefined;
    expect(compositor.pids.at(-1)).not.toBe(lowered);
    await until(() => mix !== undefined);
    expect(mix).toBeCloseTo(TONE_RMS_DB - 20, 0);
  });
});
