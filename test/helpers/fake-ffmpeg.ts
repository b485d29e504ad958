import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A stand-in `ffmpeg` in `dir`: a shell script that prints a recorded listing for each of the flags given
 * (`-version`, `-encoders`, `-filters`, ...) and exits 1 for anything else. For builds this machine does
 * not have; the real FFmpeg is tested as itself.
 */
export function fakeFfmpeg(dir: string, listings: Readonly<Record<string, string>>): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'ffmpeg');
  const cases = Object.entries(listings).map(([flag, path]) => `  ${flag}) cat '${path}'; exit 0;;`);
  writeFileSync(file, ['#!/bin/sh', 'for a in "$@"; do case "$a" in', ...cases, 'esac; done', 'exit 1', ''].join('\n'));
  chmodSync(file, 0o755);
  return file;
}
