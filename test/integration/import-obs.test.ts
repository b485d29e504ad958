import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerImportObs } from '../../electron/cli/commands/import-obs.js';
import { readCollection } from '../../electron/engine/profile/profile.js';
import { tmpDir } from '../helpers/fixtures.js';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'obs');

/** `uplink import-obs ARGS` in-process, as main.ts runs it; stdout captured. */
async function importObs(args: string[]): Promise<{ exitCode: number | undefined; stdout: string }> {
  let exitCode: number | undefined;
  const program = new Command('uplink').exitOverride();
  registerImportObs(program, (code) => {
    exitCode = code;
  });
  let stdout = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['import-obs', ...args], { from: 'user' });
  } finally {
    write.mockRestore();
    stderr.mockRestore();
  }
  return { exitCode, stdout };
}

describe('uplink import-obs', () => {
  const dir = tmpDir('import-obs');
  const media = join(dir, 'media');
  const collectionFile = join(dir, 'Studio.json');

  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(media, { recursive: true });
    // The media the OBS collection names, made again by real FFmpeg at the sizes OBS had.
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=320x180', '-frames:v', '1', join(media, 'logo.png')]);
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30:duration=1', '-c:v', 'libx264', '-preset', 'ultrafast', join(media, 'clip.mp4')]);
    writeFileSync(collectionFile, readFileSync(join(FIXTURES, 'studio-linux.json'), 'utf8').replaceAll('@MEDIA@', media));
  });

  afterEach(() => vi.restoreAllMocks());

  it('writes the collection into a profile next to the file, sizes read from the media, and prints the report', async () => {
    const { exitCode, stdout } = await importObs([collectionFile, '--canvas', join(FIXTURES, 'studio-linux.basic.ini')]);
    expect(exitCode).toBe(0);
    const profile = join(dir, 'Studio');
    const { value } = (await readCollection(profile))!;
    expect(value.canvas).toEqual({ width: 1280, height: 720, fps: 30 });
    const expected = JSON.parse(readFileSync(join(FIXTURES, 'studio-linux.expected.json'), 'utf8').replaceAll('@MEDIA@', media)) as { collection: unknown };
    // Probing the files gave the sizes the golden test passes in: the same collection.
    expect(value).toEqual(expected.collection);
    expect(stdout).toContain('5 scenes, 24 sources: ');
    expect(stdout).toContain('source "Alerts" (browser_source): placeholder\n');
    expect(stdout).toContain('  filter "Green screen" (chroma_key_filter_v2) not imported\n');
  });

  it('keeps the previous collection when importing again', async () => {
    const out = join(dir, 'again');
    await importObs([collectionFile, '--out', out]);
    const first = readFileSync(join(out, 'collection.json'), 'utf8');
    await importObs([collectionFile, '--out', out, '--canvas', '1920x1080']);
    expect(readFileSync(join(out, 'collection.json.bak'), 'utf8')).toBe(first);
    expect((await readCollection(out))!.value.canvas).toEqual({ width: 1920, height: 1080, fps: 30 });
  });

  it('refuses a file that is not an OBS collection, in one line naming it', async () => {
    const notObs = join(dir, 'package.json');
    writeFileSync(notObs, '{"name": "x", "version": "1.0.0"}');
    await expect(importObs([notObs])).rejects.toThrow(`${notObs}: this is not an OBS scene collection`);
    const notJson = join(dir, 'notes.txt');
    writeFileSync(notJson, 'hello');
    await expect(importObs([notJson])).rejects.toThrow(`${notJson} is not an OBS scene collection (not JSON)`);
  });
});
