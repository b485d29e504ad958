import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FlvTag, parseAudioTagInfo, parseVideoTagInfo } from '../../electron/engine/flv/reader.js';
import {
  BitrateAdvisor,
  CongestionPolicy,
  type DropDecision,
  type TagClass,
  classifyTag,
  isDroppableVideoMessage,
} from '../../electron/engine/outputs/congestion.js';
import { flvTagToMessage } from '../../electron/engine/rtmp/publisher.js';

/** FLV tag bodies as FFmpeg writes them: legacy AVC video (codec 7) and AAC audio (format 10). */
const BODY = {
  avcSequenceHeader: Buffer.from([0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f]),
  avcKeyframe: Buffer.from([0x17, 1, 0, 0, 0, 0, 0, 0, 1, 0x65]),
  avcInter: Buffer.from([0x27, 1, 0, 0, 0, 0, 0, 0, 1, 0x41]),
  avcDisposable: Buffer.from([0x37, 1, 0, 0, 0, 0, 0, 0, 1, 0x01]),
  avcEndOfSequence: Buffer.from([0x17, 2, 0, 0, 0]),
  aacSequenceHeader: Buffer.from([0xaf, 0, 0x11, 0x90]),
  aacFrame: Buffer.from([0xaf, 1, 0x21, 0x10]),
  // Enhanced RTMP: IsExHeader | frame type 2 | CodedFrames, 'hvc1'.
  hevcInter: Buffer.concat([Buffer.from([0x80 | 0x20 | 1]), Buffer.from('hvc1'), Buffer.from([0, 0, 0, 1, 2])]),
  hevcSequenceStart: Buffer.concat([Buffer.from([0x80 | 0x10 | 0]), Buffer.from('hvc1'), Buffer.from([1, 2, 3])]),
};

function tag(kind: 'audio' | 'video' | 'script', data: Buffer, timestamp = 0): FlvTag {
  const typeId = kind === 'audio' ? 8 : kind === 'video' ? 9 : 18;
  const result: FlvTag = { kind, typeId, timestamp, streamId: 0, data, offset: 0 };
  if (kind === 'video') result.video = parseVideoTagInfo(data);
  if (kind === 'audio') result.audio = parseAudioTagInfo(data);
  return result;
}

describe('classifyTag and isDroppableVideoMessage', () => {
  const cases: Array<[string, FlvTag, TagClass, boolean]> = [
    ['onMetaData', tag('script', Buffer.from([2, 0, 10, ...Buffer.from('onMetaData')])), 'header', false],
    ['AVC sequence header', tag('video', BODY.avcSequenceHeader), 'header', false],
    ['AVC end of sequence', tag('video', BODY.avcEndOfSequence), 'header', false],
    ['AVC keyframe', tag('video', BODY.avcKeyframe), 'keyframe', false],
    ['AVC inter frame', tag('video', BODY.avcInter), 'frame', true],
    ['AVC disposable frame', tag('video', BODY.avcDisposable), 'frame', true],
    ['AAC sequence header', tag('audio', BODY.aacSequenceHeader), 'header', false],
    ['AAC frame', tag('audio', BODY.aacFrame), 'audio', false],
    ['enhanced HEVC inter frame', tag('video', BODY.hevcInter), 'frame', true],
    ['enhanced HEVC sequence start', tag('video', BODY.hevcSequenceStart), 'header', false],
  ];
  it.each(cases)('%s', (_name, flvTag, expectedClass, droppable) => {
    expect(classifyTag(flvTag)).toBe(expectedClass);
    expect(isDroppableVideoMessage(flvTagToMessage(flvTag))).toBe(droppable);
  });
});

const LIVE = (queueMs: number) => ({ connected: true, queueMs });

describe('CongestionPolicy', () => {
  function started(): CongestionPolicy {
    const policy = new CongestionPolicy();
    policy.resume(true);
    expect(policy.decide('keyframe', LIVE(0)).send).toBe(true);
    return policy;
  }

  it('sends everything while the queue stays under 700 ms', () => {
    const policy = started();
    for (const tagClass of ['frame', 'audio', 'frame', 'header', 'keyframe', 'frame'] as const) {
      expect(policy.decide(tagClass, LIVE(699))).toEqual({ send: true, dropQueuedFrames: false });
    }
  });

  it('past 700 ms drops inter frames until the next keyframe, and nothing else', () => {
    const policy = started();
    expect(policy.decide('frame', LIVE(701))).toEqual({ send: false, reason: 'congestion', dropQueuedFrames: false });
    expect(policy.congested).toBe(true);
    // Even with the queue back down, frames after a dropped one cannot be decoded: keep dropping.
    expect(policy.decide('frame', LIVE(10))).toMatchObject({ send: false, reason: 'congestion' });
    expect(policy.decide('audio', LIVE(5000)).send).toBe(true);
    expect(policy.decide('header', LIVE(5000)).send).toBe(true);
    expect(policy.decide('keyframe', LIVE(5000)).send).toBe(true);
    expect(policy.congested).toBe(false);
    expect(policy.decide('frame', LIVE(10)).send).toBe(true);
  });

  it('past 900 ms also sheds the inter frames already queued, once per run', () => {
    const policy = started();
    expect(policy.decide('frame', LIVE(901))).toEqual({ send: false, reason: 'congestion', dropQueuedFrames: true });
    expect(policy.decide('frame', LIVE(2000))).toEqual({ send: false, reason: 'congestion', dropQueuedFrames: false });
    policy.decide('keyframe', LIVE(2000));
    expect(policy.decide('frame', LIVE(950))).toEqual({ send: false, reason: 'congestion', dropQueuedFrames: true });
  });

  it('starts a new connection at a keyframe, holding audio with it; an audio-only stream starts at once', () => {
    const policy = new CongestionPolicy();
    policy.resume(true);
    expect(policy.decide('header', LIVE(0)).send).toBe(true);
    expect(policy.decide('audio', LIVE(0))).toEqual({ send: false, reason: 'waiting-for-keyframe', dropQueuedFrames: false });
    expect(policy.decide('frame', LIVE(0))).toEqual({ send: false, reason: 'waiting-for-keyframe', dropQueuedFrames: false });
    expect(policy.decide('keyframe', LIVE(0)).send).toBe(true);
    expect(policy.decide('audio', LIVE(0)).send).toBe(true);
    expect(policy.decide('frame', LIVE(0)).send).toBe(true);

    const audioOnly = new CongestionPolicy();
    audioOnly.resume(false);
    expect(audioOnly.decide('audio', LIVE(0)).send).toBe(true);
    // Video that shows up later still starts at a keyframe.
    expect(audioOnly.decide('frame', LIVE(0))).toMatchObject({ send: false, reason: 'waiting-for-keyframe' });
  });

  it('drops everything but says so while there is no connection', () => {
    const policy = started();
    for (const tagClass of ['header', 'keyframe', 'frame', 'audio'] as const) {
      expect(policy.decide(tagClass, { connected: false, queueMs: 0 })).toEqual({ send: false, reason: 'reconnecting', dropQueuedFrames: false });
    }
  });

  it('whatever the queue does, never drops audio, keyframes or headers, and keeps the video decodable', () => {
    const step = fc.record({
      tagClass: fc.constantFrom<TagClass>('header', 'keyframe', 'frame', 'frame', 'frame', 'audio', 'audio'),
      queueMs: fc.integer({ min: 0, max: 3000 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 300 }), fc.boolean(), (steps, hasVideo) => {
        const policy = new CongestionPolicy();
        policy.resume(hasVideo);
        let keyframeSent = false;
        /** True from a dropped or unsent inter frame until the next keyframe is sent. */
        let broken = false;
        for (const { tagClass, queueMs } of steps) {
          const decision: DropDecision = policy.decide(tagClass, LIVE(queueMs));
          if (tagClass === 'header' || tagClass === 'keyframe') expect(decision.send).toBe(true);
          if (tagClass === 'audio') expect(decision.send).toBe(keyframeSent || !hasVideo);
          if (tagClass === 'keyframe') {
            keyframeSent = true;
            broken = false;
          }
          if (tagClass === 'frame') {
            if (!decision.send) broken = true;
            // An inter frame is only ever sent after its keyframe and after no gap since.
            else expect(keyframeSent && !broken).toBe(true);
          }
          if (decision.dropQueuedFrames) expect(queueMs).toBeGreaterThan(900);
        }
      }),
    );
  });
});

describe('BitrateAdvisor', () => {
  const congested = (nowMs: number) => ({ nowMs, queueMs: 1200, droppedFrames: 3 });
  const healthy = (nowMs: number) => ({ nowMs, queueMs: 20, droppedFrames: 0 });

  it('steps down by 20% after sustained congestion, down to 30% of the set bitrate', () => {
    const advisor = new BitrateAdvisor({ bitrateKbps: 6000 });
    const changes: number[] = [];
    for (let t = 0; t <= 60_000; t += 1000) {
      const next = advisor.sample(congested(t));
      if (next !== undefined) changes.push(next);
    }
    expect(changes).toEqual([4800, 3840, 3072, 2458, 1966, 1800]);
    expect(advisor.recommendedKbps).toBe(1800);
  });

  it('does not react to short bursts', () => {
    const advisor = new BitrateAdvisor({ bitrateKbps: 6000 });
    for (let t = 0; t <= 60_000; t += 1000) {
      expect(advisor.sample(t % 3000 === 0 ? congested(t) : healthy(t))).toBeUndefined();
    }
  });

  it('climbs back step by step after sustained health, never above the set bitrate', () => {
    const advisor = new BitrateAdvisor({ bitrateKbps: 6000 });
    for (let t = 0; t <= 6000; t += 1000) advisor.sample(congested(t));
    expect(advisor.recommendedKbps).toBe(3840);
    const changes: number[] = [];
    for (let t = 7000; t <= 200_000; t += 1000) {
      const next = advisor.sample(healthy(t));
      if (next !== undefined) changes.push(next);
    }
    expect(changes).toEqual([4440, 5040, 5640, 6000]);
    // A queue neither congested nor healthy holds the recommendation.
    expect(advisor.sample({ nowMs: 300_000, queueMs: 250, droppedFrames: 0 })).toBeUndefined();
  });
});
