import { describe, expect, it } from 'vitest';
import {
  HANDSHAKE_SIZE,
  HandshakeError,
  HandshakeReader,
  createC0C1,
  createC2,
  parseS0S1S2,
} from '../../electron/engine/rtmp/handshake.js';
import { thrown } from '../helpers/wait.js';

function filler(n: number, seed: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + seed) & 0xff;
  return out;
}


/** S0 + S1 + S2 as a well-behaved server sends them: S2 echoes C1 with its own read time. */
function serverReply(c1: Buffer, version = 3): Buffer {
  const s1 = Buffer.concat([Buffer.from([0, 0, 0, 9, 0, 0, 0, 0]), filler(1528, 99)]);
  const s2 = Buffer.from(c1);
  s2.writeUInt32BE(12345, 4);
  return Buffer.concat([Buffer.from([version]), s1, s2]);
}

describe('createC0C1', () => {
  it('writes version 3, the 32-bit time, four zero bytes and 1528 random bytes', () => {
    const random = filler(1528, 5);
    const { c0c1, c1 } = createC0C1(0x1_0102_0304, () => random);
    expect(c0c1.length).toBe(1 + HANDSHAKE_SIZE);
    expect(c0c1.subarray(0, 9)).toEqual(Buffer.from('030102030400000000', 'hex'));
    expect(c0c1.subarray(9)).toEqual(random);
    expect(c1).toEqual(c0c1.subarray(1));
  });

  it('fills C1 with fresh random bytes by default', () => {
    const a = createC0C1().c1.subarray(8);
    const b = createC0C1().c1.subarray(8);
    expect(a.length).toBe(1528);
    expect(a.equals(b)).toBe(false);
  });
});

describe('parseS0S1S2 and createC2', () => {
  const { c1 } = createC0C1(0, () => filler(1528, 1));

  it('returns S1, echoed byte for byte as C2, and sees that S2 echoes C1', () => {
    const reply = serverReply(c1);
    const { s1, s2EchoesC1 } = parseS0S1S2(reply, c1);
    expect(s1).toEqual(reply.subarray(1, 1 + HANDSHAKE_SIZE));
    expect(s2EchoesC1).toBe(true);
    expect(createC2(s1)).toEqual(s1);
  });

  it('reports but accepts an S2 that does not echo C1', () => {
    const reply = serverReply(c1);
    reply[2000] = (reply[2000] as number) ^ 0xff;
    expect(parseS0S1S2(reply, c1).s2EchoesC1).toBe(false);
  });

  it('says plainly when the server does not speak RTMP version 3', () => {
    const err = thrown(() => parseS0S1S2(serverReply(c1, 6), c1));
    expect(err).toBeInstanceOf(HandshakeError);
    expect((err as HandshakeError).code).toBe('RTMP_HANDSHAKE');
    expect((err as HandshakeError).message).toMatch(/does not speak RTMP \(version 6\)/);
  });

  it('rejects a reply of the wrong length', () => {
    expect(() => parseS0S1S2(serverReply(c1).subarray(0, 3072), c1)).toThrow(HandshakeError);
    expect(() => parseS0S1S2(Buffer.concat([serverReply(c1), Buffer.from([0])]), c1)).toThrow(/3074 bytes/);
  });

  it('refuses to echo an S1 of the wrong size', () => {
    expect(() => createC2(Buffer.alloc(10))).toThrow(RangeError);
  });
});

describe('HandshakeReader', () => {
  const { c1 } = createC0C1(0, () => filler(1528, 1));

  it('waits for all 3073 bytes across reads of any size and returns what follows S2', () => {
    const reply = serverReply(c1);
    const after = Buffer.from('02000000000004010000000000001000', 'hex');
    const stream = Buffer.concat([reply, after]);
    const reader = new HandshakeReader();
    const cuts = [1, 2, 1536, 3000, 3072];
    let last = 0;
    for (const cut of cuts) {
      expect(reader.push(stream.subarray(last, cut))).toBeUndefined();
      last = cut;
    }
    const done = reader.push(stream.subarray(last));
    expect(done?.s0s1s2).toEqual(reply);
    expect(done?.rest).toEqual(after);
    expect(parseS0S1S2(done?.s0s1s2 ?? Buffer.alloc(0), c1).s2EchoesC1).toBe(true);
  });

  it('returns an empty rest when the reply ends with S2', () => {
    const done = new HandshakeReader().push(serverReply(c1));
    expect(done?.rest.length).toBe(0);
  });

  it('fails on the first byte from a web server, saying so', () => {
    const reader = new HandshakeReader();
    const err = thrown(() => reader.push(Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n')));
    expect(err).toBeInstanceOf(HandshakeError);
    expect((err as HandshakeError).message).toMatch(/does not speak RTMP.*web server/);
  });

  it('fails as soon as a single non-RTMP byte arrives', () => {
    expect(() => new HandshakeReader().push(Buffer.from([6]))).toThrow(/version 6/);
  });

  it('points at rtmps:// when a TLS server answers with an alert', () => {
    expect(() => new HandshakeReader().push(Buffer.from('15030100020246', 'hex'))).toThrow(/rtmps:\/\//);
  });

  it('ignores empty reads', () => {
    const reader = new HandshakeReader();
    expect(reader.push(Buffer.alloc(0))).toBeUndefined();
    expect(reader.push(serverReply(c1))?.s0s1s2.length).toBe(3073);
  });
});
