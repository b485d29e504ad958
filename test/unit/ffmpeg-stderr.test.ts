import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  LineSplitter,
  classifyFailure,
  cleanStderrLine,
  parseProgressLine,
  parseTimestamp,
  splitLines,
  type FailureReason,
} from '../../electron/engine/ffmpeg/stderr.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ffmpeg');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

function progressOf(text: string) {
  const splitter = new LineSplitter();
  const lines = [...splitter.push(text), ...splitter.flush()];
  return lines.map(parseProgressLine).filter((p) => p !== null);
}

describe('parseProgressLine', () => {
  it('reads every field of a 5.1 line, with padding inside the fields', () => {
    expect(
      parseProgressLine('frame=   38 fps= 25 q=21.0 size=      60kB time=00:00:01.37 bitrate= 360.3kbits/s speed=0.91x    '),
    ).toEqual({
      frame: 38,
      fps: 25,
      bitrateKbps: 360.3,
      speed: 0.91,
      timeSec: 1.37,
      dup: 0,
      drop: 0,
      sizeKb: 60,
      final: false,
    });
  });

  it('reads dup/drop, KiB sizes (6.1+), elapsed= (7.x) and level-tagged lines', () => {
    const line =
      '[info] frame=  120 fps= 30 q=29.0 size=    1024KiB time=00:00:03.93 bitrate=2134.5kbits/s dup=1 drop=3 speed=0.998x elapsed=0:00:04.01    ';
    expect(parseProgressLine(line)).toMatchObject({ frame: 120, sizeKb: 1024, dup: 1, drop: 3, speed: 0.998, timeSec: 3.93 });
  });

  it('maps N/A to null and marks the final Lsize line', () => {
    expect(parseProgressLine('frame=    0 fps=0.0 q=0.0 size=       0KiB time=N/A bitrate=N/A speed=N/A    ')).toMatchObject({
      frame: 0,
      timeSec: null,
      bitrateKbps: null,
      speed: null,
      sizeKb: 0,
      final: false,
    });
    expect(parseProgressLine('frame=   60 fps=0.0 q=-1.0 Lsize=     102kB time=00:00:02.02 bitrate= 413.3kbits/s speed=41.7x')).toMatchObject({
      sizeKb: 102,
      final: true,
      speed: 41.7,
    });
  });

  it('parses audio-only lines, which have no frame=', () => {
    expect(parseProgressLine('size=     256kB time=00:00:16.00 bitrate= 131.1kbits/s speed=   1x    ')).toMatchObject({
      frame: null,
      fps: null,
      sizeKb: 256,
      speed: 1,
      timeSec: 16,
    });
  });

  it('keeps the first q= when several video streams are encoded', () => {
    expect(parseProgressLine('frame=   10 fps=0.0 q=28.0 q=23.0 size=  10kB time=00:00:00.40 bitrate= 200.0kbits/s speed=1x')?.frame).toBe(10);
  });

  it('ignores other lines, including ones that mention sizes', () => {
    expect(parseProgressLine('video:82kB audio:17kB subtitle:0kB other streams:0kB global headers:0kB muxing overhead: 3.08%')).toBeNull();
    expect(parseProgressLine('  Stream #0:0: Video: h264, yuv420p, 160x120, q=2-31, 30 fps, 1k tbn')).toBeNull();
    expect(parseProgressLine('')).toBeNull();
  });

  it('parses the recorded progress of FFmpeg 4.4, 5.1, 6.1 and 7.1', () => {
    const v44 = progressOf(fixture('progress-4.4.txt'));
    expect(v44.map((p) => p.frame)).toEqual([0, 16, 31, 45]);
    expect(v44[2]).toMatchObject({ dup: 3, drop: 1, sizeKb: 117, bitrateKbps: 1024.3 });
    expect(v44.at(-1)?.final).toBe(true);

    const v51 = progressOf(fixture('progress-5.1.txt'));
    expect(v51.map((p) => p.frame)).toEqual([1, 13, 26, 38, 50, 50]);
    expect(v51.at(-1)).toMatchObject({ final: true, sizeKb: 85, timeSec: 2.02 });

    const v61 = progressOf(fixture('progress-6.1.txt'));
    expect(v61.map((p) => p.sizeKb)).toEqual([0, 256, 366]);
    expect(v61[1]).toMatchObject({ dup: 2, bitrateKbps: 1466.1 });

    const v71 = progressOf(fixture('progress-7.1.txt'));
    expect(v71.map((p) => p.frame)).toEqual([0, 120, 150]);
    expect(v71.at(-1)).toMatchObject({ final: true, timeSec: 3724.97, drop: 3, sizeKb: 1283 });
  });
});

describe('parseTimestamp', () => {
  it('handles hours beyond 99 and the negative start FFmpeg prints before the first frame', () => {
    expect(parseTimestamp('00:00:01.50')).toBe(1.5);
    expect(parseTimestamp('100:00:00.00')).toBe(360000);
    expect(parseTimestamp('-00:00:00.02')).toBe(-0.02);
    expect(parseTimestamp('N/A')).toBeNull();
  });
});

describe('splitLines / LineSplitter', () => {
  it('splits on \\r, \\n and \\r\\n and keeps the unterminated tail', () => {
    expect(splitLines('', 'a\rb\nc\r\nd')).toEqual({ lines: ['a', 'b', 'c'], rest: 'd' });
    expect(splitLines('par', 'tial\n')).toEqual({ lines: ['partial'], rest: '' });
  });

  it('does not invent a line when \\r\\n is split across chunks', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('one\r')).toEqual(['one']);
    expect(splitter.push('\ntwo\r')).toEqual(['two']);
    expect(splitter.push('thr')).toEqual([]);
    expect(splitter.push('ee')).toEqual([]);
    expect(splitter.flush()).toEqual(['three']);
    expect(splitter.flush()).toEqual([]);
  });

  it('gives the same lines however a recorded stderr is chunked', () => {
    const text = fixture('stderr-5.1-broken-pipe.txt');
    const whole = new LineSplitter();
    const expected = [...whole.push(text), ...whole.flush()];
    for (const size of [1, 7, 64]) {
      const splitter = new LineSplitter();
      const lines: string[] = [];
      for (let i = 0; i < text.length; i += size) lines.push(...splitter.push(text.slice(i, i + size)));
      lines.push(...splitter.flush());
      expect(lines).toEqual(expected);
    }
    expect(expected.length).toBeGreaterThan(20);
  });
});

describe('cleanStderrLine', () => {
  it('drops context and level prefixes', () => {
    expect(cleanStderrLine('[video4linux2,v4l2 @ 0x5566a4b83880] [error] Cannot open video device /dev/video99: No such file or directory')).toBe(
      'Cannot open video device /dev/video99: No such file or directory',
    );
    expect(cleanStderrLine('[vost#0:0/h264_nvenc @ 0000020bd1a3e6c0] Could not open encoder before EOF\r')).toBe(
      'Could not open encoder before EOF',
    );
  });
});

describe('classifyFailure', () => {
  const cases: [file: string, reason: FailureReason, detail: RegExp][] = [
    ['stderr-5.1-v4l2-missing.txt', 'device-missing', /Cannot open video device \/dev\/video99/],
    ['stderr-6.1-avfoundation-missing.txt', 'device-missing', /Video device not found/],
    ['stderr-7.1-dshow-missing.txt', 'device-missing', /Could not find video device with name \[HD Pro Webcam C920\]/],
    ['stderr-4.4-pulse-missing.txt', 'device-missing', /Input\/output error/],
    ['stderr-4.4-v4l2-busy.txt', 'device-busy', /VIDIOC_STREAMON\): Device or resource busy/],
    ['stderr-7.1-dshow-busy.txt', 'device-busy', /Could not run graph/],
    ['stderr-5.1-unknown-encoder.txt', 'encoder-failed', /^Unknown encoder 'h264_bogus'$/],
    ['stderr-7.1-unknown-encoder.txt', 'encoder-failed', /^Unknown encoder 'h264_bogus'$/],
    ['stderr-5.1-nvenc-no-cuda.txt', 'encoder-failed', /^Cannot load libcuda\.so\.1$/],
    ['stderr-7.1-nvenc-no-driver.txt', 'encoder-failed', /^Cannot load nvcuda\.dll$/],
    ['stderr-6.1-nvenc-no-device.txt', 'encoder-failed', /^No NVENC capable devices found$/],
    ['stderr-5.1-vaapi-no-device.txt', 'encoder-failed', /No VA display found/],
    ['stderr-5.1-qsv-no-device.txt', 'encoder-failed', /Error initializing an internal MFX session/],
    ['stderr-5.1-unrecognized-option.txt', 'invalid-argument', /Unrecognized option 'bogus'/],
    ['stderr-5.1-no-such-filter.txt', 'invalid-argument', /No such filter: 'nosuchfilter'/],
    ['stderr-5.1-broken-pipe.txt', 'output-closed', /Broken pipe/],
    ['stderr-5.1-sigterm.txt', 'killed', /received signal 15/],
  ];

  it.each(cases)('%s is %s', (file, reason, detail) => {
    const code = reason === 'killed' ? 255 : 1;
    const failure = classifyFailure({ stderr: fixture(file), code, signal: null });
    expect(failure.reason).toBe(reason);
    expect(failure.detail).toMatch(detail);
    expect(failure.message).not.toContain('\n');
    expect(failure.message.length).toBeGreaterThan(20);
  });

  it('reports a signal as killed, SIGPIPE as output closed', () => {
    expect(classifyFailure({ stderr: '', code: null, signal: 'SIGKILL' })).toMatchObject({ reason: 'killed' });
    expect(classifyFailure({ stderr: '', code: null, signal: 'SIGKILL' }).message).toContain('SIGKILL');
    expect(classifyFailure({ stderr: [], code: null, signal: 'SIGPIPE' }).reason).toBe('output-closed');
  });

  it('falls back to unknown with the last error-like line and the exit code', () => {
    const failure = classifyFailure({ stderr: ['Input #0, lavfi', 'Something failed badly', 'Conversion failed!'], code: 187, signal: null });
    expect(failure.reason).toBe('unknown');
    expect(failure.detail).toBe('Conversion failed!');
    expect(failure.message).toContain('exit code 187');
    expect(classifyFailure({ stderr: '', code: 1, signal: null }).detail).toBeUndefined();
  });

  it('prefers the encoder over the generic Invalid argument that follows it', () => {
    const failure = classifyFailure({
      stderr: ['[h264_nvenc @ 0x1] Cannot load libcuda.so.1', '[fatal] Invalid argument'],
      code: 1,
      signal: null,
    });
    expect(failure.reason).toBe('encoder-failed');
  });
});

describe('classifyFailure: sources FFmpeg cannot use', () => {
  it('names an unknown colour and a file that is not media as a source problem, not as our settings', () => {
    const colour = classifyFailure({
      stderr: [
        "[Parsed_color_0 @ 0x5581] Cannot find color 'notacolour'",
        "[Parsed_color_0 @ 0x5581] Error initializing filter 'color' with args 'color=notacolour:size=320x180:rate=15'",
        'notacolour: Invalid argument',
      ],
      code: 1,
      signal: null,
    });
    expect(colour).toMatchObject({ reason: 'source-invalid', detail: "Cannot find color 'notacolour'" });
    expect(colour.message).toContain('colour');
    const file = classifyFailure({ stderr: ['/tmp/notes.mp4: Invalid data found when processing input'], code: 1, signal: null });
    expect(file).toMatchObject({ reason: 'source-invalid', detail: '/tmp/notes.mp4: Invalid data found when processing input' });
  });
});
