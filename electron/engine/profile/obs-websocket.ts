/**
 * The obs-websocket setting a profile keeps: on or off (off until the streamer turns it on) and its port.
 * The password is a secret: it lives in the studio's secret store (safeStorage in the desktop app), never
 * in settings.json, and one is made the first time it is needed.
 */
import { randomBytes } from 'node:crypto';
import * as v from 'valibot';

export interface ObsWebSocketSetting {
  enabled: boolean;
  port: number;
}

/** OBS's own port: clients try it first. */
export const DEFAULT_OBS_WEBSOCKET: ObsWebSocketSetting = { enabled: false, port: 4455 };

/** Where the password is kept in the secret store. */
export const OBS_WEBSOCKET_PASSWORD_REF = 'obs-websocket:password';

export const SavedObsWebSocketSchema = v.object({ enabled: v.boolean(), port: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535)) });

/** 16 letters and digits (no 0/O, 1/l/I): about 93 bits, and easy to type into a Stream Deck plugin. */
export function generateObsPassword(length = 16): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  // Bytes past the largest multiple of the alphabet's size are skipped, so every letter is equally likely.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}
