import { redact } from './log.js';

/**
 * Every failure a streamer can meet becomes an UplinkError: a stable `code` for programs and a one-line
 * `message` for people that says what happened and what to do. Messages never contain stream keys:
 * they often quote what a server said, and a server may echo the key, so the message is redacted here,
 * once, before `stack` is captured, rather than by every caller that builds or prints one.
 */
export class UplinkError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(redact(message), options);
    this.name = new.target.name;
    this.code = code;
  }

  /** `message` is not an own enumerable property of an Error: without this, JSON would carry only the code. */
  toJSON(): { name: string; code: string; message: string } {
    return { name: this.name, code: this.code, message: redact(this.message) };
  }
}

/** Bytes that could not be parsed. `offset` is the position of the problem in the input stream. */
export class ParseError extends UplinkError {
  readonly offset: number;

  constructor(code: string, message: string, offset: number) {
    super(code, `${message} (at byte ${offset})`);
    this.offset = offset;
  }
}

/** The message of anything thrown, redacted: it may be a socket's, a child process's or a server's text. */
export function errorMessage(err: unknown): string {
  return redact(err instanceof Error ? err.message : String(err));
}

/** `err` as an UplinkError: itself when it is one, else wrapped with `code` and its message. */
export function asUplinkError(err: unknown, code: string): UplinkError {
  return err instanceof UplinkError ? err : new UplinkError(code, errorMessage(err), { cause: err });
}
