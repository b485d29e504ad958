/**
 * Which files a remote front (the web remote) may name on the host. A browser that has the token
 * controls the studio, but it must not be able to make the studio read or write any file the streamer's
 * account can reach: images, media files and recordings are confined to folders the profile allows.
 *
 * The check is pure over a `realpath` given to it, so that symlinks and `..` are tested without a disk;
 * `nodeRealpath` is the real one.
 */
import { lstatSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { CommandError } from '../contract.js';
import { importObsCollection } from '../engine/scenes/obs-import.js';

/** Resolves every symlink of a path that exists; undefined when it does not. */
export type Realpath = (path: string) => string | undefined;

export type PathCheck = { ok: true; path: string } | { ok: false; reason: string };

export const nodeRealpath: Realpath = (path) => {
  try {
    return realpathSync.native(path);
  } catch {
    return undefined;
  }
};

/** True when `path` is `root` itself or below it (both already resolved). */
export function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Where `requested` really is, if that is inside one of `roots`. Only absolute paths are taken: a
 * relative one would be read against the studio's working folder, and FFmpeg reads `concat:`, `http:`
 * and other protocol prefixes as something other than a file. The folder is resolved with realpath (a
 * symlinked folder pointing outside is refused) and so is the file itself when it exists or is a link.
 */
export function confinedPath(requested: string, roots: readonly string[], realpath: Realpath, isLink: (path: string) => boolean = () => false): PathCheck {
  const allowed = `it must be inside ${roots.join(' or ')}`;
  if (requested.length === 0 || requested.includes('\0')) return { ok: false, reason: 'it is not a file path' };
  if (!isAbsolute(requested)) return { ok: false, reason: `it is not a full path: ${allowed}` };
  const normal = resolve(requested);
  const realRoots = roots.map((root) => realpath(root) ?? resolve(root));
  const existing = realpath(normal);
  let real: string | undefined;
  if (existing !== undefined) real = existing;
  else if (isLink(normal)) return { ok: false, reason: `it is a link to nothing: ${allowed}` };
  else {
    const parent = realpath(dirname(normal));
    if (parent === undefined) return { ok: false, reason: `its folder does not exist: ${allowed}` };
    real = join(parent, basename(normal));
  }
  if (!realRoots.some((root) => isInside(real, root))) return { ok: false, reason: allowed };
  return { ok: true, path: real };
}

const nodeIsLink = (path: string): boolean => {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
};

/** Sources a CLI `setSources` value can be without naming a file: built-ins and device ids. */
const NOT_A_FILE = /^(test|test-pattern|testsrc|tone|silence|tone:.*|color:.*|(dshow|avfoundation|v4l2|pulse|alsa|x11grab|gdigrab):.*)$/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The check a remote session runs before each call (ContractSession's `guard`): a command that names a
 * file outside `roots` is refused with PATH_NOT_ALLOWED and the argument it is about. Values of the wrong
 * type are left to the studio's own schemas, which refuse them with their own message.
 */
export function remotePathGuard(
  roots: readonly string[],
  realpath: Realpath = nodeRealpath,
  isLink: (path: string) => boolean = nodeIsLink,
): (command: string, args: unknown[]) => CommandError | undefined {
  const check = (value: unknown, field: string): CommandError | undefined => {
    if (typeof value !== 'string') return undefined;
    const result = confinedPath(value, roots, realpath, isLink);
    if (result.ok) return undefined;
    return { code: 'PATH_NOT_ALLOWED', field, message: `a remote studio cannot use the file ${value}: ${result.reason}` };
  };
  const fileSetting = (source: unknown, field: string): CommandError | undefined =>
    isRecord(source) && isRecord(source.settings) && 'file' in source.settings ? check(source.settings.file, `${field}.settings.file`) : undefined;

  const collectionFiles = (collection: unknown, field: string): CommandError | undefined => {
    if (!isRecord(collection) || !Array.isArray(collection.sources)) return undefined;
    for (const [i, source] of collection.sources.entries()) {
      const refused = fileSetting(source, `${field}.sources[${i}]`);
      if (refused) return refused;
    }
    return undefined;
  };

  return (command, args) => {
    switch (command) {
      case 'startRecording':
        // A bare file name goes to the profile's recordings folder (the studio's recordingsDir).
        return typeof args[0] === 'string' && /^[^/\\]+$/.test(args[0]) && args[0] !== '..' && args[0] !== '.' ? undefined : check(args[0], 'file');
      case 'addSource':
        return fileSetting(args[0], 'source');
      case 'updateSource':
        return fileSetting(args[1], 'patch');
      case 'loadCollection':
        return collectionFiles(args[0], 'collection');
      case 'importObsCollection': {
        // Checked as what the import makes of it, so that whatever OBS field a path hides in, it is seen.
        let imported: unknown;
        try {
          imported = importObsCollection(args[0]).collection; // the canvas (args[1]) names no file
        } catch {
          return undefined; // not an OBS collection: the studio refuses it in its own words
        }
        return collectionFiles(imported, 'obsCollection');
      }
      case 'setRecordingSettings': {
        const patch = args[0];
        return isRecord(patch) ? check(patch.folder, 'folder') : undefined;
      }
      case 'setFfmpegPath':
        // Choosing the program the studio runs is choosing what runs on the host: the desktop app's alone.
        return args[0] === null ? undefined : { code: 'PATH_NOT_ALLOWED', field: 'path', message: 'a remote studio cannot choose the FFmpeg program: choose it in the desktop app, or start uplink serve with --ffmpeg' };
      case 'setSources': {
        // A CLI source that is not a built-in or a device id is read as a media file.
        const sources = args[0];
        if (!isRecord(sources)) return undefined;
        for (const field of ['video', 'audio'] as const) {
          const value = sources[field];
          if (typeof value === 'string' && !NOT_A_FILE.test(value.trim())) {
            const refused = check(value, field);
            if (refused) return refused;
          }
        }
        return undefined;
      }
      default:
        return undefined;
    }
  };
}
