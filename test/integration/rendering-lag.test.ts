/**
 * Frames missed for rendering lag (OBS's "frames missed due to rendering lag") reach the fronts: while
 * live to a real nginx-rtmp, the compositor's FFmpeg is stopped (SIGSTOP) for a while, so the program
 * clock finds it has not taken its ticks and skips them. The once-a-second stats count them, the count
 * is kept through the end of the program, and the stream goes on to the server afterwards.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProgramEnded, ProgramStats, StudioState } from '../../electron/contract.js';
import { Studio } from '../../electron/engine/studio.js';
import { tmpDir } from '../helpers/fixtures.js';
import { packetsOf, probeFile } from '../helpers/probe.js';
import { liveSuite } from '../helpers/live-suite.js';
import { collection, color, item } from '../helpers/scenes.js';
import { isRunning, until } from '../helpers/wait.js';

const W = 320;
const H = 180;
const FPS = 30;
const SMALL = { width: W, height: H, fps: FPS, videoBitrateKbps: 400, preset: 'ultrafast', keyframeIntervalSec: 1 };
/** Skipped ticks to wait for while the compositor is stopped: a third of a second of program. */
const LAGGED = 10;

const { nginx, cleanup } = liveSuite();

/** The compositor's FFmpeg among the studio's processes: the one whose graph routes slots. */
function compositorPid(studio: Studio): number {
  const pid = studio.pids.find((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('streamselect@');
    } catch {
      return false;
    }
  });
  if (pid === undefined) throw new Error('no compositor FFmpeg');
  return pid;
}

describe('rendering lag', () => {
  it('a compositor that stops for a while: the skipped program frames are counted, and the stream goes on', async () => {
    const studio = new Studio({ encoding: SMALL, cacheDir: tmpDir('studio-cache'), preview: false });
    const states: StudioState[] = [];
    const stats: ProgramStats[] = [];
    let ended: ProgramEnded | undefined;
    studio.on('onState', (s) => states.push(s));
    studio.on('onStats', (s) => stats.push(s));
    studio.on('onProgramEnded', (e) => (ended = e));
    cleanup(async () => {
      const pids = studio.pids;
      await studio.dispose();
      for (const pid of pids) expect(isRunning(pid), `process ${pid} outlived the studio`).toBe(false);
    });

    await studio.loadCollection(collection({ width: W, height: H, fps: FPS }, [color('red', '#ff0000')], [{ id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H })] }]));
    await studio.addDestination({ name: 'nginx', service: 'custom', serverUrl: nginx().url('live', 'rendering-lag') });
    await studio.goLive();
    await until(() => states.at(-1)?.destinations[0]?.state === 'live');
    await until(() => (stats.at(-1)?.mediaSec ?? 0) >= 2);
    const before = stats.at(-1)!.rendering;
    expect(before, 'stats carry rendering figures while scenes run').toBeDefined();
    expect(before!.framesTotal).toBeGreaterThan(0);
    expect(before!.framesLagged).toBeLessThanOrEqual(before!.framesTotal);

    const pid = compositorPid(studio);
    process.kill(pid, 'SIGSTOP');
    try {
      await until(() => (stats.at(-1)?.rendering?.framesLagged ?? 0) >= before!.framesLagged + LAGGED);
    } finally {
      // It may have been replaced meanwhile (a graph that puts out nothing for 2 s is restarted).
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // gone: replaced by a new graph
      }
    }
    const lagged = stats.at(-1)!.rendering!;
    console.log(`rendering lag while the compositor was stopped: ${lagged.framesLagged - before!.framesLagged} frames missed (of ${lagged.framesTotal - before!.framesTotal})`);

    // The program goes on: media time grows again by two seconds, the destination stayed live.
    const resumedAt = stats.at(-1)!.mediaSec;
    await until(() => (stats.at(-1)?.mediaSec ?? 0) >= resumedAt + 2);
    expect(states.at(-1)?.destinations[0]?.state).toBe('live');
    expect(stats.at(-1)!.destinations[0]?.reconnects).toBe(0);
    await studio.stopStream();
    await until(() => ended !== undefined);

    // The count is kept to the end, and never exceeds the total.
    expect(ended!.stats.rendering!.framesLagged).toBeGreaterThanOrEqual(lagged.framesLagged);
    expect(ended!.stats.rendering!.framesTotal).toBeGreaterThan(lagged.framesTotal);
    // The server got the stream after the stall too: its recording runs on past the media time of the stall.
    const video = packetsOf(await probeFile(await nginx().recording('rendering-lag')), 'video');
    const spanSec = (video.at(-1)!.dtsMs - video[0]!.dtsMs) / 1000;
    expect(spanSec).toBeGreaterThan(resumedAt + 1);
  });
});
