import { encode } from '@msgpack/msgpack';
import { describe, expect, it } from 'vitest';
import { authResponse, authSecret, randomToken, sameAnswer } from '../../electron/remote/obs/auth.js';
import { chooseSubprotocol, decodeMessage, encodeMessage } from '../../electron/remote/obs/codec.js';
import { CloseCode, EventSubscription, closeReason, parseClientMessage, subscribed } from '../../electron/remote/obs/protocol.js';

describe('obs-websocket authentication', () => {
  it('answers the challenge as obs-websocket-js computes it', () => {
    // protocol.md's example salt and challenge; the answer as obs-websocket-js 5.0.8 (crypto-js) gives it.
    const salt = 'lM1GncleQOaCu9lT1yeUZhFYnqhsLLP1G5lAGo3ixaI=';
    const challenge = '+IxH4CnCiqpX1rM9scsNynZzbOe4KhDeYcTNS3PDaeY=';
    const theirs = '1Ct943GAT+6YQUUX47Ia/ncufilbe6+oD6lY+5kaCu4=';
    expect(authResponse(authSecret('supersecretpassword', salt), challenge)).toBe(theirs);
    expect(sameAnswer(theirs, authResponse(authSecret('supersecretpassworD', salt), challenge))).toBe(false);
    expect(sameAnswer(theirs, theirs)).toBe(true);
  });

  it('makes a new salt or challenge each time: 32 random bytes', () => {
    const a = randomToken();
    expect(Buffer.from(a, 'base64')).toHaveLength(32);
    expect(randomToken()).not.toBe(a);
  });
});

describe('obs-websocket client messages', () => {
  const closes = (value: unknown): [number, string] | 'ok' => {
    const parsed = parseClientMessage(value);
    return parsed.ok ? 'ok' : [parsed.code, parsed.reason];
  };

  it('takes the four ops a client sends, with their defaults', () => {
    expect(parseClientMessage({ op: 1, d: { rpcVersion: 1 } })).toEqual({ ok: true, message: { op: 1, d: { rpcVersion: 1 } } });
    expect(parseClientMessage({ op: 3, d: { eventSubscriptions: 65536 } })).toEqual({ ok: true, message: { op: 3, d: { eventSubscriptions: 65536 } } });
    expect(parseClientMessage({ op: 6, d: { requestType: 'GetVersion', requestId: 'a', requestData: { x: 1 } } })).toEqual({
      ok: true,
      message: { op: 6, d: { requestType: 'GetVersion', requestId: 'a', requestData: { x: 1 } } },
    });
    expect(parseClientMessage({ op: 8, d: { requestId: 'b', requests: [{ requestType: 'GetVersion' }, { requestId: 'x' }, 7] } })).toEqual({
      ok: true,
      message: {
        op: 8,
        d: {
          requestId: 'b',
          haltOnFailure: false,
          executionType: 0,
          requests: [{ requestType: 'GetVersion' }, { invalid: 'the request has no `requestType`', requestId: 'x' }, { invalid: 'a batch request must be an object' }],
        },
      },
    });
  });

  it('gives each bad message the protocol close code and a one-line reason', () => {
    expect(closes('text')).toEqual([CloseCode.MessageDecodeError, 'a message must be an object with `op` and `d`']);
    expect(closes([1, 2])).toEqual([CloseCode.MessageDecodeError, expect.any(String)]);
    expect(closes({ d: {} })).toEqual([CloseCode.UnknownOpCode, 'the message is missing `op`']);
    expect(closes({ op: '1', d: {} })).toEqual([CloseCode.InvalidDataFieldType, "the message's `op` is not a number"]);
    expect(closes({ op: 4, d: {} })).toEqual([CloseCode.UnknownOpCode, 'unknown op 4']);
    expect(closes({ op: 0, d: {} })).toEqual([CloseCode.UnknownOpCode, 'unknown op 0']);
    expect(closes({ op: 1 })).toEqual([CloseCode.MissingDataField, 'the message is missing its data `d`']);
    expect(closes({ op: 1, d: 'x' })).toEqual([CloseCode.InvalidDataFieldType, "the message's data `d` is not an object"]);
    expect(closes({ op: 1, d: {} })).toEqual([CloseCode.MissingDataField, 'Identify is missing `rpcVersion`']);
    expect(closes({ op: 1, d: { rpcVersion: '1' } })).toEqual([CloseCode.InvalidDataFieldType, expect.stringContaining("Identify's `rpcVersion` has the wrong type")]);
    expect(closes({ op: 1, d: { rpcVersion: 1.5 } })).toEqual([CloseCode.InvalidDataFieldValue, expect.stringContaining("Identify's `rpcVersion` has a bad value")]);
    expect(closes({ op: 1, d: { rpcVersion: 1, eventSubscriptions: -1 } })).toEqual([CloseCode.InvalidDataFieldValue, expect.any(String)]);
    expect(closes({ op: 6, d: { requestType: 'GetVersion' } })).toEqual([CloseCode.MissingDataField, 'Request is missing `requestId`']);
    expect(closes({ op: 8, d: { requestId: 'a', requests: {} } })).toEqual([CloseCode.InvalidDataFieldType, expect.stringContaining('`requests`')]);
    expect(closes({ op: 8, d: { requestId: 'a', requests: [], executionType: 5 } })).toEqual([CloseCode.InvalidDataFieldValue, expect.stringContaining('`executionType`')]);
    expect(closes({ 'request-type': 'GetVersion', 'message-id': '1' })).toEqual([CloseCode.UnsupportedRpcVersion, expect.stringContaining('obs-websocket 4')]);
  });

  it('keeps a close reason to one line that fits a close frame', () => {
    expect(closeReason('a\nb   c')).toBe('a b c');
    const long = closeReason('é'.repeat(200));
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(123);
    expect(long.endsWith('...')).toBe(true);
  });

  it('leaves the high-volume events to clients that name them', () => {
    expect(subscribed(EventSubscription.All, EventSubscription.Scenes)).toBe(true);
    expect(subscribed(EventSubscription.All, EventSubscription.InputVolumeMeters)).toBe(false);
    expect(subscribed(EventSubscription.All | EventSubscription.InputVolumeMeters, EventSubscription.InputVolumeMeters)).toBe(true);
    expect(subscribed(EventSubscription.None, EventSubscription.General)).toBe(false);
  });
});

describe('obs-websocket encodings', () => {
  it('answers with the first subprotocol offered that it speaks, JSON without a header when none', () => {
    expect(chooseSubprotocol(new Set(['obswebsocket.msgpack', 'obswebsocket.json']))).toBe('obswebsocket.msgpack');
    expect(chooseSubprotocol(new Set(['chat', 'obswebsocket.json']))).toBe('obswebsocket.json');
    expect(chooseSubprotocol(new Set())).toBe(false);
  });

  it('decodes JSON from text and MessagePack from binary frames, and refuses the other kind', () => {
    const message = { op: 1, d: { rpcVersion: 1 } };
    expect(decodeMessage(Buffer.from(JSON.stringify(message)), false, 'json')).toEqual({ ok: true, value: message });
    expect(decodeMessage(Buffer.from(encode(message)), true, 'msgpack')).toEqual({ ok: true, value: message });
    expect(decodeMessage(Buffer.from('{nope'), false, 'json')).toEqual({ ok: false, reason: 'the message is not valid JSON' });
    expect(decodeMessage(Buffer.from([0xc1]), true, 'msgpack')).toEqual({ ok: false, reason: 'the message is not valid MessagePack' });
    expect(decodeMessage(Buffer.from('{}'), true, 'json')).toMatchObject({ ok: false, reason: expect.stringContaining('binary frame') });
    expect(decodeMessage(Buffer.from('{}'), false, 'msgpack')).toMatchObject({ ok: false, reason: expect.stringContaining('text frame') });
  });

  it('leaves undefined fields out in both encodings', () => {
    const json = encodeMessage({ op: 5, d: { eventType: 'X', eventData: undefined } }, 'json');
    const packed = encodeMessage({ op: 5, d: { eventType: 'X', eventData: undefined } }, 'msgpack');
    expect(JSON.parse(json as string)).toEqual({ op: 5, d: { eventType: 'X' } });
    expect(decodeMessage(Buffer.from(packed as Uint8Array), true, 'msgpack')).toEqual({ ok: true, value: { op: 5, d: { eventType: 'X' } } });
  });
});
