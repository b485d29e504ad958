import { afterEach, describe, expect, it } from 'vitest';
import { Compositor } from '../../electron/engine/scenes/compositor.js';
import type { Collection } from '../../electron/engine/scenes/model.js';
import type { ProgramTick } from '../../electron/engine/scenes/program-feed.js';
import { isRunning, until } from '../helpers/wait.js';
import { collection, color, firstTick, item, makeClip, near, pixel, yuvOf } from '../helpers/scenes.js';

const W = 320;
const H = 180;
const canvas = { width: W, height: H, fps: 30 };
const RED = yuvOf(255, 0, 0);
const BLUE = yuvOf(0, 0, 255);
const GREEN = yuvOf(0, 255, 0);

let compositor: Compositor | undefined;
afterEach(async () => {
  const pids = compositor?.pids ?? [];
  await compositor?.stop();
  compositor = undefined;
  for (const pid of pids) expect(isRunning(pid), `process ${pid} outlived the compositor`).toBe(false);
});

function start(c: Collection): Compositor {
  compositor = new Compositor({ ffmpegPath: 'ffmpeg', collection: c, context: { devices: [], fileSizes: new Map() }, preview: false, meters: false });
  return compositor;
}

const at = (x: number, y: number) => (tick: ProgramTick) => pixel(tick, W, H, x, y);

describe('the compositor', () => {
  it('composes the program scene and switches scenes live, by commands, within a few frames', async () => {
    const c = collection(
      canvas,
      [color('red', '#ff0000'), color('blue', '#0000ff'), color('green', '#00ff00')],
      [
        { id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H })] },
        { id: 'B', items: [item('bg', 'blue', { x: 0, y: 0, width: W, height: H }), item('box', 'green', { x: 200, y: 100, width: 80, height: 60 })] },
      ],
    );
    const comp = start(c);
    await comp.start();
    const graphPid = comp.pids.at(-1);
    await firstTick(comp.program, (t) => near(at(10, 10)(t), RED));

    const before = comp.program.delivered;
    const blue = firstTick(comp.program, (t) => near(at(10, 10)(t), BLUE) && near(at(240, 130)(t), GREEN) && near(at(150, 60)(t), BLUE));
    await comp.switchScene('B', { kind: 'cut', durationMs: 0 });
    const landed = (await blue) - before;
    console.log(`scene switch landed ${landed} program frames after the command was sent`);
    // The benchmark holds the target (2 frames); here only that it is a live command, not a restart.
    expect(landed).toBeLessThan(30);
    // The same FFmpeg: a switch is commands, not a restart.
    expect(comp.pids.at(-1)).toBe(graphPid);

    // Live transform: the green box moves and shrinks.
    const moved = collection(canvas, c.sources, [
      c.scenes[0]!,
      { id: 'B', items: [c.scenes[1]!.items[0]!, item('box', 'green', { x: 20, y: 20, width: 40, height: 40 })] },
    ]);
    const seen = firstTick(comp.program, (t) => near(at(40, 40)(t), GREEN) && near(at(240, 130)(t), BLUE));
    await comp.update({ ...moved, currentSceneId: 'B' });
    await seen;
    expect(comp.pids.at(-1)).toBe(graphPid);
  });

  it('without zmq (control: rebuild), a switch starts a new graph that takes over with no missing tick', async () => {
    const c = collection(canvas, [color('red', '#ff0000'), color('blue', '#0000ff')], [
      { id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H })] },
      { id: 'B', items: [item('bg', 'blue', { x: 0, y: 0, width: W, height: H })] },
    ]);
    compositor = new Compositor({ ffmpegPath: 'ffmpeg', collection: c, context: { devices: [], fileSizes: new Map() }, preview: false, meters: false, control: 'rebuild' });
    const comp = compositor;
    await comp.start();
    const firstGraph = comp.pids.at(-1);
    await firstTick(comp.program, (t) => near(at(10, 10)(t), RED));
    const ticks: string[] = [];
    comp.program.on('tick', (t) => ticks.push(near(at(10, 10)(t), RED) ? 'A' : near(at(10, 10)(t), BLUE) ? 'B' : '?'));
    await comp.switchScene('B', { kind: 'fade', durationMs: 300 });
    await firstTick(comp.program, (t) => near(at(10, 10)(t), BLUE));
    expect(comp.pids.at(-1)).not.toBe(firstGraph);
    // Red until the new graph takes over, blue after: nothing else, nothing in between.
    expect(ticks.filter((k, i) => i === 0 || k !== ticks[i - 1])).toEqual(['A', 'B']);
  });

  it('a graph that stops putting out pictures (stuck, not exited) is replaced, and the program goes on', async () => {
    const c = collection(canvas, [color('red', '#ff0000'), color('blue', '#0000ff')], [{ id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H })] }]);
    const comp = start(c);
    const errors: string[] = [];
    comp.on('error', (err) => errors.push(err.code));
    await comp.start();
    const stuck = comp.pids.at(-1)!;
    process.kill(stuck, 'SIGSTOP');
    await until(() => errors.includes('COMPOSITOR_STUCK'));
    const after = comp.program.delivered;
    await until(() => comp.program.delivered > after + 30);
    expect(comp.pids.at(-1)).not.toBe(stuck);
    expect(isRunning(stuck)).toBe(false);
  });

  it('a graph that never puts out its first picture is stopped, and starting says why instead of waiting for ever', async () => {
    const c = collection(canvas, [color('red', '#ff0000')], [{ id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H })] }]);
    const comp = start(c);
    const starting = comp.start();
    // The graph FFmpeg (the only process: a colour needs no capture), frozen before its first picture.
    await until(() => comp.pids.length > 0);
    const graph = comp.pids[0]!;
    process.kill(graph, 'SIGSTOP');
    await expect(starting).rejects.toThrow('The compositor put out no picture in 10 s and was stopped; run uplink ffmpeg to check this FFmpeg.');
    expect(isRunning(graph)).toBe(false);
  }, 30_000);

  it('a graph that crashed is replaced even when the first new one fails to start', async () => {
    const c = collection(canvas, [color('red', '#ff0000')], [{ id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H })] }]);
    const comp = start(c);
    const errors: string[] = [];
    comp.on('error', (err) => errors.push(err.code));
    await comp.start();
    const crashed = comp.pids[0]!;
    process.kill(crashed, 'SIGKILL');
    // The first replacement is frozen before its first picture: stopped after 10 s, and another one tried.
    await until(() => comp.pids.length > 0 && comp.pids[0] !== crashed);
    const frozen = comp.pids[0]!;
    process.kill(frozen, 'SIGSTOP');
    await until(() => comp.pids.length > 0 && comp.pids[0] !== frozen && comp.pids[0] !== crashed, 30_000);
    const after = comp.program.delivered;
    await until(() => comp.program.delivered > after + 30);
    expect(errors).toEqual(['FFMPEG_KILLED', 'COMPOSITOR_STUCK']);
    expect(isRunning(frozen)).toBe(false);
  }, 60_000);

  it('fades between scenes: the frames in between are a mix of both', async () => {
    const c = collection(canvas, [color('red', '#ff0000'), color('blue', '#0000ff')], [
      { id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H })] },
      { id: 'B', items: [item('bg', 'blue', { x: 0, y: 0, width: W, height: H })] },
    ]);
    const comp = start(c);
    await comp.start();
    const mixed = firstTick(comp.program, (t) => {
      const [, u, v] = at(10, 10)(t);
      // Neither red (V high) nor blue (U high): both about half-way.
      return u > RED[1] + 20 && u < BLUE[1] - 20 && v < RED[2] - 20 && v > BLUE[2] + 20;
    });
    const ended = firstTick(comp.program, (t) => near(at(10, 10)(t), BLUE));
    await comp.switchScene('B', { kind: 'fade', durationMs: 300 });
    await mixed;
    await ended;
  });

  it('keeps the program at full rate while a live source stalls for 5 s, and picks it up again', async () => {
    const clip = await makeClip();
    const c = collection(
      canvas,
      [{ id: 'clip', name: 'Clip', kind: 'media', settings: { file: clip, loop: true } }, color('red', '#ff0000')],
      [{ id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H }), item('clip', 'clip', { x: 0, y: 0, width: 160, height: 90 })] }],
    );
    compositor = new Compositor({ ffmpegPath: 'ffmpeg', collection: c, context: { devices: [], fileSizes: new Map([[clip, { width: 320, height: 180 }]]) }, preview: false, meters: false });
    const comp = compositor;
    const states: string[] = [];
    comp.on('source', (change) => states.push(change.state));
    await comp.start();
    await until(() => states.includes('live'));
    const feedPid = comp.pids[0]!;
    process.kill(feedPid, 'SIGSTOP');
    try {
      await until(() => states.at(-1) === 'stalled');
      // While the source sends nothing, the program goes on: 150 more pictures, 5 s of media.
      const during = comp.program.delivered;
      await until(() => comp.program.delivered >= during + 150, 30_000);
      expect(states.at(-1)).toBe('stalled');
    } finally {
      process.kill(feedPid, 'SIGCONT');
    }
    await until(() => states.at(-1) === 'live');
  });
});
