// The FFmpeg an installer ships: downloads the build that build/ffmpeg-builds.json names for this OS and
// architecture, refuses it unless its SHA-256 is the pinned one, checks that it has what Uplink needs
// (the zmq filter for live scene control, libx264, aac, flv, its OS's capture devices: the same
// assessment `uplink ffmpeg` makes), and lays it out for electron-builder's extraResources in
// .cache/ffmpeg/<os>-<arch>/: the program, its licence, and a notice saying which build it is and where
// its exact source is (the GPL's offer). Run by scripts/dist.mjs; on its own:
//   node scripts/ffmpeg-bundle.mjs [--target linux-x64|win-x64|mac-x64|mac-arm64] [--pin]
// --pin is for a maintainer moving to a new build: it downloads the archive, checks the program, and
// writes the archive's checksum into the manifest, to be reviewed and committed.
// UPLINK_ALLOW_UNPINNED_FFMPEG=1 lets an unpinned build through with a warning (the unsigned installers
// of pull requests); a release never sets it.
//   node scripts/ffmpeg-bundle.mjs --sources DIR   downloads the FFmpeg source of every build (release.yml
//   attaches them to the release: the GPL's offer of source), checked against sourceSha256 when pinned.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, copyFile, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, normalize, isAbsolute } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
export const MANIFEST = join(root, 'build', 'ffmpeg-builds.json');
export const TARGETS = ['linux-x64', 'win-x64', 'mac-x64', 'mac-arm64'];

/** electron-builder's names (${os}-${arch}), which extraResources uses for the folder. */
export function targetOf(platform, arch) {
  const os = { linux: 'linux', win32: 'win', darwin: 'mac' }[platform];
  if (!os) throw new Error(`no FFmpeg build for ${platform}: installers are made for Windows, macOS and Linux`);
  return `${os}-${arch}`;
}

/** The program's file name in the bundle: process.resourcesPath/ffmpeg/<this>. */
export function bundledName(target) {
  return target.startsWith('win-') ? 'ffmpeg.exe' : 'ffmpeg';
}

const SHA256 = /^[0-9a-f]{64}$/;

function relativeInside(path) {
  return typeof path === 'string' && path.length > 0 && !isAbsolute(path) && !normalize(path).split(/[\\/]/).includes('..');
}

/** What is wrong with one manifest entry, each as a sentence; empty when it can be used. */
export function entryProblems(target, entry, { requirePin = true } = {}) {
  const problems = [];
  if (typeof entry !== 'object' || entry === null) return [`${target}: no build named in build/ffmpeg-builds.json`];
  for (const key of ['url', 'source']) {
    let url;
    try {
      url = new URL(entry[key]);
    } catch {
      problems.push(`${target}: ${key} is not a URL`);
      continue;
    }
    if (url.protocol !== 'https:') problems.push(`${target}: ${key} must be https (${entry[key]})`);
  }
  if (!relativeInside(entry.binary)) problems.push(`${target}: binary must be a path inside the archive`);
  if (entry.ffprobe !== null && !relativeInside(entry.ffprobe)) problems.push(`${target}: ffprobe must be null or a path inside the archive`);
  if (entry.licence !== null && !relativeInside(entry.licence)) problems.push(`${target}: licence must be null or a path inside the archive`);
  for (const key of ['sha256', 'sourceSha256']) {
    if (entry[key] !== null && !SHA256.test(entry[key] ?? '')) problems.push(`${target}: ${key} must be 64 lowercase hex digits or null`);
  }
  if (requirePin && entry.sha256 === null) {
    problems.push(`${target}: its archive has no pinned checksum yet: run \`node scripts/ffmpeg-bundle.mjs --pin ${target}\` on a machine of that OS, review, and commit build/ffmpeg-builds.json`);
  }
  for (const key of ['builder', 'version', 'licenceName', 'buildScripts']) {
    if (typeof entry[key] !== 'string' || entry[key].length === 0) problems.push(`${target}: ${key} is missing`);
  }
  return problems;
}

/** Compares an archive's checksum with its pin; a mismatch is never used. */
export function checkPinned(target, expected, actual) {
  if (expected === null) return;
  if (expected !== actual) {
    throw new Error(
      `${target}: the downloaded FFmpeg archive is not the pinned one (sha256 ${actual}, pinned ${expected}): it changed upstream or was tampered with. Review the new build, then pin it with --pin.`,
    );
  }
}

/** The capture inputs a build must have on each OS (names as `ffmpeg -formats` lists them). */
export const CAPTURE_DEMUXERS = {
  linux: [['v4l2'], ['pulse', 'alsa'], ['x11grab']],
  win: [['dshow'], ['gdigrab']],
  mac: [['avfoundation']],
};

/**
 * What a build lacks to be shipped (pure): what locate.ts refuses, libx264 (hardware encoders are not on
 * every computer), the zmq filter (without it every scene change rebuilds the compositor), the
 * compositor's essentials, and the capture devices of its OS.
 */
export function bundleProblems(assessment, compositor, os) {
  const problems = [...assessment.problems];
  if (!assessment.version) return problems;
  if (!assessment.features.encoders.includes('libx264')) problems.push('the libx264 encoder');
  if (compositor.control !== 'zmq') problems.push('the zmq filter (live scene control)');
  problems.push(...compositor.essential);
  for (const anyOf of CAPTURE_DEMUXERS[os] ?? []) {
    if (!anyOf.some((name) => assessment.features.demuxers.includes(name))) problems.push(`the ${anyOf.join(' or ')} input (capture)`);
  }
  return problems;
}

/** The notice beside the program: which build, its configuration, its licence, where its source is. */
export function ffmpegNotice(target, entry, versionOutput) {
  const lines = versionOutput.split(/\r?\n/);
  const first = lines[0]?.trim() ?? '';
  const configuration = lines.find((line) => line.trim().startsWith('configuration:'))?.trim() ?? 'configuration: (not reported)';
  return [
    'FFmpeg in Uplink',
    '================',
    '',
    `Uplink runs FFmpeg (https://ffmpeg.org) as a separate program, this folder's ${bundledName(target)}, unmodified.`,
    `Build: ${entry.builder}, FFmpeg ${entry.version}, for ${target}.`,
    `Downloaded from: ${entry.url}${entry.sha256 ? ` (sha256 ${entry.sha256})` : ''}`,
    `How it was built: ${entry.buildScripts}`,
    '',
    first,
    configuration,
    '',
    `This build is licensed under the ${entry.licenceName} licence (it includes GPL components such as x264):`,
    'see LICENSE-FFmpeg.txt in this folder. You may copy, change and share it under that licence.',
    '',
    'Source code: the exact FFmpeg source of this build is attached to every Uplink release on GitHub, beside',
    `the installers, as it was published at ${entry.source}. Its builder's scripts are at the address above.`,
    'If you cannot get it there, write to the Uplink authors through the project\'s GitHub issues and we will',
    'send you the complete corresponding source, for three years from the release, at no more than the cost',
    'of sending it.',
    '',
  ].join('\n');
}

export async function sha256File(file) {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function download(url, file) {
  let response;
  try {
    response = await fetch(url, { redirect: 'follow' });
  } catch (err) {
    throw new Error(`could not download ${url} (${err?.cause?.code ?? err?.cause?.message ?? err?.message}): check the network`);
  }
  if (!response.ok || !response.body) throw new Error(`could not download ${url}: HTTP ${response.status}`);
  const partial = `${file}.partial`;
  await pipeline(Readable.fromWeb(response.body), createWriteStream(partial));
  await rename(partial, file);
}

/** zip and tar.xz alike: bsdtar (Windows 10+, macOS) reads zip, GNU tar (Linux) reads tar.xz. */
function extract(archive, dir) {
  const result = spawnSync('tar', ['-xf', archive, '-C', dir], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`could not unpack ${archive} (tar exited with ${result.status ?? result.error?.message})`);
}

async function exists(path) {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Checks the program by running it, when this machine can: the same assessment `uplink ffmpeg` makes. */
async function verifyProgram(program, os) {
  const locate = await import(pathToFileURL(join(root, 'dist', 'electron', 'engine', 'ffmpeg', 'locate.js')).href);
  const capabilities = await import(pathToFileURL(join(root, 'dist', 'electron', 'engine', 'ffmpeg', 'capabilities.js')).href);
  const assessment = await locate.inspectFfmpeg(program);
  const compositor = capabilities.compositorSupport(assessment.features);
  return bundleProblems(assessment, compositor, os);
}

export async function bundleFfmpeg({
  target = targetOf(process.platform, process.arch),
  pin = false,
  manifestFile = MANIFEST,
  allowUnpinned = process.env.UPLINK_ALLOW_UNPINNED_FFMPEG === '1',
  cache = join(root, '.cache', 'ffmpeg'),
} = {}) {
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  const entry = manifest.builds?.[target];
  const problems = entryProblems(target, entry, { requirePin: !pin && !allowUnpinned });
  if (problems.length > 0) throw new Error(problems.join('\n'));
  if (entry.sha256 === null && !pin) console.warn(`ffmpeg: WARNING ${target}'s archive is not pinned (UPLINK_ALLOW_UNPINNED_FFMPEG): not for a release`);

  const downloads = join(cache, 'downloads');
  await mkdir(downloads, { recursive: true });
  const archive = join(downloads, `${target}-${entry.version}${entry.url.endsWith('.zip') ? '.zip' : '.tar.xz'}`);
  if (!(await exists(archive)) || (entry.sha256 !== null && (await sha256File(archive)) !== entry.sha256)) {
    console.log(`ffmpeg: downloading ${entry.url}`);
    await download(entry.url, archive);
  }
  const actual = await sha256File(archive);
  checkPinned(target, entry.sha256, actual);

  const unpacked = join(cache, 'unpacked', target);
  await rm(unpacked, { recursive: true, force: true });
  await mkdir(unpacked, { recursive: true });
  extract(archive, unpacked);

  const out = join(cache, target);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const inArchive = async (path) => {
    if (!(await exists(join(unpacked, path)))) throw new Error(`${target}: the archive has no ${path}, which build/ffmpeg-builds.json names: correct the manifest`);
    return join(unpacked, path);
  };
  const program = join(out, bundledName(target));
  await copyFile(await inArchive(entry.binary), program);
  await chmod(program, 0o755);
  if (entry.ffprobe) {
    const probe = join(out, bundledName(target).replace('ffmpeg', 'ffprobe'));
    await copyFile(await inArchive(entry.ffprobe), probe);
    await chmod(probe, 0o755);
  }
  const licence = entry.licence ? await inArchive(entry.licence) : join(root, 'build', 'licenses', entry.licenceName.startsWith('GPL-2') ? 'GPL-2.0.txt' : 'GPL-3.0.txt');
  await copyFile(licence, join(out, 'LICENSE-FFmpeg.txt'));

  const os = target.split('-')[0];
  const runsHere = targetOf(process.platform, process.arch) === target || (process.platform === 'darwin' && os === 'mac');
  let versionOutput = `ffmpeg version ${entry.version} (not run on this machine)`;
  if (runsHere) {
    const missing = await verifyProgram(program, os);
    if (missing.length > 0) throw new Error(`${target}: ${entry.builder} lacks what Uplink needs: ${missing.join('; ')}. Pick another build in build/ffmpeg-builds.json.`);
    versionOutput = spawnSync(program, ['-hide_banner', '-version'], { encoding: 'utf8' }).stdout;
  } else if (pin) {
    throw new Error(`${target}: --pin checks the program by running it: run it on a machine of that OS and architecture`);
  } else {
    console.warn(`ffmpeg: ${target} cannot run on this machine; its pinned archive was checked, its features were checked when it was pinned`);
  }
  await writeFile(join(out, 'README-FFmpeg.txt'), ffmpegNotice(target, { ...entry, sha256: actual }, versionOutput));

  if (pin && entry.sha256 !== actual) {
    manifest.builds[target] = { ...entry, sha256: actual };
    await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    console.log(`ffmpeg: pinned ${target} at sha256 ${actual} in build/ffmpeg-builds.json: review and commit it`);
  }
  console.log(`ffmpeg: ${entry.builder} ${entry.version} ready in ${out}`);
  return { target, dir: out, program, sha256: actual };
}

/** Downloads the source of every build into `dir` (once per address), checked against sourceSha256 when pinned. */
export async function downloadSources(dir, manifestFile = MANIFEST) {
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  await mkdir(dir, { recursive: true });
  const sources = new Map(Object.values(manifest.builds).map((entry) => [entry.source, entry.sourceSha256]));
  for (const [url, sha256] of sources) {
    const file = join(dir, new URL(url).pathname.split('/').pop());
    if (!(await exists(file))) await download(url, file);
    checkPinned(url, sha256, await sha256File(file));
    console.log(`ffmpeg: source ${file}`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const args = process.argv.slice(2);
  if (args[0] === '--sources') {
    await downloadSources(args[1] ?? join(root, '.cache', 'ffmpeg', 'sources'));
    process.exit(0);
  }
  const pinAt = args.indexOf('--pin');
  const targetAt = args.indexOf('--target');
  const target = (pinAt >= 0 && args[pinAt + 1] && !args[pinAt + 1].startsWith('--') ? args[pinAt + 1] : undefined) ?? (targetAt >= 0 ? args[targetAt + 1] : undefined);
  if (target !== undefined && !TARGETS.includes(target)) {
    console.error(`ffmpeg-bundle: unknown target ${target} (one of ${TARGETS.join(', ')})`);
    process.exit(2);
  }
  try {
    await bundleFfmpeg({ ...(target ? { target } : {}), pin: pinAt >= 0 });
  } catch (err) {
    console.error(`ffmpeg-bundle: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
