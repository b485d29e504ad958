/**
 * The simple RTMP handshake (spec 5.2) as plain-RTMP clients such as OBS/librtmp and FFmpeg do it:
 * C0+C1 out, S0+S1+S2 in, C2 (an echo of S1) out. No digest: ingests accept plain handshakes for
 * publishing.
 */
import { randomBytes } from 'node:crypto';
import { UplinkError } from '../errors.js';

export const HANDSHAKE_SIZE = 1536;
export const RTMP_VERSION = 3;
/** S0 + S1 + S2. */
export const SERVER_HANDSHAKE_SIZE = 1 + 2 * HANDSHAKE_SIZE;

const TIME_FIELDS = 8;

export class HandshakeError extends UplinkError {
  constructor(message: string) {
    super('RTMP_HANDSHAKE', message);
  }
}

/**
 * C0 (version 3) and C1: 4-byte time, 4 zero bytes, 1528 random bytes. `now` is any millisecond clock
 * (only wrapped to 32 bits); the random filler only has to be echoed back.
 */
export function createC0C1(
  now: number = Math.floor(performance.now()),
  random: (n: number) => Buffer = randomBytes,
): { c0c1: Buffer; c1: Buffer } {
  const c0c1 = Buffer.alloc(1 + HANDSHAKE_SIZE);
  c0c1[0] = RTMP_VERSION;
  c0c1.writeUInt32BE(Math.floor(now) >>> 0, 1);
  const filler = random(HANDSHAKE_SIZE - TIME_FIELDS);
  if (filler.length !== HANDSHAKE_SIZE - TIME_FIELDS) {
    throw new RangeError(`random filler must be ${HANDSHAKE_SIZE - TIME_FIELDS} bytes, got ${filler.length}`);
  }
  filler.copy(c0c1, 1 + TIME_FIELDS);
  return { c0c1, c1: c0c1.subarray(1) };
}

/**
 * What the first bytes a server answered say about it, for the error message: an HTTP server answers
 * a handshake with "HTTP/1.1 400", a TLS server with an alert record (0x15), and both mean the URL is wrong.
 */
function notRtmp(head: Buffer): HandshakeError {
  const version = head[0] as number;
  if (head.subarray(0, 5).toString('latin1') === 'HTTP/' || (head.length < 5 && version === 0x48)) {
    return new HandshakeError(
      'The server does not speak RTMP (it answered as a web server); check the server URL.',
    );
  }
  if (version === 0x15 || version === 0x16) {
    return new HandshakeError(
      'The server does not speak RTMP (it expects an encrypted connection); use an rtmps:// URL.',
    );
  }
  return new HandshakeError(`The server does not speak RTMP (version ${version}); check the server URL.`);
}

/** Validates S0+S1+S2 and returns S1 (to echo as C2) and whether S2 echoes our C1. */
export function parseS0S1S2(data: Buffer, c1: Buffer): { s1: Buffer; s2EchoesC1: boolean } {
  if (data.length >= 1 && data[0] !== RTMP_VERSION) throw notRtmp(data);
  if (data.length !== SERVER_HANDSHAKE_SIZE) {
    throw new HandshakeError(
      `The server's handshake reply has ${data.length} bytes instead of ${SERVER_HANDSHAKE_SIZE}; it may not be an RTMP server.`,
    );
  }
  const s1 = data.subarray(1, 1 + HANDSHAKE_SIZE);
  const s2 = data.subarray(1 + HANDSHAKE_SIZE);
  // Only the random part is compared: S2's second time field is the server's read time, and some
  // ingests rewrite the first one too. Real ingests differ, so this is reported, never enforced.
  const s2EchoesC1 =
    c1.length === HANDSHAKE_SIZE && s2.subarray(TIME_FIELDS).equals(c1.subarray(TIME_FIELDS));
  return { s1, s2EchoesC1 };
}

/** C2 is an echo of S1, as librtmp and FFmpeg send it. */
export function createC2(s1: Buffer): Buffer {
  if (s1.length !== HANDSHAKE_SIZE) {
    throw new RangeError(`S1 must be ${HANDSHAKE_SIZE} bytes, got ${s1.length}`);
  }
  return Buffer.from(s1);
}

/**
 * Collects the server's S0+S1+S2 from socket reads of any size. Fails on the first byte when it is not
 * RTMP version 3, so that a wrong server is reported at once rather than by a timeout.
 */
export class HandshakeReader {
  private readonly chunks: Buffer[] = [];
  private length = 0;
  private done = false;

  push(data: Buffer): { s0s1s2: Buffer; rest: Buffer } | undefined {
    if (this.done) throw new Error('HandshakeReader.push called after the handshake completed');
    if (data.length === 0) return undefined;
    if (this.length === 0 && data[0] !== RTMP_VERSION) throw notRtmp(data);
    this.chunks.push(data);
    this.length += data.length;
    if (this.length < SERVER_HANDSHAKE_SIZE) return undefined;
    this.done = true;
    const all = this.chunks.length === 1 ? data : Buffer.concat(this.chunks, this.length);
    this.chunks.length = 0;
    return {
      s0s1s2: all.subarray(0, SERVER_HANDSHAKE_SIZE),
      rest: all.subarray(SERVER_HANDSHAKE_SIZE),
    };
  }
}
