/**
 * Which H.264 encoders actually work on this machine. A build lists h264_nvenc whether or not there is
 * an NVIDIA GPU, so each listed encoder is confirmed by encoding one frame with the same options the
 * stream will use. Trials take a few seconds on some drivers, so results are cached per FFmpeg binary
 * (path, mtime, size) in a JSON file; `refresh` re-runs them after a driver or hardware change.
 */
import { execFile } from 'node:child_process';
import type { EncoderStatus } from '../../contract.js';
import path from 'node:path';
import { Logger } from '../log.js';
import {
  H264_ENCODER_NAMES,
  H264_ENCODERS,
  validateEncoding,
  type EncodingSettings,
  type H264EncoderName,
} from '../settings/encoding.js';
import { BinaryCache } from './binary-cache.js';
import { ArgvBuilder, globalArgs, videoEncoderArgs, videoOutputChain, type EncodeOptions } from './argv.js';
import { parseEncoders } from './locate.js';
import { classifyFailure } from './stderr.js';

const log = new Logger('ffmpeg.encoders');

export type { EncoderStatus };

export interface ProbeEncodersOptions {
  ffmpegPath: string;
  /** Directory for the JSON cache (the app's user-data directory). */
  cacheDir: string;
  /** Names from `ffmpeg -encoders` when already known (FfmpegInfo.features.encoders). */
  listedEncoders?: readonly string[];
  timeoutMs?: number;
  /** Ignore the cache and run the trials again. */
  refresh?: boolean;
  vaapiDevice?: string;
}

export const ENCODER_CACHE_FILE = 'ffmpeg-encoders.json';
/** Bumped when the trial changes, so that results of an older trial are not trusted. */
const CACHE_VERSION = 2;
const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * The trial encode: one frame of a small picture through the stream's own encoder options. 640x360
 * because some hardware encoders reject tiny frames, which would make a working encoder look broken.
 */
export function trialEncodeArgs(encoder: H264EncoderName, options: EncodeOptions = {}): string[] {
  const settings: EncodingSettings = validateEncoding({ encoder, width: 640, height: 360, fps: 30 });
  return new ArgvBuilder()
    .append(globalArgs(settings, options))
    .option('-f', 'lavfi')
    .option('-i', `color=c=black:s=${settings.width}x${settings.height}:r=${settings.fps}`)
    .option('-vf', videoOutputChain(settings))
    .append(videoEncoderArgs(settings))
    .option('-frames:v', 1)
    .flag('-an')
    .option('-f', 'null')
    .append(['-'])
    .toArray();
}

interface TrialResult {
  ok: boolean;
  error?: string;
}

function runTrial(ffmpegPath: string, args: readonly string[], timeoutMs: number): Promise<TrialResult> {
  return new Promise((resolve) => {
    execFile(
      ffmpegPath,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, windowsHide: true, encoding: 'utf8' },
      (error, _stdout, stderr) => {
        if (!error) {
          resolve({ ok: true });
          return;
        }
        const timedOut = 'killed' in error && error.killed === true;
        if (timedOut) {
          resolve({ ok: false, error: `the trial encode did not finish within ${Math.round(timeoutMs / 1000)} s` });
          return;
        }
        const code = typeof error.code === 'number' ? error.code : null;
        const signal = 'signal' in error && typeof error.signal === 'string' ? (error.signal as NodeJS.Signals) : null;
        const failure = classifyFailure({ stderr, code, signal });
        resolve({ ok: false, error: failure.detail ?? failure.message });
      },
    );
  });
}

async function listEncoders(ffmpegPath: string, timeoutMs: number): Promise<string[]> {
  const text = await new Promise<string>((resolve, reject) => {
    execFile(
      ffmpegPath,
      ['-hide_banner', '-encoders'],
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, windowsHide: true, encoding: 'utf8' },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
  });
  return parseEncoders(text).map((encoder) => encoder.name);
}

/** Lists and trials every H.264 encoder Uplink knows, x264 first. */
export async function probeEncoders(options: ProbeEncodersOptions): Promise<EncoderStatus[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cache = new BinaryCache<EncoderStatus[]>(path.join(options.cacheDir, ENCODER_CACHE_FILE), CACHE_VERSION);
  const cached = options.refresh ? undefined : await cache.get(options.ffmpegPath);
  if (cached) return cached;

  const listed = options.listedEncoders ?? (await listEncoders(options.ffmpegPath, timeoutMs));
  const trialOptions: EncodeOptions = options.vaapiDevice ? { vaapiDevice: options.vaapiDevice } : {};
  // In parallel: hardware trials mostly fail fast, and each encoder opens at most one session.
  const encoders = await Promise.all(
    H264_ENCODER_NAMES.map(async (name): Promise<EncoderStatus> => {
      const { label, hardware } = H264_ENCODERS[name];
      if (!listed.includes(name)) {
        return { name, label, hardware, listed: false, working: false, error: 'not included in this FFmpeg build' };
      }
      const result = await runTrial(options.ffmpegPath, trialEncodeArgs(name, trialOptions), timeoutMs);
      if (result.ok) return { name, label, hardware, listed: true, working: true };
      log.info(`${name} does not work here: ${result.error ?? 'unknown error'}`);
      return { name, label, hardware, listed: true, working: false, error: result.error ?? 'the trial encode failed' };
    }),
  );

  await cache.set(options.ffmpegPath, encoders);
  return encoders;
}
