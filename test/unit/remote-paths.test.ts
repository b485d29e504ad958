import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { confinedPath, isInside, nodeRealpath, remotePathGuard } from '../../electron/remote/paths.js';
import { tmpDir } from '../helpers/fixtures.js';

/** A disk in a map: what exists, and where each link really goes. */
function fakeDisk(existing: string[], links: Record<string, string> = {}) {
  const set = new Set(existing);
  return (path: string): string | undefined => {
    for (const [link, target] of Object.entries(links)) {
      if (path === link || path.startsWith(`${link}/`)) return target + path.slice(link.length);
    }
    return set.has(path) ? path : undefined;
  };
}

const ROOTS = ['/p/media', '/p/recordings'];
const disk = fakeDisk(['/p', '/p/media', '/p/recordings', '/p/media/logo.png', '/etc', '/etc/passwd', '/tmp'], { '/p/media/out': '/etc' });

describe('which files a remote studio may name', () => {
  it('takes files inside the allowed folders, existing or to be made', () => {
    expect(confinedPath('/p/media/logo.png', ROOTS, disk)).toEqual({ ok: true, path: '/p/media/logo.png' });
    expect(confinedPath('/p/recordings/show.mkv', ROOTS, disk)).toEqual({ ok: true, path: '/p/recordings/show.mkv' });
    expect(isInside('/p/media', '/p/media')).toBe(true);
    expect(isInside('/p/media-old/x', '/p/media')).toBe(false);
  });

  it('refuses files elsewhere, .. escapes, relative paths, protocols and folders that do not exist', () => {
    expect(confinedPath('/etc/passwd', ROOTS, disk)).toMatchObject({ ok: false, reason: 'it must be inside /p/media or /p/recordings' });
    expect(confinedPath('/p/media/../../etc/passwd', ROOTS, disk)).toMatchObject({ ok: false });
    expect(confinedPath('media/logo.png', ROOTS, disk)).toMatchObject({ ok: false, reason: expect.stringContaining('not a full path') });
    expect(confinedPath('concat:/p/media/logo.png|/etc/passwd', ROOTS, disk)).toMatchObject({ ok: false });
    expect(confinedPath('/p/media/new/x.mkv', ROOTS, disk)).toMatchObject({ ok: false, reason: expect.stringContaining('folder does not exist') });
    expect(confinedPath('', ROOTS, disk)).toMatchObject({ ok: false });
  });

  it('refuses a link inside an allowed folder that leads out of it', () => {
    expect(confinedPath('/p/media/out/passwd', ROOTS, disk)).toMatchObject({ ok: false });
    expect(confinedPath('/p/media/out/new.mkv', ROOTS, disk)).toMatchObject({ ok: false });
    expect(confinedPath('/p/media/dangling', ROOTS, disk, (p) => p === '/p/media/dangling')).toMatchObject({ ok: false, reason: expect.stringContaining('link to nothing') });
  });

  describe('on a real disk', () => {
    const dir = tmpDir('remote-paths');
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const media = join(dir, 'media');
    const outside = join(dir, 'outside');
    mkdirSync(media, { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret.txt'), 'x');
    writeFileSync(join(media, 'clip.mp4'), 'x');
    rmSync(join(media, 'sneaky'), { force: true });
    rmSync(join(media, 'dir'), { force: true });
    symlinkSync(join(outside, 'secret.txt'), join(media, 'sneaky'));
    symlinkSync(outside, join(media, 'dir'));

    it('follows symlinks to where they lead', () => {
      const guard = remotePathGuard([media]);
      expect(guard('addSource', [{ kind: 'media', name: 'clip', settings: { file: join(media, 'clip.mp4'), loop: true } }])).toBeUndefined();
      expect(guard('addSource', [{ kind: 'image', name: 'x', settings: { file: join(media, 'sneaky') } }])).toMatchObject({ code: 'PATH_NOT_ALLOWED', field: 'source.settings.file' });
      expect(guard('startRecording', [join(media, 'dir', 'new.mkv')])).toMatchObject({ code: 'PATH_NOT_ALLOWED', field: 'file' });
      expect(nodeRealpath(join(media, 'nothing'))).toBeUndefined();
    });
  });
});

describe('the remote guard', () => {
  const guard = remotePathGuard(ROOTS, disk);

  it('names the argument that points outside, for every command that takes a file', () => {
    expect(guard('startRecording', ['/tmp/x.mkv'])).toMatchObject({ code: 'PATH_NOT_ALLOWED', field: 'file', message: expect.stringContaining('/tmp/x.mkv') });
    expect(guard('startRecording', ['/p/recordings/x.mkv'])).toBeUndefined();
    expect(guard('updateSource', ['s1', { settings: { file: '/etc/passwd' } }])).toMatchObject({ field: 'patch.settings.file' });
    expect(guard('updateSource', ['s1', { name: 'renamed' }])).toBeUndefined();
    const collection = { sources: [{ kind: 'color', settings: { color: '#000000' } }, { kind: 'image', settings: { file: '/etc/passwd' } }] };
    expect(guard('loadCollection', [collection])).toMatchObject({ field: 'collection.sources[1].settings.file' });
    expect(guard('setSources', [{ video: '/etc/passwd' }])).toMatchObject({ field: 'video' });
    expect(guard('setSources', [{ video: 'test', audio: 'pulse:default' }])).toBeUndefined();
  });

  it('leaves commands without files, and values of the wrong type, to the studio', () => {
    expect(guard('addScene', ['/etc/passwd'])).toBeUndefined();
    expect(guard('startRecording', [42])).toBeUndefined();
    expect(guard('addSource', [{ kind: 'text', settings: { text: '/etc/passwd' } }])).toBeUndefined();
  });
});

describe('a recording named without a folder', () => {
  it('is let through: the studio puts it in the profile recordings folder', () => {
    const guard = remotePathGuard(['/profile/media', '/profile/recordings'], (p) => p, () => false);
    expect(guard('startRecording', ['show.mkv'])).toBeUndefined();
    expect(guard('startRecording', ['..'])).toMatchObject({ code: 'PATH_NOT_ALLOWED' });
    expect(guard('startRecording', ['../show.mkv'])).toMatchObject({ code: 'PATH_NOT_ALLOWED' });
  });
});
