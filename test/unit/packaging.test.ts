/**
 * The installers' configuration as electron-builder reads it (its own schema validation), what it asks
 * of each OS, the macOS entitlements and the NSIS additions, the FFmpeg manifest and the checks every
 * bundled FFmpeg must pass, and the third-party notices. test/integration/packaging.test.ts builds it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compositorSupport } from '../../electron/engine/ffmpeg/capabilities.js';
import { assessFfmpeg, type FfmpegListings } from '../../electron/engine/ffmpeg/locate.js';
import { CAPTURE_DEMUXERS, TARGETS, bundleProblems, bundledName, checkPinned, entryProblems, ffmpegNotice, targetOf, type FfmpegBuild } from '../../scripts/ffmpeg-bundle.mjs';
import { NOT_SHIPPED, bundledPackages, noticeSection, type Lockfile } from '../../scripts/licenses.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const plist = require('plist') as { parse(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, debugLogger: { isEnabled: boolean; add(key: string, value: unknown): void }): Promise<void>;
};
const debugLogger = { isEnabled: false, add: () => undefined };

interface BuilderConfig {
  appId: string;
  productName: string;
  files: string[];
  asarUnpack: string[];
  extraResources: { from: string; to: string }[];
  publish: { provider: string }[];
  mac: { target: { target: string; arch: string[] }[]; hardenedRuntime: boolean; entitlements: string; entitlementsInherit: string; extendInfo: Record<string, string>; notarize?: unknown };
  win: { target: { target: string; arch: string[] }[] };
  nsis: { oneClick: boolean; allowToChangeInstallationDirectory: boolean; createDesktopShortcut: boolean; deleteAppDataOnUninstall: boolean; include: string };
  linux: { target: { target: string; arch: string[] }[]; category: string };
}

const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;

describe('electron-builder.yml', () => {
  it('passes electron-builder\'s own configuration schema (and that check does refuse a wrong option)', async () => {
    await expect(validateConfiguration(structuredClone(config), debugLogger)).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...structuredClone(config), nsis: { ...config.nsis, keepProfile: true } }, debugLogger)).rejects.toThrow(/Invalid configuration object[\s\S]*configuration\.nsis/);
  });

  it('builds NSIS for Windows x64 with a folder choice and shortcuts, dmg for macOS x64 and arm64, AppImage and deb for Linux x64', () => {
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64'] }]);
    expect(config.nsis).toMatchObject({ oneClick: false, allowToChangeInstallationDirectory: true, createDesktopShortcut: true, deleteAppDataOnUninstall: false, include: 'build/installer.nsh' });
    expect(config.mac.target).toContainEqual({ target: 'dmg', arch: ['x64', 'arm64'] });
    expect(config.linux.target).toEqual([
      { target: 'AppImage', arch: ['x64'] },
      { target: 'deb', arch: ['x64'] },
    ]);
    expect(config.linux.category.split(';')[0]).toBe('AudioVideo');
    expect(config.publish).toEqual([expect.objectContaining({ provider: 'github' })]);
  });

  it('takes the app as electron-vite builds it (package.json "main" among it), unpacks native addons, and ships FFmpeg per OS and architecture', () => {
    const main = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { main: string }).main;
    expect(config.files).toContain(main);
    expect(config.files).toEqual(expect.arrayContaining(['dist/electron/host/engine-host.js', 'dist/electron/preload/index.cjs', 'dist/renderer/**']));
    expect(config.asarUnpack).toContain('**/*.node');
    // extraResources' ${os}-${arch} is the folder name scripts/ffmpeg-bundle.mjs writes.
    expect(config.extraResources).toContainEqual({ from: '.cache/ffmpeg/${os}-${arch}', to: 'ffmpeg' });
    expect([targetOf('win32', 'x64'), targetOf('darwin', 'arm64'), targetOf('linux', 'x64')]).toEqual(['win-x64', 'mac-arm64', 'linux-x64']);
    expect(() => targetOf('freebsd', 'x64')).toThrow(/Windows, macOS and Linux/);
  });

  it('signs macOS with the hardened runtime, camera and microphone descriptions, and entitlements for Electron, capture and the network', () => {
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.mac.notarize).toBeUndefined(); // electron-builder notarizes when the credentials are in the environment
    expect(config.mac.extendInfo.NSCameraUsageDescription).toMatch(/camera/i);
    expect(config.mac.extendInfo.NSMicrophoneUsageDescription).toMatch(/microphone/i);
    for (const file of [config.mac.entitlements, config.mac.entitlementsInherit]) {
      const entitlements = plist.parse(readFileSync(join(ROOT, file), 'utf8')) as Record<string, boolean>;
      expect(entitlements).toMatchObject({
        'com.apple.security.cs.allow-jit': true,
        'com.apple.security.cs.allow-unsigned-executable-memory': true,
        'com.apple.security.cs.disable-library-validation': true,
        'com.apple.security.device.camera': true,
        'com.apple.security.device.audio-input': true,
        'com.apple.security.network.client': true,
        'com.apple.security.network.server': true,
      });
    }
  });

  it('uninstalls on Windows keeping the profile unless the streamer says otherwise, and never asks or deletes during an update', () => {
    const nsh = readFileSync(join(ROOT, config.nsis.include), 'utf8');
    const macro = nsh.slice(nsh.indexOf('!macro customUnInstall'), nsh.indexOf('!macroend') + '!macroend'.length);
    expect(macro).toMatch(/\$\{ifNot\} \$\{isUpdated\}/);
    // No (keep) is the default button and the silent answer.
    expect(macro).toMatch(/MessageBox MB_YESNO\|MB_ICONQUESTION\|MB_DEFBUTTON2 "Also delete your Uplink profile\?.*" \/SD IDNO IDNO uplinkKeepProfile/);
    expect(macro.indexOf('RMDir /r "$APPDATA\\${APP_FILENAME}"')).toBeGreaterThan(macro.indexOf('MessageBox'));
    expect(macro.indexOf('RMDir')).toBeLessThan(macro.indexOf('uplinkKeepProfile:'));
  });
});

const FIXTURES = join(ROOT, 'test', 'fixtures', 'ffmpeg');
const listings = (version: string): FfmpegListings => ({
  version: readFileSync(join(FIXTURES, `version-${version}.txt`), 'utf8'),
  encoders: readFileSync(join(FIXTURES, `encoders-${version}.txt`), 'utf8'),
  filters: readFileSync(join(FIXTURES, `filters-${version}.txt`), 'utf8'),
  formats: readFileSync(join(FIXTURES, `formats-${version}.txt`), 'utf8'),
});
const problemsOf = (l: FfmpegListings, os: string): string[] => {
  const assessment = assessFfmpeg(l);
  return bundleProblems(assessment, compositorSupport(assessment.features), os);
};

describe('the bundled FFmpeg', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'build', 'ffmpeg-builds.json'), 'utf8')) as { builds: Record<string, FfmpegBuild> };

  it('is named for every installer target, from https, with a path inside its archive and the source it was built from', () => {
    expect(Object.keys(manifest.builds).sort()).toEqual([...TARGETS].sort());
    for (const target of TARGETS) {
      expect(entryProblems(target, manifest.builds[target], { requirePin: false }), target).toEqual([]);
      expect(manifest.builds[target]!.source).toMatch(/^https:\/\/ffmpeg\.org\/releases\/ffmpeg-[\d.]+\.tar\.xz$/);
    }
    expect(bundledName('win-x64')).toBe('ffmpeg.exe');
    expect(bundledName('mac-arm64')).toBe('ffmpeg');
  });

  it('is never used unpinned or unlike its pin, and a manifest that points outside its archive is refused', () => {
    const entry = manifest.builds['linux-x64']!;
    expect(entryProblems('linux-x64', { ...entry, sha256: null })).toEqual([expect.stringMatching(/no pinned checksum yet: run `node scripts\/ffmpeg-bundle\.mjs --pin linux-x64`/)]);
    expect(entryProblems('linux-x64', { ...entry, sha256: 'a'.repeat(64) })).toEqual([]);
    expect(entryProblems('linux-x64', { ...entry, sha256: 'A1' })).toEqual([expect.stringMatching(/sha256 must be 64 lowercase hex/)]);
    expect(entryProblems('linux-x64', { ...entry, sha256: 'a'.repeat(64), url: 'http://example.com/f.tar.xz', binary: '../../bin/sh' })).toEqual([
      expect.stringMatching(/url must be https/),
      expect.stringMatching(/binary must be a path inside the archive/),
    ]);
    expect(entryProblems('win-x64', undefined)).toEqual([expect.stringMatching(/no build named/)]);
    expect(entryProblems('linux-x64', { ...entry, sha256: 'a'.repeat(64), ffprobe: '/usr/bin/ffprobe' })).toEqual([expect.stringMatching(/ffprobe must be null or a path inside the archive/)]);
    expect(() => checkPinned('win-x64', 'a'.repeat(64), 'b'.repeat(64))).toThrow(/not the pinned one \(sha256 b{64}, pinned a{64}\): it changed upstream or was tampered with/);
    expect(() => checkPinned('win-x64', 'a'.repeat(64), 'a'.repeat(64))).not.toThrow();
  });

  it.runIf(process.platform === 'linux')('must have zmq, libx264, aac and the capture inputs of its OS: this machine\'s FFmpeg passes for Linux, not for Windows or macOS', () => {
    const real: FfmpegListings = {
      version: execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }),
      encoders: execFileSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' }),
      filters: execFileSync('ffmpeg', ['-hide_banner', '-filters'], { encoding: 'utf8' }),
      formats: execFileSync('ffmpeg', ['-hide_banner', '-formats'], { encoding: 'utf8' }),
    };
    expect(problemsOf(real, 'linux')).toEqual([]);
    expect(problemsOf(real, 'win')).toEqual(['the dshow input (capture)', 'the gdigrab input (capture)']);
    expect(problemsOf(real, 'mac')).toEqual(['the avfoundation input (capture)']);
    expect(Object.keys(CAPTURE_DEMUXERS).sort()).toEqual(['linux', 'mac', 'win']);
  });

  it('without the zmq filter or libx264 is refused, each named', () => {
    const l = listings('5.1');
    const noZmq = { ...l, filters: l.filters.split('\n').filter((line) => !/\szmq\s/.test(line)).join('\n') };
    expect(problemsOf(noZmq, 'linux')).toContain('the zmq filter (live scene control)');
    const noX264 = { ...l, encoders: l.encoders.split('\n').filter((line) => !/libx264\s/.test(line)).join('\n') };
    expect(problemsOf(noX264, 'linux')).toContain('the libx264 encoder');
    expect(problemsOf({ ...l, version: 'not ffmpeg' }, 'linux')).toEqual(['it did not report an FFmpeg version']);
  });

  it('comes with a notice naming the build, its configuration, its licence and where its exact source is', () => {
    const entry = manifest.builds['win-x64']!;
    const notice = ffmpegNotice('win-x64', { ...entry, sha256: 'c'.repeat(64) }, 'ffmpeg version 7.1.1-essentials_build-www.gyan.dev Copyright (c) 2000-2025\r\nbuilt with gcc 14\r\nconfiguration: --enable-gpl --enable-version3 --enable-libzmq\r\n');
    expect(notice).toContain("this folder's ffmpeg.exe, unmodified");
    expect(notice).toContain(`Downloaded from: ${entry.url} (sha256 ${'c'.repeat(64)})`);
    expect(notice).toContain('ffmpeg version 7.1.1-essentials_build-www.gyan.dev');
    expect(notice).toContain('configuration: --enable-gpl --enable-version3 --enable-libzmq');
    expect(notice).toContain(`licensed under the ${entry.licenceName} licence`);
    expect(notice).toMatch(/exact FFmpeg source of this build is attached to every Uplink release on GitHub/);
    expect(notice).toContain(entry.source);
    expect(notice).toMatch(/three years/);
  });
});

describe('third-party notices', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;

  it('list what the app ships: its dependencies and theirs, not dev dependencies, peers, or ffmpeg-static', () => {
    const names = bundledPackages(lock).map((p) => p.name);
    expect(names).toEqual(expect.arrayContaining(['zeromq', 'cmake-ts', 'valibot', 'ws', 'electron-updater', 'builder-util-runtime', '@msgpack/msgpack', 'commander']));
    for (const absent of ['react', 'vitest', 'electron', 'electron-builder', 'typescript', ...NOT_SHIPPED]) expect(names, absent).not.toContain(absent);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it('quote each package\'s licence files, or say that it has none', () => {
    expect(noticeSection({ name: 'ws', version: '8.23.0', license: 'MIT', path: 'node_modules/ws' }, [{ name: 'LICENSE', text: 'Copyright (c) Einar\n\n' }])).toBe(
      'ws 8.23.0 (MIT)\n===============\n--- LICENSE\nCopyright (c) Einar\n',
    );
    expect(noticeSection({ name: 'x', version: '1.0.0', license: null, path: 'node_modules/x' }, [])).toMatch(/ships no licence file; its package.json says: no licence given/);
  });
});
