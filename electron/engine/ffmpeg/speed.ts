/**
 * Whether the encoder keeps up with real time. A machine that cannot encode the chosen size and rate
 * produces media slower than the clock: live sources then drop frames, and a run limited by media time
 * (`--duration`) never ends. FFmpeg's own `speed=` is averaged since its start (start-up drags it down for
 * a long time, and it resets on every restart), so the rate is measured here: program media time gained
 * over wall time passed, across a sliding window.
 */
export interface SpeedSample {
  nowMs: number;
  /** Program media time emitted so far. */
  mediaMs: number;
}

export interface SpeedPolicy {
  /** Wall time the rate is measured over. */
  windowMs: number;
  /** Below this rate the encoder is slow. */
  slowBelow: number;
  /** At or above this rate a slow encoder has recovered (higher than slowBelow, so it does not flap). */
  recoveredAt: number;
}

export const DEFAULT_SPEED_POLICY: SpeedPolicy = { windowMs: 5_000, slowBelow: 0.95, recoveredAt: 0.98 };

export interface SpeedState {
  samples: SpeedSample[];
  slow: boolean;
}

export type SpeedVerdict = { change: 'slow' | 'recovered'; speed: number } | undefined;

export function initialSpeedState(): SpeedState {
  return { samples: [], slow: false };
}

/**
 * Adds a sample; says when the encoder became slow or recovered. No verdict until a whole window has
 * been seen, so start-up (media begins a fraction of a second after launch) is never taken for slowness.
 */
export function assessSpeed(state: SpeedState, sample: SpeedSample, policy: SpeedPolicy = DEFAULT_SPEED_POLICY): SpeedVerdict {
  state.samples.push(sample);
  // Keep the newest sample at least a window old: the rate is measured from it.
  while (state.samples.length > 2 && sample.nowMs - state.samples[1]!.nowMs >= policy.windowMs) state.samples.shift();
  const first = state.samples[0]!;
  const elapsed = sample.nowMs - first.nowMs;
  if (elapsed < policy.windowMs) return undefined;
  const speed = (sample.mediaMs - first.mediaMs) / elapsed;
  if (!state.slow && speed < policy.slowBelow) {
    state.slow = true;
    return { change: 'slow', speed };
  }
  if (state.slow && speed >= policy.recoveredAt) {
    state.slow = false;
    return { change: 'recovered', speed };
  }
  return undefined;
}
