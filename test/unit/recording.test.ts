import { describe, expect, it } from 'vitest';
import {
  defaultRemuxOutput,
  describeRecordingFailure,
  describeWriteFailure,
  formatBytes,
  recordingArgs,
} from '../../electron/engine/outputs/recording.js';

const FILE = '/videos/take.mkv';

describe('recordingArgs', () => {
  it('copies FLV from stdin into Matroska in half-second clusters', () => {
    expect(recordingArgs(FILE)).toEqual([
      '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error',
      '-f', 'flv', '-i', 'pipe:0',
      '-map', '0:v?', '-map', '0:a?', '-c', 'copy',
      '-f', 'matroska', '-cluster_time_limit', '500',
      '-flush_packets', '1', '-y', `file:${FILE}`,
    ]);
  });

  it('writes fragmented MP4 that is playable up to its last fragment', () => {
    const args = recordingArgs('/videos/take.mp4', 'fmp4');
    expect(args.join(' ')).toContain('-c copy -f mp4 -movflags +frag_keyframe+empty_moov+default_base_moof -frag_duration 500000');
    // file: keeps FFmpeg from reading "take:2.mp4" as a protocol name.
    expect(args.at(-1)).toBe('file:/videos/take.mp4');
  });
});

describe('describeWriteFailure', () => {
  it.each([
    ['ENOSPC', 'the disk is full'],
    ['av_interleaved_write_frame(): No space left on device', 'the disk is full'],
    ['EACCES', 'permission denied'],
    ['/videos/take.mkv: Permission denied', 'permission denied'],
    ['EROFS', 'the disk is read-only'],
    ['ENOENT', 'the folder does not exist'],
    ['Error writing trailer of /videos/take.mkv: File too large', 'the file reached the largest size'],
    ['EDQUOT', 'the disk quota is used up'],
  ])('%s -> %s', (text, reason) => {
    const error = describeWriteFailure(FILE, text);
    expect(error?.code).toBe('RECORDING_WRITE_FAILED');
    expect(error?.message).toContain(`cannot write the recording to ${FILE}: ${reason}`);
  });

  it('says nothing about lines that are not file system failures', () => {
    expect(describeWriteFailure(FILE, 'Non-monotonous DTS in output stream 0:1')).toBeUndefined();
  });
});

describe('describeRecordingFailure', () => {
  it('prefers the last write failure in stderr', () => {
    const error = describeRecordingFailure(FILE, {
      code: 1,
      signal: null,
      stderr: ['[matroska @ 0x1] Error writing packet', 'av_interleaved_write_frame(): No space left on device'],
    });
    expect(error.message).toMatch(/the disk is full; free some space/);
  });

  it('names the signal when FFmpeg was killed, and says the file keeps what it has', () => {
    const error = describeRecordingFailure(FILE, { code: null, signal: 'SIGKILL', stderr: [] });
    expect(error.code).toBe('RECORDING_FAILED');
    expect(error.message).toContain('SIGKILL');
    expect(error.message).toContain('keeps what was written');
  });

  it('falls back to the last stderr line without FFmpeg prefixes', () => {
    const error = describeRecordingFailure(FILE, { code: 1, signal: null, stderr: ['[flv @ 0x55d] Something odd happened'] });
    expect(error.message).toContain('(Something odd happened)');
  });
});

describe('small helpers', () => {
  it('names the remuxed file after the recording', () => {
    expect(defaultRemuxOutput('/v/take.mkv')).toBe('/v/take.mp4');
    expect(defaultRemuxOutput('/v/take.mp4')).toBe('/v/take.remux.mp4');
  });

  it('formats queue sizes for people', () => {
    expect(formatBytes(32 * 1024 * 1024)).toBe('32 MiB');
    expect(formatBytes(100_000)).toBe('98 KiB');
    expect(formatBytes(10)).toBe('10 bytes');
  });
});
