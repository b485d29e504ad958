/**
 * Every failure a streamer can meet becomes an UplinkError: a stable `code` for programs and a one-line
 * `message` for people that says what happened and what to do. Messages never contain stream keys.
 */
export class UplinkError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
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

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `err` as an UplinkError: itself when it is one, else wrapped with `code` and its message. */
export function asUplinkError(err: unknown, code: string): UplinkError {
  return err instanceof UplinkError ? err : new UplinkError(code, errorMessage(err), { cause: err });
}
