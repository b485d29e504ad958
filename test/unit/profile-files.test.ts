import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { readCollection, readSettings, writeCollection, writeSettings } from '../../electron/engine/profile/profile.js';
import type { Collection } from '../../electron/engine/scenes/model.js';
import { tmpDir } from '../helpers/fixtures.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'profiles');
const NOW = new Date('2025-01-02T03:04:05.678Z');
let dir: string;

beforeEach(async () => {
  dir = tmpDir(`profile-${Math.random().toString(36).slice(2)}`);
  await rm(dir, { recursive: true, force: true });
});

async function useFixture(name: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await copyFile(join(FIXTURES, name), join(dir, 'collection.json'));
}

describe('profile files', () => {
  it('reads nothing from an empty folder', async () => {
    expect(await readCollection(dir)).toBeNull();
    expect(await readSettings(dir)).toBeNull();
  });

  it('migrates a version 1 collection (no transition) and writes it as the current version, the old one kept', async () => {
    await useFixture('collection-v1.json');
    const read = await readCollection(dir);
    expect(read?.migratedFrom).toBe(1);
    expect(read?.value.transition).toEqual({ kind: 'cut', durationMs: 300 });
    await writeCollection(dir, read!.value);
    expect(JSON.parse(readFileSync(join(dir, 'collection.json'), 'utf8'))).toMatchObject({ version: 2, transition: { kind: 'cut' } });
    expect(readFileSync(join(dir, 'collection.json.bak'), 'utf8')).toBe(readFileSync(join(FIXTURES, 'collection-v1.json'), 'utf8'));
    expect((await readCollection(dir))?.migratedFrom).toBeUndefined();
  });

  it('names the file and the field of an invalid collection, and keeps a copy aside', async () => {
    await useFixture('collection-missing-source.json');
    const file = join(dir, 'collection.json');
    await expect(readCollection(dir, { now: NOW })).rejects.toThrow(
      `the scene collection ${file} is not valid: scenes[1].items[1].sourceId: no source "cam2"; a copy is kept as collection.json.corrupt-2025-01-02T03-04-05-678Z (fix it, or restore collection.json.bak)`,
    );
    // A second failure never overwrites the first copy.
    await expect(readCollection(dir, { now: NOW })).rejects.toThrow('collection.json.corrupt-2025-01-02T03-04-05-678Z-2');
    expect(readFileSync(`${file}.corrupt-2025-01-02T03-04-05-678Z`, 'utf8')).toBe(readFileSync(join(FIXTURES, 'collection-missing-source.json'), 'utf8'));
  });

  it('keeps a file that is not JSON, cut short by a crash of another program', async () => {
    await useFixture('collection-v1.json');
    const file = join(dir, 'collection.json');
    const cut = readFileSync(file, 'utf8').slice(0, 100);
    writeFileSync(file, cut);
    await expect(readCollection(dir, { now: NOW })).rejects.toThrow(/is not valid: it is not JSON \(.*\); a copy is kept as collection.json.corrupt-/);
    expect(readFileSync(`${file}.corrupt-2025-01-02T03-04-05-678Z`, 'utf8')).toBe(cut);
    writeFileSync(file, '{"canvas": {}}');
    await expect(readCollection(dir, { now: NOW })).rejects.toThrow('is not valid: version: not a positive whole number');
  });

  it('says so when a newer Uplink wrote the file, and does not lose it when saving over it', async () => {
    await useFixture('collection-v3.json');
    await expect(readCollection(dir)).rejects.toThrow(/was written by a newer Uplink \(version 3; this one reads up to 2\): update Uplink/);
    await writeCollection(dir, collection());
    await writeCollection(dir, collection());
    expect(readFileSync(join(dir, 'collection.json.v3'), 'utf8')).toBe(readFileSync(join(FIXTURES, 'collection-v3.json'), 'utf8'));
  });

  it('writes atomically: only the file and its previous version remain, no temporary file', async () => {
    await writeCollection(dir, collection());
    const second = collection();
    second.transition.durationMs = 500;
    await writeCollection(dir, second);
    expect(readdirSync(dir).sort()).toEqual(['collection.json', 'collection.json.bak']);
    expect((await readCollection(dir))?.value.transition.durationMs).toBe(500);
    expect(JSON.parse(readFileSync(join(dir, 'collection.json.bak'), 'utf8')).transition.durationMs).toBe(300);
  });

  it('refuses to save an invalid collection, leaving the file as it was', async () => {
    await writeCollection(dir, collection());
    const bad = collection();
    bad.currentSceneId = 'nope';
    await expect(writeCollection(dir, bad)).rejects.toThrow('currentSceneId: no scene "nope"');
    expect(existsSync(join(dir, 'collection.json.bak'))).toBe(false);
  });

  it('keeps settings fields it does not know', async () => {
    await writeSettings(dir, { version: 1, encoding: { width: 1920 } });
    expect((await readSettings(dir))?.value).toEqual({ version: 1, encoding: { width: 1920 } });
  });
});

function collection(): Collection {
  return JSON.parse(readFileSync(join(FIXTURES, 'collection-v1.json'), 'utf8').replace('"version": 1', '"version": 2').replace('"currentSceneId": "main"', '"currentSceneId": "main", "transition": { "kind": "fade", "durationMs": 300 }')) as Collection;
}
