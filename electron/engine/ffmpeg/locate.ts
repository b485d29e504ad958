/**
 * Finds an FFmpeg that can do Uplink's job, in the order a streamer expects: the path chosen in
 * settings (or --ffmpeg), FFMPEG_PATH, the ffmpeg-static package shipped with the app, then `ffmpeg` on
 * PATH. A path the user chose is used or refused with the reason, never skipped for another. Each
 * candidate is run (-version, -encoders, -filters, -formats: FFmpeg answers one listing per launch) and
 * checked for version and features; of the ones found by searching, the first that fits wins and the
 * others are reported as rejected. FFprobe is found the same way, starting beside FFmpeg.
 */
import { execFile } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { UplinkError, errorMessage } from '../errors.js';
import { Logger } from '../log.js';
import { H264_ENCODER_NAMES } from '../settings/encoding.js';
import { BinaryCache } from './binary-cache.js';

const log = new Logger('ffmpeg.locate');

export const MIN_FFMPEG_VERSION = { major: 4, minor: 4 } as const;
const DEFAULT_TIMEOUT_MS = 10_000;

/** `app`: the installed app's own FFmpeg (resources/ffmpeg), which the main process names in BUNDLED_FFMPEG_ENV. */
export type FfmpegSource = 'setting' | 'env' | 'app' | 'ffmpeg-static' | 'path';
export type FfprobeSource = 'setting' | 'env' | 'beside-ffmpeg' | 'path';

export interface FfmpegVersion {
  /** The version token as printed: "5.1.9-0+deb12u1", "7.1-full_build-www.gyan.dev", "N-117043-g8707c8660d". */
  text: string;
  major: number;
  minor: number;
  patch: number;
  /** True when the token carries no release number (git builds) and the release was inferred from
   * the libavutil version: the newest release at or below that library version. */
  inferred: boolean;
}

export interface FfmpegFeatures {
  encoders: string[];
  /** The H.264 encoders Uplink knows that this build lists (listed is not working: see encoders.ts). */
  h264Encoders: string[];
  filters: string[];
  muxers: string[];
  demuxers: string[];
  drawtext: boolean;
  statsPeriod: boolean;
}

export interface RejectedCandidate {
  path: string;
  source: FfmpegSource;
  reason: string;
}

export interface FfmpegInfo {
  path: string;
  source: FfmpegSource;
  version: FfmpegVersion;
  features: FfmpegFeatures;
  /** Candidates tried before this one, with the reason each was skipped. */
  rejected: RejectedCandidate[];
}

export interface FfprobeInfo {
  path: string;
  source: FfprobeSource;
  version: FfmpegVersion;
}

// ---------------------------------------------------------------------------------------------------
// Pure parsers

/** libavutil version of each release, used to date builds whose version token is a git hash. */
const RELEASES_BY_LIBAVUTIL: readonly (readonly [number, number, number, number])[] = [
  [56, 14, 4, 0],
  [56, 22, 4, 1],
  [56, 31, 4, 2],
  [56, 51, 4, 3],
  [56, 70, 4, 4],
  [57, 17, 5, 0],
  [57, 28, 5, 1],
  [58, 2, 6, 0],
  [58, 29, 6, 1],
  [59, 8, 7, 0],
  [59, 39, 7, 1],
  [60, 8, 8, 0],
];

export interface LibraryVersion {
  major: number;
  minor: number;
  micro: number;
}

/** The "libavutil      57. 28.100 / 57. 28.100" lines of -version, by library name. */
export function parseLibraryVersions(text: string): Map<string, LibraryVersion> {
  const libs = new Map<string, LibraryVersion>();
  for (const match of text.matchAll(/^\s*lib(\w+)\s+(\d+)\.\s*(\d+)\.\s*(\d+)/gm)) {
    const [, name, major, minor, micro] = match;
    if (name !== undefined && !libs.has(name)) {
      libs.set(name, { major: Number(major), minor: Number(minor), micro: Number(micro) });
    }
  }
  return libs;
}

function releaseFromLibavutil(lib: LibraryVersion): { major: number; minor: number } | null {
  let best: { major: number; minor: number } | null = null;
  for (const [libMajor, libMinor, major, minor] of RELEASES_BY_LIBAVUTIL) {
    if (lib.major > libMajor || (lib.major === libMajor && lib.minor >= libMinor)) best = { major, minor };
  }
  const last = RELEASES_BY_LIBAVUTIL[RELEASES_BY_LIBAVUTIL.length - 1];
  // Newer than the table: libavutil's major has tracked FFmpeg's major + 52 since 5.0.
  if (last && lib.major > last[0]) best = { major: lib.major - 52, minor: 0 };
  return best;
}

/** Parses `ffmpeg -version` (or `ffprobe -version`) output; null when it is not FFmpeg's. */
export function parseVersion(text: string, program: 'ffmpeg' | 'ffprobe' = 'ffmpeg'): FfmpegVersion | null {
  const line = new RegExp(`^${program} version (\\S+)`, 'm').exec(text);
  if (!line?.[1]) return null;
  const token = line[1];
  const release = /^n?(\d+)\.(\d+)(?:\.(\d+))?/.exec(token);
  if (release) {
    return {
      text: token,
      major: Number(release[1]),
      minor: Number(release[2]),
      patch: Number(release[3] ?? 0),
      inferred: false,
    };
  }
  const avutil = parseLibraryVersions(text).get('avutil');
  const inferred = avutil ? releaseFromLibavutil(avutil) : null;
  if (!inferred) return null;
  return { text: token, major: inferred.major, minor: inferred.minor, patch: 0, inferred: true };
}

export function compareVersion(a: { major: number; minor: number }, b: { major: number; minor: number }): number {
  return a.major - b.major || a.minor - b.minor;
}

export interface ListedEncoder {
  name: string;
  type: 'video' | 'audio' | 'subtitle';
  description: string;
}

const LINE_SPLIT = /\r?\n/;

/** Rows of `ffmpeg -encoders`: " V....D libx264   libx264 H.264 / AVC ...". */
export function parseEncoders(text: string): ListedEncoder[] {
  const encoders: ListedEncoder[] = [];
  let inTable = false;
  for (const line of text.split(LINE_SPLIT)) {
    if (/^\s*-{6}\s*$/.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable) continue;
    const match = /^\s([VAS])[.A-Z]{5}\s+(\S+)\s*(.*)$/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    const type = match[1] === 'V' ? 'video' : match[1] === 'A' ? 'audio' : 'subtitle';
    encoders.push({ name: match[2], type, description: (match[3] ?? '').trim() });
  }
  return encoders;
}

export interface ListedFilter {
  name: string;
  /** "V->V", "|->A", "N->A", ... */
  io: string;
  description: string;
}

/** Rows of `ffmpeg -filters`: " TSC overlay   VV->V   Overlay a video source on top of the input." */
export function parseFilters(text: string): ListedFilter[] {
  const filters: ListedFilter[] = [];
  for (const line of text.split(LINE_SPLIT)) {
    // The legend lines ("  T.. = Timeline support") have "=" where a row has the in->out signature.
    const match = /^\s[T.][S.][C.]\s+(\S+)\s+([AVN|]+->[AVN|]+)\s*(.*)$/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    filters.push({ name: match[1], io: match[2], description: (match[3] ?? '').trim() });
  }
  return filters;
}

export interface ListedFormat {
  /** One row can name several formats: "mov,mp4,m4a,3gp,3g2,mj2", "video4linux2,v4l2". */
  names: string[];
  demux: boolean;
  mux: boolean;
  /** Known only from FFmpeg 7.x, whose listing has a third "d" column; false before. */
  device: boolean;
  description: string;
}

/**
 * Rows of `ffmpeg -formats`. Up to 6.x: " DE flv   FLV (Flash Video)"; from 7.x a device column:
 * " D d lavfi   Libavfilter virtual input device".
 */
export function parseFormats(text: string): ListedFormat[] {
  const formats: ListedFormat[] = [];
  let inTable = false;
  for (const line of text.split(LINE_SPLIT)) {
    if (/^\s*-{2,3}\s*$/.test(line)) {
      inTable = true;
      continue;
    }
    if (!inTable) continue;
    const match = /^ ([D ])([E ])([d ]?) (\S+)\s*(.*)$/.exec(line);
    if (!match?.[4] || (match[1] !== 'D' && match[2] !== 'E')) continue;
    formats.push({
      names: match[4].split(','),
      demux: match[1] === 'D',
      mux: match[2] === 'E',
      device: match[3] === 'd',
      description: (match[5] ?? '').trim(),
    });
  }
  return formats;
}

/** Filters the argv builder and the scene compiler use; drawtext is optional (text sources). */
export const REQUIRED_FILTERS = [
  'testsrc2',
  'sine',
  'anullsrc',
  'overlay',
  'scale',
  'pad',
  'setsar',
  'fps',
  'format',
  'amix',
] as const;

export interface FfmpegListings {
  version: string;
  encoders: string;
  filters: string;
  formats: string;
}

export interface FfmpegAssessment {
  version: FfmpegVersion | null;
  features: FfmpegFeatures;
  /** Why this build cannot be used; empty when it can. */
  problems: string[];
}

/** Decides from the four listings whether a build can run Uplink's encode. */
export function assessFfmpeg(listings: FfmpegListings): FfmpegAssessment {
  const version = parseVersion(listings.version);
  const encoders = parseEncoders(listings.encoders);
  const filters = parseFilters(listings.filters).map((filter) => filter.name);
  const formats = parseFormats(listings.formats);
  const encoderNames = encoders.map((encoder) => encoder.name);
  const features: FfmpegFeatures = {
    encoders: encoderNames,
    h264Encoders: H264_ENCODER_NAMES.filter((name) => encoderNames.includes(name)),
    filters,
    muxers: formats.filter((format) => format.mux).flatMap((format) => format.names),
    demuxers: formats.filter((format) => format.demux).flatMap((format) => format.names),
    drawtext: filters.includes('drawtext'),
    statsPeriod: version !== null && compareVersion(version, { major: 5, minor: 0 }) >= 0,
  };

  const problems: string[] = [];
  if (!version) {
    problems.push('it did not report an FFmpeg version');
  } else if (compareVersion(version, MIN_FFMPEG_VERSION) < 0) {
    problems.push(
      `its version ${version.major}.${version.minor} is older than ${MIN_FFMPEG_VERSION.major}.${MIN_FFMPEG_VERSION.minor}`,
    );
  }
  const missing: string[] = [];
  // A build with a hardware H.264 encoder and no x264 (a vendor's build) can stream: uplink encoders tells whether it works.
  if (features.h264Encoders.length === 0) missing.push('an H.264 encoder (libx264 or a hardware one)');
  if (!encoderNames.includes('aac')) missing.push('the aac encoder');
  if (!features.muxers.includes('flv')) missing.push('the flv muxer');
  if (!features.demuxers.includes('lavfi')) missing.push('the lavfi input');
  const missingFilters = REQUIRED_FILTERS.filter((name) => !filters.includes(name));
  if (missingFilters.length > 0) missing.push(`the filters ${missingFilters.join(', ')}`);
  if (missing.length > 0) problems.push(`it lacks ${missing.join(', ')}`);
  return { version, features, problems };
}

/** Electron cannot execute a binary inside app.asar; electron-builder unpacks it beside the archive. */
export function unpackedAsarPath(file: string): string {
  return file.replace(/([\\/])app\.asar(?=[\\/])/, '$1app.asar.unpacked');
}

/**
 * Where the installed app keeps its own FFmpeg (electron-builder.yml's extraResources): the main process
 * knows `process.resourcesPath` and hands this path to the engine host in BUNDLED_FFMPEG_ENV, since the
 * engine never imports Electron.
 */
export function packagedFfmpegPath(resourcesPath: string, platform: NodeJS.Platform): string {
  const api = pathApi(platform);
  return api.join(resourcesPath, 'ffmpeg', platform === 'win32' ? 'ffmpeg.exe' : 'ffmpeg');
}

/** The FFmpeg shipped with the installed app, searched first (before ffmpeg-static and PATH). */
export const BUNDLED_FFMPEG_ENV = 'UPLINK_BUNDLED_FFMPEG';

export function installHint(platform: NodeJS.Platform): string {
  switch (platform) {
    case 'linux':
      return 'apt install ffmpeg';
    case 'darwin':
      return 'brew install ffmpeg';
    case 'win32':
      return 'winget install ffmpeg';
    default:
      return 'your package manager';
  }
}

// ---------------------------------------------------------------------------------------------------
// Processes and the file system

interface PlatformPaths {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
}

function pathApi(platform: NodeJS.Platform): typeof path.posix {
  return platform === 'win32' ? path.win32 : path.posix;
}

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  // A copied Windows environment keeps its original casing ("Path").
  const key = Object.keys(env).find((candidate) => candidate.toUpperCase() === name.toUpperCase());
  const value = key === undefined ? undefined : env[key];
  return value === undefined || value === '' ? undefined : value;
}

async function isExecutableFile(file: string, platform: NodeJS.Platform): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    if (platform !== 'win32') await access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Windows extensions Node can execute without a shell (.bat/.cmd shims need cmd.exe, which we never use). */
const SHELL_FREE_EXTENSIONS = ['.EXE', '.COM'];

/**
 * `which`: the first executable `name` in PATH. On Windows a name without extension is tried with the
 * PATHEXT extensions that can run without a shell. `isRunnable` is replaceable for tests of the
 * Windows rules on other systems.
 */
export async function findOnPath(
  name: string,
  where: PlatformPaths,
  isRunnable: (file: string) => Promise<boolean> = (file) => isExecutableFile(file, where.platform),
): Promise<string | null> {
  const api = pathApi(where.platform);
  const dirs = (envValue(where.env, 'PATH') ?? '').split(api.delimiter).filter((dir) => dir !== '');
  let names = [name];
  if (where.platform === 'win32' && api.extname(name) === '') {
    const pathExt = (envValue(where.env, 'PATHEXT') ?? '.COM;.EXE;.BAT;.CMD').split(';');
    names = pathExt.filter((ext) => SHELL_FREE_EXTENSIONS.includes(ext.toUpperCase())).map((ext) => name + ext.toLowerCase());
  }
  // Windows PATH entries may be quoted.
  const files = dirs.flatMap((dir) => names.map((candidate) => api.join(dir.replace(/^"(.*)"$/, '$1'), candidate)));
  // Every candidate is checked at once and the first in PATH order wins: one after the other, a long
  // PATH cost a file-system round trip per entry on the way to going live.
  const runnable = await Promise.all(files.map((file) => isRunnable(file)));
  return files[runnable.indexOf(true)] ?? null;
}

function run(file: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, windowsHide: true, encoding: 'utf8' },
      (error, stdout, stderr) => {
        if (error) reject(error);
        else resolve(stdout + stderr);
      },
    );
  });
}

/** Runs the four listings (in parallel: each is a short launch) and assesses them. */
export async function inspectFfmpeg(file: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<FfmpegAssessment> {
  const [version, encoders, filters, formats] = await Promise.all(
    [['-version'], ['-hide_banner', '-encoders'], ['-hide_banner', '-filters'], ['-hide_banner', '-formats']].map(
      (args) => run(file, args, timeoutMs),
    ),
  );
  return assessFfmpeg({ version: version ?? '', encoders: encoders ?? '', filters: filters ?? '', formats: formats ?? '' });
}

async function loadFfmpegStatic(): Promise<string | null> {
  // A variable specifier: the package is optional and absent where its download failed.
  const specifier = 'ffmpeg-static';
  try {
    const mod: unknown = await import(specifier);
    const value = (mod as { default?: unknown }).default;
    return typeof value === 'string' ? value : null;
  } catch {
    return null;
  }
}

export interface LocateOptions {
  /** The path the user chose (the app's setting, the CLI's --ffmpeg): used, or the search fails. */
  explicitPath?: string | null;
  /** How explicitPath was chosen, for messages: '--ffmpeg' on the command line; the app's setting by default. */
  chosenWith?: 'setting' | '--ffmpeg';
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  /** Where ffmpeg-static's binary is; defaults to importing the package. */
  loadBundledPath?: () => Promise<string | null>;
  timeoutMs?: number;
  /** Keep each binary's assessment here: inspecting FFmpeg costs a few launches at every start. */
  cacheDir?: string;
}

function describeSource(source: FfmpegSource | FfprobeSource): string {
  switch (source) {
    case 'setting':
      return 'the path chosen in Settings';
    case 'env':
      return 'the path in the environment';
    case 'app':
      return "the installed app's copy";
    case 'ffmpeg-static':
      return 'the bundled copy';
    case 'beside-ffmpeg':
      return 'the copy beside FFmpeg';
    case 'path':
      return 'the copy on PATH';
  }
}

function fixes(tool: 'FFmpeg' | 'FFprobe', platform: NodeJS.Platform): string {
  const variable = tool === 'FFmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH';
  const install = tool === 'FFmpeg' ? 'install FFmpeg' : 'install FFmpeg, which includes FFprobe,';
  return `${install} (${installHint(platform)}), set ${variable} to the program's full path, or choose it in Settings > FFmpeg`;
}

/** Runs the listings of `candidate`, or answers from the cache while the binary is unchanged. */
async function assess(candidate: string, timeoutMs: number, cache: BinaryCache<FfmpegAssessment> | undefined): Promise<FfmpegAssessment> {
  const cached = await cache?.get(candidate);
  if (cached) return cached;
  const assessment = await inspectFfmpeg(candidate, timeoutMs);
  await cache?.set(candidate, assessment);
  return assessment;
}

/** An FFmpeg the user named: where it came from, to name it and its fix in one line. */
interface ChosenFfmpeg {
  path: string;
  source: 'setting' | 'env';
  chosenWith: 'setting' | '--ffmpeg' | 'FFMPEG_PATH';
}

function chosenProblem(chosen: ChosenFfmpeg, code: 'FFMPEG_NOT_FOUND' | 'FFMPEG_UNSUITABLE', problem: string): UplinkError {
  const wanted = `FFmpeg ${MIN_FFMPEG_VERSION.major}.${MIN_FFMPEG_VERSION.minor} or newer`;
  switch (chosen.chosenWith) {
    case '--ffmpeg':
      return new UplinkError(code, `--ffmpeg ${chosen.path} ${problem}: give the full path of ${wanted}, or leave out --ffmpeg to let Uplink find one.`);
    case 'FFMPEG_PATH':
      return new UplinkError(code, `FFMPEG_PATH (${chosen.path}) ${problem}: set it to the full path of ${wanted}, or unset it to let Uplink find one.`);
    case 'setting':
      return new UplinkError(
        code,
        `the FFmpeg chosen in Settings > FFmpeg (${chosen.path}) ${problem}: choose ${wanted} there, or clear the choice to let Uplink find one.`,
      );
  }
}

/**
 * A choice is honoured or refused, never replaced: a streamer who picked a build (for its hardware
 * encoders, say) must not go live with another one without knowing.
 */
async function useChosenFfmpeg(chosen: ChosenFfmpeg, platform: NodeJS.Platform, timeoutMs: number, cache: BinaryCache<FfmpegAssessment> | undefined): Promise<FfmpegInfo> {
  let isFile: boolean;
  try {
    isFile = (await stat(chosen.path)).isFile();
  } catch {
    throw chosenProblem(chosen, 'FFMPEG_NOT_FOUND', 'does not exist');
  }
  if (!isFile) throw chosenProblem(chosen, 'FFMPEG_UNSUITABLE', 'is not a program (it is a folder or a device)');
  if (!(await isExecutableFile(chosen.path, platform))) throw chosenProblem(chosen, 'FFMPEG_UNSUITABLE', 'is not executable (chmod +x it)');
  let assessment: FfmpegAssessment;
  try {
    assessment = await assess(chosen.path, timeoutMs, cache);
  } catch (err) {
    throw chosenProblem(chosen, 'FFMPEG_UNSUITABLE', `could not be run (${errorMessage(err).split('\n')[0]})`);
  }
  if (!assessment.version) throw chosenProblem(chosen, 'FFMPEG_UNSUITABLE', 'is not FFmpeg (it did not report an FFmpeg version)');
  if (assessment.problems.length > 0) throw chosenProblem(chosen, 'FFMPEG_UNSUITABLE', `cannot be used (${assessment.problems.join('; ')})`);
  log.info(`using FFmpeg ${assessment.version.text} at ${chosen.path} (${describeSource(chosen.source)})`);
  return { path: chosen.path, source: chosen.source, version: assessment.version, features: assessment.features, rejected: [] };
}

/**
 * Uses the FFmpeg the user chose (the setting or --ffmpeg, else FFMPEG_PATH) or fails naming it and what
 * is wrong with it. Only when nothing was chosen does it search ffmpeg-static and PATH, taking the first
 * that fits; then it throws FFMPEG_NOT_FOUND / FFMPEG_UNSUITABLE naming the three fixes.
 */
export async function locateFfmpeg(options: LocateOptions = {}): Promise<FfmpegInfo> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cache = options.cacheDir ? new BinaryCache<FfmpegAssessment>(path.join(options.cacheDir, 'ffmpeg-binaries.json'), 1) : undefined;
  cache?.prefetch();

  let explicitPath = options.explicitPath?.trim() ? options.explicitPath : undefined;
  if (explicitPath !== undefined) {
    // A bare name (`--ffmpeg ffmpeg7`) means that program on PATH, as a shell would take it.
    if (!/[\\/]/.test(explicitPath)) explicitPath = (await findOnPath(explicitPath, { env, platform })) ?? explicitPath;
    return useChosenFfmpeg({ path: explicitPath, source: 'setting', chosenWith: options.chosenWith ?? 'setting' }, platform, timeoutMs, cache);
  }
  const fromEnv = envValue(env, 'FFMPEG_PATH');
  if (fromEnv !== undefined) return useChosenFfmpeg({ path: fromEnv, source: 'env', chosenWith: 'FFMPEG_PATH' }, platform, timeoutMs, cache);

  const rejected: RejectedCandidate[] = [];
  let anyFound = false;
  const tried = new Set<string>();
  const sources: [FfmpegSource, () => Promise<string | null>][] = [
    // The installed app's own FFmpeg, which replaces ffmpeg-static there.
    ['app', async () => envValue(env, BUNDLED_FFMPEG_ENV) ?? null],
    [
      'ffmpeg-static',
      async () => {
        const bundled = await (options.loadBundledPath ?? loadFfmpegStatic)();
        return bundled === null ? null : unpackedAsarPath(bundled);
      },
    ],
    ['path', () => findOnPath('ffmpeg', { env, platform })],
  ];

  // Both places are looked at together (a failure is seen when its turn comes); candidates are still taken in order.
  const candidates = sources.map(([source, resolveCandidate]) => {
    const found = resolveCandidate();
    found.catch(() => undefined);
    return [source, found] as const;
  });
  for (const [source, found] of candidates) {
    const candidate = await found;
    if (candidate === null || tried.has(candidate)) continue;
    tried.add(candidate);
    // ffmpeg-static exports a path even when its download failed: not worth reporting.
    if (!(await isExecutableFile(candidate, platform))) continue;
    anyFound = true;
    let assessment: FfmpegAssessment;
    try {
      assessment = await assess(candidate, timeoutMs, cache);
    } catch (err) {
      rejected.push({ path: candidate, source, reason: `it could not be run (${errorMessage(err).split('\n')[0]})` });
      continue;
    }
    if (assessment.problems.length > 0 || !assessment.version) {
      rejected.push({ path: candidate, source, reason: assessment.problems.join('; ') });
      continue;
    }
    for (const skipped of rejected) {
      log.warn(`skipped FFmpeg at ${skipped.path} (${describeSource(skipped.source)}): ${skipped.reason}`);
    }
    log.info(`using FFmpeg ${assessment.version.text} at ${candidate} (${describeSource(source)})`);
    return { path: candidate, source, version: assessment.version, features: assessment.features, rejected };
  }

  const first = rejected[0];
  const why = first ? ` (${describeSource(first.source)}, ${first.path}: ${first.reason})` : ' (nothing chosen with --ffmpeg, in Settings or in FFMPEG_PATH; no ffmpeg-static package; no ffmpeg on the PATH)';
  if (anyFound) {
    throw new UplinkError('FFMPEG_UNSUITABLE', `FFmpeg cannot be used${why}: ${fixes('FFmpeg', platform)}.`);
  }
  throw new UplinkError('FFMPEG_NOT_FOUND', `FFmpeg was not found${why}: ${fixes('FFmpeg', platform)}.`);
}

export interface LocateFfprobeOptions extends Omit<LocateOptions, 'loadBundledPath'> {
  /** The FFmpeg in use: its directory is searched before PATH. */
  ffmpegPath?: string;
}

/** Finds ffprobe: setting, FFPROBE_PATH, beside FFmpeg, PATH. Throws FFPROBE_NOT_FOUND. */
export async function locateFfprobe(options: LocateFfprobeOptions = {}): Promise<FfprobeInfo> {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const name = platform === 'win32' ? 'ffprobe.exe' : 'ffprobe';
  const api = pathApi(platform);
  const reasons: string[] = [];

  const sources: [FfprobeSource, () => Promise<string | null>][] = [
    ['setting', async () => options.explicitPath ?? null],
    ['env', async () => envValue(env, 'FFPROBE_PATH') ?? null],
    ['beside-ffmpeg', async () => (options.ffmpegPath ? api.join(api.dirname(options.ffmpegPath), name) : null)],
    // The installed app's own FFprobe, where its builds have one (beside its FFmpeg).
    [
      'beside-ffmpeg',
      async () => {
        const bundled = envValue(env, BUNDLED_FFMPEG_ENV);
        return bundled ? api.join(api.dirname(bundled), name) : null;
      },
    ],
    ['path', () => findOnPath('ffprobe', { env, platform })],
  ];
  const tried = new Set<string>();
  for (const [source, resolveCandidate] of sources) {
    const candidate = await resolveCandidate();
    if (candidate === null || tried.has(candidate)) continue;
    tried.add(candidate);
    if (!(await isExecutableFile(candidate, platform))) {
      if (source === 'setting' || source === 'env') reasons.push(`${describeSource(source)}, ${candidate}: no program there`);
      continue;
    }
    try {
      const version = parseVersion(await run(candidate, ['-version'], timeoutMs), 'ffprobe');
      if (version) return { path: candidate, source, version };
      reasons.push(`${describeSource(source)}, ${candidate}: not FFprobe`);
    } catch (err) {
      reasons.push(`${describeSource(source)}, ${candidate}: ${errorMessage(err).split('\n')[0]}`);
    }
  }
  const why = reasons.length > 0 ? ` (${reasons[0]})` : '';
  throw new UplinkError('FFPROBE_NOT_FOUND', `FFprobe was not found${why}: ${fixes('FFprobe', platform)}.`);
}
