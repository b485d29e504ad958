import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assessFfmpeg,
  findOnPath,
  installHint,
  parseEncoders,
  parseFilters,
  parseFormats,
  parseLibraryVersions,
  parseVersion,
  unpackedAsarPath,
  type FfmpegListings,
} from '../../electron/engine/ffmpeg/locate.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ffmpeg');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const VERSIONS = ['4.4', '5.1', '6.1', '7.1'] as const;

function listings(version: string): FfmpegListings {
  return {
    version: fixture(`version-${version}.txt`),
    encoders: fixture(`encoders-${version}.txt`),
    filters: fixture(`filters-${version}.txt`),
    formats: fixture(`formats-${version}.txt`),
  };
}

describe('parseVersion', () => {
  it('reads the recorded -version of each supported release', () => {
    expect(parseVersion(fixture('version-4.4.txt'))).toEqual({
      text: '4.4.2-0ubuntu0.22.04.1',
      major: 4,
      minor: 4,
      patch: 2,
      inferred: false,
    });
    expect(parseVersion(fixture('version-5.1.txt'))).toMatchObject({ text: '5.1.9-0+deb12u1', major: 5, minor: 1, patch: 9 });
    expect(parseVersion(fixture('version-6.1.txt'))).toMatchObject({ text: '6.1.1', major: 6, minor: 1, patch: 1 });
    expect(parseVersion(fixture('version-7.1.txt'))).toMatchObject({
      text: '7.1-full_build-www.gyan.dev',
      major: 7,
      minor: 1,
      patch: 0,
      inferred: false,
    });
  });

  it('reads the common distribution spellings', () => {
    const first = (token: string) => parseVersion(`ffmpeg version ${token} Copyright (c) 2000-2024 the FFmpeg developers`);
    expect(first('n6.1.1')).toMatchObject({ major: 6, minor: 1, patch: 1 });
    expect(first('6.0-static')).toMatchObject({ major: 6, minor: 0 });
    expect(first('7.0.2-essentials_build-www.gyan.dev')).toMatchObject({ major: 7, minor: 0, patch: 2 });
  });

  it('dates git builds by their libavutil version', () => {
    const git = [
      'ffmpeg version N-117043-g8707c8660d-20240915 Copyright (c) 2000-2024 the FFmpeg developers',
      'built with gcc 14.2.0 (crosstool-NG 1.26.0.106_ed12fa6)',
      'libavutil      59. 36.100 / 59. 36.100',
      'libavcodec     61. 11.100 / 61. 11.100',
    ].join('\n');
    expect(parseVersion(git)).toEqual({ text: 'N-117043-g8707c8660d-20240915', major: 7, minor: 0, patch: 0, inferred: true });
    const dated = 'ffmpeg version 2021-03-01-git-abc Copyright\nlibavutil      56. 66.100 / 56. 66.100\n';
    expect(parseVersion(dated)).toMatchObject({ major: 4, minor: 3, inferred: true });
    const future = 'ffmpeg version N-1-gabc Copyright\nlibavutil      62.  1.100 / 62.  1.100\n';
    expect(parseVersion(future)).toMatchObject({ major: 10, minor: 0 });
  });

  it('returns null for anything that is not FFmpeg', () => {
    expect(parseVersion('')).toBeNull();
    expect(parseVersion('avconv version 12.3, Copyright (c) 2000-2018 the Libav developers')).toBeNull();
    expect(parseVersion('ffmpeg version N-1-gabc Copyright\n')).toBeNull();
  });

  it('distinguishes ffprobe', () => {
    const probe = 'ffprobe version 5.1.9-0+deb12u1 Copyright (c) 2007-2026 the FFmpeg developers\n';
    expect(parseVersion(probe, 'ffprobe')).toMatchObject({ major: 5, minor: 1 });
    expect(parseVersion(probe)).toBeNull();
  });

  it('reads every library line', () => {
    const libs = parseLibraryVersions(fixture('version-4.4.txt'));
    expect(libs.get('avutil')).toEqual({ major: 56, minor: 70, micro: 100 });
    expect(libs.get('avcodec')).toEqual({ major: 58, minor: 134, micro: 100 });
    expect(libs.size).toBe(8);
  });
});

describe('parseEncoders', () => {
  it.each(VERSIONS)('lists the encoders of %s and nothing from the legend', (version) => {
    const encoders = parseEncoders(fixture(`encoders-${version}.txt`));
    const names = encoders.map((e) => e.name);
    expect(names).toContain('libx264');
    expect(names).toContain('aac');
    expect(names).not.toContain('=');
    expect(encoders.find((e) => e.name === 'aac')?.type).toBe('audio');
    expect(encoders.find((e) => e.name === 'libx264')).toMatchObject({
      type: 'video',
      description: 'libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)',
    });
  });

  it('sees the hardware encoders each platform build lists', () => {
    const names = (version: string) => parseEncoders(fixture(`encoders-${version}.txt`)).map((e) => e.name);
    expect(names('5.1')).toEqual(expect.arrayContaining(['h264_nvenc', 'h264_qsv', 'h264_vaapi']));
    expect(names('6.1')).toContain('h264_videotoolbox');
    expect(names('7.1')).toEqual(expect.arrayContaining(['h264_amf', 'h264_nvenc', 'h264_qsv', 'h264_mf']));
  });
});

describe('parseFilters', () => {
  it.each(VERSIONS)('lists the filters of %s with their pads', (version) => {
    const filters = parseFilters(fixture(`filters-${version}.txt`));
    expect(filters.find((f) => f.name === 'overlay')).toMatchObject({ io: 'VV->V' });
    expect(filters.find((f) => f.name === 'testsrc2')).toMatchObject({ io: '|->V', description: 'Generate another test pattern.' });
    expect(filters.find((f) => f.name === 'amix')?.io).toBe('N->A');
    // The legend ("T.. = Timeline support", "A = Audio input/output") is not a filter.
    expect(filters.map((f) => f.name)).not.toContain('=');
  });
});

describe('parseFormats', () => {
  it.each(VERSIONS)('lists muxers and demuxers of %s', (version) => {
    const formats = parseFormats(fixture(`formats-${version}.txt`));
    expect(formats.find((f) => f.names.includes('flv'))).toMatchObject({ demux: true, mux: true });
    expect(formats.find((f) => f.names.includes('lavfi'))).toMatchObject({ demux: true, mux: false });
    expect(formats.find((f) => f.names.includes('mp4') && !f.names.includes('mov'))).toMatchObject({ demux: false, mux: true });
    expect(formats.find((f) => f.names.includes('mov'))?.names).toEqual(['mov', 'mp4', 'm4a', '3gp', '3g2', 'mj2']);
  });

  it('reads the device column FFmpeg 7 added and names too long for their column', () => {
    const v71 = parseFormats(fixture('formats-7.1.txt'));
    expect(v71.find((f) => f.names.includes('dshow'))).toMatchObject({ demux: true, mux: false, device: true });
    expect(v71.find((f) => f.names.includes('flv'))?.device).toBe(false);
    const v51 = parseFormats(fixture('formats-5.1.txt'));
    expect(v51.find((f) => f.names.includes('v4l2'))).toMatchObject({
      names: ['video4linux2', 'v4l2'],
      demux: true,
      mux: true,
      description: 'Video4Linux2 output device',
    });
  });
});

describe('assessFfmpeg', () => {
  it.each(VERSIONS)('accepts the recorded %s build', (version) => {
    const assessment = assessFfmpeg(listings(version));
    expect(assessment.problems).toEqual([]);
    expect(assessment.features.drawtext).toBe(true);
    expect(assessment.features.h264Encoders).toContain('libx264');
    expect(assessment.features.statsPeriod).toBe(version !== '4.4');
  });

  it('accepts Windows output with CRLF line ends', () => {
    const crlf = Object.fromEntries(
      Object.entries(listings('5.1')).map(([key, text]) => [key, text.replace(/\n/g, '\r\n')]),
    ) as unknown as FfmpegListings;
    expect(assessFfmpeg(crlf).problems).toEqual([]);
    expect(assessFfmpeg(crlf).features.h264Encoders).toEqual(['libx264', 'h264_nvenc', 'h264_qsv', 'h264_vaapi']);
  });

  it('rejects releases before 4.4', () => {
    const assessment = assessFfmpeg({ ...listings('4.4'), version: fixture('version-4.2.txt') });
    expect(assessment.problems).toEqual(['its version 4.2 is older than 4.4']);
  });

  it('names every missing feature', () => {
    const lgpl = {
      ...listings('6.1'),
      encoders: fixture('encoders-6.1.txt').replace(/^.*(libx264|h264_\w+).*$/gm, ''),
      filters: fixture('filters-6.1.txt').replace(/^.* (amix|testsrc2) .*$/gm, ''),
      formats: fixture('formats-6.1.txt').replace(/^.* lavfi .*$/m, ''),
    };
    expect(assessFfmpeg(lgpl).problems).toEqual(['it lacks an H.264 encoder (libx264 or a hardware one), the lavfi input, the filters testsrc2, amix']);
  });

  it('takes a build with a hardware H.264 encoder and no x264 (whether it works is for uplink encoders to find)', () => {
    const hardwareOnly = { ...listings('6.1'), encoders: fixture('encoders-6.1.txt').replace(/^.*libx264.*$/gm, '') };
    const assessment = assessFfmpeg(hardwareOnly);
    expect(assessment.problems).toEqual([]);
    expect(assessment.features.h264Encoders).not.toContain('libx264');
    expect(assessment.features.h264Encoders.length).toBeGreaterThan(0);
  });

  it('treats missing drawtext as a missing option, not a problem', () => {
    const noText = { ...listings('5.1'), filters: fixture('filters-5.1.txt').replace(/^.* drawtext .*$/m, '') };
    const assessment = assessFfmpeg(noText);
    expect(assessment.problems).toEqual([]);
    expect(assessment.features.drawtext).toBe(false);
  });
});

describe('unpackedAsarPath', () => {
  it('points into app.asar.unpacked, once', () => {
    const packed = '/opt/Uplink/resources/app.asar/node_modules/ffmpeg-static/ffmpeg';
    expect(unpackedAsarPath(packed)).toBe('/opt/Uplink/resources/app.asar.unpacked/node_modules/ffmpeg-static/ffmpeg');
    expect(unpackedAsarPath(unpackedAsarPath(packed))).toBe(unpackedAsarPath(packed));
    expect(unpackedAsarPath('C:\\Program Files\\Uplink\\resources\\app.asar\\node_modules\\ffmpeg-static\\ffmpeg.exe')).toBe(
      'C:\\Program Files\\Uplink\\resources\\app.asar.unpacked\\node_modules\\ffmpeg-static\\ffmpeg.exe',
    );
    expect(unpackedAsarPath('/home/me/uplink/node_modules/ffmpeg-static/ffmpeg')).toBe(
      '/home/me/uplink/node_modules/ffmpeg-static/ffmpeg',
    );
  });
});

describe('installHint', () => {
  it('gives the package manager command of each desktop platform', () => {
    expect(installHint('linux')).toBe('apt install ffmpeg');
    expect(installHint('darwin')).toBe('brew install ffmpeg');
    expect(installHint('win32')).toBe('winget install ffmpeg');
  });
});

describe('findOnPath on Windows', () => {
  // The file system is replaced by a list so that the Windows rules run on any system.
  const onDisk = (files: string[]) => async (file: string) => files.includes(file);

  it('tries PATHEXT extensions that run without a shell, in PATH order, with quoted entries', async () => {
    const env = { Path: 'C:\\Tools\\shims;"C:\\Program Files\\FFmpeg\\bin"', PATHEXT: '.COM;.EXE;.BAT;.CMD' };
    const files = ['C:\\Tools\\shims\\ffmpeg.cmd', 'C:\\Program Files\\FFmpeg\\bin\\ffmpeg.exe'];
    // The .cmd shim comes first on PATH but cannot be spawned without cmd.exe.
    expect(await findOnPath('ffmpeg', { env, platform: 'win32' }, onDisk(files))).toBe('C:\\Program Files\\FFmpeg\\bin\\ffmpeg.exe');
  });

  it('uses a default PATHEXT and takes names that already have an extension as they are', async () => {
    const files = ['D:\\bin\\ffmpeg.exe'];
    expect(await findOnPath('ffmpeg', { env: { PATH: 'D:\\bin' }, platform: 'win32' }, onDisk(files))).toBe('D:\\bin\\ffmpeg.exe');
    expect(await findOnPath('ffmpeg.exe', { env: { PATH: 'D:\\bin' }, platform: 'win32' }, onDisk(files))).toBe('D:\\bin\\ffmpeg.exe');
    expect(await findOnPath('ffmpeg', { env: { PATH: 'D:\\bin' }, platform: 'win32' }, onDisk(['D:\\bin\\ffmpeg']))).toBeNull();
  });
});
