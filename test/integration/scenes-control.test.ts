/**
 * The control channel against the real FFmpeg: white squares on black, moved by commands, their
 * positions read back from every decoded output frame. Latency is counted in output frames (media
 * time), from the frame count when the command was sent or answered to the first frame that shows it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { UplinkError } from '../../electron/engine/errors.js';
import {
  StdinControl,
  ZmqControl,
  formatCommand,
  freePort,
  zmqFilter,
  type ControlChannel,
} from '../../electron/engine/scenes/control.js';

const W = 320;
const H = 240;
const FRAME = W * H;
/** Rows where each square is looked for: item1 at y=0, item2 at y=100 (32x32 squares). */
const ROWS = [10, 110] as const;

interface Compositor {
  child: ChildProcess;
  /** Per output frame, the x of each square (-1: not visible on its row). */
  frames: number[][];
  exited: Promise<number | null>;
  /** Resolves with the index of the first frame at or after `from` where `test` holds. */
  frameWhere(from: number, test: (xs: number[]) => boolean): Promise<number>;
}

const running: ChildProcess[] = [];

afterEach(() => {
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Two squares over black at 30 fps, paced to real time, for `seconds` of media; stops by itself. */
function startCompositor(options: { seconds: number; zmqPort?: number }): Compositor {
  const tail = options.zmqPort === undefined ? '' : `,${zmqFilter(options.zmqPort)}`;
  const graph =
    `color=c=black:s=${W}x${H}:r=30[b];color=c=white:s=32x32:r=30[w1];color=c=white:s=32x32:r=30[w2];` +
    `[b][w1]overlay@item1=x=0:y=0[o1];[o1][w2]overlay@item2=x=0:y=100,realtime${tail}`;
  const child = spawn(
    'ffmpeg',
    ['-hide_banner', '-nostats', '-loglevel', 'error', '-filter_complex', graph, '-t', String(options.seconds), '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  running.push(child);
  child.stdin?.on('error', () => undefined);
  const frames: number[][] = [];
  const waiters: { from: number; test: (xs: number[]) => boolean; resolve: (n: number) => void }[] = [];
  let pending = Buffer.alloc(0);
  child.stdout?.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= FRAME) {
      const frame = pending.subarray(0, FRAME);
      pending = pending.subarray(FRAME);
      frames.push(ROWS.map((row) => frame.subarray(row * W, (row + 1) * W).indexOf(255)));
      const index = frames.length - 1;
      for (const waiter of [...waiters]) {
        if (index >= waiter.from && waiter.test(frames[index] ?? [])) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(index);
        }
      }
    }
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      if (code !== 0 && code !== null) console.error(stderr);
      for (const waiter of waiters.splice(0)) waiter.resolve(-1);
      resolve(code);
    }),
  );
  return {
    child,
    frames,
    exited,
    frameWhere(from, test) {
      const found = frames.findIndex((xs, i) => i >= from && test(xs));
      if (found >= 0) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ from, test, resolve }));
    },
  };
}

const move = (item: number, x: number) => ({ target: `overlay@item${item}`, command: 'x', arg: x });

describe('ZmqControl', () => {
  let control: ControlChannel | null = null;
  afterEach(async () => {
    await control?.close();
    control = null;
  });

  it('moves an overlay within 3 output frames of the reply', async () => {
    const port = await freePort();
    const ffmpeg = startCompositor({ seconds: 4, zmqPort: port });
    control = await ZmqControl.connect(port);
    await ffmpeg.frameWhere(10, () => true);

    const sentAt = ffmpeg.frames.length;
    await control.send([move(1, 200)]);
    const repliedAt = ffmpeg.frames.length;
    const moved = await ffmpeg.frameWhere(0, (xs) => xs[0] === 200);
    console.log(`zmq: sent at frame ${sentAt}, reply at ${repliedAt}, moved at ${moved} (${moved - sentAt} frames after the send)`);
    expect(moved).toBeGreaterThanOrEqual(sentAt);
    expect(moved - repliedAt).toBeLessThanOrEqual(3);
    expect(await ffmpeg.exited).toBe(0);
  });

  it('applies a batch in order: a later command never lands before an earlier one', async () => {
    const port = await freePort();
    const ffmpeg = startCompositor({ seconds: 6, zmqPort: port });
    control = await ZmqControl.connect(port);
    await ffmpeg.frameWhere(5, () => true);

    // Mostly on one frame, but not always: under load a batch can spread over two (seen in a CI run),
    // which is why the compositor sets a scene up on a hidden layer and puts it on air with the batch's
    // last command. What it relies on is the order, checked here on every frame.
    const latencies: number[] = [];
    let split = 0;
    for (const [trial, x] of [200, 40, 160, 80, 240, 120].entries()) {
      const sentAt = ffmpeg.frames.length;
      await control.send([move(1, x), move(2, x)]);
      const first = await ffmpeg.frameWhere(sentAt, (xs) => xs[0] === x || xs[1] === x);
      expect(ffmpeg.frames[first]![0], `trial ${trial}: the second square moved before the first`).toBe(x);
      if (ffmpeg.frames[first]![1] !== x) split++;
      await ffmpeg.frameWhere(first, (xs) => xs[1] === x);
      latencies.push(first - sentAt);
    }
    console.log(`zmq batch of 2: frames from send to change ${latencies.join(', ')}; spread over two frames: ${split} of 6`);
    expect(await ffmpeg.exited).toBe(0);
  });

  it("rejects with FFmpeg's answer and keeps FFmpeg running", async () => {
    const port = await freePort();
    const ffmpeg = startCompositor({ seconds: 3, zmqPort: port });
    control = await ZmqControl.connect(port);
    await ffmpeg.frameWhere(3, () => true);

    const refused = await control.send([{ target: 'overlay@item1', command: 'x', arg: 'nonsense(' }]).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UplinkError);
    expect((refused as UplinkError).code).toBe('SCENE_COMMAND_REFUSED');
    expect((refused as UplinkError).message).toContain('Invalid argument');
    const absent = await control.send([move(9, 10)]).catch((e: unknown) => e);
    expect((absent as UplinkError).message).toContain('Function not implemented');

    // Refused before anything is sent: a message without an argument is answered, one without a
    // command aborts FFmpeg 5.1.
    expect(() => formatCommand({ target: 'overlay@item1', command: '', arg: 1 })).toThrow(UplinkError);
    await expect(control.send([move(1, 50), { target: 'overlay@item1', command: 'x', arg: '' }])).rejects.toThrow(/empty/);
    expect(ffmpeg.frames.at(-1)?.[0]).toBe(0);

    await control.send([move(1, 100)]);
    expect(await ffmpeg.frameWhere(0, (xs) => xs[0] === 100)).toBeGreaterThan(0);
    expect(await ffmpeg.exited).toBe(0);
  });

  it('times out when FFmpeg is not there, and stays failed', async () => {
    const port = await freePort();
    control = await ZmqControl.connect(port, { timeoutMs: 300 });
    const started = Date.now();
    const err = await control.send([move(1, 10)]).catch((e: unknown) => e);
    expect((err as UplinkError).code).toBe('SCENE_CONTROL_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(control.send([move(1, 20)])).rejects.toThrow(/did not answer/);
  });

  it('times out when FFmpeg died after the channel worked', async () => {
    const port = await freePort();
    const ffmpeg = startCompositor({ seconds: 30, zmqPort: port });
    control = await ZmqControl.connect(port, { timeoutMs: 500 });
    await ffmpeg.frameWhere(2, () => true);
    await control.send([move(1, 10)]);
    ffmpeg.child.kill('SIGKILL');
    await ffmpeg.exited;
    await expect(control.send([move(1, 20)])).rejects.toMatchObject({ code: 'SCENE_CONTROL_TIMEOUT' });
  });
});

describe('StdinControl', () => {
  it('moves an overlay through FFmpeg stdin, one command per poll', async () => {
    const ffmpeg = startCompositor({ seconds: 5 });
    const stdin = ffmpeg.child.stdin;
    if (!stdin) throw new Error('no stdin');
    const control = new StdinControl((text) => stdin.write(text));
    await ffmpeg.frameWhere(10, () => true);

    const sentAt = ffmpeg.frames.length;
    await control.send([move(1, 200)]);
    const moved = await ffmpeg.frameWhere(sentAt, (xs) => xs[0] === 200);
    console.log(`stdin: moved ${moved - sentAt} frames after the write`);
    // FFmpeg polls stdin every 100 ms (3 frames): the command lands on the poll after the write.
    expect(moved - sentAt).toBeLessThanOrEqual(8);

    const batchAt = ffmpeg.frames.length;
    await control.send([move(1, 40), move(2, 40)]);
    const first = await ffmpeg.frameWhere(batchAt, (xs) => xs[0] === 40);
    const second = await ffmpeg.frameWhere(batchAt, (xs) => xs[1] === 40);
    console.log(`stdin batch of 2: first at +${first - batchAt}, second at +${second - batchAt} frames`);
    expect(second).toBeGreaterThanOrEqual(first);

    await expect(control.send([{ target: 'overlay@item1', command: 'x', arg: '1\nq' }])).rejects.toThrow(UplinkError);
    expect(await ffmpeg.exited).toBe(0);
    expect(ffmpeg.frames.length).toBe(150);
  });

  it('rejects when the writer reports FFmpeg gone', async () => {
    const control = new StdinControl(() => false);
    await expect(control.send([move(1, 1)])).rejects.toMatchObject({ code: 'SCENE_CONTROL_CLOSED' });
  });
});
