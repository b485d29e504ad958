import { execFile } from 'node:child_process';
import { existsSync, statSync, renameSync, createReadStream } from 'node:fs';
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

/** A >= 150 MB 1080p H.264 + AAC FLV; noise keeps x264 at the asked bitrate. Made once, cached. */
async function bigFixture(): Promise<string> {
  const file = join(tmpDir('bench'), 'big-1080p.flv');
  if (existsSync(file)) return file;
  const partial = `${file}.partial.flv`;
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=1920x1080:rate=30:duration=40,noise=alls=12:allf=t',
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=40',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '60', '-b:v', '32M', '-maxrate', '32M', '-bufsize', '64M',
    '-c:a', 'aac', '-b:a', '160k', '-f', 'flv', partial,
  ], { maxBuffer: 1 << 24 });
  renameSync(partial, file);
  return file;
}

let nginx: RtmpTestServer;
beforeAll(async () => {
  nginx = await startNginxRtmp({ record: false });
});
afterAll(async () => {
  await nginx?.stop();
});

it('uplink publish --fast against ffmpeg -c copy: CPU and throughput', async () => {
  const file = await bigFixture();
  const megabytes = statSync(file).size / 1e6;
  expect(megabytes).toBeGreaterThanOrEqual(150);
  const rows = [];
  // Alternate the two, three rounds each, so a noisy neighbour hurts both alike; keep the best round.
  const best = { uplink: { cpuSec: Infinity, wallSec: Infinity }, ffmpeg: { cpuSec: Infinity, wallSec: Infinity } };
  for (let round = 0; round < 3; round++) {
    const uplink = await measureCommand(process.execPath, [UPLINK_BIN, 'publish', file, '--fast', '--to', nginx.url('live', `bench-uplink-${round}`)]);
    expect(uplink.code, uplink.stderr).toBe(0);
    const ffmpeg = await measureCommand('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-c', 'copy', '-f', 'flv', nginx.url('live', `bench-ffmpeg-${round}`)]);
    expect(ffmpeg.code, ffmpeg.stderr).toBe(0);
    for (const [name, cost] of [['uplink', uplink], ['ffmpeg', ffmpeg]] as const) {
      rows.push({ round, tool: name, 'cpu s': cost.cpuSec.toFixed(3), 'wall s': cost.wallSec.toFixed(2), 'MB/s': (megabytes / cost.wallSec).toFixed(1) });
      if (cost.cpuSec < best[name].cpuSec) best[name].cpuSec = cost.cpuSec;
      if (cost.wallSec < best[name].wallSec) best[name].wallSec = cost.wallSec;
    }
  }
  printTable(`publish ${megabytes.toFixed(0)} MB 1080p FLV to nginx-rtmp, --fast`, rows);
  const cpuRatio = best.uplink.cpuSec / best.ffmpeg.cpuSec;
  const throughputRatio = best.ffmpeg.wallSec / best.uplink.wallSec;
  console.log(`CPU uplink/ffmpeg = ${cpuRatio.toFixed(2)} (target <= 1.0); throughput uplink/ffmpeg = ${throughputRatio.toFixed(2)} (target >= 1.0)`);
  console.log(`best: uplink ${best.uplink.cpuSec.toFixed(3)} cpu-s ${(megabytes / best.uplink.wallSec).toFixed(1)} MB/s; ffmpeg ${best.ffmpeg.cpuSec.toFixed(3)} cpu-s ${(megabytes / best.ffmpeg.wallSec).toFixed(1)} MB/s`);
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
