import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listV4l2Nodes, parseV4l2Formats, parseV4l2OpenError } from '../../electron/engine/capture/v4l2.js';
import { tmpDir } from '../helpers/fixtures.js';

const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '../fixtures/devices', name), 'utf8');

describe('parseV4l2Formats', () => {
  it('reads raw and compressed formats of a UVC webcam, keeping descriptions with colons apart', () => {
    const formats = parseV4l2Formats(fixture('v4l2-formats-c920-4.4.txt'));
    const raw = formats.filter((f) => f.pixelFormat === 'yuyv422');
    expect(raw).toHaveLength(19);
    expect(raw[0]).toEqual({ pixelFormat: 'yuyv422', width: 640, height: 480 });
    expect(raw.at(-1)).toEqual({ pixelFormat: 'yuyv422', width: 2304, height: 1536 });
    expect(formats.filter((f) => f.codec === 'h264')).toHaveLength(17);
    expect(formats).toContainEqual({ codec: 'mjpeg', width: 1920, height: 1080 });
    expect(formats.every((f) => Number.isInteger(f.width) && f.width > 0 && f.height > 0)).toBe(true);
  });

  it('offers a stepwise size range (v4l2loopback) as its largest size', () => {
    expect(parseV4l2Formats(fixture('v4l2-formats-loopback-6.1.txt'))).toEqual([
      { pixelFormat: 'yuv420p', width: 8192, height: 8192 },
    ]);
  });

  it('skips formats FFmpeg has no name for and libv4l2 emulations', () => {
    expect(parseV4l2Formats(fixture('v4l2-formats-emulated-5.1.txt'))).toEqual([
      { pixelFormat: 'yuyv422', width: 640, height: 480 },
      { pixelFormat: 'yuyv422', width: 320, height: 240 },
      { codec: 'mjpeg', width: 1280, height: 720 },
      { codec: 'mjpeg', width: 640, height: 480 },
    ]);
  });

  it('finds no formats on a metadata node or an unreadable node', () => {
    expect(parseV4l2Formats(fixture('v4l2-metadata-node-7.1.txt'))).toEqual([]);
    expect(parseV4l2Formats(fixture('v4l2-permission-5.1.txt'))).toEqual([]);
  });
});

describe('parseV4l2OpenError', () => {
  it('tells a metadata node from a node the user may not open', () => {
    expect(parseV4l2OpenError(fixture('v4l2-metadata-node-7.1.txt'))).toBe('not a video capture device');
    expect(parseV4l2OpenError(fixture('v4l2-permission-5.1.txt'))).toBe('Permission denied');
    expect(parseV4l2OpenError(fixture('v4l2-formats-c920-4.4.txt'))).toBeUndefined();
  });
});

describe('listV4l2Nodes', () => {
  it('lists /dev/videoN nodes in number order with their sysfs names', async () => {
    const root = join(tmpDir('capture-v4l2-sysfs'), 'video4linux');
    rmSync(root, { recursive: true, force: true });
    for (const [node, name] of [
      ['video10', 'Dummy video device (0x0000)\n'],
      ['video2', 'HD Pro Webcam C920\n'],
      ['video3', 'HD Pro Webcam C920\n'],
    ] as const) {
      mkdirSync(join(root, node), { recursive: true });
      writeFileSync(join(root, node, 'name'), name);
    }
    mkdirSync(join(root, 'v4l-subdev0'), { recursive: true });
    mkdirSync(join(root, 'video4'), { recursive: true });
    expect(await listV4l2Nodes(root)).toEqual([
      { path: '/dev/video2', name: 'HD Pro Webcam C920' },
      { path: '/dev/video3', name: 'HD Pro Webcam C920' },
      { path: '/dev/video4', name: 'video4' },
      { path: '/dev/video10', name: 'Dummy video device (0x0000)' },
    ]);
  });

  it('lists nothing when the kernel has no V4L2 class', async () => {
    expect(await listV4l2Nodes(join(tmpDir('capture-v4l2-sysfs'), 'absent'))).toEqual([]);
  });
});
