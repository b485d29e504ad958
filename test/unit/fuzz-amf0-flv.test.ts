import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Amf0EcmaArray, Amf0Error, decodeAmf0, decodeAmf0Value, encodeAmf0, type Amf0Value } from '../../electron/engine/rtmp/amf0.js';
import { FlvError, FlvParser, parseAudioTagInfo, parseVideoTagInfo, type FlvTag } from '../../electron/engine/flv/reader.js';
import { encodeFlvHeader, encodeFlvTag } from '../../electron/engine/flv/writer.js';
import { makeFlvFixture } from '../helpers/fixtures.js';

// Fixed seeds: a failure reproduces on every run and on every machine.
const SEED = 0x5eed;
const RUNS = 2000;

/** Runs `fn`; anything thrown other than the expected parse error fails the property. */
function onlyThrows(errorClass: typeof Amf0Error | typeof FlvError, fn: () => void): true {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof errorClass)) throw err;
  }
  return true;
}

const amf0Value: fc.Arbitrary<Amf0Value> = fc.letrec<{ value: Amf0Value }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.double(),
    fc.boolean(),
    fc.string({ unit: 'binary', maxLength: 12 }),
    fc.constant(null),
    fc.constant(undefined),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }).map((entries) => new Amf0EcmaArray(entries)),
  ),
})).value;

/** Bit flips, truncation, and splicing of foreign bytes: the damage a pipe or a file can suffer. */
function mutated(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      base,
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
          fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
          fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), drop: fc.nat(8), insert: fc.uint8Array({ maxLength: 8 }) }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    )
    .map(([bytes, mutations]) => {
      let out = Buffer.from(bytes);
      for (const m of mutations) {
        if (out.length === 0) break;
        const at = m.at % out.length;
        if (m.kind === 'flip') out[at] = (out[at] as number) ^ (1 << m.bit);
        else if (m.kind === 'truncate') out = out.subarray(0, at);
        else out = Buffer.concat([out.subarray(0, at), m.insert, out.subarray(at + m.drop)]);
      }
      return out;
    });
}

describe('AMF0 fuzzing', () => {
  it('round-trips every encodable value', () => {
    fc.assert(
      fc.property(fc.array(amf0Value, { maxLength: 4 }), (values) => {
        expect(decodeAmf0(encodeAmf0(...values))).toEqual(values);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('throws only Amf0Error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => onlyThrows(Amf0Error, () => decodeAmf0(bytes))),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('throws only Amf0Error on damaged encodings, at any start offset', () => {
    const damaged = mutated(fc.array(amf0Value, { maxLength: 3 }).map((values) => encodeAmf0(...values)));
    fc.assert(
      fc.property(damaged, fc.nat(), (bytes, start) => {
        onlyThrows(Amf0Error, () => decodeAmf0(bytes));
        return onlyThrows(Amf0Error, () => decodeAmf0Value(bytes, start % (bytes.length + 1)));
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

const tagBody = fc.oneof(
  fc.uint8Array({ maxLength: 48 }),
  // Bodies that start like real audio and video headers, so the tag-header parsers see plausible input.
  // The following bytes lean towards boundary values (sizes of 0 and 255, nibble edges).
  fc.tuple(
    fc.constantFrom(0x17, 0x27, 0xaf, 0x90, 0x91, 0x96, 0x97, 0xa1, 0xd1),
    fc.array(fc.oneof(fc.constantFrom(0x00, 0x01, 0x0f, 0x10, 0x21, 0xff), fc.nat(255)), { maxLength: 16 }),
  ).map(([first, rest]) => Buffer.from([first, ...rest])),
);

const flvTags = fc.array(
  fc.record({ typeId: fc.constantFrom(8 as const, 9 as const, 18 as const), timestamp: fc.nat(), data: tagBody }),
  { maxLength: 8 },
);

function flvFile(tags: Array<{ typeId: 8 | 9 | 18; timestamp: number; data: Uint8Array }>): Buffer {
  return Buffer.concat([encodeFlvHeader({ hasAudio: true, hasVideo: true }), ...tags.map((t) => encodeFlvTag(t))]);
}

/** Parses in pieces cut at the given points (taken modulo the length). */
function parseInPieces(bytes: Uint8Array, cuts: number[]): FlvTag[] {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const parser = new FlvParser();
  const tags: FlvTag[] = [];
  let start = 0;
  for (const cut of [...points, bytes.length]) {
    tags.push(...parser.push(Buffer.from(bytes.buffer, bytes.byteOffset + start, cut - start)));
    start = cut;
  }
  parser.end();
  return tags;
}

describe('FLV fuzzing', () => {
  let fixtureHead: Buffer;

  beforeAll(async () => {
    fixtureHead = readFileSync(await makeFlvFixture({ seconds: 4 })).subarray(0, 16 * 1024);
  });

  it('reads the same tags however a valid stream is split', () => {
    fc.assert(
      fc.property(flvTags, fc.array(fc.nat(), { maxLength: 12 }), (tags, cuts) => {
        const bytes = flvFile(tags);
        const parsed = parseInPieces(bytes, cuts);
        expect(parsed.map((t) => [t.typeId, t.timestamp, Buffer.from(t.data).toString('hex')])).toEqual(
          tags.map((t) => [t.typeId, t.timestamp, Buffer.from(t.data).toString('hex')]),
        );
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('throws only FlvError on random bytes, with or without a valid header', () => {
    const header = encodeFlvHeader({ hasAudio: true, hasVideo: true });
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 96 }), fc.array(fc.nat(), { maxLength: 4 }), (withHeader, random, cuts) =>
        onlyThrows(FlvError, () => parseInPieces(withHeader ? Buffer.concat([header, random]) : random, cuts)),
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('throws only FlvError on damaged synthetic streams', () => {
    fc.assert(
      fc.property(mutated(flvTags.map(flvFile)), fc.array(fc.nat(), { maxLength: 4 }), (bytes, cuts) =>
        onlyThrows(FlvError, () => parseInPieces(bytes, cuts)),
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('throws only FlvError on a damaged FFmpeg recording', () => {
    fc.assert(
      fc.property(mutated(fc.constant(fixtureHead)), fc.array(fc.nat(), { maxLength: 4 }), (bytes, cuts) =>
        onlyThrows(FlvError, () => parseInPieces(bytes, cuts)),
      ),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('never throws from the audio and video tag-header parsers', () => {
    fc.assert(
      fc.property(tagBody, (body) => {
        const data = Buffer.from(body);
        parseVideoTagInfo(data);
        parseAudioTagInfo(data);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
