/**
 * When to try a destination again, and when to stop trying: the backoff between attempts, which
 * failures are worth another attempt, and how to tell a connection that died silently from a slow one.
 * Pure: time and randomness come in as arguments, so every decision can be tested without waiting.
 */

export interface ReconnectPolicy {
  /** Delay before the first retry. OBS waits 2 s; a restarted ingest is usually back well before that. */
  initialDelayMs: number;
  /** Each further retry waits this many times longer... */
  multiplier: number;
  /** ...up to this. */
  maxDelayMs: number;
  /** Each delay is moved by up to this fraction either way, so that many clients cut at once do not come back in step. */
  jitter: number;
  /** Tries after a failure before the destination is failed; `Infinity` never gives up. */
  maxAttempts: number;
  /** How long a destination keeps trying after it dropped, whatever the number of tries. */
  giveUpAfterMs: number;
  /**
   * The longest wait after a refused connection: the host answers but the service does not, as while an
   * ingest restarts. Looking again this often makes media flow within a second of its return, and a
   * refused connection costs the server nothing.
   */
  refusedDelayMs: number;
  /**
   * Delay before the one retry of a key refused right after a drop, and the shortest wait between tries
   * while the server still holds the dropped session ("Already publishing"): time for it to let go.
   */
  keyRefusedRetryDelayMs: number;
}

export const DEFAULT_RECONNECT_POLICY: Readonly<ReconnectPolicy> = Object.freeze({
  initialDelayMs: 500,
  multiplier: 1.5,
  maxDelayMs: 15_000,
  jitter: 0.2,
  // Counted in time, not tries: refused connections are retried often. OBS gives up after 25 tries.
  maxAttempts: Infinity,
  giveUpAfterMs: 10 * 60_000,
  refusedDelayMs: 700,
  keyRefusedRetryDelayMs: 2_000,
});

/** The policy with `overrides` applied; out-of-range values are clamped to something that still works. */
export function reconnectPolicy(overrides: Partial<ReconnectPolicy> = {}): ReconnectPolicy {
  const merged = { ...DEFAULT_RECONNECT_POLICY, ...overrides };
  return {
    initialDelayMs: Math.max(0, merged.initialDelayMs),
    multiplier: Math.max(1, merged.multiplier),
    maxDelayMs: Math.max(0, merged.initialDelayMs, merged.maxDelayMs),
    jitter: Math.min(1, Math.max(0, merged.jitter)),
    maxAttempts: Number.isNaN(merged.maxAttempts) ? DEFAULT_RECONNECT_POLICY.maxAttempts : Math.max(0, merged.maxAttempts),
    giveUpAfterMs: Math.max(0, merged.giveUpAfterMs),
    refusedDelayMs: Math.max(0, merged.refusedDelayMs),
    keyRefusedRetryDelayMs: Math.max(0, merged.keyRefusedRetryDelayMs),
  };
}

/**
 * Milliseconds to wait before retry number `attempt` (1 for the first retry). `random` is a number in
 * [0, 1), Math.random() in production: 0.5 gives the delay without jitter.
 */
export function nextDelay(attempt: number, random: number, policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** exponent);
  const spread = (Math.min(Math.max(random, 0), 1) * 2 - 1) * policy.jitter;
  return Math.round(base * (1 + spread));
}

/**
 * Failures that another attempt cannot fix: the streamer has to change the key, the URL or the trust
 * settings. Every other failure (refused, unreachable, timed out, cut, too slow, stalled) may be
 * temporary and is retried.
 */
const NOT_RETRIED = new Set(['KEY_REFUSED', 'STREAM_BUSY', 'CONNECT_REJECTED', 'INVALID_URL', 'TLS_UNTRUSTED', 'PUBLISH_CANCELLED']);

export function isRetryable(code: string): boolean {
  return !NOT_RETRIED.has(code);
}

export interface RetryContext {
  /** Retries already made since the destination was last live (0 before the first retry). */
  attempt: number;
  /** How long the destination has been trying since it dropped; 0 when unknown. */
  failingForMs?: number;
  /**
   * True while the one retry of a refused key is still available: the destination was live and has
   * just dropped. Servers (nginx-rtmp among them) refuse a key while the old session still lingers.
   */
  keyRetryAvailable: boolean;
  /**
   * The destination was live and dropped. A server then often still holds the old session and answers
   * "Already publishing" (STREAM_BUSY) until it notices the drop: that is retried until it lets go.
   * Before the first live, STREAM_BUSY means another encoder uses the key, and is not retried.
   */
  wasLive?: boolean;
  /** In [0, 1): the jitter draw. */
  random: number;
}

export type RetryDecision =
  | { retry: true; delayMs: number; attempt: number; usesKeyRetry: boolean }
  | { retry: false; reason: 'not-retryable' | 'gave-up' };

/** Whether to try again after a failed attempt or a dropped connection, and after how long. */
export function decideRetry(code: string, context: RetryContext, policy: ReconnectPolicy = DEFAULT_RECONNECT_POLICY): RetryDecision {
  const attempt = context.attempt + 1;
  if (attempt > policy.maxAttempts || (context.failingForMs ?? 0) >= policy.giveUpAfterMs) return { retry: false, reason: 'gave-up' };
  if (code === 'KEY_REFUSED' && context.keyRetryAvailable) {
    const delayMs = Math.max(policy.keyRefusedRetryDelayMs, nextDelay(attempt, context.random, policy));
    return { retry: true, delayMs, attempt, usesKeyRetry: true };
  }
  if (code === 'STREAM_BUSY' && context.wasLive) {
    const delayMs = Math.max(policy.keyRefusedRetryDelayMs, nextDelay(attempt, context.random, policy));
    return { retry: true, delayMs, attempt, usesKeyRetry: false };
  }
  if (!isRetryable(code)) return { retry: false, reason: 'not-retryable' };
  let delayMs = nextDelay(attempt, context.random, policy);
  if (code === 'CONNECTION_REFUSED') delayMs = Math.min(delayMs, Math.round(policy.refusedDelayMs * (1 - policy.jitter * context.random)));
  return { retry: true, delayMs, attempt, usesKeyRetry: false };
}

// -----------------------------------------------------------------------------------------------------
// Dead connections

export type DeadReason = 'writes-stalled' | 'no-acknowledgement';

export interface LivenessSample {
  nowMs: number;
  /** Bytes of this connection handed to the kernel so far. */
  flushedBytes: number;
  /** Bytes waiting on our side (queue and socket buffer). */
  pendingBytes: number;
}

/**
 * Finds a connection that died without closing: a cable pulled, a NAT that forgot us, a server that hung.
 * TCP would take many minutes to give up on its own; this says so within `deadAfterMs`:
 * - writes stalled: bytes are waiting and none reached the kernel for `deadAfterMs` (its send buffer is
 *   full and nothing drains it);
 * - no acknowledgement: a server that acknowledged before has stopped, although we sent it well past
 *   several acknowledgement windows, and for much longer than it used to take between two of them.
 * Both rules are conservative: a slow but moving link is congestion, not death.
 */
export class DeadConnectionDetector {
  private lastProgressAt: number;
  private lastFlushed = 0;
  private lastAck: { atMs: number; sequence: number } | undefined;
  /** Bytes and milliseconds between the last two acknowledgements: what the server's window looks like. */
  private ackWindowBytes = 0;
  private ackGapMs = 0;

  constructor(
    private readonly deadAfterMs: number,
    startMs: number,
  ) {
    this.lastProgressAt = startMs;
  }

  onAcknowledgement(nowMs: number, sequenceNumber: number): void {
    const previous = this.lastAck;
    // The first acknowledgement counts from the start of the connection.
    this.ackWindowBytes = previous ? (sequenceNumber - previous.sequence) >>> 0 : sequenceNumber >>> 0;
    if (previous) this.ackGapMs = nowMs - previous.atMs;
    this.lastAck = { atMs: nowMs, sequence: sequenceNumber >>> 0 };
  }

  check(sample: LivenessSample): DeadReason | undefined {
    if (sample.flushedBytes !== this.lastFlushed || sample.pendingBytes === 0) {
      this.lastFlushed = sample.flushedBytes;
      this.lastProgressAt = sample.nowMs;
    } else if (sample.nowMs - this.lastProgressAt >= this.deadAfterMs) {
      return 'writes-stalled';
    }
    const ack = this.lastAck;
    if (ack && this.ackWindowBytes > 0) {
      const difference = ((sample.flushedBytes >>> 0) - ack.sequence) >>> 0;
      // A server that counts a little more than we think it got is not behind (and must not wrap).
      const unacknowledged = difference > 0x7fffffff ? 0 : difference;
      const silentMs = sample.nowMs - ack.atMs;
      // Kernel buffers can hold megabytes in flight on a slow link: ask for three windows, not one.
      if (unacknowledged > 3 * this.ackWindowBytes && silentMs >= Math.max(this.deadAfterMs, 3 * this.ackGapMs)) return 'no-acknowledgement';
    }
    return undefined;
  }
}
