import { execFile } from 'node:child_process';
import { createReadStream, existsSync, renameSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { paceByTimestamps } from '../../electron/engine/flv/pace.js';
import { readFlvTags } from '../../electron/engine/flv/reader.js';
import { type MediaMessage, RtmpPublisher } from '../../electron/engine/rtmp/publisher.js';
import { parseRtmpUrl } from '../../electron/engine/rtmp/url.js';
import { makeFlvFixture, tmpDir } from '../helpers/fixtures.js';
import { UPLINK_BIN } from '../helpers/publish.js';
import { type RtmpTestServer, startNginxRtmp } from '../helpers/servers.js';
import { measureCommand, percentile, printTable } from './measure.js';

const run = promisify(execFile);

/**
 * 1080p H.264 + AAC at 12 Mbit/s (a streamer's bitrate), `seconds` long; noise keeps x264 at the asked
 * bitrate. Made once, cached.
 */
async function streamerFixture(seconds: number, size = '1920x1080', bitrate = '12M'): Promise<string> {
  const file = join(tmpDir('bench'), `publish-${size}-${bitrate}-${seconds}s.flv`);
  if (existsSync(file)) return file;
  const partial = `${file}.partial.flv`;
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30:duration=${seconds},noise=alls=12:allf=t`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-b:v', bitrate, '-maxrate', bitrate, '-bufsize', '24M',
    '-c:a', 'aac', '-b:a', '160k', '-f', 'flv', partial,
  ], { maxBuffer: 1 << 24 });
  renameSync(partial, file);
  return file;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

let nginx: RtmpTestServer;
beforeAll(async () => {
  nginx = await startNginxRtmp({ record: false });
});
afterAll(async () => {
  await nginx?.stop();
});

it('uplink publish --fast against ffmpeg -c copy, the whole process: start-up and CPU per MB apart, median of alternating rounds', async () => {
  const big = await streamerFixture(60);
  // One second of media: what a process costs to start, connect and stop, with next to no media.
  const tiny = await streamerFixture(1, '320x180', '500k');
  const megabytes = (statSync(big).size - statSync(tiny).size) / 1e6;
  const tools = {
    uplink: (file: string, key: string) => measureCommand(process.execPath, [UPLINK_BIN, 'publish', file, '--fast', '--to', nginx.url('live', key)]),
    ffmpeg: (file: string, key: string) =>
      measureCommand('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-c', 'copy', '-f', 'flv', nginx.url('live', key)]),
  };
  const rounds = 7;
  const rows = [];
  const perRound = { uplink: [] as Array<{ startSec: number; cpuSec: number; wallSec: number }>, ffmpeg: [] as Array<{ startSec: number; cpuSec: number; wallSec: number }> };
  const ratios: number[] = [];
  const steadyRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternate the two (and which goes first) so that a noisy neighbour hurts both alike.
    const order = round % 2 === 0 ? (['uplink', 'ffmpeg'] as const) : (['ffmpeg', 'uplink'] as const);
    const costs: Partial<Record<'uplink' | 'ffmpeg', { startSec: number; cpuSec: number; wallSec: number }>> = {};
    for (const tool of order) {
      const start = await tools[tool](tiny, `bench-${tool}-tiny-${round}`);
      expect(start.code, start.stderr).toBe(0);
      const whole = await tools[tool](big, `bench-${tool}-${round}`);
      expect(whole.code, whole.stderr).toBe(0);
      costs[tool] = { startSec: start.cpuSec, cpuSec: whole.cpuSec, wallSec: whole.wallSec };
      perRound[tool].push(costs[tool]);
    }
    const uplink = costs.uplink!;
    const ffmpeg = costs.ffmpeg!;
    ratios.push(uplink.cpuSec / ffmpeg.cpuSec);
    steadyRatios.push((uplink.cpuSec - uplink.startSec) / Math.max(1e-3, ffmpeg.cpuSec - ffmpeg.startSec));
    for (const [tool, cost] of [['uplink', uplink], ['ffmpeg', ffmpeg]] as const) {
      rows.push({
        round,
        tool,
        'start-up cpu s': cost.startSec.toFixed(3),
        'whole cpu s': cost.cpuSec.toFixed(3),
        'steady cpu ms/MB': (((cost.cpuSec - cost.startSec) * 1000) / megabytes).toFixed(2),
        'wall s': cost.wallSec.toFixed(2),
        'MB/s': (megabytes / cost.wallSec).toFixed(0),
      });
    }
  }
  printTable(`publish a ${(statSync(big).size / 1e6).toFixed(0)} MB 1080p 12 Mbit/s FLV to nginx-rtmp, --fast, ${rounds} alternating rounds`, rows);
  const summary = (tool: 'uplink' | 'ffmpeg'): string => {
    const startSec = median(perRound[tool].map((c) => c.startSec));
    const steadyMsPerMb = median(perRound[tool].map((c) => ((c.cpuSec - c.startSec) * 1000) / megabytes));
    return `${tool}: start-up ${startSec.toFixed(3)} cpu-s, steady state ${steadyMsPerMb.toFixed(2)} cpu-ms/MB, whole ${median(perRound[tool].map((c) => c.cpuSec)).toFixed(3)} cpu-s`;
  };
  console.log(summary('uplink'));
  console.log(summary('ffmpeg'));
  console.log(
    `median CPU ratio uplink/ffmpeg: whole process ${median(ratios).toFixed(2)}, steady state (start-up taken off) ${median(steadyRatios).toFixed(2)} (target <= 1.0)`,
  );
});

it('added latency from a tag on the input to its last byte in the socket, at 6 Mbit/s', async () => {
  const file = await makeFlvFixture({ seconds: 20, width: 1280, height: 720, fps: 30, videoKbps: 6000 });
  const latenciesUs: number[] = [];
  const publisher = new RtmpPublisher(parseRtmpUrl(nginx.url('live', 'bench-latency')), {
    onWritten: (message: MediaMessage) => {
      if (message.arrivedAt !== undefined) latenciesUs.push(Number(process.hrtime.bigint() - message.arrivedAt) / 1000);
    },
  });
  await publisher.start();
  for await (const tag of paceByTimestamps(readFlvTags(createReadStream(file)))) publisher.sendTag(tag, process.hrtime.bigint());
  await publisher.finish();
  latenciesUs.sort((a, b) => a - b);
  expect(latenciesUs.length).toBeGreaterThan(1000);
  console.log(
    `latency over ${latenciesUs.length} tags: p50 ${(percentile(latenciesUs, 50) / 1000).toFixed(3)} ms, p99 ${(percentile(latenciesUs, 99) / 1000).toFixed(3)} ms (target < 1 ms), max ${(latenciesUs[latenciesUs.length - 1]! / 1000).toFixed(3)} ms`,
  );
});
