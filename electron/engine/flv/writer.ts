/**
 * FLV writing for recordings and tests: the exact inverse of the reader, so that a stream read tag by
 * tag and written back is byte-identical to what FFmpeg produced.
 */

const FLV_HEADER_SIZE = 9;
const TAG_HEADER_SIZE = 11;
const PREVIOUS_TAG_SIZE_BYTES = 4;
const MAX_UINT24 = 0xffffff;
const MAX_UINT32 = 0xffffffff;

/** The 9-byte file header followed by PreviousTagSize0 (always 0). */
export function encodeFlvHeader(opts: { hasAudio: boolean; hasVideo: boolean }): Buffer {
  const out = Buffer.alloc(FLV_HEADER_SIZE + PREVIOUS_TAG_SIZE_BYTES);
  out.write('FLV', 0, 'latin1');
  out[3] = 1;
  out[4] = (opts.hasAudio ? 0x04 : 0) | (opts.hasVideo ? 0x01 : 0);
  out.writeUInt32BE(FLV_HEADER_SIZE, 5);
  return out;
}

/**
 * One tag: 11-byte header, body, and the PreviousTagSize that follows it. Timestamps are 32-bit
 * milliseconds (the top 8 bits go in the extension byte); they must be integers in 0..2^32-1, since
 * silently wrapping a recording's clock would be worse than refusing.
 */
export function encodeFlvTag(tag: { typeId: 8 | 9 | 18; timestamp: number; data: Uint8Array; streamId?: number }): Buffer {
  const { typeId, timestamp, data, streamId = 0 } = tag;
  if (typeId !== 8 && typeId !== 9 && typeId !== 18) throw new RangeError(`FLV tag type ${String(typeId)} is not 8, 9 or 18`);
  if (!Number.isInteger(timestamp) || timestamp < 0 || timestamp > MAX_UINT32) {
    throw new RangeError(`FLV timestamp ${timestamp} is not an integer in 0..2^32-1 milliseconds`);
  }
  if (data.length > MAX_UINT24) throw new RangeError(`FLV tag body of ${data.length} bytes exceeds 16 MiB - 1`);
  if (!Number.isInteger(streamId) || streamId < 0 || streamId > MAX_UINT24) {
    throw new RangeError(`FLV stream id ${streamId} does not fit in 24 bits`);
  }
  const out = Buffer.allocUnsafe(TAG_HEADER_SIZE + data.length + PREVIOUS_TAG_SIZE_BYTES);
  out[0] = typeId;
  out.writeUIntBE(data.length, 1, 3);
  out.writeUIntBE(timestamp & MAX_UINT24, 4, 3);
  out[7] = timestamp >>> 24;
  out.writeUIntBE(streamId, 8, 3);
  out.set(data, TAG_HEADER_SIZE);
  out.writeUInt32BE(TAG_HEADER_SIZE + data.length, TAG_HEADER_SIZE + data.length);
  return out;
}
