/**
 * The settings file of a profile. Its content (encoding, destinations, ...) belongs to the studio; this
 * schema fixes only the envelope and keeps every field it does not know, so that saving never drops
 * what a newer part of Uplink wrote.
 */
import * as v from 'valibot';
import { parseWith } from '../scenes/model.js';
import type { VersionedFileKind } from './versioned-file.js';

export const SETTINGS_VERSION = 1 as const;

export const SettingsSchema = v.looseObject({ version: v.literal(SETTINGS_VERSION) });
export type ProfileSettings = v.InferOutput<typeof SettingsSchema>;

export const SETTINGS_FILE: VersionedFileKind<ProfileSettings> = {
  label: 'settings',
  version: SETTINGS_VERSION,
  parse: (input) => parseWith(SettingsSchema, input),
  migrations: [],
};
