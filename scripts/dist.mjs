// `npm run dist`: the installers of this OS (after `npm run build` and `electron-vite build`, which the
// npm script runs first). Everything electron-builder.yml takes from outside the built app is made here,
// from sources in the repository: the icons (scripts/icons.mjs), the licence notices of the bundled npm
// packages (scripts/licenses.mjs), and this OS's FFmpeg (scripts/ffmpeg-bundle.mjs), then electron-builder.
// Arguments go to electron-builder (`npm run dist -- --publish always`, `-- --dir`); without --publish,
// nothing is uploaded. Signing happens when its secrets are in the environment (README).
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleFfmpeg, targetOf } from './ffmpeg-bundle.mjs';
import { writeIcons } from './icons.mjs';
import { buildNotices } from './licenses.mjs';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);

/** The architectures this OS's installers are built for (electron-builder.yml's targets). */
function distArchs(platform) {
  return platform === 'darwin' ? ['x64', 'arm64'] : ['x64'];
}

await writeIcons(join(root, 'resources', 'icon.svg'), join(root, 'build'));
const notices = await buildNotices(root);
await mkdir(join(root, '.cache', 'licenses'), { recursive: true });
await writeFile(join(root, '.cache', 'licenses', 'THIRD-PARTY-NOTICES.txt'), notices.text);
console.log(`dist: icons, and the licences of ${notices.count} bundled packages`);

for (const arch of distArchs(process.platform)) await bundleFfmpeg({ target: targetOf(process.platform, arch) });

const builderArgs = args.some((arg) => arg.startsWith('--publish') || arg === '-p') ? args : [...args, '--publish', 'never'];
const cli = join(root, 'node_modules', 'electron-builder', 'cli.js');
const result = spawnSync(process.execPath, [cli, ...builderArgs], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
