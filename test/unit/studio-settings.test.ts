import { describe, expect, it } from 'vitest';
import { recordingName } from '../../electron/contract.js';
import { Studio } from '../../electron/engine/studio.js';
import { remotePathGuard } from '../../electron/remote/paths.js';

const ROOTS = ['/p/media', '/p/recordings'];
const disk = (path: string): string | undefined => (['/p', '/p/media', '/p/recordings', '/p/media/logo.png', '/etc', '/etc/passwd'].includes(path) ? path : undefined);

/** An OBS collection with one image at `file` and a colour, as OBS saves it (the parts the importer reads). */
function obsWithImage(file: string): Record<string, unknown> {
  return {
    name: 'show',
    current_scene: 'Scene',
    scene_order: [{ name: 'Scene' }],
    sources: [
      { id: 'color_source', versioned_id: 'color_source_v3', name: 'Back', settings: { color: 4278190335, width: 1920, height: 1080 } },
      { id: 'image_source', name: 'Logo', settings: { file } },
      {
        id: 'scene',
        name: 'Scene',
        settings: {
          items: [
            { name: 'Back', id: 1, visible: true, locked: false, pos: { x: 0, y: 0 }, scale: { x: 1, y: 1 }, rot: 0, align: 5, bounds_type: 0, bounds: { x: 0, y: 0 }, crop_left: 0, crop_top: 0, crop_right: 0, crop_bottom: 0 },
            { name: 'Logo', id: 2, visible: true, locked: false, pos: { x: 10, y: 10 }, scale: { x: 1, y: 1 }, rot: 0, align: 5, bounds_type: 0, bounds: { x: 0, y: 0 }, crop_left: 0, crop_top: 0, crop_right: 0, crop_bottom: 0 },
          ],
        },
      },
    ],
  };
}

describe('the remote guard on the studio settings and OBS imports', () => {
  const guard = remotePathGuard(ROOTS, disk);

  it('refuses an OBS collection that shows a file outside the allowed folders, naming the source', () => {
    expect(guard('importObsCollection', [obsWithImage('/etc/passwd')])).toMatchObject({
      code: 'PATH_NOT_ALLOWED',
      field: expect.stringMatching(/^obsCollection\.sources\[\d\]\.settings\.file$/),
      message: expect.stringContaining('/etc/passwd'),
    });
    expect(guard('importObsCollection', [obsWithImage('/p/media/logo.png')])).toBeUndefined();
    // Not an OBS collection at all: the studio says so itself.
    expect(guard('importObsCollection', [{ hello: 'world' }])).toBeUndefined();
  });

  it('keeps the recordings folder inside the allowed folders, and the FFmpeg program out of a remote\'s reach', () => {
    expect(guard('setRecordingSettings', [{ folder: '/etc' }])).toMatchObject({ code: 'PATH_NOT_ALLOWED', field: 'folder' });
    expect(guard('setRecordingSettings', [{ folder: '/p/recordings' }])).toBeUndefined();
    expect(guard('setRecordingSettings', [{ folder: null, format: 'mp4' }])).toBeUndefined();
    expect(guard('setFfmpegPath', ['/tmp/evil'])).toMatchObject({ code: 'PATH_NOT_ALLOWED', field: 'path' });
    expect(guard('setFfmpegPath', [null])).toBeUndefined();
  });
});

describe('recording settings', () => {
  it('are in the snapshot, refused at the field when wrong, and kept by the profile', async () => {
    const studio = new Studio();
    expect((await studio.getState()).recordingSettings).toEqual({ folder: null, format: 'mkv' });
    await expect(studio.setRecordingSettings({ format: 'avi' as 'mkv' })).rejects.toMatchObject({ field: 'format', message: expect.stringContaining('mkv, mp4, flv') });
    await expect(studio.setRecordingSettings({ folder: '' })).rejects.toMatchObject({ field: 'folder' });
    expect(await studio.setRecordingSettings({ format: 'mp4', folder: '/videos' })).toEqual({ folder: '/videos', format: 'mp4' });
    expect((await studio.getState()).recordingSettings).toEqual({ folder: '/videos', format: 'mp4' });

    const saved = studio.exportSettings();
    expect(saved).toMatchObject({ recording: { folder: '/videos', format: 'mp4' }, ffmpegPath: null });
    const restarted = new Studio();
    await restarted.restoreSettings(JSON.parse(JSON.stringify(saved)));
    expect((await restarted.getState()).recordingSettings).toEqual({ folder: '/videos', format: 'mp4' });
    // A profile saved before these settings existed restores the defaults.
    const { recording: _r, ffmpegPath: _f, ...old } = saved;
    await restarted.restoreSettings(old);
    expect((await restarted.getState()).recordingSettings).toEqual({ folder: null, format: 'mkv' });
  });

  it('name a recording started without a name by its date, in the chosen format', () => {
    const date = new Date(2026, 0, 2, 3, 4, 5);
    expect(recordingName(date, 'mkv')).toBe('recording-20260102-030405.mkv');
    expect(recordingName(date, 'flv')).toBe('recording-20260102-030405.flv');
  });
});

describe('the FFmpeg setting', () => {
  it('refuses a program that is not there at the field, and keeps the one in use', async () => {
    const studio = new Studio();
    await expect(studio.setFfmpegPath('/nonexistent/ffmpeg')).rejects.toMatchObject({ field: 'path', message: expect.stringContaining('does not exist') });
    expect(studio.exportSettings().ffmpegPath).toBeNull();
  });

  it('says which FFmpeg is in use and what it lacks', async () => {
    const studio = new Studio();
    const info = await studio.getFfmpegInfo();
    expect(info.chosenPath).toBeNull();
    expect(info.ffmpeg?.path).toMatch(/ffmpeg/);
    expect(info.h264Encoders).toContain('libx264');
    expect(info.missing).toEqual([]);
  });

  it('takes a working FFmpeg and reports it as chosen in Settings', async () => {
    const studio = new Studio();
    const info = await studio.setFfmpegPath('/usr/bin/ffmpeg');
    expect(info).toMatchObject({ chosenPath: '/usr/bin/ffmpeg', ffmpeg: { path: '/usr/bin/ffmpeg', foundBy: 'Settings' } });
    expect(studio.exportSettings().ffmpegPath).toBe('/usr/bin/ffmpeg');
  });
});
