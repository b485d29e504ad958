import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UplinkError } from '../../electron/engine/errors.js';
import { findOnPath, locateFfmpeg, locateFfprobe } from '../../electron/engine/ffmpeg/locate.js';
import { fakeFfmpeg } from '../helpers/fake-ffmpeg.js';
import { tmpDir } from '../helpers/fixtures.js';
import { runUplink } from '../helpers/publish.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ffmpeg');
const SYSTEM_PATH = '/usr/bin:/bin';
const noBundle = async (): Promise<string | null> => null;

let root: string;

/**
 * A stand-in that replays the recorded listings of an FFmpeg release this machine does not have
 * (4.2, 4.4, 6.1, 7.1): the real 5.1 is tested as itself below.
 */
function replayFfmpeg(dir: string, version: string, listings = version): string {
  return fakeFfmpeg(dir, {
    '-version': join(FIXTURES, `version-${version}.txt`),
    '-encoders': join(FIXTURES, `encoders-${listings}.txt`),
    '-filters': join(FIXTURES, `filters-${listings}.txt`),
    '-formats': join(FIXTURES, `formats-${listings}.txt`),
  });
}

function codeOf(promise: Promise<unknown>): Promise<UplinkError> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => {
      if (!(err instanceof UplinkError)) throw err;
      return err;
    },
  );
}

beforeAll(() => {
  root = tmpDir('ffmpeg-locate');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
});

describe('locateFfmpeg', () => {
  it('finds the system FFmpeg on PATH and reads its version and features', async () => {
    const info = await locateFfmpeg({ env: { PATH: SYSTEM_PATH }, loadBundledPath: noBundle });
    expect(info).toMatchObject({ path: '/usr/bin/ffmpeg', source: 'path', rejected: [] });
    expect(info.version).toMatchObject({ major: 5, minor: 1, inferred: false });
    expect(info.features.h264Encoders).toContain('libx264');
    expect(info.features.muxers).toContain('flv');
    expect(info.features.demuxers).toEqual(expect.arrayContaining(['lavfi', 'v4l2']));
    expect(info.features.statsPeriod).toBe(true);
  });

  it('prefers the path chosen in settings, then FFMPEG_PATH', async () => {
    const v71 = replayFfmpeg(join(root, 'v71'), '7.1');
    const v44 = replayFfmpeg(join(root, 'v44'), '4.4');
    const fromSetting = await locateFfmpeg({ explicitPath: v71, env: { PATH: SYSTEM_PATH, FFMPEG_PATH: v44 }, loadBundledPath: noBundle });
    expect(fromSetting).toMatchObject({ path: v71, source: 'setting', version: { major: 7, minor: 1 } });
    expect(fromSetting.features.h264Encoders).toEqual(['libx264', 'h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_vaapi']);

    const fromEnv = await locateFfmpeg({ env: { PATH: SYSTEM_PATH, FFMPEG_PATH: v44 }, loadBundledPath: noBundle });
    expect(fromEnv).toMatchObject({ path: v44, source: 'env', version: { major: 4, minor: 4 } });
    expect(fromEnv.features.statsPeriod).toBe(false);
  });

  it('skips unusable candidates it found by searching, says why, and uses the next one', async () => {
    const old = replayFfmpeg(join(root, 'static-v42'), '4.2', '4.4');
    const info = await locateFfmpeg({ env: { PATH: SYSTEM_PATH }, loadBundledPath: async () => old });
    expect(info.source).toBe('path');
    expect(info.rejected).toEqual([{ path: old, source: 'ffmpeg-static', reason: 'its version 4.2 is older than 4.4' }]);
  });

  it('uses the FFmpeg the user chose before FFMPEG_PATH, whatever FFMPEG_PATH holds', async () => {
    const v71 = replayFfmpeg(join(root, 'chosen-v71'), '7.1');
    const info = await locateFfmpeg({ explicitPath: v71, env: { PATH: SYSTEM_PATH, FFMPEG_PATH: join(root, 'nowhere', 'ffmpeg') }, loadBundledPath: noBundle });
    expect(info).toMatchObject({ path: v71, source: 'setting', rejected: [] });
  });

  it('takes a chosen bare name for that program on PATH', async () => {
    const info = await locateFfmpeg({ explicitPath: 'ffmpeg', chosenWith: '--ffmpeg', env: { PATH: SYSTEM_PATH }, loadBundledPath: noBundle });
    expect(info).toMatchObject({ path: '/usr/bin/ffmpeg', source: 'setting' });
    const err = await codeOf(locateFfmpeg({ explicitPath: 'ffmpeg-not-installed', chosenWith: '--ffmpeg', env: { PATH: SYSTEM_PATH }, loadBundledPath: noBundle }));
    expect(err.message).toMatch(/^--ffmpeg ffmpeg-not-installed does not exist/);
  });

  describe('an FFmpeg the user chose is used or refused, never replaced by another', () => {
    const folder = (): string => {
      const dir = join(root, 'a-folder');
      mkdirSync(dir, { recursive: true });
      return dir;
    };
    const notExecutable = (): string => {
      const file = join(root, 'not-executable', 'ffmpeg');
      mkdirSync(join(root, 'not-executable'), { recursive: true });
      writeFileSync(file, '#!/bin/sh\n');
      chmodSync(file, 0o644);
      return file;
    };
    const cases: [string, () => string, string, RegExp][] = [
      ['missing', () => join(root, 'nowhere', 'ffmpeg'), 'FFMPEG_NOT_FOUND', /does not exist/],
      ['a folder', folder, 'FFMPEG_UNSUITABLE', /is not a program/],
      ['not executable', notExecutable, 'FFMPEG_UNSUITABLE', /is not executable \(chmod \+x it\)/],
      ['not FFmpeg', () => '/bin/true', 'FFMPEG_UNSUITABLE', /is not FFmpeg \(it did not report an FFmpeg version\)/],
      ['too old', () => replayFfmpeg(join(root, 'chosen-v42'), '4.2', '4.4'), 'FFMPEG_UNSUITABLE', /cannot be used \(its version 4\.2 is older than 4\.4\)/],
    ];

    it.each(cases)('--ffmpeg naming something %s fails in one line naming the path', async (_what, make, code, problem) => {
      const chosen = make();
      // A usable FFmpeg is on PATH: it must not be used instead.
      const err = await codeOf(locateFfmpeg({ explicitPath: chosen, chosenWith: '--ffmpeg', env: { PATH: SYSTEM_PATH }, loadBundledPath: noBundle }));
      expect(err.code).toBe(code);
      expect(err.message).toMatch(problem);
      expect(err.message.startsWith(`--ffmpeg ${chosen} `)).toBe(true);
      expect(err.message).toContain('give the full path of FFmpeg 4.4 or newer, or leave out --ffmpeg to let Uplink find one.');
    });

    it('the app setting, with its own fix', async () => {
      const chosen = join(root, 'nowhere', 'ffmpeg');
      const err = await codeOf(locateFfmpeg({ explicitPath: chosen, env: { PATH: SYSTEM_PATH }, loadBundledPath: noBundle }));
      expect(err.message).toBe(
        `the FFmpeg chosen in Settings > FFmpeg (${chosen}) does not exist: choose FFmpeg 4.4 or newer there, or clear the choice to let Uplink find one.`,
      );
    });

    it('FFMPEG_PATH, an explicit choice too', async () => {
      const missing = await codeOf(locateFfmpeg({ env: { PATH: SYSTEM_PATH, FFMPEG_PATH: join(root, 'nowhere', 'ffmpeg') }, loadBundledPath: noBundle }));
      expect(missing.message).toBe(
        `FFMPEG_PATH (${join(root, 'nowhere', 'ffmpeg')}) does not exist: set it to the full path of FFmpeg 4.4 or newer, or unset it to let Uplink find one.`,
      );
      const old = replayFfmpeg(join(root, 'env-v42'), '4.2', '4.4');
      const tooOld = await codeOf(locateFfmpeg({ env: { PATH: SYSTEM_PATH, FFMPEG_PATH: old }, loadBundledPath: noBundle }));
      expect(tooOld.code).toBe('FFMPEG_UNSUITABLE');
      expect(tooOld.message).toContain(`FFMPEG_PATH (${old}) cannot be used (its version 4.2 is older than 4.4)`);
    });
  });

  it('uses ffmpeg-static from app.asar.unpacked in a packaged app', async () => {
    const resources = join(root, 'Uplink', 'resources');
    const unpacked = join(resources, 'app.asar.unpacked', 'node_modules', 'ffmpeg-static');
    replayFfmpeg(unpacked, '6.1');
    const info = await locateFfmpeg({
      env: { PATH: SYSTEM_PATH },
      loadBundledPath: async () => join(resources, 'app.asar', 'node_modules', 'ffmpeg-static', 'ffmpeg'),
    });
    expect(info).toMatchObject({ source: 'ffmpeg-static', path: join(unpacked, 'ffmpeg'), version: { major: 6, minor: 1 } });
  });

  it('fails with FFMPEG_NOT_FOUND naming the three fixes when there is none', async () => {
    const empty = join(root, 'empty');
    mkdirSync(empty, { recursive: true });
    const err = await codeOf(locateFfmpeg({ env: { PATH: empty }, platform: 'linux', loadBundledPath: noBundle }));
    expect(err.code).toBe('FFMPEG_NOT_FOUND');
    expect(err.message).toBe(
      "FFmpeg was not found (nothing chosen with --ffmpeg, in Settings or in FFMPEG_PATH; no ffmpeg-static package; no ffmpeg on the PATH): install FFmpeg (apt install ffmpeg), set FFMPEG_PATH to the program's full path, or choose it in Settings > FFmpeg.",
    );
  });

  it('fails with FFMPEG_UNSUITABLE when every candidate found is unusable, saying why', async () => {
    const old = replayFfmpeg(join(root, 'only-old'), '4.2', '4.4');
    const err = await codeOf(locateFfmpeg({ env: { PATH: join(root, 'only-old') }, loadBundledPath: noBundle }));
    expect(err.code).toBe('FFMPEG_UNSUITABLE');
    expect(err.message).toContain(`${old}: its version 4.2 is older than 4.4`);
    expect(err.message).toContain('FFMPEG_PATH');
    expect(err.message).toContain('Settings');
  });
});

describe('findOnPath', () => {
  it('skips files that are not executable and takes the first executable one', async () => {
    const first = join(root, 'path-a');
    const second = join(root, 'path-b');
    mkdirSync(first, { recursive: true });
    writeFileSync(join(first, 'ffmpeg'), '#!/bin/sh\n');
    chmodSync(join(first, 'ffmpeg'), 0o644);
    replayFfmpeg(second, '5.1');
    expect(await findOnPath('ffmpeg', { env: { PATH: `${first}:${second}` }, platform: 'linux' })).toBe(join(second, 'ffmpeg'));
    expect(await findOnPath('ffmpeg', { env: { PATH: first }, platform: 'linux' })).toBeNull();
  });
});

describe('locateFfprobe', () => {
  it('finds ffprobe beside the FFmpeg in use before PATH', async () => {
    const dir = join(root, 'with-probe');
    const ffmpegPath = replayFfmpeg(dir, '7.1');
    symlinkSync('/usr/bin/ffprobe', join(dir, 'ffprobe'));
    const probe = await locateFfprobe({ ffmpegPath, env: { PATH: SYSTEM_PATH } });
    expect(probe).toMatchObject({ path: join(dir, 'ffprobe'), source: 'beside-ffmpeg', version: { major: 5, minor: 1 } });
  });

  it('falls back to PATH, and honours FFPROBE_PATH first', async () => {
    const ffmpegPath = replayFfmpeg(join(root, 'no-probe'), '7.1');
    expect(await locateFfprobe({ ffmpegPath, env: { PATH: SYSTEM_PATH } })).toMatchObject({ path: '/usr/bin/ffprobe', source: 'path' });
    const copy = join(root, 'probe-copy');
    mkdirSync(copy, { recursive: true });
    copyFileSync('/usr/bin/ffprobe', join(copy, 'ffprobe'));
    chmodSync(join(copy, 'ffprobe'), 0o755);
    expect(await locateFfprobe({ ffmpegPath, env: { PATH: SYSTEM_PATH, FFPROBE_PATH: join(copy, 'ffprobe') } })).toMatchObject({
      source: 'env',
    });
  });

  it('fails with FFPROBE_NOT_FOUND, and does not take ffmpeg for ffprobe', async () => {
    const err = await codeOf(locateFfprobe({ explicitPath: '/usr/bin/ffmpeg', env: { PATH: join(root, 'empty') }, platform: 'linux' }));
    expect(err.code).toBe('FFPROBE_NOT_FOUND');
    expect(err.message).toContain('not FFprobe');
    expect(err.message).toContain('FFPROBE_PATH');
  });
});

describe('the assessment cache', () => {
  it('answers from the cache while the binary is unchanged', async () => {
    const dir = tmpDir('locate-cache');
    const file = join(dir, 'ffmpeg-binaries.json');
    rmSync(file, { force: true });
    const first = await locateFfmpeg({ cacheDir: dir });
    const cache = JSON.parse(readFileSync(file, 'utf8')) as { binaries: Record<string, { value: { version: { text: string } } }> };
    // A marker only the cache can produce proves the second call read it instead of running FFmpeg.
    cache.binaries[first.path]!.value.version.text = 'from-the-cache';
    writeFileSync(file, JSON.stringify(cache));
    expect((await locateFfmpeg({ cacheDir: dir })).version.text).toBe('from-the-cache');
  });
});

describe('uplink --ffmpeg', () => {
  it('fails in one line when the FFmpeg named does not exist, though another is on PATH', async () => {
    const missing = join(root, 'nowhere', 'ffmpeg');
    const result = await runUplink(['--ffmpeg', missing, 'encoders'], { PATH: `${SYSTEM_PATH}:${process.env.PATH ?? ''}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`uplink: --ffmpeg ${missing} does not exist: give the full path of FFmpeg 4.4 or newer, or leave out --ffmpeg to let Uplink find one.\n`);
    expect(result.stdout).toBe('');
  });
});
