/**
 * obs-websocket's challenge-response authentication: the server sends a salt and a challenge in Hello,
 * the client answers base64(sha256(base64(sha256(password + salt)) + challenge)). The password itself
 * never crosses the wire, and a fresh challenge per connection makes an answer useless for the next one.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface Challenge {
  salt: string;
  challenge: string;
}

function sha256Base64(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64');
}

/** What the server keeps in place of the password: base64(sha256(password + salt)). */
export function authSecret(password: string, salt: string): string {
  return sha256Base64(password + salt);
}

/** The string a client must send in Identify for this secret and challenge. */
export function authResponse(secret: string, challenge: string): string {
  return sha256Base64(secret + challenge);
}

/** 32 random bytes in base64, as OBS makes its salts and challenges. */
export function randomToken(): string {
  return randomBytes(32).toString('base64');
}

/** Compared as hashes, in constant time: neither the content nor the length of the answer leaks by timing. */
export function sameAnswer(given: string, expected: string): boolean {
  const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
