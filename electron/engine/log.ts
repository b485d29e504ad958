/**
 * Logging with stream keys redacted. Keys are registered as secrets as soon as they are parsed, and
 * every line written through a Logger, every error message shown and every argv printed goes through
 * `redact`, so a key can only leak if it is never registered.
 */
const secrets = new Set<string>();
/** Longest first: a key that contains another must be hidden whole, not around the shorter one. */
let secretsLongestFirst: string[] = [];

/** Keys shorter than this are not registered: redacting "a" or "live" would mangle every line. */
const MIN_SECRET_LENGTH = 4;

export function registerSecret(secret: string): void {
  if (secret.length < MIN_SECRET_LENGTH || secrets.has(secret)) return;
  secrets.add(secret);
  // The key often travels URL-encoded (in a tcUrl or a query string) as well as raw.
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) secrets.add(encoded);
  secretsLongestFirst = [...secrets].sort((a, b) => b.length - a.length);
}

export const REDACTED = '<redacted>';

export function redact(text: string): string {
  let out = text;
  for (const secret of secretsLongestFirst) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LogSink {
  (level: LogLevel, scope: string, message: string): void;
}

let sink: LogSink = (level, scope, message) => {
  if (LEVELS[level] < LEVELS[minLevel]) return;
  process.stderr.write(`[${level}] ${scope}: ${message}\n`);
};
let minLevel: LogLevel = (process.env.UPLINK_LOG as LogLevel | undefined) ?? 'warn';

export function setLogSink(next: LogSink, level: LogLevel = minLevel): void {
  sink = next;
  minLevel = level;
}

function isLogLevelEnabled(level: LogLevel): boolean {
  return LEVELS[level] >= LEVELS[minLevel];
}

export class Logger {
  constructor(private readonly scope: string) {}

  debug(message: string): void {
    this.write('debug', message);
  }
  info(message: string): void {
    this.write('info', message);
  }
  warn(message: string): void {
    this.write('warn', message);
  }
  error(message: string): void {
    this.write('error', message);
  }

  private write(level: LogLevel, message: string): void {
    if (!isLogLevelEnabled(level)) return;
    sink(level, this.scope, redact(message));
  }
}
