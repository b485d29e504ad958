// THIRD-PARTY-NOTICES.txt for the installers: the licence of every npm package the app bundles (the
// production dependencies in package-lock.json, as installed), generated at dist time so that it cannot
// fall behind the lockfile. electron-builder puts it in the app's resources folder (extraResources);
// Electron's and Chromium's own notices come with Electron (LICENSE.electron.txt, LICENSES.chromium.html),
// FFmpeg's with FFmpeg (resources/ffmpeg/).
//   node scripts/licenses.mjs [OUT]     (default .cache/licenses/THIRD-PARTY-NOTICES.txt)
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');

/** Packages the app does not ship although they are production dependencies (see electron-builder.yml). */
export const NOT_SHIPPED = new Set(['ffmpeg-static']);

/** Where Node finds `name` from the package at `from` (a lockfile path): its own node_modules, then its ancestors'. */
function resolveIn(packages, from, name) {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (base === '') return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at < 0 ? '' : base.slice(0, at);
  }
}

/**
 * Every lockfile path (v2/v3) the app's dependencies and optional dependencies reach through theirs, as
 * electron-builder collects them, pure. Peer dependencies are the host's to ship; dev dependencies never ship.
 */
export function reachablePackages(lock) {
  const packages = lock.packages ?? {};
  const rootMeta = packages[''] ?? {};
  const visited = new Set();
  const queue = Object.keys({ ...rootMeta.dependencies, ...rootMeta.optionalDependencies }).map((name) => resolveIn(packages, '', name));
  while (queue.length > 0) {
    const path = queue.shift();
    if (path === undefined || visited.has(path)) continue;
    visited.add(path);
    const meta = packages[path];
    for (const dep of Object.keys({ ...meta.dependencies, ...meta.optionalDependencies })) queue.push(resolveIn(packages, path, dep));
  }
  return [...visited];
}

/** The packages the app ships (reachablePackages less NOT_SHIPPED), one per name@version, by name. */
export function bundledPackages(lock) {
  const packages = lock.packages ?? {};
  const seen = new Map();
  for (const path of reachablePackages(lock)) {
    const meta = packages[path];
    const name = meta.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (NOT_SHIPPED.has(name)) continue;
    const key = `${name}@${meta.version}`;
    if (!seen.has(key)) seen.set(key, { name, version: meta.version, license: meta.license ?? null, path });
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name) || a.path.localeCompare(b.path));
}

const LICENCE_FILE = /^(licen[cs]e|copying|notice)([._-]|$)/i;

/** One package's section: its name, licence, where it lives, and the licence texts it ships. */
export function noticeSection(pkg, files) {
  const head = `${pkg.name} ${pkg.version}${pkg.license ? ` (${typeof pkg.license === 'string' ? pkg.license : JSON.stringify(pkg.license)})` : ''}`;
  const texts = files.length > 0 ? files.map(({ name, text }) => `--- ${name}\n${text.trim()}`) : [`(the package ships no licence file; its package.json says: ${pkg.license ?? 'no licence given'})`];
  return [head, '='.repeat(Math.min(head.length, 100)), ...texts, ''].join('\n');
}

export async function buildNotices(projectDir = root) {
  const lock = JSON.parse(await readFile(join(projectDir, 'package-lock.json'), 'utf8'));
  const sections = [];
  let missing = 0;
  for (const pkg of bundledPackages(lock)) {
    const dir = join(projectDir, pkg.path);
    let names;
    try {
      names = await readdir(dir);
    } catch {
      // An optional package for another OS or CPU: not installed here, so not bundled from here either.
      missing++;
      continue;
    }
    const files = [];
    for (const name of names.filter((n) => LICENCE_FILE.test(n)).sort()) {
      files.push({ name, text: await readFile(join(dir, name), 'utf8') });
    }
    sections.push(noticeSection(pkg, files));
  }
  const header = [
    'Third-party software in Uplink',
    '',
    'Uplink bundles the npm packages below. Each is listed with its version, its licence, and the licence',
    'texts it ships. Electron and Chromium: LICENSE.electron.txt and LICENSES.chromium.html beside the app.',
    'FFmpeg: the ffmpeg folder in the app\'s resources (its licence, and where its source is).',
    '',
    '',
  ].join('\n');
  return { text: header + sections.join('\n'), count: sections.length, skipped: missing };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = process.argv[2] ?? join(root, '.cache', 'licenses', 'THIRD-PARTY-NOTICES.txt');
  const { text, count } = await buildNotices();
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, text);
  console.log(`licenses: ${count} packages in ${out}`);
}
