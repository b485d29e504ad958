/**
 * Versioned JSON files (`{ "version": N, ... }`) that users keep for years: read with migrations from
 * older versions, validated with a schema, written atomically with the previous version kept. Nothing
 * here ever loses a file: a file we cannot read is copied aside before anything can replace it.
 */
import { constants } from 'node:fs';
import { copyFile, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { UplinkError, errorMessage } from '../errors.js';
import type { ParseResult } from '../scenes/model.js';

/** Turns a file of version `from` into version `from + 1`. Pure; gets a copy it may change. */
export interface Migration {
  from: number;
  migrate(file: Record<string, unknown>): Record<string, unknown>;
}

export interface VersionedFileKind<T> {
  /** What the file is, for messages: "scene collection". */
  label: string;
  /** The version this code reads and writes. */
  version: number;
  /** Checks untrusted content: the value, or every problem with its path. */
  parse(input: unknown): ParseResult<T>;
  /** One step per older version, oldest first: from 1 to 2, 2 to 3, ... */
  migrations: readonly Migration[];
}

export interface ReadResult<T> {
  value: T;
  /** The version the file had when it was older than ours; it is rewritten only on the next write. */
  migratedFrom?: number;
}

export interface ReadOptions {
  /** Stamps the name of a copy kept aside. */
  now?: Date;
}

/** The file's content, migrated to the current version; null when there is no file. */
export async function readVersionedFile<T>(file: string, kind: VersionedFileKind<T>, options: ReadOptions = {}): Promise<ReadResult<T> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UplinkError('PROFILE_UNREADABLE', `cannot read the ${kind.label} ${file}: ${errorMessage(err)}; check its permissions`, { cause: err });
  }
  const invalid = async (what: string): Promise<UplinkError> => {
    const kept = await keepAside(file, `corrupt-${stamp(options.now ?? new Date())}`);
    return new UplinkError('PROFILE_INVALID', `the ${kind.label} ${file} is not valid: ${what}; a copy is kept as ${basename(kept)} (fix it, or restore ${basename(file)}.bak)`);
  };

  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw await invalid(`it is not JSON (${errorMessage(err)})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw await invalid('it is not a JSON object');
  let record = data as Record<string, unknown>;
  const version = record.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) throw await invalid('version: not a positive whole number');
  if (version > kind.version) {
    throw new UplinkError('PROFILE_TOO_NEW', `the ${kind.label} ${file} was written by a newer Uplink (version ${version}; this one reads up to ${kind.version}): update Uplink`);
  }
  for (let from = version; from < kind.version; from++) {
    const step = kind.migrations.find((m) => m.from === from);
    if (step === undefined) throw new Error(`no migration of the ${kind.label} from version ${from}`);
    record = { ...step.migrate(structuredClone(record)), version: from + 1 };
  }

  const parsed = kind.parse(record);
  if (!parsed.ok) {
    const [problem] = parsed.problems;
    const more = parsed.problems.length > 1 ? ` (and ${parsed.problems.length - 1} more)` : '';
    throw await invalid(`${problem!.path}: ${problem!.message}${more}`);
  }
  return version === kind.version ? { value: parsed.value } : { value: parsed.value, migratedFrom: version };
}

/**
 * Replaces the file at once (a temporary file, flushed, renamed over it), the previous content kept as
 * `FILE.bak`. A crash at any point leaves either the old file or the new one, never half of one.
 */
export async function writeVersionedFile<T>(file: string, kind: VersionedFileKind<T>, value: T): Promise<void> {
  const parsed = kind.parse(value);
  if (!parsed.ok) {
    const [problem] = parsed.problems;
    throw new UplinkError('PROFILE_INVALID', `not saving the ${kind.label} ${file}: ${problem!.path}: ${problem!.message}`);
  }
  const previous = await readFile(file, 'utf8').catch(() => null);
  if (previous !== null) {
    // A file from a newer Uplink would not survive two of our writes in .bak alone.
    const previousVersion = versionOf(previous);
    if (previousVersion !== null && previousVersion > kind.version) await keepAside(file, `v${previousVersion}`);
    await copyFile(file, `${file}.bak`);
  }
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
  try {
    await handle.writeFile(`${JSON.stringify(parsed.value, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, file);
  } catch (err) {
    await unlink(temporary).catch(() => undefined);
    throw new UplinkError('PROFILE_WRITE_FAILED', `cannot save the ${kind.label} ${file}: ${errorMessage(err)}`, { cause: err });
  }
  await syncDirectory(dirname(file));
}

function versionOf(text: string): number | null {
  try {
    const data = JSON.parse(text) as { version?: unknown };
    return typeof data.version === 'number' ? data.version : null;
  } catch {
    return null;
  }
}

/** Copies the file to `FILE.SUFFIX` (or `FILE.SUFFIX-2`, ...), never over an existing file. */
async function keepAside(file: string, suffix: string): Promise<string> {
  for (let n = 1; ; n++) {
    const target = n === 1 ? `${file}.${suffix}` : `${file}.${suffix}-${n}`;
    try {
      await copyFile(file, target, constants.COPYFILE_EXCL);
      return target;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

function stamp(now: Date): string {
  return now.toISOString().replace(/[:.]/g, '-');
}

/** The rename is durable only once the directory entry is on disk too. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY).catch(() => null);
  if (handle === null) return;
  try {
    await handle.sync().catch(() => undefined);
  } finally {
    await handle.close();
  }
}
