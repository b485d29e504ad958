import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const TMP_ROOT = join(import.meta.dirname, '..', '.tmp');

export function tmpDir(name: string): string {
  const dir = join(TMP_ROOT, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface FlvFixtureOptions {
  seconds: number;
  width?: number;
  height?: number;
  fps?: number;
  /** Video bitrate in kbit/s (CBR-ish); default 1000. */
  videoKbps?: number;
  /** Keyframe interval in seconds; default 2. */
  keyframeSeconds?: number;
  audio?: boolean;
  video?: boolean;
}

/**
 * An H.264 + AAC FLV made by real FFmpeg from its lavfi test sources, cached under test/.tmp by its
 * parameters so that a suite makes each fixture once.
 */
export async function makeFlvFixture(options: FlvFixtureOptions): Promise<string> {
  const { seconds, width = 640, height = 360, fps = 30, videoKbps = 1000, keyframeSeconds = 2 } = options;
  const audio = options.audio ?? true;
  const video = options.video ?? true;
  const name = `fixture-${seconds}s-${width}x${height}-${fps}fps-${videoKbps}k-g${keyframeSeconds}${audio ? '-a' : ''}${video ? '-v' : ''}.flv`;
  const dir = tmpDir('fixtures');
  const file = join(dir, name);
  if (existsSync(file)) return file;
  const args = ['-hide_banner', '-loglevel', 'error', '-y'];
  if (video) args.push('-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`);
  if (audio) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`);
  if (video) {
    const gop = Math.round(fps * keyframeSeconds);
    args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(gop), '-keyint_min', String(gop));
    args.push('-sc_threshold', '0', '-b:v', `${videoKbps}k`, '-maxrate', `${videoKbps}k`, '-bufsize', `${videoKbps * 2}k`);
  }
  if (audio) args.push('-c:a', 'aac', '-b:a', '128k', '-ac', '2');
  const partial = `${file}.${process.pid}.partial.flv`;
  args.push('-f', 'flv', partial);
  await run('ffmpeg', args, { maxBuffer: 16 * 1024 * 1024 });
  renameSync(partial, file);
  return file;
}
