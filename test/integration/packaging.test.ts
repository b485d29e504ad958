/**
 * The installers' content, built here for real as far as this machine allows: electron-vite builds the
 * app into a staging project (never the shared dist/), and electron-builder packs it with the project's
 * electron-builder.yml as `--dir` for Linux and for macOS, against a stand-in Electron distribution
 * (electronDist: Electron's binary cannot be downloaded here). The stand-in FFmpeg is this machine's own,
 * laid out as scripts/ffmpeg-bundle.mjs lays out a downloaded build. Checked: what the asar holds and
 * what is unpacked beside it, the licences, the FFmpeg the packaged locator finds, the engine host
 * started from the packaged files alone, the macOS Info.plist, the Linux desktop entry, and the Windows
 * program's icon and version resources (the stand-in electron.exe is a real Windows program: one of
 * electron-winstaller's, which electron-builder installs).
 */
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import asar from '@electron/asar';
import type { FfmpegStatus } from '../../electron/contract.js';
import type { ServerMessage } from '../../electron/contract-wire.js';
import { BUNDLED_FFMPEG_ENV, locateFfmpeg, locateFfprobe, packagedFfmpegPath } from '../../electron/engine/ffmpeg/locate.js';
import { hostEnvironment } from '../../electron/main/app.js';
import { bundledName, ffmpegNotice, targetOf } from '../../scripts/ffmpeg-bundle.mjs';
import { ICO_SIZES, writeIcons } from '../../scripts/icons.mjs';
import { buildNotices, reachablePackages } from '../../scripts/licenses.mjs';
import { TMP_ROOT } from '../helpers/fixtures.js';
import { until } from '../helpers/wait.js';

const ROOT = join(import.meta.dirname, '..', '..');
// electron-builder's own plist reader and writer (untyped).
const plist = createRequire(import.meta.url)('plist') as { parse(text: string): unknown; build(value: unknown): string };
const WORK = join(TMP_ROOT, `packaging-${process.pid}`);
const PROJECT = join(WORK, 'project');
const SYSTEM_FFMPEG = '/usr/bin/ffmpeg';
const SYSTEM_FFPROBE = '/usr/bin/ffprobe';

function run(file: string, args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${relative(ROOT, args[0] ?? file)} exited with ${code}:\n${output.slice(-4000)}`))));
  });
}

/** Electron's unpacked layout as electron-builder copies and renames it, with placeholder programs. */
function standInElectron(dir: string, platform: 'linux' | 'mac' | 'win'): string {
  const script = '#!/bin/sh\necho "stand-in Electron"\n';
  if (platform === 'win') {
    mkdirSync(join(dir, 'resources'), { recursive: true });
    mkdirSync(join(dir, 'locales'), { recursive: true });
    // electron-builder rewrites the program's resources (icon, version, asar integrity): it must be a real PE.
    cpSync(join(ROOT, 'node_modules', 'electron-winstaller', 'vendor', '7z-x64.exe'), join(dir, 'electron.exe'));
    writeFileSync(join(dir, 'locales', 'en-US.pak'), '');
    writeFileSync(join(dir, 'LICENSE'), 'Electron MIT licence (stand-in)\n');
    writeFileSync(join(dir, 'LICENSES.chromium.html'), '<p>Chromium notices (stand-in)</p>\n');
    return dir;
  }
  if (platform === 'linux') {
    mkdirSync(join(dir, 'resources'), { recursive: true });
    mkdirSync(join(dir, 'locales'), { recursive: true });
    writeFileSync(join(dir, 'electron'), script, { mode: 0o755 });
    writeFileSync(join(dir, 'locales', 'en-US.pak'), '');
    writeFileSync(join(dir, 'LICENSE'), 'Electron MIT licence (stand-in)\n');
    writeFileSync(join(dir, 'LICENSES.chromium.html'), '<p>Chromium notices (stand-in)</p>\n');
    writeFileSync(join(dir, 'version'), '45.4.1');
    return dir;
  }
  const contents = join(dir, 'Electron.app', 'Contents');
  const infoPlist = (name: string, id: string): string =>
    plist.build({ CFBundleExecutable: name, CFBundleIdentifier: id, CFBundleName: name, CFBundleIconFile: 'electron.icns', CFBundleVersion: '45.4.1', NSPrincipalClass: 'AtomApplication' });
  mkdirSync(join(contents, 'MacOS'), { recursive: true });
  mkdirSync(join(contents, 'Resources'), { recursive: true });
  writeFileSync(join(contents, 'MacOS', 'Electron'), script, { mode: 0o755 });
  writeFileSync(join(contents, 'Info.plist'), infoPlist('Electron', 'com.github.Electron'));
  for (const helper of ['Electron Helper', 'Electron Helper (Renderer)', 'Electron Helper (GPU)', 'Electron Helper (Plugin)']) {
    const helperContents = join(contents, 'Frameworks', `${helper}.app`, 'Contents');
    mkdirSync(join(helperContents, 'MacOS'), { recursive: true });
    writeFileSync(join(helperContents, 'MacOS', helper), script, { mode: 0o755 });
    writeFileSync(join(helperContents, 'Info.plist'), infoPlist(helper, 'com.github.Electron.helper'));
  }
  return dir;
}

/** What scripts/ffmpeg-bundle.mjs leaves in .cache/ffmpeg/<target>/, with this machine's FFmpeg. */
function standInFfmpeg(target: string): void {
  const dir = join(PROJECT, '.cache', 'ffmpeg', target);
  mkdirSync(dir, { recursive: true });
  cpSync(SYSTEM_FFMPEG, join(dir, bundledName(target)));
  cpSync(SYSTEM_FFPROBE, join(dir, bundledName(target).replace('ffmpeg', 'ffprobe')));
  cpSync(join(ROOT, 'build', 'licenses', 'GPL-3.0.txt'), join(dir, 'LICENSE-FFmpeg.txt'));
  const manifest = JSON.parse(readFileSync(join(ROOT, 'build', 'ffmpeg-builds.json'), 'utf8')) as { builds: Record<string, never> };
  const version = execFileSync(SYSTEM_FFMPEG, ['-hide_banner', '-version'], { encoding: 'utf8' });
  writeFileSync(join(dir, 'README-FFmpeg.txt'), ffmpegNotice(target, manifest.builds[target]!, version));
}

interface BuildReport {
  appOutDir: string;
  desktopEntry?: string;
}

async function pack(platform: 'linux' | 'mac' | 'win'): Promise<BuildReport> {
  const electronDist = standInElectron(join(WORK, `electron-${platform}`), platform);
  const report = join(WORK, `report-${platform}.json`);
  await run(process.execPath, [join(ROOT, 'test', 'helpers', 'packaging-build.mjs'), PROJECT, platform, electronDist, report], PROJECT);
  return JSON.parse(readFileSync(report, 'utf8')) as BuildReport;
}

/** Files in an asar (not its folders), as paths without the leading slash. */
function asarFiles(archive: string): string[] {
  const entries = asar.listPackage(archive, { isPack: false }).map((file) => file.replace(/^[\\/]/, '').replaceAll('\\', '/'));
  const folders = new Set(
    entries.flatMap((entry) => {
      const parts = entry.split('/');
      return parts.slice(1).map((_, i) => parts.slice(0, i + 1).join('/'));
    }),
  );
  return entries.filter((entry) => !folders.has(entry));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).replaceAll('\\', '/'));
}

let linux: BuildReport;
let mac: BuildReport;
let win: BuildReport;

beforeAll(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(PROJECT, { recursive: true });

  // The app as electron-vite builds it (electron.vite.config.ts), written into the staging project.
  const out = join(PROJECT, 'dist');
  const viteConfig = join(WORK, 'electron.vite.stage.config.mjs');
  writeFileSync(
    viteConfig,
    [
      `import config from ${JSON.stringify(join(ROOT, 'electron.vite.config.ts'))};`,
      `const out = ${JSON.stringify(out)};`,
      'const at = (part, outDir) => ({ ...config[part], build: { ...config[part].build, outDir } });',
      "export default { main: at('main', out + '/electron'), preload: at('preload', out + '/electron/preload'), renderer: at('renderer', out + '/renderer') };",
      '',
    ].join('\n'),
  );
  await run(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build', '--config', viteConfig, '--logLevel', 'warn'], ROOT);

  // The project around it: its files, and node_modules with the production dependencies only (as a
  // fresh `npm ci --omit=dev` would have them; hard links, nothing is copied).
  for (const file of ['package.json', 'package-lock.json', 'electron-builder.yml']) cpSync(join(ROOT, file), join(PROJECT, file));
  for (const dir of ['build', 'resources']) symlinkSync(join(ROOT, dir), join(PROJECT, dir));
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  for (const path of reachablePackages(lock)) {
    if (!existsSync(join(ROOT, path)) || existsSync(join(PROJECT, path))) continue;
    mkdirSync(join(PROJECT, path, '..'), { recursive: true });
    execFileSync('cp', ['-al', join(ROOT, path), join(PROJECT, path)]);
  }
  // A clone of the repository knows its GitHub address: the update feed (publish: github) comes from it.
  mkdirSync(join(PROJECT, '.git'), { recursive: true });
  writeFileSync(join(PROJECT, '.git', 'config'), '[remote "origin"]\n\turl = https://github.com/uplink-studio/uplink.git\n');

  // What scripts/dist.mjs makes before electron-builder runs.
  await writeIcons(join(ROOT, 'resources', 'icon.svg'), join(ROOT, 'build'));
  mkdirSync(join(PROJECT, '.cache', 'licenses'), { recursive: true });
  writeFileSync(join(PROJECT, '.cache', 'licenses', 'THIRD-PARTY-NOTICES.txt'), (await buildNotices(ROOT)).text);
  standInFfmpeg('linux-x64');
  standInFfmpeg('mac-x64');
  standInFfmpeg('win-x64');

  linux = await pack('linux');
  mac = await pack('mac');
  win = await pack('win');
}, 300_000);

afterAll(() => rmSync(WORK, { recursive: true, force: true }));

describe('Linux app (--dir)', () => {
  const resources = (): string => join(linux.appOutDir, 'resources');

  it('is the renamed Electron with the app in an asar: main, engine host, preload, renderer, and nothing else of the project', () => {
    expect(statSync(join(linux.appOutDir, 'uplink')).mode & 0o111).not.toBe(0);
    expect(existsSync(join(linux.appOutDir, 'LICENSE.electron.txt'))).toBe(true);
    expect(existsSync(join(linux.appOutDir, 'LICENSES.chromium.html'))).toBe(true);
    const files = asarFiles(join(resources(), 'app.asar'));
    const pkg = JSON.parse(asar.extractFile(join(resources(), 'app.asar'), 'package.json').toString()) as { main: string };
    expect(files).toContain(pkg.main);
    expect(files).toEqual(expect.arrayContaining(['dist/electron/main/index.js', 'dist/electron/host/engine-host.js', 'dist/electron/preload/index.cjs', 'dist/renderer/index.html']));
    expect(files.some((f) => /^dist\/renderer\/assets\/index-.*\.js$/.test(f))).toBe(true);
    const own = files.filter((f) => !f.startsWith('node_modules/'));
    // tsc's unbundled copies, source maps, the build resources, the sources: none of them.
    expect(own.filter((f) => f !== 'package.json' && !/^dist\/(electron\/(main\/index\.js|host\/engine-host\.js|preload\/index\.cjs|shared\/[^/]+\.js)|renderer\/)/.test(f))).toEqual([]);
    expect(own.some((f) => f.endsWith('.map'))).toBe(false);
    // electron-updater stays outside the main bundle, loaded only in the installed app (a dynamic import).
    expect(asar.extractFile(join(resources(), 'app.asar'), 'dist/electron/main/index.js').toString()).toContain('import("electron-updater")');
  });

  it('bundles the production dependencies only, and unpacks the native zeromq addons of its architecture beside the asar', () => {
    const files = asarFiles(join(resources(), 'app.asar'));
    const modules = new Set(files.filter((f) => f.startsWith('node_modules/')).map((f) => f.split('/').slice(1, f.split('/')[1]!.startsWith('@') ? 3 : 2).join('/')));
    expect([...modules]).toEqual(expect.arrayContaining(['zeromq', 'valibot', 'ws', 'electron-updater', '@msgpack/msgpack']));
    for (const dev of ['react', 'electron', 'vitest', 'typescript', 'electron-builder', 'ffmpeg-static', '@resvg/resvg-js']) expect(modules.has(dev), dev).toBe(false);
    const unpacked = filesUnder(join(resources(), 'app.asar.unpacked'));
    const addons = unpacked.filter((f) => f.endsWith('.node'));
    expect(addons.length).toBeGreaterThan(0);
    // Every OS's x64 addons (see electron-builder.yml), none of another architecture.
    expect(addons.filter((f) => !/^node_modules\/zeromq\/build\/(linux|darwin|win32)\/x64\//.test(f))).toEqual([]);
    expect(addons.some((f) => f.startsWith('node_modules/zeromq/build/linux/x64/'))).toBe(true);
    expect(files.filter((f) => f.endsWith('.node')).every((f) => unpacked.includes(f))).toBe(true);
  });

  it('carries the licence of every bundled package, and FFmpeg\'s licence and source notice', () => {
    const notices = readFileSync(join(resources(), 'THIRD-PARTY-NOTICES.txt'), 'utf8');
    const modules = new Set(asarFiles(join(resources(), 'app.asar')).filter((f) => /^node_modules\/[^/]+\/package\.json$|^node_modules\/@[^/]+\/[^/]+\/package\.json$/.test(f)));
    expect(modules.size).toBeGreaterThan(10);
    for (const manifest of modules) {
      const { name, version } = JSON.parse(asar.extractFile(join(resources(), 'app.asar'), manifest).toString()) as { name: string; version: string };
      expect(notices, `${name} ${version}`).toContain(`${name} ${version}`);
    }
    expect(notices).toMatch(/zeromq 6\.8\.0 \(MIT AND MPL-2\.0\)[\s\S]*--- LICENSE_MPL-2\.0\.txt\n.*libzmq/);
    expect(readFileSync(join(resources(), 'ffmpeg', 'LICENSE-FFmpeg.txt'), 'utf8')).toContain('GNU GENERAL PUBLIC LICENSE');
    const readme = readFileSync(join(resources(), 'ffmpeg', 'README-FFmpeg.txt'), 'utf8');
    expect(readme).toMatch(/Source code: .*attached to every Uplink release/);
    expect(readme).toContain('configuration: ');
  });

  it('has the update feed electron-updater reads (GitHub releases of the repository it was built from)', () => {
    const feed = readFileSync(join(resources(), 'app-update.yml'), 'utf8');
    expect(feed).toMatch(/provider: github/);
    expect(feed).toMatch(/owner: uplink-studio/);
    expect(feed).toMatch(/repo: uplink/);
  });

  it('ships FFmpeg (and FFprobe) where the packaged locator looks, and the locator finds them before anything on PATH', async () => {
    const expected = packagedFfmpegPath(resources(), 'linux');
    expect(expected).toBe(join(resources(), 'ffmpeg', 'ffmpeg'));
    expect(statSync(expected).mode & 0o111).not.toBe(0);
    const env = hostEnvironment(true, resources(), 'linux', { PATH: process.env.PATH });
    expect(env?.[BUNDLED_FFMPEG_ENV]).toBe(expected);
    const found = await locateFfmpeg({ env: env!, platform: 'linux' });
    expect(found.path).toBe(expected);
    expect(found.source).toBe('app');
    expect(found.features.filters).toContain('zmq');
    // FFprobe (OBS imports read media sizes with it) beside it, even when nobody says where FFmpeg is.
    expect((await locateFfprobe({ env: env!, platform: 'linux' })).path).toBe(join(resources(), 'ffmpeg', 'ffprobe'));
  });

  it('runs its engine host from the packaged files alone (plain Node, the asar extracted), on the bundled FFmpeg', async () => {
    const extracted = join(WORK, 'linux-app');
    asar.extractAll(join(resources(), 'app.asar'), extracted);
    const env = hostEnvironment(true, resources(), 'linux', { PATH: process.env.PATH, HOME: process.env.HOME })!;
    const child: ChildProcess = fork(join(extracted, 'dist', 'electron', 'host', 'engine-host.js'), ['--cache-dir', join(WORK, 'host-cache')], {
      env,
      serialization: 'advanced',
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    try {
      const messages: ServerMessage[] = [];
      let ready = false;
      child.on('message', (m: { type?: string; portId?: string; data?: unknown }) => {
        if (m.type === 'ready') ready = true;
        if (m.type === 'port-data' && typeof m.data === 'string') messages.push(JSON.parse(m.data) as ServerMessage);
      });
      await until(() => ready, 30_000);
      child.send({ type: 'port-open', portId: 'w1' });
      child.send({ type: 'port-data', portId: 'w1', data: JSON.stringify({ type: 'call', id: 1, command: 'getFfmpegInfo', args: [] }) });
      await until(() => messages.some((m) => m.type === 'result' && m.id === 1), 30_000);
      const result = messages.find((m) => m.type === 'result' && m.id === 1) as { ok: boolean; value: FfmpegStatus };
      expect(result.ok).toBe(true);
      expect(result.value.ffmpeg?.path).toBe(packagedFfmpegPath(resources(), 'linux'));
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('has the desktop entry the AppImage and the deb install: name, the renamed program, icon, category AudioVideo', () => {
    const entry = Object.fromEntries(
      linux
        .desktopEntry!.split('\n')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(linux.desktopEntry).toMatch(/^\[Desktop Entry\]/);
    expect(entry).toMatchObject({ Name: 'Uplink', Type: 'Application', Terminal: 'false', Icon: 'uplink', Exec: '/opt/Uplink/uplink %U', StartupWMClass: 'uplink-studio' });
    expect(entry.Categories?.split(';')[0]).toBe('AudioVideo');
    expect(entry.Comment).toBeTruthy();
    expect(existsSync(join(ROOT, 'build', 'icons', '512x512.png'))).toBe(true);
  });
});

describe('macOS app (--dir, unsigned here)', () => {
  const contents = (): string => join(mac.appOutDir, 'Uplink.app', 'Contents');

  it('has the Info.plist keys: identity, camera and microphone descriptions, the category, the asar\'s integrity', () => {
    const info = plist.parse(readFileSync(join(contents(), 'Info.plist'), 'utf8')) as Record<string, unknown>;
    expect(info).toMatchObject({ CFBundleIdentifier: 'studio.uplink.desktop', CFBundleName: 'Uplink', CFBundleExecutable: 'Uplink', CFBundleIconFile: 'icon.icns', LSApplicationCategoryType: 'public.app-category.video' });
    expect(info.NSCameraUsageDescription).toMatch(/camera/i);
    expect(info.NSMicrophoneUsageDescription).toMatch(/microphone/i);
    expect(info).not.toHaveProperty('CFBundleDocumentTypes');
    expect(info.ElectronAsarIntegrity).toHaveProperty(['Resources/app.asar']);
    expect(existsSync(join(contents(), 'Resources', 'icon.icns'))).toBe(true);
    expect(existsSync(join(contents(), 'Frameworks', 'Uplink Helper (Renderer).app'))).toBe(true);
  });

  it('ships its FFmpeg in Resources, and the x64 zeromq addons (the macOS one among them) unpacked', () => {
    const resources = join(contents(), 'Resources');
    expect(existsSync(packagedFfmpegPath(resources, 'darwin'))).toBe(true);
    const addons = filesUnder(join(resources, 'app.asar.unpacked')).filter((f) => f.endsWith('.node'));
    expect(addons.length).toBeGreaterThan(0);
    expect(addons.filter((f) => !/^node_modules\/zeromq\/build\/(linux|darwin|win32)\/x64\//.test(f))).toEqual([]);
    expect(addons.some((f) => f.startsWith('node_modules/zeromq/build/darwin/x64/'))).toBe(true);
    expect(targetOf('darwin', 'x64')).toBe('mac-x64');
  });
});

describe('Windows app (--dir, unsigned here)', () => {
  // electron-builder's own reader and writer of Windows program resources (untyped here).
  const resedit = createRequire(import.meta.url)('resedit') as {
    NtExecutable: { from(bin: Buffer, options: { ignoreCert: boolean }): unknown };
    NtExecutableResource: { from(exe: unknown): { entries: { type: number | string }[] } };
    Resource: {
      VersionInfo: { fromEntries(entries: unknown[]): { getAllLanguagesForStringValues(): { lang: number; codepage: number }[]; getStringValues(lang: { lang: number; codepage: number }): Record<string, string> }[] };
      IconGroupEntry: { fromEntries(entries: unknown[]): { icons: { width: number }[] }[] };
    };
  };

  it('is Uplink.exe with the app\'s icon (every ICO size), its name, version and copyright, and the asar\'s integrity', () => {
    const exe = resedit.NtExecutable.from(readFileSync(join(win.appOutDir, 'Uplink.exe')), { ignoreCert: true });
    const res = resedit.NtExecutableResource.from(exe);
    const [version] = resedit.Resource.VersionInfo.fromEntries(res.entries);
    expect(version!.getStringValues(version!.getAllLanguagesForStringValues()[0]!)).toMatchObject({ ProductName: 'Uplink', FileDescription: 'Uplink', FileVersion: '0.1.0', LegalCopyright: 'Copyright © 2026 the Uplink authors' });
    const groups = resedit.Resource.IconGroupEntry.fromEntries(res.entries);
    expect(groups.map((g) => g.icons.map((i) => i.width || 256))).toEqual([ICO_SIZES]);
    expect(res.entries.some((e) => e.type === 'INTEGRITY')).toBe(true);
  });

  it('ships ffmpeg.exe where the packaged locator looks, the licences, and the x64 zeromq addons unpacked', () => {
    const resources = join(win.appOutDir, 'resources');
    expect(packagedFfmpegPath(resources, 'win32')).toBe(join(resources, 'ffmpeg', 'ffmpeg.exe').replaceAll('/', '\\'));
    expect(existsSync(join(resources, 'ffmpeg', 'ffmpeg.exe'))).toBe(true);
    expect(existsSync(join(resources, 'ffmpeg', 'LICENSE-FFmpeg.txt'))).toBe(true);
    expect(existsSync(join(resources, 'THIRD-PARTY-NOTICES.txt'))).toBe(true);
    const addons = filesUnder(join(resources, 'app.asar.unpacked')).filter((f) => f.endsWith('.node'));
    expect(addons.some((f) => f.startsWith('node_modules/zeromq/build/win32/x64/'))).toBe(true);
    expect(addons.filter((f) => !/^node_modules\/zeromq\/build\/(linux|darwin|win32)\/x64\//.test(f))).toEqual([]);
  });
});
