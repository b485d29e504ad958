import { homedir } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Where Uplink keeps caches (encoder probes) outside the desktop app, which uses Electron's own paths.
 * UPLINK_CACHE_DIR overrides it (tests, portable installs).
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.UPLINK_CACHE_DIR) return env.UPLINK_CACHE_DIR;
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'Uplink', 'Cache');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'Uplink');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'uplink');
}

/** The folder holding Uplink's package.json, from source (tests) or from the build in dist/. */
export function packageRoot(from: string = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'electron'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package root above ${from}`);
    dir = parent;
  }
}
