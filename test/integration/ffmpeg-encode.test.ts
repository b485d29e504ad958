import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEncodeArgs } from '../../electron/engine/ffmpeg/argv.js';
import { locateFfmpeg, locateFfprobe, type FfmpegInfo } from '../../electron/engine/ffmpeg/locate.js';
import { validateEncoding } from '../../electron/engine/settings/encoding.js';
import { tmpDir } from '../helpers/fixtures.js';

const run = promisify(execFile);

interface ProbeResult {
  streams: { codec_type: string; codec_name: string; width?: number; height?: number; r_frame_rate?: string; profile?: string; sample_rate?: string; channels?: number }[];
  packets: { stream_index: number; pts_time?: string; flags: string }[];
}

let ffmpeg: FfmpegInfo;
let ffprobePath: string;

beforeAll(async () => {
  ffmpeg = await locateFfmpeg();
  ffprobePath = (await locateFfprobe({ ffmpegPath: ffmpeg.path })).path;
});

describe('buildEncodeArgs with the real FFmpeg', () => {
  it('encodes lavfi test sources into an FLV with the size, rate, codecs and keyframe interval asked for', async () => {
    // 4:3 source into a 16:9 canvas at half the source rate: exercises scale, pad and fps.
    const settings = validateEncoding({ width: 320, height: 180, fps: 15, videoBitrateKbps: 300, keyframeIntervalSec: 1, audioBitrateKbps: 64 });
    const argv = buildEncodeArgs(
      settings,
      [
        { args: ['-f', 'lavfi'], url: 'testsrc2=size=400x300:rate=30:duration=3', kind: 'video' },
        { args: ['-f', 'lavfi'], url: 'sine=frequency=440:sample_rate=44100:duration=3', kind: 'audio' },
      ],
      {},
      { ffmpegVersion: ffmpeg.version },
    );
    const { stdout } = await run(ffmpeg.path, argv, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    expect(stdout.subarray(0, 3).toString('latin1')).toBe('FLV');

    const file = join(tmpDir('ffmpeg-encode'), 'encode.flv');
    await writeFile(file, stdout);
    const probe = await run(ffprobePath, [
      '-v', 'error',
      '-show_entries', 'stream=codec_type,codec_name,width,height,r_frame_rate,profile,sample_rate,channels',
      '-show_entries', 'packet=stream_index,pts_time,flags',
      '-of', 'json',
      file,
    ]);
    const result = JSON.parse(probe.stdout) as ProbeResult;
    const videoIndex = result.streams.findIndex((s) => s.codec_type === 'video');
    const video = result.streams[videoIndex];
    const audio = result.streams.find((s) => s.codec_type === 'audio');
    expect(video).toMatchObject({ codec_name: 'h264', width: 320, height: 180, r_frame_rate: '15/1', profile: 'High' });
    expect(audio).toMatchObject({ codec_name: 'aac', sample_rate: '48000', channels: 2 });

    const videoPackets = result.packets.filter((p) => p.stream_index === videoIndex);
    expect(videoPackets).toHaveLength(45);
    const keyframeTimes = videoPackets
      .filter((p) => p.flags.startsWith('K'))
      .map((p) => Number(p.pts_time))
      .sort((a, b) => a - b);
    // B-frames delay presentation by a constant, so compare the spacing rather than absolute times.
    expect(keyframeTimes).toHaveLength(3);
    const gaps = keyframeTimes.slice(1).map((t, i) => t - (keyframeTimes[i] ?? 0));
    for (const gap of gaps) expect(gap).toBeCloseTo(1, 3);
  });
});
