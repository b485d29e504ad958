import { execFile } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { Amf0EcmaArray, decodeAmf0 } from '../../electron/engine/rtmp/amf0.js';
import {
  FlvError,
  FlvParser,
  parseAudioTagInfo,
  parseVideoTagInfo,
  readFlvTags,
  type FlvTag,
} from '../../electron/engine/flv/reader.js';
import { encodeFlvHeader, encodeFlvTag } from '../../electron/engine/flv/writer.js';
import { makeFlvFixture, tmpDir } from '../helpers/fixtures.js';

const run = promisify(execFile);

interface ProbedPacket {
  type: 'audio' | 'video';
  pts: number;
  dts: number;
  key: boolean;
}

async function probePackets(file: string): Promise<ProbedPacket[]> {
  const { stdout } = await run(
    'ffprobe',
    ['-v', 'error', '-show_packets', '-show_entries', 'packet=codec_type,pts,dts,flags', '-of', 'csv=p=0', file],
    { maxBuffer: 32 * 1024 * 1024 },
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [type, pts, dts, flags] = line.split(',');
      return { type: type as 'audio' | 'video', pts: Number(pts), dts: Number(dts), key: (flags ?? '').includes('K') };
    });
}

function parseChunks(chunks: Buffer[]): FlvTag[] {
  const parser = new FlvParser();
  const tags: FlvTag[] = [];
  for (const chunk of chunks) tags.push(...parser.push(chunk));
  parser.end();
  return tags;
}

function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts)].filter((c) => c > 0 && c < data.length).sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const cut of points) {
    chunks.push(data.subarray(start, cut));
    start = cut;
  }
  chunks.push(data.subarray(start));
  return chunks;
}

/** Lists every difference between two tag lists; an empty list means identical. */
function tagDifferences(actual: FlvTag[], expected: FlvTag[]): string[] {
  const diffs: string[] = [];
  if (actual.length !== expected.length) diffs.push(`${actual.length} tags instead of ${expected.length}`);
  const n = Math.min(actual.length, expected.length);
  for (let i = 0; i < n && diffs.length < 5; i++) {
    const a = actual[i] as FlvTag;
    const e = expected[i] as FlvTag;
    const { data: ad, ...aRest } = a;
    const { data: ed, ...eRest } = e;
    if (JSON.stringify(aRest) !== JSON.stringify(eRest)) diffs.push(`tag ${i}: ${JSON.stringify(aRest)} != ${JSON.stringify(eRest)}`);
    if (!ad.equals(ed)) diffs.push(`tag ${i}: body differs`);
  }
  return diffs;
}

/** A small deterministic PRNG (mulberry32) so that "random" splits are the same on every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function flvErrorOf(fn: () => unknown): FlvError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FlvError);
    return err as FlvError;
  }
  throw new Error('expected an FlvError, nothing was thrown');
}

let file: string;
let bytes: Buffer;
let reference: FlvTag[];
let packets: ProbedPacket[];

beforeAll(async () => {
  file = await makeFlvFixture({ seconds: 4 });
  bytes = readFileSync(file);
  reference = parseChunks([bytes]);
  packets = await probePackets(file);
});

describe('FlvParser on a real FFmpeg recording', () => {
  it('reads the header and every byte of the file', () => {
    const parser = new FlvParser();
    const tags = parser.push(bytes);
    parser.end();
    expect(parser.header).toEqual({ version: 1, hasAudio: true, hasVideo: true, headerSize: 9 });
    expect(parser.bytesConsumed).toBe(bytes.length);
    expect(tags.length).toBe(reference.length);
    const last = tags.at(-1) as FlvTag;
    expect(last.offset + 11 + last.data.length + 4).toBe(bytes.length);
  });

  it('has as many video and audio frames as ffprobe finds packets, with the same timestamps', () => {
    const videoFrames = reference.filter((t) => t.kind === 'video' && !t.video?.sequenceHeader && !t.video?.sequenceEnd);
    const audioFrames = reference.filter((t) => t.kind === 'audio' && !t.audio?.sequenceHeader);
    const probedVideo = packets.filter((p) => p.type === 'video');
    const probedAudio = packets.filter((p) => p.type === 'audio');
    expect(probedVideo.length).toBeGreaterThan(100);
    expect(videoFrames.length).toBe(probedVideo.length);
    expect(audioFrames.length).toBe(probedAudio.length);
    expect(videoFrames.map((t) => t.timestamp)).toEqual(probedVideo.map((p) => p.dts));
    expect(videoFrames.map((t) => t.timestamp + (t.video?.compositionTime ?? 0))).toEqual(probedVideo.map((p) => p.pts));
    expect(audioFrames.map((t) => t.timestamp)).toEqual(probedAudio.map((p) => p.dts));
  });

  it('starts with onMetaData, then an AVC sequence header followed by a keyframe, and an AAC sequence header', () => {
    const script = reference[0] as FlvTag;
    expect(script.kind).toBe('script');
    const [name, meta] = decodeAmf0(script.data);
    expect(name).toBe('onMetaData');
    expect(meta).toBeInstanceOf(Amf0EcmaArray);
    expect((meta as Amf0EcmaArray).entries).toMatchObject({ width: 640, height: 360, videocodecid: 7, audiocodecid: 10 });

    const video = reference.filter((t) => t.kind === 'video');
    expect(video[0]?.video).toMatchObject({ codec: 'avc', codecId: 7, enhanced: false, sequenceHeader: true, frameType: 'key' });
    expect(video[1]?.video).toMatchObject({ codec: 'avc', sequenceHeader: false, frameType: 'key' });
    // FFmpeg closes an AVC stream with an end-of-sequence packet.
    expect(video.at(-1)?.video).toMatchObject({ sequenceEnd: true });
    expect(video.filter((t) => t.video?.sequenceHeader)).toHaveLength(1);

    const audio = reference.filter((t) => t.kind === 'audio');
    expect(audio[0]?.audio).toEqual({ soundFormat: 10, codec: 'aac', sequenceHeader: true });
    expect(audio.slice(1).every((t) => t.audio?.codec === 'aac' && !t.audio.sequenceHeader)).toBe(true);
  });

  it('finds a keyframe every 2 seconds, where ffprobe does', () => {
    const keyTimes = reference
      .filter((t) => t.video?.frameType === 'key' && !t.video.sequenceHeader && !t.video.sequenceEnd)
      .map((t) => t.timestamp);
    expect(keyTimes).toEqual(packets.filter((p) => p.type === 'video' && p.key).map((p) => p.dts));
    expect(keyTimes).toHaveLength(2);
    expect((keyTimes[1] as number) - (keyTimes[0] as number)).toBe(2000);
  });

  it('returns zero-copy views for tags inside one chunk', () => {
    const big = reference.find((t) => t.data.length > 1000) as FlvTag;
    expect(big.data.buffer).toBe(bytes.buffer);
    expect(big.data.byteOffset).toBe(bytes.byteOffset + big.offset + 11);
  });

  it('reads signed composition times of a stream with B-frames', async () => {
    const dir = tmpDir('flv-reader');
    const bframes = join(dir, 'bframes.flv');
    if (!existsSync(bframes)) {
      const partial = `${bframes}.${process.pid}.partial.flv`;
      await run('ffmpeg', [
        ...['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=160x90:rate=30:duration=1'],
        ...['-c:v', 'libx264', '-preset', 'veryfast', '-bf', '2', '-g', '30', '-pix_fmt', 'yuv420p', '-f', 'flv', partial],
      ]);
      renameSync(partial, bframes);
    }
    const tags = parseChunks([readFileSync(bframes)]);
    const frames = tags.filter((t) => t.video && !t.video.sequenceHeader && !t.video.sequenceEnd);
    const probed = (await probePackets(bframes)).filter((p) => p.type === 'video');
    expect(frames.some((t) => (t.video?.compositionTime ?? 0) > 0)).toBe(true);
    expect(frames.map((t) => t.timestamp + (t.video?.compositionTime ?? 0))).toEqual(probed.map((p) => p.pts));
  });
});

describe('FlvParser split invariance', () => {
  it('gives identical tags from 1-byte chunks', () => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
    expect(tagDifferences(parseChunks(chunks), reference)).toEqual([]);
  });

  it('gives identical tags at random split points', () => {
    const random = prng(20240501);
    for (let run = 0; run < 20; run++) {
      const cutCount = 1 + Math.floor(random() * 200);
      const cuts = Array.from({ length: cutCount }, () => Math.floor(random() * bytes.length));
      expect(tagDifferences(parseChunks(splitAt(bytes, cuts)), reference), `run ${run}`).toEqual([]);
    }
  });

  it('gives identical tags when a chunk ends inside the file header, a tag header or a PreviousTagSize', () => {
    const cuts = new Set<number>();
    for (let i = 1; i <= 13; i++) cuts.add(i); // file header and PreviousTagSize0
    for (const tag of reference.slice(0, 8)) {
      // Every byte of the tag header, its body edges, and its trailing PreviousTagSize.
      for (let i = 0; i <= 11; i++) cuts.add(tag.offset + i);
      const end = tag.offset + 11 + tag.data.length;
      for (let i = -1; i <= 4; i++) cuts.add(end + i);
    }
    for (const cut of cuts) {
      expect(tagDifferences(parseChunks(splitAt(bytes, [cut])), reference), `split at ${cut}`).toEqual([]);
    }
  });

  it('reads the same tags through readFlvTags from a stream of odd-sized chunks', async () => {
    async function* source(): AsyncGenerator<Buffer> {
      for (let at = 0; at < bytes.length; at += 4093) yield bytes.subarray(at, at + 4093);
    }
    const tags: FlvTag[] = [];
    for await (const tag of readFlvTags(source())) tags.push(tag);
    expect(tagDifferences(tags, reference)).toEqual([]);
  });
});

describe('FlvParser on corrupt input', () => {
  function corrupt(edit: (copy: Buffer) => void): Buffer {
    const copy = Buffer.from(bytes);
    edit(copy);
    return copy;
  }

  it('rejects a stream without the FLV signature', () => {
    const bad = corrupt((b) => b.write('GIF', 0, 'latin1'));
    const err = flvErrorOf(() => new FlvParser().push(bad));
    expect(err.code).toBe('FLV_CORRUPT');
    expect(err.offset).toBe(0);
    expect(err.message).toMatch(/signature.*at byte 0/);
  });

  it('rejects an unknown FLV version and an implausible header size', () => {
    expect(flvErrorOf(() => new FlvParser().push(corrupt((b) => (b[3] = 2)))).offset).toBe(3);
    expect(flvErrorOf(() => new FlvParser().push(corrupt((b) => b.writeUInt32BE(8, 5)))).offset).toBe(5);
    expect(flvErrorOf(() => new FlvParser().push(corrupt((b) => b.writeUInt32BE(0x7fffffff, 5)))).offset).toBe(5);
  });

  it('rejects a wrong PreviousTagSize, naming its offset, whatever the chunking', () => {
    const tag = reference[3] as FlvTag;
    const at = tag.offset - 4;
    const bad = corrupt((b) => b.writeUInt32BE(b.readUInt32BE(at) + 1, at));
    const whole = flvErrorOf(() => parseChunks([bad]));
    expect(whole.offset).toBe(at);
    expect(whole.message).toMatch(new RegExp(`PreviousTagSize.*at byte ${at}`));
    const pieces = flvErrorOf(() => parseChunks(splitAt(bad, [at + 1, at + 2, at + 3])));
    expect(pieces.offset).toBe(at);

    const first = flvErrorOf(() => parseChunks([corrupt((b) => (b[12] = 1))]));
    expect(first.offset).toBe(9);
    expect(first.message).toMatch(/first PreviousTagSize must be 0/);
  });

  it('rejects an unknown tag type and an encrypted tag', () => {
    const tag = reference[4] as FlvTag;
    const unknown = flvErrorOf(() => parseChunks([corrupt((b) => (b[tag.offset] = 7))]));
    expect(unknown.offset).toBe(tag.offset);
    expect(unknown.message).toMatch(/unknown tag type 7/);
    const encrypted = flvErrorOf(() => parseChunks([corrupt((b) => (b[tag.offset] = (b[tag.offset] as number) | 0x20))]));
    expect(encrypted.offset).toBe(tag.offset);
    expect(encrypted.message).toMatch(/encrypted/);
  });

  it('stays failed after an error', () => {
    const parser = new FlvParser();
    const first = flvErrorOf(() => parser.push(corrupt((b) => (b[0] = 0))));
    expect(flvErrorOf(() => parser.push(bytes))).toBe(first);
    expect(flvErrorOf(() => parser.end())).toBe(first);
  });

  it('reports truncation inside the header, a tag, or before the last PreviousTagSize', () => {
    const header = new FlvParser();
    header.push(bytes.subarray(0, 5));
    expect(flvErrorOf(() => header.end()).message).toMatch(/inside the file header.*at byte 0/);

    const tag = reference[5] as FlvTag;
    const inTag = new FlvParser();
    const tags = inTag.push(bytes.subarray(0, tag.offset + 20));
    expect(tags).toHaveLength(5);
    const err = flvErrorOf(() => inTag.end());
    expect(err.offset).toBe(tag.offset);
    expect(err.message).toMatch(new RegExp(`${tag.data.length}-byte ${tag.kind} tag`));

    const inTagHeader = new FlvParser();
    inTagHeader.push(bytes.subarray(0, tag.offset + 3));
    expect(flvErrorOf(() => inTagHeader.end()).offset).toBe(tag.offset);

    const noTrailer = new FlvParser();
    noTrailer.push(bytes.subarray(0, bytes.length - 2));
    expect(flvErrorOf(() => noTrailer.end()).offset).toBe(bytes.length - 4);

    expect(flvErrorOf(() => new FlvParser().end()).offset).toBe(0);
  });

  it('makes readFlvTags reject with FlvError and stop reading the source', async () => {
    const tag = reference[10] as FlvTag;
    const bad = corrupt((b) => (b[tag.offset] = 0x1f));
    let pulled = 0;
    let closed = false;
    async function* source(): AsyncGenerator<Buffer> {
      try {
        for (let at = 0; at < bad.length; at += 1000) {
          pulled++;
          yield bad.subarray(at, at + 1000);
        }
      } finally {
        closed = true;
      }
    }
    const seen: FlvTag[] = [];
    const consume = async (): Promise<void> => {
      for await (const t of readFlvTags(source())) seen.push(t);
    };
    const err = await consume().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FlvError);
    expect((err as FlvError).offset).toBe(tag.offset);
    // Tags completed earlier in the failing chunk are dropped with it; the ones before are intact.
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.length).toBeLessThanOrEqual(10);
    expect(tagDifferences(seen, reference.slice(0, seen.length))).toEqual([]);
    expect(closed).toBe(true);
    // Reading stopped at the chunk that completed the bad tag header.
    expect(pulled).toBe(Math.floor((tag.offset + 10) / 1000) + 1);
  });
});

describe('video and audio tag headers', () => {
  function videoTag(...parts: Array<number[] | string>): Buffer {
    return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
  }

  const cases: Array<[string, Buffer, ReturnType<typeof parseVideoTagInfo>]> = [
    [
      'hvc1 sequence start',
      videoTag([0x90], 'hvc1', [0x01, 0x02]),
      { codec: 'hevc', codecId: 0, fourCc: 'hvc1', enhanced: true, frameType: 'key', sequenceHeader: true, sequenceEnd: false, compositionTime: 0 },
    ],
    [
      'hvc1 coded frames with a negative composition time',
      videoTag([0xa1], 'hvc1', [0xff, 0xff, 0xdf, 0x00, 0x00]),
      { codec: 'hevc', codecId: 0, fourCc: 'hvc1', enhanced: true, frameType: 'inter', sequenceHeader: false, sequenceEnd: false, compositionTime: -33 },
    ],
    [
      'hvc1 coded frames X (composition time implied 0)',
      videoTag([0x93], 'hvc1', [0x00, 0x00, 0x21, 0x99]),
      { codec: 'hevc', codecId: 0, fourCc: 'hvc1', enhanced: true, frameType: 'key', sequenceHeader: false, sequenceEnd: false, compositionTime: 0 },
    ],
    [
      'av01 coded frames (no composition time field)',
      videoTag([0x91], 'av01', [0x12, 0x00, 0x0a]),
      { codec: 'av1', codecId: 0, fourCc: 'av01', enhanced: true, frameType: 'key', sequenceHeader: false, sequenceEnd: false, compositionTime: 0 },
    ],
    [
      'av01 MPEG-2 TS sequence start',
      videoTag([0x95], 'av01', [0x80]),
      { codec: 'av1', codecId: 0, fourCc: 'av01', enhanced: true, frameType: 'key', sequenceHeader: true, sequenceEnd: false, compositionTime: 0 },
    ],
    [
      'vp09 sequence start',
      videoTag([0x90], 'vp09', [0x01, 0x00]),
      { codec: 'vp9', codecId: 0, fourCc: 'vp09', enhanced: true, frameType: 'key', sequenceHeader: true, sequenceEnd: false, compositionTime: 0 },
    ],
    [
      'vp09 disposable coded frames',
      videoTag([0xb1], 'vp09', [0x55]),
      { codec: 'vp9', codecId: 0, fourCc: 'vp09', enhanced: true, frameType: 'disposable', sequenceHeader: false, sequenceEnd: false, compositionTime: 0 },
    ],
    [
      'vp09 sequence end',
      videoTag([0x92], 'vp09'),
      { codec: 'vp9', codecId: 0, fourCc: 'vp09', enhanced: true, frameType: 'key', sequenceHeader: false, sequenceEnd: true, compositionTime: 0 },
    ],
    [
      'metadata (frame type ignored, even a reserved one)',
      videoTag([0x84], 'hvc1', [0x02, 0x00, 0x09], 'colorInfo'),
      { codec: 'hevc', codecId: 0, fourCc: 'hvc1', enhanced: true, frameType: 'command', sequenceHeader: false, sequenceEnd: false, compositionTime: 0 },
    ],
    [
      'command frame (a command byte, no FourCC)',
      videoTag([0xd1, 0x00]),
      { codec: 'other', codecId: 0, enhanced: true, frameType: 'command', sequenceHeader: false, sequenceEnd: false, compositionTime: 0 },
    ],
    [
      'multitrack, one hvc1 track',
      videoTag([0x96, 0x01], 'hvc1', [0x00, 0x00, 0x00, 0x10, 0xaa]),
      { codec: 'hevc', codecId: 0, fourCc: 'hvc1', enhanced: true, frameType: 'key', sequenceHeader: false, sequenceEnd: false, compositionTime: 16 },
    ],
    [
      'multitrack, many tracks and codecs',
      videoTag([0xa6, 0x21], 'av01', [0x01, 0x00, 0x00, 0x02, 0xaa, 0xbb]),
      { codec: 'av1', codecId: 0, fourCc: 'av01', enhanced: true, frameType: 'inter', sequenceHeader: false, sequenceEnd: false, compositionTime: 0 },
    ],
    [
      'ModEx (nanosecond offset) before avc1 coded frames',
      videoTag([0x97, 0x02, 0x00, 0x01, 0x02, 0x01], 'avc1', [0x00, 0x00, 0x21, 0xaa]),
      { codec: 'avc', codecId: 0, fourCc: 'avc1', enhanced: true, frameType: 'key', sequenceHeader: false, sequenceEnd: false, compositionTime: 33 },
    ],
    [
      'an unlisted FourCC',
      videoTag([0x91], 'vp08', [0x00]),
      { codec: 'other', codecId: 0, fourCc: 'vp08', enhanced: true, frameType: 'key', sequenceHeader: false, sequenceEnd: false, compositionTime: 0 },
    ],
    [
      'legacy AVC with composition time -1',
      videoTag([0x27, 0x01, 0xff, 0xff, 0xff, 0x00]),
      { codec: 'avc', codecId: 7, enhanced: false, frameType: 'inter', sequenceHeader: false, sequenceEnd: false, compositionTime: -1 },
    ],
    [
      'legacy VP6',
      videoTag([0x14, 0x00]),
      { codec: 'other', codecId: 4, enhanced: false, frameType: 'key', sequenceHeader: false, sequenceEnd: false, compositionTime: 0 },
    ],
    ['truncated FourCC', videoTag([0x90], 'hv'), undefined],
    ['truncated composition time', videoTag([0x91], 'hvc1', [0x00]), undefined],
    ['reserved packet type', videoTag([0x9f], 'hvc1'), undefined],
    ['reserved frame type', videoTag([0x07, 0x01, 0x00, 0x00, 0x00]), undefined],
    ['truncated AVC header', videoTag([0x17, 0x01]), undefined],
    ['empty body', Buffer.alloc(0), undefined],
  ];

  for (const [name, data, expected] of cases) {
    it(`parses ${name}`, () => {
      expect(parseVideoTagInfo(data)).toEqual(expected);
    });
  }

  it('labels Enhanced RTMP tags read through the parser', () => {
    const stream = Buffer.concat([
      encodeFlvHeader({ hasAudio: true, hasVideo: true }),
      encodeFlvTag({ typeId: 9, timestamp: 0, data: videoTag([0x90], 'hvc1', [0x01]) }),
      encodeFlvTag({ typeId: 9, timestamp: 0, data: videoTag([0x91], 'av01', [0x12]) }),
      encodeFlvTag({ typeId: 9, timestamp: 33, data: videoTag([0xa3], 'vp09', [0x34]) }),
      encodeFlvTag({ typeId: 8, timestamp: 0, data: videoTag([0x90], 'mp4a', [0x12, 0x10]) }),
    ]);
    const tags = parseChunks([stream]);
    expect(tags.map((t) => [t.video?.codec ?? t.audio?.codec, t.video?.frameType, t.timestamp])).toEqual([
      ['hevc', 'key', 0],
      ['av1', 'key', 0],
      ['vp9', 'inter', 33],
      ['aac', undefined, 0],
    ]);
    expect(tags[3]?.audio).toEqual({ soundFormat: 9, codec: 'aac', sequenceHeader: true });
  });

  it('parses audio tag headers', () => {
    expect(parseAudioTagInfo(Buffer.from([0xaf, 0x00, 0x12, 0x10]))).toEqual({ soundFormat: 10, codec: 'aac', sequenceHeader: true });
    expect(parseAudioTagInfo(Buffer.from([0xaf, 0x01, 0x21]))).toEqual({ soundFormat: 10, codec: 'aac', sequenceHeader: false });
    expect(parseAudioTagInfo(Buffer.from([0x2f, 0xff]))).toEqual({ soundFormat: 2, codec: 'mp3', sequenceHeader: false });
    expect(parseAudioTagInfo(Buffer.from([0x91, 0x4f, 0x70, 0x75, 0x73]))).toEqual({ soundFormat: 9, codec: 'other', sequenceHeader: false });
    expect(parseAudioTagInfo(Buffer.from([0xaf]))).toBeUndefined();
    expect(parseAudioTagInfo(Buffer.alloc(0))).toBeUndefined();
  });
});

describe('FLV writer', () => {
  it('writes the header and a tag with the bytes of the FLV spec', () => {
    expect(encodeFlvHeader({ hasAudio: true, hasVideo: true }).toString('hex')).toBe('464c5601' + '05' + '00000009' + '00000000');
    expect(encodeFlvHeader({ hasAudio: false, hasVideo: true })[4]).toBe(0x01);
    expect(encodeFlvHeader({ hasAudio: true, hasVideo: false })[4]).toBe(0x04);
    const tag = encodeFlvTag({ typeId: 9, timestamp: 0x01020304, data: Buffer.from([0xaa]), streamId: 0 });
    // type, size 1, timestamp low 24 bits, extension byte (high 8 bits), stream id, body, 11 + 1.
    expect(tag.toString('hex')).toBe('09' + '000001' + '020304' + '01' + '000000' + 'aa' + '0000000c');
  });

  it('refuses what FLV cannot hold', () => {
    const data = Buffer.alloc(1);
    expect(() => encodeFlvTag({ typeId: 8, timestamp: -1, data })).toThrow(RangeError);
    expect(() => encodeFlvTag({ typeId: 8, timestamp: 2 ** 32, data })).toThrow(RangeError);
    expect(() => encodeFlvTag({ typeId: 8, timestamp: 1.5, data })).toThrow(RangeError);
    expect(() => encodeFlvTag({ typeId: 8, timestamp: 0, data: Buffer.alloc(0x1000000) })).toThrow(RangeError);
  });

  it('rewrites the FFmpeg recording byte for byte', () => {
    const parser = new FlvParser();
    const tags = parser.push(bytes);
    parser.end();
    const header = parser.header as NonNullable<FlvParser['header']>;
    const rewritten = Buffer.concat([
      encodeFlvHeader(header),
      ...tags.map((t) => encodeFlvTag({ typeId: t.typeId, timestamp: t.timestamp, data: t.data, streamId: t.streamId })),
    ]);
    expect(rewritten.equals(bytes)).toBe(true);
  });

  it('writes timestamps past 2^24 ms through the extension byte, and FFmpeg reads them back', async () => {
    const shift = 2 ** 24 + 1000;
    const shifted = (t: FlvTag): number => (t.kind === 'script' ? t.timestamp : t.timestamp + shift);
    const rewritten = Buffer.concat([
      encodeFlvHeader({ hasAudio: true, hasVideo: true }),
      // onMetaData stays at 0: FFmpeg reads a script tag at any other time as a data stream.
      ...reference.map((t) => encodeFlvTag({ typeId: t.typeId, timestamp: shifted(t), data: t.data })),
    ]);
    const out = join(tmpDir('flv-writer'), 'shifted.flv');
    writeFileSync(out, rewritten);

    const back = parseChunks([rewritten]);
    expect(back.map((t) => t.timestamp)).toEqual(reference.map(shifted));
    expect(back.filter((t) => t.timestamp >= 2 ** 24)).toHaveLength(reference.length - 1);

    const probed = await probePackets(out);
    expect(probed.length).toBe(packets.length);
    expect(probed.map((p) => p.dts)).toEqual(packets.map((p) => p.dts + shift));
  });
});
