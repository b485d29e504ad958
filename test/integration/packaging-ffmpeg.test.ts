/**
 * scripts/ffmpeg-bundle.mjs for real, offline: a build's archive (this machine's FFmpeg and FFprobe, or a
 * stand-in lacking zmq) served over HTTPS from loopback (a local HTTP server behind stunnel, trusted
 * with NODE_EXTRA_CA_CERTS), pinned with --pin, bundled again from its pin, refused when it changes,
 * and refused when it lacks what Uplink needs. The script runs in its own Node process, as in `npm run dist`.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FfmpegBuild } from '../../scripts/ffmpeg-bundle.mjs';
import { fakeFfmpeg } from '../helpers/fake-ffmpeg.js';
import { TMP_ROOT } from '../helpers/fixtures.js';
import { type TlsTunnel, startStunnel } from '../helpers/servers.js';

const ROOT = join(import.meta.dirname, '..', '..');
const WORK = join(TMP_ROOT, `packaging-ffmpeg-${process.pid}`);
const BUNDLER = pathToFileURL(join(ROOT, 'scripts', 'ffmpeg-bundle.mjs')).href;

/** Files the HTTP server answers with, by path; and how many times each was asked for. */
const served = new Map<string, Buffer>();
const requests = new Map<string, number>();
let server: Server;
let tunnel: TlsTunnel;

/** A build's archive as builders publish them: one folder with bin/ and the licence. */
function archive(name: string, programs: { ffmpeg: string; ffprobe?: string }): Buffer {
  const dir = join(WORK, 'archives', name);
  mkdirSync(join(dir, 'test-build', 'bin'), { recursive: true });
  cpSync(programs.ffmpeg, join(dir, 'test-build', 'bin', 'ffmpeg'));
  if (programs.ffprobe) cpSync(programs.ffprobe, join(dir, 'test-build', 'bin', 'ffprobe'));
  writeFileSync(join(dir, 'test-build', 'LICENSE.txt'), `GNU GENERAL PUBLIC LICENSE (${name})\n`);
  execFileSync('tar', ['-cJf', join(dir, 'build.tar.xz'), '-C', dir, 'test-build']);
  return readFileSync(join(dir, 'build.tar.xz'));
}

function manifestFor(path: string, sha256: string | null, source: { path: string; sha256: string | null } = { path: '/ffmpeg-5.1.tar.xz', sha256: null }): string {
  const entry: FfmpegBuild = {
    builder: 'Test builder (GPL)',
    version: '5.1',
    url: `https://127.0.0.1:${tunnel.port}${path}`,
    sha256,
    binary: 'test-build/bin/ffmpeg',
    ffprobe: 'test-build/bin/ffprobe',
    licence: 'test-build/LICENSE.txt',
    licenceName: 'GPL-3.0-or-later',
    buildScripts: 'https://example.org/build-scripts',
    source: `https://127.0.0.1:${tunnel.port}${source.path}`,
    sourceSha256: source.sha256,
  };
  const file = join(WORK, `manifest-${createHash('sha1').update(path + String(sha256) + JSON.stringify(source)).digest('hex').slice(0, 8)}.json`);
  writeFileSync(file, JSON.stringify({ builds: { 'linux-x64': entry } }, null, 2));
  return file;
}

/** Runs bundleFfmpeg (or, with `sources`, downloadSources) in its own Node process: its exit code and what it printed. */
function bundle(options: { manifestFile: string; cache: string; pin?: boolean; sources?: string }): Promise<{ code: number; output: string }> {
  const call = options.sources
    ? `downloadSources(${JSON.stringify(options.sources)}, ${JSON.stringify(options.manifestFile)})`
    : `bundleFfmpeg({ target: 'linux-x64', ...${JSON.stringify(options)} })`;
  const code = `import { bundleFfmpeg, downloadSources } from ${JSON.stringify(BUNDLER)};\ntry { await ${call}; } catch (err) { console.error(err.message); process.exit(1); }`;
  return new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, env: { ...process.env, NODE_EXTRA_CA_CERTS: tunnel.caFile, UPLINK_ALLOW_UNPINNED_FFMPEG: '' } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, output: stdout + stderr });
    });
  });
}

beforeAll(async () => {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  server = createServer((req, res) => {
    const body = served.get(req.url ?? '');
    requests.set(req.url ?? '', (requests.get(req.url ?? '') ?? 0) + 1);
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/x-xz', 'content-length': body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tunnel = await startStunnel({ targetPort: (server.address() as AddressInfo).port });
  served.set('/good.tar.xz', archive('good', { ffmpeg: '/usr/bin/ffmpeg', ffprobe: '/usr/bin/ffprobe' }));
  const fixtures = join(ROOT, 'test', 'fixtures', 'ffmpeg');
  const filtersWithoutZmq = join(WORK, 'filters-no-zmq.txt');
  writeFileSync(filtersWithoutZmq, readFileSync(join(fixtures, 'filters-5.1.txt'), 'utf8').split('\n').filter((line) => !/\szmq\s/.test(line)).join('\n'));
  const noZmq = fakeFfmpeg(join(WORK, 'no-zmq'), { '-version': join(fixtures, 'version-5.1.txt'), '-encoders': join(fixtures, 'encoders-5.1.txt'), '-filters': filtersWithoutZmq, '-formats': join(fixtures, 'formats-5.1.txt') });
  served.set('/no-zmq.tar.xz', archive('no-zmq', { ffmpeg: noZmq, ffprobe: '/usr/bin/ffprobe' }));
}, 60_000);

afterAll(async () => {
  await tunnel?.stop();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  rmSync(WORK, { recursive: true, force: true });
});

describe('scripts/ffmpeg-bundle.mjs', () => {
  it('pins a build it has checked, bundles it from the pin (downloaded once), and refuses it once it changes upstream', async () => {
    const cache = join(WORK, 'cache-good');
    const manifestFile = manifestFor('/good.tar.xz', null);

    const unpinned = await bundle({ manifestFile, cache });
    expect(unpinned.code).toBe(1);
    expect(unpinned.output).toMatch(/no pinned checksum yet: run `node scripts\/ffmpeg-bundle\.mjs --pin linux-x64`/);
    expect(requests.get('/good.tar.xz') ?? 0).toBe(0);

    const pinned = await bundle({ manifestFile, cache, pin: true });
    expect(pinned.output).toMatch(/pinned linux-x64 at sha256 [0-9a-f]{64}/);
    expect(pinned.code).toBe(0);
    const sha256 = createHash('sha256').update(served.get('/good.tar.xz')!).digest('hex');
    expect((JSON.parse(readFileSync(manifestFile, 'utf8')) as { builds: Record<string, FfmpegBuild> }).builds['linux-x64']!.sha256).toBe(sha256);

    const out = join(cache, 'linux-x64');
    expect(readFileSync(join(out, 'ffmpeg'))).toEqual(readFileSync('/usr/bin/ffmpeg'));
    expect(existsSync(join(out, 'ffprobe'))).toBe(true);
    expect(readFileSync(join(out, 'LICENSE-FFmpeg.txt'), 'utf8')).toBe('GNU GENERAL PUBLIC LICENSE (good)\n');
    const notice = readFileSync(join(out, 'README-FFmpeg.txt'), 'utf8');
    expect(notice).toContain(`(sha256 ${sha256})`);
    expect(notice).toMatch(/^configuration: .*--enable-libzmq/m);

    const again = await bundle({ manifestFile, cache });
    expect(again.code).toBe(0);
    expect(requests.get('/good.tar.xz')).toBe(1);

    // A manifest naming a file the archive does not have is told so.
    const wrongPath = manifestFor('/good.tar.xz', sha256);
    writeFileSync(wrongPath, readFileSync(wrongPath, 'utf8').replace('test-build/bin/ffprobe', 'test-build/ffprobe'));
    const missing = await bundle({ manifestFile: wrongPath, cache });
    expect(missing.output).toMatch(/linux-x64: the archive has no test-build\/ffprobe, which build\/ffmpeg-builds\.json names: correct the manifest/);

    // Upstream republishes other bytes under the same address.
    served.set('/good.tar.xz', archive('changed', { ffmpeg: '/usr/bin/ffmpeg' }));
    rmSync(join(cache, 'downloads'), { recursive: true, force: true });
    const changed = await bundle({ manifestFile, cache });
    expect(changed.code).toBe(1);
    expect(changed.output).toMatch(new RegExp(`not the pinned one \\(sha256 [0-9a-f]{64}, pinned ${sha256}\\): it changed upstream or was tampered with`));
  });

  it('refuses to pin a build without the zmq filter, saying what it lacks', async () => {
    const manifestFile = manifestFor('/no-zmq.tar.xz', null);
    const result = await bundle({ manifestFile, cache: join(WORK, 'cache-no-zmq'), pin: true });
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/linux-x64: Test builder \(GPL\) lacks what Uplink needs: .*the zmq filter \(live scene control\)/);
    expect((JSON.parse(readFileSync(manifestFile, 'utf8')) as { builds: Record<string, FfmpegBuild> }).builds['linux-x64']!.sha256).toBeNull();
  });
});

describe('scripts/ffmpeg-bundle.mjs --sources', () => {
  it('downloads the FFmpeg source the release attaches, and refuses one unlike its pin', async () => {
    const tarball = Buffer.from('FFmpeg 5.1 source (stand-in)\n');
    served.set('/ffmpeg-5.1.tar.xz', tarball);
    const sha256 = createHash('sha256').update(tarball).digest('hex');
    const dir = join(WORK, 'sources');
    const ok = await bundle({ manifestFile: manifestFor('/good.tar.xz', null, { path: '/ffmpeg-5.1.tar.xz', sha256 }), cache: WORK, sources: dir });
    expect(ok.code).toBe(0);
    expect(readFileSync(join(dir, 'ffmpeg-5.1.tar.xz'))).toEqual(tarball);

    const other = await bundle({ manifestFile: manifestFor('/good.tar.xz', null, { path: '/ffmpeg-5.1.tar.xz', sha256: 'f'.repeat(64) }), cache: WORK, sources: join(WORK, 'sources-2') });
    expect(other.code).toBe(1);
    expect(other.output).toMatch(/ffmpeg-5\.1\.tar\.xz: the downloaded FFmpeg archive is not the pinned one/);
  });
});
