import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Relay, audioLane, blackFrame, samplesForTick, videoLane, type RelayLane, type RelayStats } from '../../electron/engine/scenes/relay.js';

/** A sink that records what it got; while held, writes stay pending so the stream backs up like a full pipe. */
class FakeSink extends Writable {
  readonly received: number[] = [];
  private pending: (() => void)[] = [];
  held = false;

  constructor() {
    super({ highWaterMark: 1 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.received.push(chunk.readUInt32LE(0));
    if (this.held) this.pending.push(() => callback());
    else callback();
  }

  release(): void {
    this.held = false;
    for (const done of this.pending.splice(0)) done();
  }
}

/** A lane whose bytes carry the tick number, so the test sees which ticks were written. */
function tickLane(sink: Writable): RelayLane {
  return {
    sink,
    next: (tick) => {
      const bytes = Buffer.alloc(4);
      bytes.writeUInt32LE(tick);
      return bytes;
    },
  };
}

const FPS = 30;
const PERIOD = 1000 / FPS;
let clock = 0;
const relays: Relay[] = [];

function makeRelay(lanes: RelayLane[], maxCatchUpTicks?: number): Relay {
  const relay = new Relay(FPS, lanes, { now: () => clock, ...(maxCatchUpTicks === undefined ? {} : { maxCatchUpTicks }) });
  relays.push(relay);
  return relay;
}

/** Time passes a millisecond at a time, and timers fire when due. */
function advance(ms: number): void {
  for (let i = 0; i < Math.ceil(ms); i++) {
    clock += 1;
    vi.advanceTimersByTime(1);
  }
}

/** The timer fires only after `ms` more than it asked for (a busy event loop). */
function fireLate(ms: number): void {
  clock += ms;
  vi.advanceTimersToNextTimer();
}

beforeEach(() => {
  vi.useFakeTimers();
  clock = 1000;
});

afterEach(() => {
  for (const relay of relays.splice(0)) relay.stop();
  vi.useRealTimers();
});

describe('Relay', () => {
  it('writes one tick to every lane on the wall-clock schedule', () => {
    const a = new FakeSink();
    const b = new FakeSink();
    const relay = makeRelay([tickLane(a), tickLane(b)]);
    relay.start();
    expect(a.received).toEqual([0]);
    advance(PERIOD * 10 + 1);
    expect(a.received).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(b.received).toEqual(a.received);
    expect(relay.stats).toEqual({ ticks: 11, skipped: 0 });
  });

  it('a late timer writes the ticks it missed, up to maxCatchUpTicks', () => {
    const sink = new FakeSink();
    const relay = makeRelay([tickLane(sink)], 5);
    relay.start();
    fireLate(PERIOD * 6 + 1); // the timer for tick 1 fires when tick 6 is due
    expect(sink.received).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(relay.stats).toEqual({ ticks: 7, skipped: 0 });
    advance(PERIOD);
    expect(sink.received.at(-1)).toBe(7);
  });

  it('beyond maxCatchUpTicks the missed ticks are skipped and the schedule restarts from now', () => {
    const sink = new FakeSink();
    const lags: RelayStats[] = [];
    const relay = makeRelay([tickLane(sink)], 5);
    relay.on('lag', (stats) => lags.push(stats));
    relay.start();
    fireLate(1000); // 30 ticks due at once: tick 1's slot and 29 more
    expect(sink.received).toEqual([0, 1]);
    expect(relay.stats).toEqual({ ticks: 2, skipped: 29 });
    expect(lags).toEqual([{ ticks: 1, skipped: 29 }]);
    // The next tick is one period after the late timer, not a burst to catch up with the old schedule.
    advance(PERIOD - 1);
    expect(sink.received).toEqual([0, 1]);
    advance(2);
    expect(sink.received).toEqual([0, 1, 2]);
  });

  it('one backed-up sink skips the tick for every lane, so the lanes stay aligned', () => {
    const fast = new FakeSink();
    const slow = new FakeSink();
    const lags: RelayStats[] = [];
    const relay = makeRelay([tickLane(fast), tickLane(slow)]);
    relay.on('lag', (stats) => lags.push(stats));
    const start = clock;
    relay.start();
    slow.held = true;
    advance(PERIOD); // tick 1 is written, and stays pending in the slow sink
    advance(PERIOD); // tick 2 too: a sink may hold two ticks (a big picture takes a moment to write)
    advance(3000); // three seconds of lag
    expect(fast.received).toEqual([0, 1, 2]);
    expect(slow.received).toEqual([0, 1]);
    const slots = Math.floor((clock - start) / PERIOD) + 1;
    expect(relay.stats).toEqual({ ticks: 3, skipped: slots - 3 });
    // At most one lag event a second while skipping.
    expect(lags.length).toBeGreaterThanOrEqual(3);
    expect(lags.length).toBeLessThanOrEqual(4);

    slow.release();
    advance(PERIOD);
    expect(fast.received).toEqual([0, 1, 2, 3]);
    expect(slow.received).toEqual([0, 1, 2, 3]);
  });

  it('a sink that errors or ends does not stop the clock for the others', async () => {
    const good = new FakeSink();
    const dead = new FakeSink();
    const relay = makeRelay([tickLane(good), tickLane(dead)]);
    relay.start();
    dead.destroy(new Error('write EPIPE'));
    // The stream emits its error on the next tick, with nobody but the relay listening.
    await new Promise((resolve) => process.nextTick(resolve));
    advance(PERIOD * 3);
    expect(good.received).toEqual([0, 1, 2, 3]);
    const throwing: RelayLane = {
      sink: new FakeSink(),
      next: () => {
        throw new Error('lane bug');
      },
    };
    const other = new FakeSink();
    const relay2 = makeRelay([throwing, tickLane(other)]);
    relay2.start();
    advance(PERIOD * 2);
    expect(other.received).toEqual([0, 1, 2]);
  });

  it('stop() clears the timer', () => {
    const sink = new FakeSink();
    const relay = makeRelay([tickLane(sink)]);
    relay.start();
    relay.stop();
    expect(vi.getTimerCount()).toBe(0);
    advance(1000);
    expect(sink.received).toEqual([0]);
  });

  it('video and audio lanes: the placeholder until a frame, exactly one tick of samples', () => {
    const frames: (Buffer | undefined)[] = [undefined, Buffer.from([1, 2, 3])];
    const placeholder = blackFrame(4, 2);
    const video = videoLane(new FakeSink(), { latestFrame: () => frames.shift() }, placeholder);
    expect(video.next(0)).toBe(placeholder);
    expect(video.next(1)).toEqual(Buffer.from([1, 2, 3]));
    const sizes: number[] = [];
    const audio = audioLane(new FakeSink(), { takeAudio: (bytes) => (sizes.push(bytes), Buffer.alloc(bytes)) }, { sampleRate: 48000, channels: 2 }, 30000 / 1001);
    for (let tick = 0; tick < 5; tick++) audio.next(tick);
    expect(sizes).toEqual([1601, 1602, 1601, 1602, 1602].map((samples) => samples * 4));
    expect([...blackFrame(4, 2)]).toEqual([16, 16, 16, 16, 16, 16, 16, 16, 128, 128, 128, 128]);
  });
});

describe('samplesForTick', () => {
  it.each([
    ['30', 30, 1, 30],
    ['29.97', 30000 / 1001, 1001, 30000],
    ['24', 24, 1, 24],
    ['25', 25, 1, 25],
    ['59.94', 60000 / 1001, 1001, 60000],
  ])('sums to exactly the sample rate per second at %s fps', (_name, fps, seconds, ticks) => {
    for (const rate of [48000, 44100]) {
      // The first whole period, and one ten hours in: float error must not creep in over a long stream.
      const later = ticks * Math.round(36_000 / seconds);
      for (const first of [0, later]) {
        let sum = 0;
        let uneven = 0;
        for (let tick = first; tick < first + ticks; tick++) {
          const n = samplesForTick(tick, rate, fps);
          sum += n;
          if (n !== Math.floor(rate / fps) && n !== Math.ceil(rate / fps)) uneven += 1;
        }
        expect(sum).toBe(rate * seconds);
        expect(uneven).toBe(0);
      }
    }
  });
});
