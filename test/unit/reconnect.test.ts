import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RECONNECT_POLICY,
  DeadConnectionDetector,
  decideRetry,
  isRetryable,
  nextDelay,
  reconnectPolicy,
} from '../../electron/engine/outputs/reconnect.js';

describe('nextDelay', () => {
  it('starts at half a second and grows by 1.5 up to 15 s', () => {
    const delays = Array.from({ length: 12 }, (_, i) => nextDelay(i + 1, 0.5));
    expect(delays.slice(0, 5)).toEqual([500, 750, 1125, 1688, 2531]);
    expect(delays.at(-1)).toBe(15_000);
    expect(nextDelay(1000, 0.5)).toBe(15_000);
  });

  it('moves each delay by at most 20% either way', () => {
    expect(nextDelay(1, 0)).toBe(400);
    expect(nextDelay(1, 0.999999)).toBe(600);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (attempt, random) => {
        const base = nextDelay(attempt, 0.5);
        const delay = nextDelay(attempt, random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
        expect(base).toBeGreaterThanOrEqual(nextDelay(Math.max(1, attempt - 1), 0.5));
      }),
    );
  });

  it('follows a custom policy, and clamps nonsense to something that works', () => {
    const policy = reconnectPolicy({ initialDelayMs: 100, multiplier: 2, maxDelayMs: 1000, jitter: 0 });
    expect([1, 2, 3, 4, 5, 6].map((a) => nextDelay(a, 0.9, policy))).toEqual([100, 200, 400, 800, 1000, 1000]);
    const clamped = reconnectPolicy({ initialDelayMs: -5, multiplier: 0.5, jitter: 3, maxAttempts: -1 });
    expect(clamped).toMatchObject({ initialDelayMs: 0, multiplier: 1, jitter: 1, maxAttempts: 0 });
  });
});

describe('decideRetry', () => {
  const fresh = { attempt: 0, keyRetryAvailable: false, random: 0.5 };

  it('retries what may be temporary', () => {
    for (const code of ['CONNECTION_REFUSED', 'CONNECTION_LOST', 'CLOSED', 'TIMEOUT', 'HOST_NOT_FOUND', 'NETWORK_UNREACHABLE', 'TOO_SLOW', 'CONNECTION_STALLED', 'PROTOCOL', 'TLS_FAILED']) {
      expect(decideRetry(code, fresh)).toEqual({ retry: true, delayMs: 500, attempt: 1, usesKeyRetry: false });
    }
  });

  it('does not retry what only the streamer can fix', () => {
    for (const code of ['KEY_REFUSED', 'STREAM_BUSY', 'CONNECT_REJECTED', 'INVALID_URL', 'TLS_UNTRUSTED', 'PUBLISH_CANCELLED']) {
      expect(isRetryable(code)).toBe(false);
      expect(decideRetry(code, fresh)).toEqual({ retry: false, reason: 'not-retryable' });
    }
  });

  it('retries a key refused right after a drop once, after giving the old session time to go', () => {
    const first = decideRetry('KEY_REFUSED', { attempt: 0, keyRetryAvailable: true, random: 0.5 });
    expect(first).toMatchObject({ retry: true, usesKeyRetry: true, attempt: 1 });
    expect(first.retry && first.delayMs).toBeGreaterThanOrEqual(DEFAULT_RECONNECT_POLICY.keyRefusedRetryDelayMs);
    // The destination spends its one retry: the next refusal fails it.
    expect(decideRetry('KEY_REFUSED', { attempt: 1, keyRetryAvailable: false, random: 0.5 })).toEqual({ retry: false, reason: 'not-retryable' });
    // Other fatal failures are never retried, drop or not.
    expect(decideRetry('CONNECT_REJECTED', { attempt: 0, keyRetryAvailable: true, random: 0.5 })).toEqual({ retry: false, reason: 'not-retryable' });
  });

  it('retries "Already publishing" after a drop until the server lets go, within the give-up time; not before the first live', () => {
    const policy = DEFAULT_RECONNECT_POLICY;
    for (const attempt of [0, 1, 5, 40]) {
      const decision = decideRetry('STREAM_BUSY', { attempt, failingForMs: 60_000, keyRetryAvailable: false, wasLive: true, random: 0.5 });
      expect(decision).toMatchObject({ retry: true, usesKeyRetry: false });
      expect((decision as { delayMs: number }).delayMs).toBeGreaterThanOrEqual(policy.keyRefusedRetryDelayMs);
    }
    expect(decideRetry('STREAM_BUSY', { attempt: 3, failingForMs: policy.giveUpAfterMs, keyRetryAvailable: false, wasLive: true, random: 0.5 })).toEqual({
      retry: false,
      reason: 'gave-up',
    });
    // Before any live: another encoder holds the key.
    expect(decideRetry('STREAM_BUSY', { attempt: 0, keyRetryAvailable: false, random: 0.5 })).toEqual({ retry: false, reason: 'not-retryable' });
    // A server's error mid-stream is retried like any other drop.
    expect(decideRetry('SERVER_ERROR', { attempt: 0, keyRetryAvailable: true, wasLive: true, random: 0.5 })).toMatchObject({ retry: true, usesKeyRetry: false });
  });

  it('gives up after the maximum number of tries, unless unlimited', () => {
    const policy = reconnectPolicy({ maxAttempts: 3 });
    expect(decideRetry('TIMEOUT', { attempt: 2, keyRetryAvailable: false, random: 0.5 }, policy)).toMatchObject({ retry: true, attempt: 3 });
    expect(decideRetry('TIMEOUT', { attempt: 3, keyRetryAvailable: false, random: 0.5 }, policy)).toEqual({ retry: false, reason: 'gave-up' });
    const unlimited = reconnectPolicy({ maxAttempts: Infinity });
    expect(decideRetry('TIMEOUT', { attempt: 1e6, keyRetryAvailable: false, random: 0.5 }, unlimited)).toMatchObject({ retry: true, delayMs: 15_000 });
  });

  it('keeps trying for ten minutes with the defaults, however many tries that takes', () => {
    const tenMinutes = DEFAULT_RECONNECT_POLICY.giveUpAfterMs;
    expect(tenMinutes).toBe(600_000);
    expect(decideRetry('TIMEOUT', { attempt: 500, failingForMs: tenMinutes - 1, keyRetryAvailable: false, random: 0.5 })).toMatchObject({ retry: true });
    expect(decideRetry('TIMEOUT', { attempt: 3, failingForMs: tenMinutes, keyRetryAvailable: false, random: 0.5 })).toEqual({ retry: false, reason: 'gave-up' });
  });

  it('looks again within a second while a restarting server refuses connections', () => {
    for (const random of [0, 0.5, 0.999]) {
      for (const attempt of [1, 5, 20]) {
        const decision = decideRetry('CONNECTION_REFUSED', { attempt: attempt - 1, keyRetryAvailable: false, random });
        expect(decision).toMatchObject({ retry: true });
        expect((decision as { delayMs: number }).delayMs).toBeLessThanOrEqual(700);
      }
    }
    // Other failures still back off.
    expect(decideRetry('TIMEOUT', { attempt: 19, keyRetryAvailable: false, random: 0.5 })).toMatchObject({ delayMs: 15_000 });
  });
});

describe('DeadConnectionDetector', () => {
  it('calls a connection dead when bytes wait and none reach the kernel for the whole window', () => {
    const detector = new DeadConnectionDetector(5000, 0);
    expect(detector.check({ nowMs: 1000, flushedBytes: 10_000, pendingBytes: 50_000 })).toBeUndefined();
    expect(detector.check({ nowMs: 5999, flushedBytes: 10_000, pendingBytes: 90_000 })).toBeUndefined();
    expect(detector.check({ nowMs: 6000, flushedBytes: 10_000, pendingBytes: 90_000 })).toBe('writes-stalled');
  });

  it('leaves an idle connection and a slow but moving one alone', () => {
    const idle = new DeadConnectionDetector(5000, 0);
    for (let t = 0; t <= 60_000; t += 250) expect(idle.check({ nowMs: t, flushedBytes: 3073, pendingBytes: 0 })).toBeUndefined();
    const slow = new DeadConnectionDetector(5000, 0);
    // 1 KB every 4.9 s with a backlog: slow, not dead.
    for (let t = 0, flushed = 0; t <= 60_000; t += 4900, flushed += 1024) {
      expect(slow.check({ nowMs: t, flushedBytes: flushed, pendingBytes: 1e6 })).toBeUndefined();
    }
  });

  it('calls dead a server that acknowledged before and stopped, long after several windows', () => {
    const detector = new DeadConnectionDetector(5000, 0);
    const window = 2_500_000;
    // Acknowledgements every 2.5 MB, one a second (20 Mbit/s), while writes keep moving into big kernel buffers.
    for (let i = 1; i <= 5; i++) {
      detector.onAcknowledgement(i * 1000, i * window);
      expect(detector.check({ nowMs: i * 1000, flushedBytes: i * window + 100_000, pendingBytes: 10_000 })).toBeUndefined();
    }
    const lastAck = 5 * window;
    expect(detector.check({ nowMs: 9000, flushedBytes: lastAck + 2 * window, pendingBytes: 10_000 })).toBeUndefined();
    // More than three windows unacknowledged, but not yet silent for the dead window.
    expect(detector.check({ nowMs: 9500, flushedBytes: lastAck + 3 * window + 1, pendingBytes: 10_000 })).toBeUndefined();
    expect(detector.check({ nowMs: 10_000, flushedBytes: lastAck + 3 * window + 2, pendingBytes: 10_000 })).toBe('no-acknowledgement');
  });

  it('does not expect acknowledgements from a server that never sent one, and survives 32-bit wrap', () => {
    const silent = new DeadConnectionDetector(5000, 0);
    for (let t = 0; t <= 60_000; t += 500) expect(silent.check({ nowMs: t, flushedBytes: t * 1000, pendingBytes: 1 })).toBeUndefined();
    const wrapping = new DeadConnectionDetector(5000, 0);
    wrapping.onAcknowledgement(0, 0xffff_0000);
    wrapping.onAcknowledgement(1000, (0xffff_0000 + 2_500_000) >>> 0);
    const flushed = 0xffff_0000 + 2_600_000;
    expect(wrapping.check({ nowMs: 2000, flushedBytes: flushed, pendingBytes: 1 })).toBeUndefined();
    // A server counting a few bytes more than we think it got is not behind.
    expect(wrapping.check({ nowMs: 30_000, flushedBytes: 0xffff_0000 + 2_499_000 + 1, pendingBytes: 0 })).toBeUndefined();
  });
});
