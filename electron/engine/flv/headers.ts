import type { FlvTag } from './reader.js';

/**
 * The tags a new consumer needs before media makes sense: the last onMetaData and the current audio
 * and video sequence headers. A destination that reconnects, or a recording started mid-stream, sends
 * these first and then waits for the next keyframe.
 */
export class StreamHeaderCache {
  metadata: FlvTag | undefined;
  videoSequenceHeader: FlvTag | undefined;
  audioSequenceHeader: FlvTag | undefined;

  /** Keeps the tag if it is a header. Returns true when it changed what a new consumer must be sent. */
  update(tag: FlvTag): boolean {
    if (tag.kind === 'script') return this.replace('metadata', tag);
    if (tag.video?.sequenceHeader) return this.replace('videoSequenceHeader', tag);
    if (tag.audio?.sequenceHeader) return this.replace('audioSequenceHeader', tag);
    return false;
  }

  /** Headers in the order a server expects them, timestamped `timestamp` (the consumer's own time base). */
  headers(timestamp = 0): FlvTag[] {
    const present = [this.metadata, this.videoSequenceHeader, this.audioSequenceHeader].filter((tag): tag is FlvTag => tag !== undefined);
    return present.map((tag) => ({ ...tag, timestamp }));
  }

  get ready(): boolean {
    return this.videoSequenceHeader !== undefined;
  }

  private replace(slot: 'metadata' | 'videoSequenceHeader' | 'audioSequenceHeader', tag: FlvTag): boolean {
    const previous = this[slot];
    // Keep our own copy: the tag's bytes may be a view into a reader chunk that is reused.
    this[slot] = { ...tag, data: Buffer.from(tag.data) };
    return previous === undefined || !previous.data.equals(tag.data);
  }
}

/** True for a video keyframe that carries a picture (not a sequence header or end): where a consumer can start. */
export function isVideoKeyframe(tag: FlvTag): boolean {
  return tag.kind === 'video' && tag.video?.frameType === 'key' && !isStreamHeader(tag);
}

/**
 * True for a tag that carries no picture or sound: onMetaData, sequence headers and ends, Enhanced-RTMP
 * metadata. Such tags describe the stream and are timestamped where it was set up, often far from where
 * the media is (a file's headers at 0, its media hours later).
 */
export function isStreamHeader(tag: FlvTag): boolean {
  if (tag.kind === 'script') return true;
  if (tag.kind === 'audio') return tag.audio?.sequenceHeader === true;
  const video = tag.video;
  return !video || video.sequenceHeader || video.sequenceEnd || video.frameType === 'command';
}
