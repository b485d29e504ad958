/**
 * The two encodings a client picks with its WebSocket subprotocol: `obswebsocket.json` (JSON in text
 * frames, the default when a client offers none) and `obswebsocket.msgpack` (MessagePack in binary
 * frames, what obs-websocket-js uses under Node). A frame of the other kind is a decode error, as the
 * protocol says.
 */
import { decode, encode } from '@msgpack/msgpack';
import { type Encoding, SUBPROTOCOL_JSON, SUBPROTOCOL_MSGPACK } from './protocol.js';

/** The subprotocol to answer with: the first one offered that Uplink speaks; none means JSON without a header. */
export function chooseSubprotocol(offered: ReadonlySet<string>): string | false {
  for (const protocol of offered) if (protocol === SUBPROTOCOL_JSON || protocol === SUBPROTOCOL_MSGPACK) return protocol;
  return false;
}

export function encodingOf(subprotocol: string): Encoding {
  return subprotocol === SUBPROTOCOL_MSGPACK ? 'msgpack' : 'json';
}

export function encodeMessage(message: unknown, encoding: Encoding): string | Uint8Array {
  // Fields left undefined are left out, as JSON.stringify does, so both encodings carry the same keys.
  return encoding === 'json' ? JSON.stringify(message) : encode(message, { ignoreUndefined: true });
}

export type Decoded = { ok: true; value: unknown } | { ok: false; reason: string };

export function decodeMessage(data: Buffer, isBinary: boolean, encoding: Encoding): Decoded {
  if (encoding === 'json') {
    if (isBinary) return { ok: false, reason: 'a binary frame on obswebsocket.json: send JSON as text' };
    try {
      return { ok: true, value: JSON.parse(data.toString('utf8')) };
    } catch {
      return { ok: false, reason: 'the message is not valid JSON' };
    }
  }
  if (!isBinary) return { ok: false, reason: 'a text frame on obswebsocket.msgpack: send MessagePack as binary' };
  try {
    return { ok: true, value: decode(data) };
  } catch {
    return { ok: false, reason: 'the message is not valid MessagePack' };
  }
}
