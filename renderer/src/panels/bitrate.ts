/**
 * The first run's encoder check and bitrate proposal, as pure functions: which encoder to use (the first
 * that works on this computer, as the probe lists them) and a video bitrate for the output size and
 * frame rate that the chosen service accepts.
 */
import type { EncoderStatus, ServiceLimits } from '../../../electron/contract.js';

/** The first encoder whose trial encode worked; null when none did (FFmpeg is then unfit to stream). */
export function firstWorkingEncoder(encoders: readonly EncoderStatus[]): EncoderStatus | null {
  return encoders.find((e) => e.working) ?? null;
}

/**
 * H.264 bitrates for live streaming by picture height and frame rate, as the services recommend them
 * (Twitch's and YouTube's guides: 720p30 3000, 720p60 4500, 1080p30 4500, 1080p60 6000 kb/s).
 */
const LADDER: ReadonlyArray<{ maxHeight: number; at30: number; at60: number }> = [
  { maxHeight: 360, at30: 1000, at60: 1500 },
  { maxHeight: 480, at30: 1500, at60: 2500 },
  { maxHeight: 720, at30: 3000, at60: 4500 },
  { maxHeight: 1080, at30: 4500, at60: 6000 },
  { maxHeight: 1440, at30: 9000, at60: 13_500 },
  { maxHeight: Number.POSITIVE_INFINITY, at30: 20_000, at60: 30_000 },
];

export interface BitrateProposal {
  kbps: number;
  /** Why this figure, in one sentence for the form. */
  reason: string;
}

/** A bitrate for `width x height` at `fps`, at most the service's `maxVideoKbps`. */
export function proposeBitrate(output: { width: number; height: number; fps: number }, limits: ServiceLimits = {}, serviceName = 'the service'): BitrateProposal {
  // Portrait pictures are rated by their shorter side, as landscape ones are by their height.
  const lines = Math.min(output.width, output.height);
  const step = LADDER.find((s) => lines <= s.maxHeight)!;
  const recommended = output.fps > 30 ? step.at60 : step.at30;
  const size = `${output.width}x${output.height} at ${output.fps} fps`;
  const max = limits.maxVideoKbps;
  if (max !== undefined && recommended > max) {
    return { kbps: max, reason: `${serviceName} takes at most ${max} kb/s: the most it allows, for ${size}` };
  }
  return { kbps: recommended, reason: `recommended for ${size}${max === undefined ? '' : ` (${serviceName} takes up to ${max} kb/s)`}` };
}
