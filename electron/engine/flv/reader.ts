/**
 * Incremental FLV tag reader: FFmpeg writes FLV to its stdout and this turns the byte stream, cut at
 * arbitrary points by the pipe, into tags for the publishers and the recorder.
 *
 * It carries every byte of the stream, so it never loops over payloads: a tag that lies inside one input
 * chunk is returned as a zero-copy view of that chunk (callers must not reuse chunk memory after pushing
 * it), and a tag that spans chunks is assembled with exactly one copy into a buffer of its final size.
 *
 * Validation is strict because FFmpeg writes correct files: anything else means the pipe or the file is
 * damaged, and passing damaged tags to an ingest server only moves the failure somewhere harder to read.
 */
import { ParseError } from '../errors.js';

export type FlvTagKind = 'audio' | 'video' | 'script';

export interface FlvHeader {
  version: number;
  hasAudio: boolean;
  hasVideo: boolean;
  headerSize: number;
}

export interface VideoTagInfo {
  codec: 'avc' | 'hevc' | 'av1' | 'vp9' | 'other';
  /** Legacy CodecID (7 = AVC), or 0 for Enhanced-RTMP tags. */
  codecId: number;
  /** 'hvc1' | 'av01' | 'vp09' | 'avc1' ... for Enhanced-RTMP tags. */
  fourCc?: string;
  /** Enhanced RTMP (IsExHeader bit). */
  enhanced: boolean;
  /** Enhanced-RTMP metadata packets report 'command': they carry information, not a picture. */
  frameType: 'key' | 'inter' | 'disposable' | 'generated' | 'command';
  /** AVC packet type 0, or Enhanced PacketTypeSequenceStart / MPEG2TSSequenceStart. */
  sequenceHeader: boolean;
  sequenceEnd: boolean;
  /** Signed 24-bit composition time offset in milliseconds, 0 when the packet carries none. */
  compositionTime: number;
}

export interface AudioTagInfo {
  soundFormat: number;
  codec: 'aac' | 'mp3' | 'other';
  sequenceHeader: boolean;
}

export interface FlvTag {
  kind: FlvTagKind;
  typeId: 8 | 9 | 18;
  /** 24 bits + 8 extension bits, milliseconds. */
  timestamp: number;
  streamId: number;
  /** The tag body, without the 11-byte tag header. */
  data: Buffer;
  /** Byte offset of the tag header in the whole stream. */
  offset: number;
  video?: VideoTagInfo;
  audio?: AudioTagInfo;
}

export class FlvError extends ParseError {
  constructor(message: string, offset: number) {
    super('FLV_CORRUPT', `Corrupt FLV stream: ${message}`, offset);
  }
}

// ---------------------------------------------------------------------------------------------------
// Tag body headers (FLV spec annex E.4.2 / E.4.3, Enhanced RTMP v1/v2)

const VIDEO_FRAME_TYPES = [undefined, 'key', 'inter', 'disposable', 'generated', 'command', undefined, undefined] as const;

const LEGACY_AVC = 7;
// Not in Adobe's list, but the widespread "CodecID 12" extension (used by Chinese CDNs and some FFmpeg
// forks) carries HEVC with exactly the AVC packet layout.
const LEGACY_HEVC = 12;

const VideoPacketType = {
  SequenceStart: 0,
  CodedFrames: 1,
  SequenceEnd: 2,
  CodedFramesX: 3,
  Metadata: 4,
  Mpeg2TsSequenceStart: 5,
  Multitrack: 6,
  ModEx: 7,
} as const;

const AvMultitrackType = { OneTrack: 0, ManyTracks: 1, ManyTracksManyCodecs: 2 } as const;

const VIDEO_CODECS_BY_FOURCC: Record<string, VideoTagInfo['codec']> = {
  avc1: 'avc',
  hvc1: 'hevc',
  av01: 'av1',
  vp09: 'vp9',
};

function readSi24(data: Buffer, at: number): number {
  // Shifting the top byte into bit 31 and back sign-extends the 24-bit value.
  return (((data[at] as number) << 24) | ((data[at + 1] as number) << 16) | ((data[at + 2] as number) << 8)) >> 8;
}

function fourCcAt(data: Buffer, at: number): string {
  return data.toString('latin1', at, at + 4);
}

/**
 * Skips Enhanced-RTMP v2 ModEx blocks (modifiers such as a nanosecond timestamp offset) and returns the
 * real packet type and the position after it, or undefined if the body is truncated.
 */
function skipModEx(data: Buffer, packetType: number, pos: number): { packetType: number; pos: number } | undefined {
  let type = packetType;
  let at = pos;
  while (type === VideoPacketType.ModEx) {
    if (at >= data.length) return undefined;
    let size = (data[at] as number) + 1;
    at += 1;
    if (size === 256) {
      if (at + 2 > data.length) return undefined;
      size = data.readUInt16BE(at) + 1;
      at += 2;
    }
    at += size;
    if (at >= data.length) return undefined;
    // High nibble: the modifier's type (ignored); low nibble: the next packet type.
    type = (data[at] as number) & 0x0f;
    at += 1;
  }
  return { packetType: type, pos: at };
}

function parseEnhancedVideo(data: Buffer, frameTypeBits: number, packetTypeBits: number): VideoTagInfo | undefined {
  const modEx = skipModEx(data, packetTypeBits, 1);
  if (modEx === undefined) return undefined;
  let { packetType, pos } = modEx;
  // The spec says the frame type is to be ignored for metadata: it is information, not a picture.
  const frameType = packetType === VideoPacketType.Metadata ? 'command' : VIDEO_FRAME_TYPES[frameTypeBits];
  if (frameType === undefined) return undefined;
  if (frameType === 'command' && packetType !== VideoPacketType.Metadata) {
    // A command frame carries a single command byte and no FourCC (E-RTMP v2).
    return {
      codec: 'other',
      codecId: 0,
      enhanced: true,
      frameType,
      sequenceHeader: false,
      sequenceEnd: false,
      compositionTime: 0,
    };
  }

  let fourCc: string | undefined;
  if (packetType === VideoPacketType.Multitrack) {
    if (pos >= data.length) return undefined;
    const multitrackType = (data[pos] as number) >> 4;
    packetType = (data[pos] as number) & 0x0f;
    pos += 1;
    if (packetType === VideoPacketType.Multitrack || packetType === VideoPacketType.ModEx) return undefined;
    // Report the shared FourCC, or the first track's when each track has its own codec.
    if (pos + 4 > data.length) return undefined;
    fourCc = fourCcAt(data, pos);
    pos += 4;
    pos += 1; // track id
    if (multitrackType !== AvMultitrackType.OneTrack) pos += 3; // size of the track
  } else {
    if (pos + 4 > data.length) return undefined;
    fourCc = fourCcAt(data, pos);
    pos += 4;
  }
  if (packetType > VideoPacketType.ModEx) return undefined;

  const codec = VIDEO_CODECS_BY_FOURCC[fourCc] ?? 'other';
  let compositionTime = 0;
  // Only AVC and HEVC carry a composition time, and only in CodedFrames (CodedFramesX implies 0).
  if (packetType === VideoPacketType.CodedFrames && (codec === 'avc' || codec === 'hevc')) {
    if (pos + 3 > data.length) return undefined;
    compositionTime = readSi24(data, pos);
  }
  return {
    codec,
    codecId: 0,
    fourCc,
    enhanced: true,
    frameType,
    sequenceHeader:
      packetType === VideoPacketType.SequenceStart || packetType === VideoPacketType.Mpeg2TsSequenceStart,
    sequenceEnd: packetType === VideoPacketType.SequenceEnd,
    compositionTime,
  };
}

/**
 * Reads the video tag header at the start of a video tag body. Undefined when the body is empty,
 * truncated, or uses a reserved frame type or packet type: such tags still pass through, unlabelled.
 */
export function parseVideoTagInfo(data: Buffer): VideoTagInfo | undefined {
  const first = data[0];
  if (first === undefined) return undefined;
  const frameTypeBits = (first >> 4) & 0x07;
  if ((first & 0x80) !== 0) return parseEnhancedVideo(data, frameTypeBits, first & 0x0f);

  const frameType = VIDEO_FRAME_TYPES[frameTypeBits];
  if (frameType === undefined) return undefined;
  const codecId = first & 0x0f;
  const codec = codecId === LEGACY_AVC ? 'avc' : codecId === LEGACY_HEVC ? 'hevc' : 'other';
  const info: VideoTagInfo = {
    codec,
    codecId,
    enhanced: false,
    frameType,
    sequenceHeader: false,
    sequenceEnd: false,
    compositionTime: 0,
  };
  // Command frames (seek markers) carry a command byte instead of an AVC packet header.
  if (codec === 'other' || frameType === 'command') return info;
  if (data.length < 5) return undefined;
  const avcPacketType = data[1];
  if (avcPacketType === 0) info.sequenceHeader = true;
  else if (avcPacketType === 2) info.sequenceEnd = true;
  else if (avcPacketType === 1) info.compositionTime = readSi24(data, 2);
  else return undefined;
  return info;
}

const SoundFormat = { Mp3: 2, ExHeader: 9, Aac: 10, Mp3At8kHz: 14 } as const;

const AudioPacketType = { SequenceStart: 0, Multitrack: 5, ModEx: 7 } as const;

const AUDIO_CODECS_BY_FOURCC: Record<string, AudioTagInfo['codec']> = { mp4a: 'aac', '.mp3': 'mp3' };

function parseEnhancedAudio(data: Buffer): AudioTagInfo | undefined {
  const modEx = skipModEx(data, (data[0] as number) & 0x0f, 1);
  if (modEx === undefined) return undefined;
  let { packetType, pos } = modEx;
  if (packetType === AudioPacketType.Multitrack) {
    if (pos >= data.length) return undefined;
    packetType = (data[pos] as number) & 0x0f;
    pos += 1;
  }
  if (pos + 4 > data.length) return undefined;
  return {
    soundFormat: SoundFormat.ExHeader,
    codec: AUDIO_CODECS_BY_FOURCC[fourCcAt(data, pos)] ?? 'other',
    sequenceHeader: packetType === AudioPacketType.SequenceStart,
  };
}

/** Reads the audio tag header at the start of an audio tag body; undefined when empty or truncated. */
export function parseAudioTagInfo(data: Buffer): AudioTagInfo | undefined {
  const first = data[0];
  if (first === undefined) return undefined;
  const soundFormat = first >> 4;
  if (soundFormat === SoundFormat.ExHeader) return parseEnhancedAudio(data);
  if (soundFormat === SoundFormat.Aac) {
    const packetType = data[1];
    if (packetType === undefined) return undefined;
    return { soundFormat, codec: 'aac', sequenceHeader: packetType === 0 };
  }
  const isMp3 = soundFormat === SoundFormat.Mp3 || soundFormat === SoundFormat.Mp3At8kHz;
  return { soundFormat, codec: isMp3 ? 'mp3' : 'other', sequenceHeader: false };
}

// ---------------------------------------------------------------------------------------------------
// The stream parser

const FILE_HEADER_SIZE = 9;
const TAG_HEADER_SIZE = 11;
const PREVIOUS_TAG_SIZE_BYTES = 4;
/**
 * Version 1 headers are 9 bytes. A larger size is legal but never written in practice; beyond this bound
 * it is a corrupt field, and skipping gigabytes of "header" would hide the corruption.
 */
const MAX_HEADER_SIZE = 1024;

const TAG_KINDS: Partial<Record<number, FlvTagKind>> = { 8: 'audio', 9: 'video', 18: 'script' };

type Stage = 'fileHeader' | 'headerPadding' | 'previousTagSize' | 'tagHeader' | 'tagData';

interface PendingTag {
  typeId: 8 | 9 | 18;
  kind: FlvTagKind;
  timestamp: number;
  streamId: number;
  offset: number;
  size: number;
}

/**
 * Push-style parser: feed chunks as they arrive, get back the tags they complete. Split points are
 * arbitrary. After an FlvError the parser stays failed and rethrows it.
 */
export class FlvParser {
  header: FlvHeader | undefined;

  private stage: Stage = 'fileHeader';
  /** Stream offset of the first byte of the unit (header, field, tag) being read. */
  private unitStart = 0;
  private consumed = 0;
  private failure: FlvError | undefined;
  private ended = false;

  /** Holds a fixed-size field (file header, tag header, PreviousTagSize) that arrives in pieces. */
  private readonly scratch = Buffer.alloc(TAG_HEADER_SIZE);
  private scratchFill = 0;
  /** Where `gather` left a complete field: either the input chunk or `scratch`. */
  private field: Buffer = this.scratch;
  private fieldAt = 0;

  private paddingLeft = 0;
  private expectedPreviousTagSize = 0;
  private tag: PendingTag | undefined;
  private body: Buffer | undefined;
  private bodyFill = 0;

  /** Bytes of input accepted so far, including partial units held until the rest arrives. */
  get bytesConsumed(): number {
    return this.consumed;
  }

  push(chunk: Buffer | Uint8Array): FlvTag[] {
    if (this.failure) throw this.failure;
    if (this.ended) throw new Error('FlvParser.push() called after end()');
    const input = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const tags: FlvTag[] = [];
    try {
      this.parse(input, tags);
    } catch (err) {
      if (err instanceof FlvError) this.failure = err;
      throw err;
    }
    this.consumed += input.length;
    return tags;
  }

  end(): void {
    if (this.failure) throw this.failure;
    this.ended = true;
    const cleanEnd = this.stage === 'tagHeader' && this.scratchFill === 0;
    if (cleanEnd) return;
    const got = this.consumed - this.unitStart;
    switch (this.stage) {
      case 'fileHeader':
      case 'headerPadding':
        this.failure = new FlvError(`stream ended inside the file header after ${this.consumed} bytes`, this.unitStart);
        break;
      case 'previousTagSize':
        this.failure = new FlvError(`stream ended inside a PreviousTagSize field (${got} of 4 bytes)`, this.unitStart);
        break;
      case 'tagHeader':
        this.failure = new FlvError(`stream ended inside a tag header (${got} of 11 bytes)`, this.unitStart);
        break;
      case 'tagData': {
        const tag = this.tag as PendingTag;
        this.failure = new FlvError(
          `stream ended inside a ${tag.size}-byte ${tag.kind} tag after ${this.bodyFill} bytes of its body`,
          tag.offset,
        );
        break;
      }
    }
    throw this.failure;
  }

  /**
   * Makes `need` contiguous bytes available in `this.field` at `this.fieldAt`, reading from `input` at
   * `pos`, and returns the new position. Leaves `scratchFill` non-zero while the field is incomplete.
   */
  private gather(input: Buffer, pos: number, need: number): number {
    if (this.scratchFill === 0 && input.length - pos >= need) {
      this.field = input;
      this.fieldAt = pos;
      return pos + need;
    }
    const n = Math.min(need - this.scratchFill, input.length - pos);
    input.copy(this.scratch, this.scratchFill, pos, pos + n);
    this.scratchFill += n;
    if (this.scratchFill < need) return pos + n;
    this.scratchFill = 0;
    this.field = this.scratch;
    this.fieldAt = 0;
    return pos + n;
  }

  private parse(input: Buffer, tags: FlvTag[]): void {
    let pos = 0;
    while (pos < input.length) {
      switch (this.stage) {
        case 'fileHeader': {
          pos = this.gather(input, pos, FILE_HEADER_SIZE);
          if (this.scratchFill !== 0) return;
          this.readFileHeader();
          break;
        }
        case 'headerPadding': {
          const n = Math.min(this.paddingLeft, input.length - pos);
          pos += n;
          this.paddingLeft -= n;
          if (this.paddingLeft === 0) this.startUnit('previousTagSize', (this.header as FlvHeader).headerSize);
          break;
        }
        case 'previousTagSize': {
          pos = this.gather(input, pos, PREVIOUS_TAG_SIZE_BYTES);
          if (this.scratchFill !== 0) return;
          this.checkPreviousTagSize();
          break;
        }
        case 'tagHeader': {
          pos = this.gather(input, pos, TAG_HEADER_SIZE);
          if (this.scratchFill !== 0) return;
          const tag = this.readTagHeader();
          if (tag.size === 0) {
            tags.push(this.finishTag(tag, Buffer.alloc(0)));
          } else {
            this.tag = tag;
            this.startUnit('tagData', TAG_HEADER_SIZE);
          }
          break;
        }
        case 'tagData': {
          const tag = this.tag as PendingTag;
          const available = input.length - pos;
          if (this.body === undefined && available >= tag.size) {
            tags.push(this.finishTag(tag, input.subarray(pos, pos + tag.size)));
            pos += tag.size;
            break;
          }
          this.body ??= Buffer.allocUnsafe(tag.size);
          const n = Math.min(tag.size - this.bodyFill, available);
          input.copy(this.body, this.bodyFill, pos, pos + n);
          this.bodyFill += n;
          pos += n;
          if (this.bodyFill === tag.size) {
            const body = this.body;
            this.body = undefined;
            this.bodyFill = 0;
            tags.push(this.finishTag(tag, body));
          }
          break;
        }
      }
    }
  }

  private startUnit(stage: Stage, previousUnitSize: number): void {
    this.stage = stage;
    this.unitStart += previousUnitSize;
  }

  private readFileHeader(): void {
    const b = this.field;
    const at = this.fieldAt;
    if (b[at] !== 0x46 || b[at + 1] !== 0x4c || b[at + 2] !== 0x56) {
      throw new FlvError(`the stream does not start with the "FLV" signature (got 0x${b.toString('hex', at, at + 3)})`, 0);
    }
    const version = b[at + 3] as number;
    if (version !== 1) throw new FlvError(`unsupported FLV version ${version}`, 3);
    const flags = b[at + 4] as number;
    const headerSize = b.readUInt32BE(at + 5);
    if (headerSize < FILE_HEADER_SIZE || headerSize > MAX_HEADER_SIZE) {
      throw new FlvError(`implausible header size ${headerSize}`, 5);
    }
    this.header = { version, hasAudio: (flags & 0x04) !== 0, hasVideo: (flags & 0x01) !== 0, headerSize };
    this.expectedPreviousTagSize = 0;
    if (headerSize > FILE_HEADER_SIZE) {
      this.paddingLeft = headerSize - FILE_HEADER_SIZE;
      this.stage = 'headerPadding';
    } else {
      this.startUnit('previousTagSize', FILE_HEADER_SIZE);
    }
  }

  private checkPreviousTagSize(): void {
    const value = this.field.readUInt32BE(this.fieldAt);
    const expected = this.expectedPreviousTagSize;
    if (value !== expected) {
      const why =
        this.unitStart === (this.header as FlvHeader).headerSize
          ? 'the first PreviousTagSize must be 0'
          : `the previous tag was ${expected} bytes`;
      throw new FlvError(`PreviousTagSize is ${value} but ${why}`, this.unitStart);
    }
    this.startUnit('tagHeader', PREVIOUS_TAG_SIZE_BYTES);
  }

  private readTagHeader(): PendingTag {
    const b = this.field;
    const at = this.fieldAt;
    const first = b[at] as number;
    if ((first & 0x20) !== 0) {
      throw new FlvError('the tag is encrypted (filter bit set), which live streaming does not support', this.unitStart);
    }
    const typeId = first & 0x1f;
    const kind = TAG_KINDS[typeId];
    if (kind === undefined || (first & 0xc0) !== 0) {
      throw new FlvError(`unknown tag type ${first} (expected 8 audio, 9 video or 18 script)`, this.unitStart);
    }
    const size = b.readUIntBE(at + 1, 3);
    // The 8 extension bits are the most significant bits of a 32-bit millisecond timestamp.
    const timestamp = (b.readUIntBE(at + 4, 3) | ((b[at + 7] as number) << 24)) >>> 0;
    const streamId = b.readUIntBE(at + 8, 3);
    return { typeId: typeId as 8 | 9 | 18, kind, timestamp, streamId, offset: this.unitStart, size };
  }

  private finishTag(pending: PendingTag, data: Buffer): FlvTag {
    this.tag = undefined;
    this.expectedPreviousTagSize = TAG_HEADER_SIZE + pending.size;
    this.startUnit('previousTagSize', pending.size === 0 ? TAG_HEADER_SIZE : pending.size);
    const tag: FlvTag = {
      kind: pending.kind,
      typeId: pending.typeId,
      timestamp: pending.timestamp,
      streamId: pending.streamId,
      data,
      offset: pending.offset,
    };
    if (pending.kind === 'video') {
      const video = parseVideoTagInfo(data);
      if (video) tag.video = video;
    } else if (pending.kind === 'audio') {
      const audio = parseAudioTagInfo(data);
      if (audio) tag.audio = audio;
    }
    return tag;
  }
}

/**
 * Reads tags from a byte stream (FFmpeg's stdout, a file). Stops reading at the first corruption and
 * rejects with FlvError; breaking out of the loop early also stops (destroys) a Node stream.
 */
export async function* readFlvTags(
  input: AsyncIterable<Buffer> | NodeJS.ReadableStream,
): AsyncGenerator<FlvTag, void, undefined> {
  const parser = new FlvParser();
  for await (const chunk of input as AsyncIterable<Buffer | Uint8Array | string>) {
    if (typeof chunk === 'string') {
      throw new TypeError('readFlvTags needs binary chunks; do not set an encoding on the stream');
    }
    for (const tag of parser.push(chunk)) yield tag;
  }
  parser.end();
}
