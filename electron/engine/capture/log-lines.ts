/**
 * FFmpeg prefixes each log line with its context, `[dshow @ 000001f2a1b2c3d0] ` on Windows,
 * `[AVFoundation indev @ 0x7f8b1c704ac0] ` on macOS, `[in#0 @ 0x55d0c6f0f540] ` in recent builds; the
 * context's name changed across versions, so parsers see lines without it.
 */
const CONTEXT_PREFIX = /^\[[^\]\r\n]*? @ (?:0x)?[0-9a-fA-F]+\] ?/;

export function logLines(text: string): string[] {
  return text.split(/\r?\n|\r/).map((line) => line.replace(CONTEXT_PREFIX, ''));
}

/** A number as FFmpeg prints it with %g or %f (`30`, `29.97`, `30.000030`, `1e+07`); undefined if not finite. */
export function parseNumber(text: string): number | undefined {
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
