import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CommandRunner } from '../../electron/engine/capture/run.js';
import { UplinkError } from '../../electron/engine/errors.js';
import { compositorSupport, parseCompositorSupport, probeCompositorSupport } from '../../electron/engine/ffmpeg/capabilities.js';

/** Listings recorded from Debian 12's FFmpeg 5.1.9 (`ffmpeg -hide_banner -filters` ...). */
function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/ffmpeg/compositor/${name}`, import.meta.url), 'utf8');
}

const filters = fixture('filters-5.1-debian12.txt');
const muxers = fixture('muxers-5.1-debian12.txt');
const encoders = fixture('encoders-5.1-debian12.txt');

/** The listing without the rows of these names, as a build without them would print it. */
function without(listing: string, names: readonly string[]): string {
  return listing
    .split('\n')
    .filter((line) => !names.some((name) => new RegExp(`^ *\\S+ +${name} `).test(line)))
    .join('\n');
}

describe('parseCompositorSupport', () => {
  it("finds everything in Debian 12's FFmpeg 5.1, with zmq for control", () => {
    expect(parseCompositorSupport(filters, muxers, encoders)).toEqual({ control: 'zmq', missing: [], essential: [] });
  });

  it('falls back to stdin without zmq and names the missing streamselect', () => {
    const support = parseCompositorSupport(fixture('filters-5.1-no-zmq-no-streamselect.txt'), muxers, encoders);
    expect(support).toEqual({ control: 'rebuild', missing: ['the streamselect filter'], essential: ['the streamselect filter'] });
  });

  it('names what serves a feature, so the check says what is lost', () => {
    const support = parseCompositorSupport(
      without(filters, ['drawtext', 'astats', 'blend']),
      without(muxers, ['fifo', 'mjpeg']),
      without(encoders, ['mjpeg']),
    );
    expect(support.missing).toEqual([
      'the astats filter (audio meters)',
      'the blend filter',
      'the drawtext filter (text sources)',
      'the mjpeg encoder (preview)',
      'the fifo muxer (preview)',
      'the mjpeg muxer (preview)',
    ]);
    expect(support.essential).toEqual(['the blend filter']);
  });

  it('asks for a hardware H.264 encoder when libx264 is missing', () => {
    expect(parseCompositorSupport(filters, muxers, without(encoders, ['libx264'])).missing).toEqual([
      'the libx264 encoder (a working hardware H.264 encoder is needed instead: h264_nvenc, h264_qsv, h264_vaapi)',
    ]);
    const noH264 = without(encoders, ['libx264', 'h264_\\w+']);
    expect(parseCompositorSupport(filters, muxers, noH264).missing).toEqual([
      'the libx264 encoder (and it lists no hardware H.264 encoder)',
    ]);
  });

  it('takes -formats instead of -muxers', () => {
    const formats = ' DE flv    FLV (Flash Video)\n';
    const support = parseCompositorSupport(filters, `File formats:\n --\n${formats}`, encoders);
    expect(support.missing).toEqual([
      'the fifo muxer (preview)',
      'the mjpeg muxer (preview)',
      'the rawvideo muxer',
      'the s16le muxer',
      'the nut muxer',
    ]);
  });

  it('names everything when the listings are empty', () => {
    const support = parseCompositorSupport('', '', '');
    expect(support.control).toBe('rebuild');
    expect(support.missing).toHaveLength(19 + 1 + 2 + 6);
  });
});

describe('compositorSupport', () => {
  it("reads the names locate.ts's FfmpegFeatures already holds", () => {
    expect(compositorSupport({ filters: ['zmq'], muxers: [], encoders: [] }).control).toBe('zmq');
  });
});

describe('probeCompositorSupport', () => {
  const recorded: CommandRunner = (_command, args) =>
    Promise.resolve({ code: 0, stdout: args[1] === '-filters' ? filters : args[1] === '-muxers' ? muxers : encoders, stderr: '' });

  it('runs the three listings', async () => {
    const calls: string[][] = [];
    const run: CommandRunner = (command, args, options) => {
      calls.push([command, ...args]);
      return recorded(command, args, options);
    };
    expect(await probeCompositorSupport('/opt/ffmpeg', run)).toEqual({ control: 'zmq', missing: [], essential: [] });
    expect(calls.sort()).toEqual([
      ['/opt/ffmpeg', '-hide_banner', '-encoders'],
      ['/opt/ffmpeg', '-hide_banner', '-filters'],
      ['/opt/ffmpeg', '-hide_banner', '-muxers'],
    ]);
  });

  it('says so in one sentence when FFmpeg cannot be run', async () => {
    const missing: CommandRunner = (command) =>
      Promise.resolve({ code: null, stdout: '', stderr: '', failure: `${command} is not installed` });
    const err = await probeCompositorSupport('/nowhere/ffmpeg', missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UplinkError);
    expect((err as UplinkError).code).toBe('FFMPEG_PROBE_FAILED');
    expect((err as UplinkError).message).toMatch(/^FFmpeg could not list its \w+ \(\/nowhere\/ffmpeg is not installed\): check/);
  });

  it('probes the real FFmpeg of this machine', async () => {
    expect(await probeCompositorSupport('ffmpeg')).toEqual({ control: 'zmq', missing: [], essential: [] });
  });
});
