#!/usr/bin/env node
// The `uplink` command. Start-up is part of the time to go live, so this file stays tiny and loads:
// - dist/cli/main.js, the CLI bundled into one file plus lazily loaded chunks (scripts/bundle-cli.mjs),
//   when it is there and not older than tsc's output (a `tsc` run after the bundle makes it stale);
// - else dist/electron/cli/main.js, tsc's output (both are built by `npm run build`, which `npm ci` runs).
import module from 'node:module';
import { statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// The compile cache keeps V8's code for our modules between runs, in Uplink's cache folder (the same
// place as electron/engine/paths.ts cacheDir(), repeated here to load nothing more before the CLI).
try {
  const env = process.env;
  const home = () => homedir();
  const cache =
    env.UPLINK_CACHE_DIR ||
    (process.platform === 'win32'
      ? join(env.LOCALAPPDATA ?? join(home(), 'AppData', 'Local'), 'Uplink', 'Cache')
      : process.platform === 'darwin'
        ? join(home(), 'Library', 'Caches', 'Uplink')
        : join(env.XDG_CACHE_HOME ?? join(home(), '.cache'), 'uplink'));
  module.enableCompileCache?.(env.NODE_COMPILE_CACHE || join(cache, 'compile-cache'));
  // The cache is written at exit, which a stream stopped by SIGKILL (or a crash) never reaches: write what
  // start-up compiled once the command has had time to go live (nothing to write when it came from the cache).
  if (module.flushCompileCache) setTimeout(() => module.flushCompileCache(), 1_000).unref();
} catch {
  // No cache (no home folder, read-only disk...): only slower.
}

const dist = join(import.meta.dirname, '..', 'dist');
const bundled = join(dist, 'cli', 'main.js');
const compiled = join(dist, 'electron', 'cli', 'main.js');
const modified = (file) => statSync(file, { throwIfNoEntry: false })?.mtimeMs;
const bundledAt = modified(bundled);
const compiledAt = modified(compiled);
const entry = bundledAt !== undefined && (compiledAt === undefined || bundledAt >= compiledAt) ? bundled : compiled;

const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
