/**
 * Pure arithmetic of the program timeline: where the tags of a new FFmpeg go so that media time keeps
 * pace with the wall clock across restarts and never goes back. A run's tag with timestamp `ts` is
 * emitted at `ts + offset`.
 */

/**
 * How long after capture a run's tags arrive, relative to its own timestamps: `arrival - ts` for a video
 * frame. Two runs of the same inputs differ in this by the difference of their time origins (plus
 * jitter), which is what maps one onto the other.
 */
export function arrivalDelay(arrivalMs: number, timestampMs: number): number {
  return arrivalMs - timestampMs;
}

/** The median: one late frame (a busy event loop) must not move the estimate. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface CutInput {
  /** The running FFmpeg's offset and its recent arrival delays of video frames. */
  oldOffset: number;
  oldDelays: readonly number[];
  /** The new FFmpeg's first keyframe: its timestamp and when it arrived. */
  keyframeTs: number;
  keyframeArrivalMs: number;
  /** The last video timestamp already emitted on the program. */
  lastVideoTs: number;
  frameMs: number;
}

export interface Cut {
  /** The new FFmpeg's offset. */
  offset: number;
  /** Program time of the cut: the old FFmpeg's tags before it, the new one's from it on. */
  at: number;
}

/**
 * A make-before-break cut: the new FFmpeg's keyframe goes where the old one's frame captured at the same
 * moment would go, and never at or before a frame already sent (then the new timeline moves forward by
 * the difference, which keeps every gap within a frame).
 */
export function planCut(input: CutInput): Cut {
  const newDelay = arrivalDelay(input.keyframeArrivalMs, input.keyframeTs);
  let offset = Math.round(input.oldOffset + newDelay - median(input.oldDelays));
  const earliest = input.lastVideoTs + input.frameMs;
  if (input.keyframeTs + offset < earliest) offset = earliest - input.keyframeTs;
  return { offset, at: input.keyframeTs + offset };
}

/**
 * The offset for a run that starts after the previous one stopped (a crash, or a device only one FFmpeg
 * can hold): go on from the last tag by the wall time that passed (at least one frame).
 */
export function rebaseAfterGap(input: { lastTs: number; lastTagAtMs: number; nowMs: number; firstTs: number; frameMs: number }): number {
  if (input.lastTs < 0) return 0;
  return input.lastTs + Math.max(input.frameMs, Math.round(input.nowMs - input.lastTagAtMs)) - input.firstTs;
}
