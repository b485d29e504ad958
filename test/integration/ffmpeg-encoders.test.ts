import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENCODER_CACHE_FILE, probeEncoders, trialEncodeArgs, type EncoderStatus } from '../../electron/engine/ffmpeg/encoders.js';
import { locateFfmpeg, type FfmpegInfo } from '../../electron/engine/ffmpeg/locate.js';
import { tmpDir } from '../helpers/fixtures.js';

let ffmpeg: FfmpegInfo;
let cacheDir: string;
let first: EncoderStatus[];

const byName = (list: EncoderStatus[], name: string) => list.find((e) => e.name === name);

beforeAll(async () => {
  ffmpeg = await locateFfmpeg();
  cacheDir = tmpDir('ffmpeg-encoders');
  rmSync(join(cacheDir, ENCODER_CACHE_FILE), { force: true });
  first = await probeEncoders({ ffmpegPath: ffmpeg.path, cacheDir });
});

describe('probeEncoders', () => {
  it('reports every known H.264 encoder, x264 first and working', () => {
    expect(first.map((e) => e.name)).toEqual(['libx264', 'h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_videotoolbox', 'h264_vaapi']);
    expect(byName(first, 'libx264')).toEqual({ name: 'libx264', label: 'x264 (software)', hardware: false, listed: true, working: true });
  });

  it('separates listed from working: this GPU-less machine lists NVENC but cannot use it', () => {
    // Debian's FFmpeg lists nvenc, qsv and vaapi; the test machine has no NVIDIA driver nor /dev/dri.
    expect(byName(first, 'h264_nvenc')).toMatchObject({ hardware: true, listed: true, working: false, error: 'Cannot load libcuda.so.1' });
    expect(byName(first, 'h264_vaapi')).toMatchObject({ listed: true, working: false });
    expect(byName(first, 'h264_vaapi')?.error).toMatch(/VA display|Device creation failed|No such file/);
    expect(byName(first, 'h264_qsv')).toMatchObject({ listed: true, working: false });
  });

  it('marks encoders the build does not include as not listed', () => {
    expect(byName(first, 'h264_amf')).toMatchObject({ listed: false, working: false, error: 'not included in this FFmpeg build' });
    expect(byName(first, 'h264_videotoolbox')?.listed).toBe(false);
  });

  it('caches results per binary in the given directory and reuses them', async () => {
    const file = join(cacheDir, ENCODER_CACHE_FILE);
    expect(existsSync(file)).toBe(true);
    const cache = JSON.parse(readFileSync(file, 'utf8')) as { binaries: Record<string, { value: EncoderStatus[] }> };
    const entry = cache.binaries[ffmpeg.path];
    expect(entry?.value).toEqual(first);

    // A marker only the cache can produce proves the second call read it instead of probing.
    const marked = first.map((e) => (e.name === 'h264_qsv' ? { ...e, error: 'from the cache' } : e));
    if (entry) entry.value = marked;
    writeFileSync(file, JSON.stringify(cache));
    expect(byName(await probeEncoders({ ffmpegPath: ffmpeg.path, cacheDir }), 'h264_qsv')?.error).toBe('from the cache');
    expect(byName(await probeEncoders({ ffmpegPath: ffmpeg.path, cacheDir, refresh: true }), 'h264_qsv')?.error).not.toBe('from the cache');
  });

  it('probes again when the binary changed (mtime or size)', async () => {
    const file = join(cacheDir, ENCODER_CACHE_FILE);
    const cache = JSON.parse(readFileSync(file, 'utf8')) as { binaries: Record<string, { mtimeMs: number; value: EncoderStatus[] }> };
    const entry = cache.binaries[ffmpeg.path];
    if (!entry) throw new Error('no cache entry');
    entry.mtimeMs -= 1000;
    entry.value = entry.value.map((e) => ({ ...e, error: 'stale' }));
    writeFileSync(file, JSON.stringify(cache));
    const fresh = await probeEncoders({ ffmpegPath: ffmpeg.path, cacheDir, listedEncoders: ffmpeg.features.encoders });
    expect(byName(fresh, 'libx264')).toMatchObject({ working: true });
    expect(fresh.some((e) => e.error === 'stale')).toBe(false);
  });

  it('ignores a corrupt cache file', async () => {
    writeFileSync(join(cacheDir, ENCODER_CACHE_FILE), '{ not json');
    expect(byName(await probeEncoders({ ffmpegPath: ffmpeg.path, cacheDir }), 'libx264')?.working).toBe(true);
  });
});

describe('trialEncodeArgs', () => {
  it('encodes one frame with the stream options and writes nothing', () => {
    const argv = trialEncodeArgs('h264_nvenc');
    expect(argv).toEqual(expect.arrayContaining(['-frames:v', '1', '-an', '-tune', 'll', '-rc', 'cbr']));
    expect(argv.slice(-3)).toEqual(['-f', 'null', '-']);
  });
});
