/**
 * A profile folder: `collection.json` (scenes and sources) and `settings.json`, each a versioned JSON
 * file kept with its previous version (`.bak`).
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Collection } from '../scenes/model.js';
import { COLLECTION_FILE } from './collection-file.js';
import { SETTINGS_FILE, type ProfileSettings } from './settings-file.js';
import { type ReadOptions, type ReadResult, readVersionedFile, writeVersionedFile } from './versioned-file.js';

export const COLLECTION_FILE_NAME = 'collection.json';
export const SETTINGS_FILE_NAME = 'settings.json';

export function collectionPath(profileDir: string): string {
  return join(profileDir, COLLECTION_FILE_NAME);
}

export async function readCollection(profileDir: string, options?: ReadOptions): Promise<ReadResult<Collection> | null> {
  return readVersionedFile(collectionPath(profileDir), COLLECTION_FILE, options);
}

export async function writeCollection(profileDir: string, collection: Collection): Promise<void> {
  await mkdir(profileDir, { recursive: true });
  await writeVersionedFile(collectionPath(profileDir), COLLECTION_FILE, collection);
}

export async function readSettings(profileDir: string, options?: ReadOptions): Promise<ReadResult<ProfileSettings> | null> {
  return readVersionedFile(join(profileDir, SETTINGS_FILE_NAME), SETTINGS_FILE, options);
}

export async function writeSettings(profileDir: string, settings: ProfileSettings): Promise<void> {
  await mkdir(profileDir, { recursive: true });
  await writeVersionedFile(join(profileDir, SETTINGS_FILE_NAME), SETTINGS_FILE, settings);
}
