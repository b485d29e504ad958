/** The scene collection file of a profile, and how older versions of it are migrated. */
import { COLLECTION_VERSION, type Collection, parseCollection } from '../scenes/model.js';
import type { Migration, VersionedFileKind } from './versioned-file.js';

export const COLLECTION_MIGRATIONS: readonly Migration[] = [
  {
    // Version 1 had no transitions: every switch was a cut.
    from: 1,
    migrate: (file) => ({ ...file, transition: { kind: 'cut', durationMs: 300 } }),
  },
];

export const COLLECTION_FILE: VersionedFileKind<Collection> = {
  label: 'scene collection',
  version: COLLECTION_VERSION,
  parse: parseCollection,
  migrations: COLLECTION_MIGRATIONS,
};
