import { describe, expect, it } from 'vitest';
import { assessSpeed, initialSpeedState, type SpeedVerdict } from '../../electron/engine/ffmpeg/speed.js';
import { median, planCut, rebaseAfterGap } from '../../electron/engine/ffmpeg/timeline.js';

describe('planCut', () => {
  it("puts the new FFmpeg's keyframe where the old one's frame of the same moment goes", () => {
    // The old FFmpeg's frames arrive at (their time + 300 ms) on the wall clock, the new one's keyframe
    // (its time 0) at 8300: the new clock is 8000 ms behind the old, so its offset is 5000 + 8000.
    const cut = planCut({ oldOffset: 5000, oldDelays: [300, 310, 290, 900, 300], keyframeTs: 0, keyframeArrivalMs: 8300, lastVideoTs: 12_900, frameMs: 33 });
    expect(cut).toEqual({ offset: 13_000, at: 13_000 });
  });

  it('never cuts at or before a frame already sent', () => {
    const cut = planCut({ oldOffset: 0, oldDelays: [300], keyframeTs: 100, keyframeArrivalMs: 5000, lastVideoTs: 4900, frameMs: 33 });
    expect(cut.at).toBe(4933);
    expect(cut.offset).toBe(4833);
  });

  it('takes the median of the delays, so one late frame does not move the cut', () => {
    expect(median([1, 100, 2])).toBe(2);
    expect(median([1, 2, 3, 4])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('rebaseAfterGap', () => {
  it('starts the first run at its own time and later ones after the wall time that passed, at least a frame', () => {
    expect(rebaseAfterGap({ lastTs: -1, lastTagAtMs: 0, nowMs: 100, firstTs: 0, frameMs: 33 })).toBe(0);
    expect(rebaseAfterGap({ lastTs: 10_000, lastTagAtMs: 1000, nowMs: 1800, firstTs: 0, frameMs: 33 })).toBe(10_800);
    expect(rebaseAfterGap({ lastTs: 10_000, lastTagAtMs: 1000, nowMs: 1001, firstTs: 200, frameMs: 33 })).toBe(9833);
  });
});

describe('assessSpeed', () => {
  function feed(rate: number, seconds: number, start = { nowMs: 0, mediaMs: 0 }, state = initialSpeedState()) {
    const verdicts: SpeedVerdict[] = [];
    let last = start;
    for (let s = 1; s <= seconds; s++) {
      last = { nowMs: start.nowMs + s * 1000, mediaMs: start.mediaMs + s * 1000 * rate };
      const verdict = assessSpeed(state, last);
      if (verdict) verdicts.push(verdict);
    }
    return { verdicts, state, last };
  }

  it('says nothing before a whole window, nor for an encoder that keeps up', () => {
    expect(feed(1, 4).verdicts).toEqual([]);
    expect(feed(0.99, 60).verdicts).toEqual([]);
  });

  it('reports an encoder below real time once, then its recovery once', () => {
    const slow = feed(0.6, 20);
    expect(slow.verdicts).toEqual([{ change: 'slow', speed: expect.closeTo(0.6, 5) }]);
    const recovered = feed(1, 20, slow.last, slow.state);
    expect(recovered.verdicts).toEqual([{ change: 'recovered', speed: expect.closeTo(1, 5) }]);
  });

  it('does not take start-up for slowness: media that starts late but then keeps pace', () => {
    const state = initialSpeedState();
    const verdicts = [];
    // Media starts 800 ms after launch, then runs at real time.
    for (let s = 1; s <= 30; s++) verdicts.push(assessSpeed(state, { nowMs: s * 1000, mediaMs: Math.max(0, s * 1000 - 800) }));
    expect(verdicts.filter(Boolean)).toEqual([]);
  });
});
