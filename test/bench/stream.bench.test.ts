import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inputForSource } from '../../electron/engine/capture/sources.js';
import { buildEncodeArgs } from '../../electron/engine/ffmpeg/argv.js';
import { validateEncoding } from '../../electron/engine/settings/encoding.js';
import { UPLINK_BIN } from '../helpers/publish.js';
import { ScriptedRtmpServer } from '../helpers/scripted-server.js';
import { type RtmpTestServer, startNginxRtmp } from '../helpers/servers.js';
import { measureCommand, percentile } from './measure.js';

let nginx: RtmpTestServer;
beforeAll(async () => {
  nginx = await startNginxRtmp({ record: false });
});
afterAll(async () => {
  await nginx?.stop();
});

interface Launch {
  /** From spawning the command to the server holding the first video keyframe. */
  keyframeMs: number;
  /** From spawning the command to its encoding FFmpeg starting (a child with an input), where /proc says. */
  ffmpegMs: number | null;
}

/** The encoding FFmpeg among the children of `pid`: probes (-version, -encoders...) take no input. */
function hasEncoderChild(pid: number): boolean {
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
    return children.some((child) => {
      try {
        return readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0').includes('-i');
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** Runs `command` until the server holds the first video keyframe, then kills it and all it started. */
async function launch(command: string, args: (url: string) => string[]): Promise<Launch> {
  let keyframeAt = 0;
  let ffmpegAt: number | null = null;
  const server = new ScriptedRtmpServer();
  const port = await server.listen();
  const url = `rtmp://127.0.0.1:${port}/live/bench-keyframe`;
  const started = performance.now();
  // A group of its own: uplink's FFmpeg is killed with it, not left encoding (for most of a second, into a
  // pipe no one reads) while the next run is timed.
  const child = spawn(command, args(url), { stdio: 'ignore', detached: true });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (ffmpegAt === null && child.pid !== undefined && hasEncoderChild(child.pid)) ffmpegAt = performance.now();
        const key = server.connections[0]?.received.find((m) => m.typeId === 9 && m.payload[0] === 0x17 && m.payload[1] === 1);
        if (key) {
          keyframeAt = performance.now();
          clearInterval(timer);
          resolve();
        } else if (performance.now() - started > 20_000) {
          clearInterval(timer);
          reject(new Error('no keyframe within 20 s'));
        }
      }, 1);
    });
  } finally {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await exited;
    await server.close();
  }
  return { keyframeMs: keyframeAt - started, ffmpegMs: ffmpegAt === null ? null : ffmpegAt - started };
}

/** Runs a command to its end (a warm-up: the files in the page cache, V8's compile cache written at exit). */
async function runToEnd(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { stdio: 'ignore' });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
}

it('launch to the first keyframe accepted by the server, with the test pattern', async () => {
  const settings = validateEncoding({});
  const opts = { width: 1280, height: 720, fps: 30, sampleRate: 48000 };
  const inputs = [inputForSource({ kind: 'test-pattern' }, opts), inputForSource({ kind: 'tone' }, opts)];
  const ffmpegArgs = (url: string, durationSec?: number): string[] =>
    buildEncodeArgs(settings, inputs, { primary: url }, { ffmpegVersion: { major: 5, minor: 1 }, ...(durationSec ? { durationSec } : {}) });
  const uplinkArgs = (url: string, durationSec: number): string[] => [UPLINK_BIN, 'stream', '--video', 'test', '--audio', 'tone', '--to', url, '--duration', String(durationSec)];
  // Not the first launch since install: a user's second launch finds both in the page cache and ours in
  // V8's compile cache (bin/uplink.js).
  await runToEnd(process.execPath, uplinkArgs(nginx.url('live', 'bench-warm-up-uplink'), 1));
  await runToEnd('ffmpeg', ffmpegArgs(nginx.url('live', 'bench-warm-up-ffmpeg'), 1));

  const uplink: number[] = [];
  const ffmpeg: number[] = [];
  const spawned: number[] = [];
  // Each round's two runs are back to back: their difference cancels most of what a busy machine adds.
  const extra: number[] = [];
  for (let round = 0; round < 5; round++) {
    const ours = await launch(process.execPath, (url) => uplinkArgs(url, 5));
    const theirs = await launch('ffmpeg', (url) => ffmpegArgs(url));
    uplink.push(ours.keyframeMs);
    ffmpeg.push(theirs.keyframeMs);
    if (ours.ffmpegMs !== null) spawned.push(ours.ffmpegMs);
    extra.push(ours.keyframeMs - theirs.keyframeMs);
  }
  for (const list of [uplink, ffmpeg, spawned, extra]) list.sort((a, b) => a - b);
  const ms = (list: number[]): string => list.map((v) => v.toFixed(0)).join(' ');
  console.log(`launch -> first keyframe at the server (ms), 5 runs: uplink ${ms(uplink)} | plain ffmpeg ${ms(ffmpeg)}`);
  console.log(`median: uplink ${percentile(uplink, 50).toFixed(0)} ms (target < 700 ms), plain ffmpeg ${percentile(ffmpeg, 50).toFixed(0)} ms`);
  console.log(`uplink minus plain ffmpeg in the same round (ms): ${ms(extra)}, median ${percentile(extra, 50).toFixed(0)}`);
  if (spawned.length > 0) console.log(`uplink launch -> its FFmpeg started (ms): ${ms(spawned)}, median ${percentile(spawned, 50).toFixed(0)}`);
  expect(uplink.length).toBe(5);
});

it('CPU of streaming 720p30 for 60 s: uplink (FFmpeg + Node) against plain ffmpeg doing the same encode', async () => {
  const seconds = Number(process.env.UPLINK_BENCH_SECONDS ?? 60);
  const rounds = Number(process.env.UPLINK_BENCH_ROUNDS ?? 2);
  const settings = validateEncoding({});
  const opts = { width: 1280, height: 720, fps: 30, sampleRate: 48000 };
  const inputs = [inputForSource({ kind: 'test-pattern' }, opts), inputForSource({ kind: 'tone' }, opts)];
  const ratios: number[] = [];
  let dropped = 0;
  // Alternate the two so that a noisy neighbour hurts both alike; report every round and the median.
  for (let round = 0; round < rounds; round++) {
    const ffmpegArgs = buildEncodeArgs(settings, inputs, { primary: nginx.url('live', `bench-cpu-ffmpeg-${round}`) }, { ffmpegVersion: { major: 5, minor: 1 }, durationSec: seconds });
    const uplink = await measureCommand(process.execPath, [UPLINK_BIN, 'stream', '--video', 'test', '--audio', 'tone', '--to', nginx.url('live', `bench-cpu-uplink-${round}`), '--duration', String(seconds), '--json']);
    const ffmpeg = await measureCommand('ffmpeg', ffmpegArgs);
    expect(uplink.code, uplink.stderr).toBe(0);
    expect(ffmpeg.code, ffmpeg.stderr).toBe(0);
    const summary = JSON.parse(uplink.stdout) as { encoder: { droppedFrames: number }; destinations: Array<{ framesDropped: number }> };
    dropped += summary.encoder.droppedFrames + summary.destinations.reduce((sum, d) => sum + d.framesDropped, 0);
    ratios.push(uplink.cpuSec / ffmpeg.cpuSec);
    console.log(`round ${round}: ${seconds} s of 720p30 x264 veryfast 2500 kbit/s: uplink ${uplink.cpuSec.toFixed(1)} cpu-s, plain ffmpeg ${ffmpeg.cpuSec.toFixed(1)} cpu-s, ratio ${(uplink.cpuSec / ffmpeg.cpuSec).toFixed(3)}`);
  }
  ratios.sort((a, b) => a - b);
  console.log(`CPU ratio uplink/ffmpeg, median of ${rounds}: ${percentile(ratios, 50).toFixed(3)} (target <= 1.05); frames dropped (encoder + network): ${dropped} (target 0)`);
});
