/**
 * What a destination sends when its link cannot keep up, and what it may throw away. Thresholds follow
 * OBS's (700 ms of queued media: stop sending inter frames until the next keyframe; 900 ms: also shed
 * the queued ones), because streamers and ingest operators know how that behaves. Pure: no clocks, no
 * sockets; the destination feeds in its queue depth and acts on the decision.
 */
import { isStreamHeader, isVideoKeyframe } from '../flv/headers.js';
import type { DropReason } from '../../contract.js';
import type { FlvTag } from '../flv/reader.js';
import { MessageType } from '../rtmp/messages.js';
import type { MediaMessage } from '../rtmp/publisher.js';

export type { DropReason };

/**
 * - header: onMetaData, sequence headers, end-of-sequence and other tags that carry no picture or
 *   sound: never dropped for congestion (a decoder cannot do without them);
 * - keyframe: a picture a decoder can start from: never dropped for congestion;
 * - frame: any other picture (inter, disposable): the only thing congestion drops;
 * - audio: never dropped for congestion: a stutter in sound is far worse than a frozen picture.
 */
export type TagClass = 'header' | 'keyframe' | 'frame' | 'audio';

export function classifyTag(tag: FlvTag): TagClass {
  if (isStreamHeader(tag)) return 'header';
  if (tag.kind === 'audio') return 'audio';
  return isVideoKeyframe(tag) ? 'keyframe' : 'frame';
}

/** Legacy FLV codec ids whose second byte is a packet type (AVC, and the common HEVC extension). */
const PACKET_TYPED_CODECS = new Set([7, 12]);
const FRAME_TYPE_INTER = 2;
const FRAME_TYPE_DISPOSABLE = 3;
const ENHANCED_CODED_FRAMES = new Set([1, 3]);

/**
 * Whether a queued video message is a picture that congestion may drop: an inter or disposable frame
 * carrying coded data, never a sequence header or metadata. Read from the FLV video tag header so that
 * messages already queued can be judged without their tags.
 */
export function isDroppableVideoMessage(message: MediaMessage): boolean {
  if (message.typeId !== MessageType.Video || message.keyframe || message.payload.length < 1) return false;
  const first = message.payload[0]!;
  const frameType = (first >> 4) & 0x07;
  if (frameType !== FRAME_TYPE_INTER && frameType !== FRAME_TYPE_DISPOSABLE) return false;
  if ((first & 0x80) !== 0) return ENHANCED_CODED_FRAMES.has(first & 0x0f);
  if (!PACKET_TYPED_CODECS.has(first & 0x0f)) return true;
  return message.payload.length >= 2 && message.payload[1] === 1;
}

export interface CongestionThresholds {
  /** Past this much queued media, inter frames are dropped until the next keyframe. */
  dropFramesAboveMs: number;
  /** Past this much, the inter frames already queued are dropped too. */
  dropQueuedAboveMs: number;
}

export const DEFAULT_CONGESTION_THRESHOLDS: Readonly<CongestionThresholds> = Object.freeze({
  dropFramesAboveMs: 700,
  dropQueuedAboveMs: 900,
});

export type DropDecision =
  | { send: true; dropQueuedFrames: boolean }
  | { send: false; reason: DropReason; dropQueuedFrames: boolean };

const SEND: DropDecision = Object.freeze({ send: true, dropQueuedFrames: false });

/**
 * The gate in front of one destination's queue. Every drop keeps the stream decodable: pictures are
 * only ever dropped as a run that ends at a keyframe, and a new connection starts at a keyframe.
 */
export class CongestionPolicy {
  private readonly thresholds: CongestionThresholds;
  /** False until this connection has sent a keyframe: inter frames before it cannot be decoded. */
  private videoStarted = false;
  /** Audio waits for the first keyframe too when the stream has video, so that both start together. */
  private audioHeld = false;
  private droppingUntilKeyframe = false;
  private queueShedThisRun = false;

  constructor(thresholds: Partial<CongestionThresholds> = {}) {
    this.thresholds = { ...DEFAULT_CONGESTION_THRESHOLDS, ...thresholds };
  }

  /**
   * A new connection is live: start it at the next keyframe (audio-only streams start at once).
   * `startAtOnce`: the connection starts where the stream itself starts (a file's first connection).
   */
  resume(hasVideo: boolean, options: { startAtOnce?: boolean } = {}): void {
    this.videoStarted = options.startAtOnce === true;
    this.audioHeld = hasVideo && options.startAtOnce !== true;
    this.droppingUntilKeyframe = false;
    this.queueShedThisRun = false;
  }

  /** True while inter frames are being dropped for congestion. */
  get congested(): boolean {
    return this.droppingUntilKeyframe;
  }

  /** `queueMs`: media time queued for this destination; `connected`: a live connection takes tags now. */
  decide(tag: TagClass, link: { connected: boolean; queueMs: number }): DropDecision {
    if (!link.connected) return { send: false, reason: 'reconnecting', dropQueuedFrames: false };
    switch (tag) {
      case 'header':
        return SEND;
      case 'keyframe':
        this.videoStarted = true;
        this.audioHeld = false;
        this.droppingUntilKeyframe = false;
        this.queueShedThisRun = false;
        return SEND;
      case 'audio':
        return this.audioHeld ? { send: false, reason: 'waiting-for-keyframe', dropQueuedFrames: false } : SEND;
      case 'frame':
        return this.decideFrame(link.queueMs);
    }
  }

  private decideFrame(queueMs: number): DropDecision {
    if (!this.videoStarted) return { send: false, reason: 'waiting-for-keyframe', dropQueuedFrames: false };
    let dropQueuedFrames = false;
    if (queueMs > this.thresholds.dropQueuedAboveMs && !this.queueShedThisRun) {
      // Once per run is enough: from here on no inter frame enters the queue until the next keyframe.
      this.queueShedThisRun = true;
      dropQueuedFrames = true;
    }
    if (queueMs > this.thresholds.dropFramesAboveMs) this.droppingUntilKeyframe = true;
    if (this.droppingUntilKeyframe) return { send: false, reason: 'congestion', dropQueuedFrames };
    return SEND;
  }
}

// -----------------------------------------------------------------------------------------------------
// Dynamic bitrate

export interface BitrateAdvisorOptions {
  /** The bitrate the streamer set: never recommended above, and what recovery climbs back to. */
  bitrateKbps: number;
  /** Each step down takes this fraction off the current recommendation. */
  stepDown: number;
  /** Each step up adds this fraction of the set bitrate. */
  stepUp: number;
  /** Never recommend below this fraction of the set bitrate: below it the picture is not worth sending. */
  floor: number;
  /** A sample is congested at or above this queue depth, or when frames were dropped since the last one. */
  congestedQueueMs: number;
  /** A sample is healthy at or below this queue depth with no drops. */
  healthyQueueMs: number;
  /** Congestion this long in a row steps down (and again after as long, if it goes on). */
  lowerAfterMs: number;
  /** Health this long in a row steps up. Longer than lowerAfterMs: climbing back too eagerly oscillates. */
  raiseAfterMs: number;
}

export const DEFAULT_BITRATE_ADVICE: Readonly<Omit<BitrateAdvisorOptions, 'bitrateKbps'>> = Object.freeze({
  stepDown: 0.2,
  stepUp: 0.1,
  floor: 0.3,
  congestedQueueMs: 400,
  healthyQueueMs: 100,
  lowerAfterMs: 3_000,
  raiseAfterMs: 20_000,
});

export interface CongestionSample {
  nowMs: number;
  queueMs: number;
  /** Frames dropped since the previous sample. */
  droppedFrames: number;
}

/**
 * Recommends a lower encoder bitrate while a destination stays congested and climbs back in steps once
 * it has been healthy for a while. It only recommends: restarting the encoder is the pipeline's call.
 */
export class BitrateAdvisor {
  private readonly options: BitrateAdvisorOptions;
  private current: number;
  private congestedSince: number | undefined;
  private healthySince: number | undefined;

  constructor(options: Partial<BitrateAdvisorOptions> & { bitrateKbps: number }) {
    this.options = { ...DEFAULT_BITRATE_ADVICE, ...options };
    this.current = options.bitrateKbps;
  }

  get recommendedKbps(): number {
    return this.current;
  }

  get floorKbps(): number {
    return Math.round(this.options.bitrateKbps * this.options.floor);
  }

  /** Takes one sample; returns the new recommendation when it changed, else undefined. */
  sample(sample: CongestionSample): number | undefined {
    const { congestedQueueMs, healthyQueueMs, lowerAfterMs, raiseAfterMs } = this.options;
    const congested = sample.droppedFrames > 0 || sample.queueMs >= congestedQueueMs;
    const healthy = sample.droppedFrames === 0 && sample.queueMs <= healthyQueueMs;
    if (congested) {
      this.healthySince = undefined;
      this.congestedSince ??= sample.nowMs;
      if (sample.nowMs - this.congestedSince >= lowerAfterMs) {
        // The next step needs congestion to last as long again: the encoder needs time to apply this one.
        this.congestedSince = sample.nowMs;
        return this.change(Math.max(this.floorKbps, Math.round(this.current * (1 - this.options.stepDown))));
      }
      return undefined;
    }
    this.congestedSince = undefined;
    if (!healthy) {
      this.healthySince = undefined;
      return undefined;
    }
    this.healthySince ??= sample.nowMs;
    if (sample.nowMs - this.healthySince >= raiseAfterMs) {
      this.healthySince = sample.nowMs;
      const set = this.options.bitrateKbps;
      return this.change(Math.min(set, Math.round(this.current + set * this.options.stepUp)));
    }
    return undefined;
  }

  private change(next: number): number | undefined {
    if (next === this.current) return undefined;
    this.current = next;
    return next;
  }
}
