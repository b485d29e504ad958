import { spawn } from 'node:child_process';
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

/** Milliseconds from spawning `command` to the server holding the first video keyframe. */
async function timeToFirstKeyframe(command: string, args: (url: string) => string[]): Promise<number> {
  let keyframeAt = 0;
  const server = new ScriptedRtmpServer();
  const port = await server.listen();
  const url = `rtmp://127.0.0.1:${port}/live/bench-keyframe`;
  const started = performance.now();
  const child = spawn(command, args(url), { stdio: 'ignore' });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
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
    child.kill('SIGKILL');
    await server.close();
  }
  return keyframeAt - started;
}

it('launch to the first keyframe accepted by the server, with the test pattern', async () => {
  const settings = validateEncoding({});
  const opts = { width: 1280, height: 720, fps: 30, sampleRate: 48000 };
  const ffmpegArgs = (url: string): string[] =>
    buildEncodeArgs(settings, [inputForSource({ kind: 'test-pattern' }, opts), inputForSource({ kind: 'tone' }, opts)], { primary: url }, { ffmpegVersion: { major: 5, minor: 1 } });
  const uplink: number[] = [];
  const ffmpeg: number[] = [];
  // Each round's two runs are back to back: their difference cancels most of what a busy machine adds.
  const extra: number[] = [];
  for (let round = 0; round < 5; round++) {
    uplink.push(await timeToFirstKeyframe(process.execPath, (url) => [UPLINK_BIN, 'stream', '--video', 'test', '--audio', 'tone', '--to', url, '--duration', '5']));
    ffmpeg.push(await timeToFirstKeyframe('ffmpeg', ffmpegArgs));
    extra.push(uplink[round]! - ffmpeg[round]!);
  }
  uplink.sort((a, b) => a - b);
  ffmpeg.sort((a, b) => a - b);
  extra.sort((a, b) => a - b);
  console.log(`launch -> first keyframe at the server (ms), 5 runs: uplink ${uplink.map((v) => v.toFixed(0)).join(' ')} | plain ffmpeg ${ffmpeg.map((v) => v.toFixed(0)).join(' ')}`);
  console.log(`median: uplink ${percentile(uplink, 50).toFixed(0)} ms (target < 700 ms), plain ffmpeg ${percentile(ffmpeg, 50).toFixed(0)} ms`);
  console.log(`uplink minus plain ffmpeg in the same round (ms): ${extra.map((v) => v.toFixed(0)).join(' ')}, median ${percentile(extra, 50).toFixed(0)}`);
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
