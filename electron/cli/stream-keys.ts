/**
 * Stream keys from where `ps` and shell history cannot see them: a file (--key-file) or an environment
 * variable (--key-env, UPLINK_STREAM_KEY). Each key is registered as a secret the moment it is read, and
 * no message here ever quotes a key, nor an argument that may be one typed in the wrong place.
 */
import { readFileSync, statSync } from 'node:fs';
import { UplinkError } from '../engine/errors.js';
import { registerSecret } from '../engine/log.js';

/** One key option as it was given, in command-line order across --key, --key-file and --key-env. */
export interface KeySource {
  kind: 'key' | 'file' | 'env';
  value: string;
}

/** The key of the one --to that needs a key, when no key option is given. */
export const STREAM_KEY_ENV = 'UPLINK_STREAM_KEY';

/** A key with a query string (Facebook's) is a few hundred bytes: a bigger file is some other file. */
const MAX_KEY_FILE_BYTES = 16 * 1024;

/** The keys, in the order given, each trimmed; throws one line for the first that cannot be read. */
export function readStreamKeys(sources: readonly KeySource[], env: NodeJS.ProcessEnv): string[] {
  return sources.map((source, index) => {
    const key = source.kind === 'file' ? keyFromFile(source.value, index) : source.kind === 'env' ? keyFromEnv(source.value, env, index) : source.value;
    registerSecret(key);
    return key;
  });
}

function ordinal(index: number): string {
  const n = index + 1;
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** `--key-file live_123_abc` is a key typed after the wrong option: a path has a dot or a separator. */
function mayBeAKey(argument: string): boolean {
  return !/[./\\]/.test(argument);
}

function keyFromFile(file: string, index: number): string {
  const fail = (problem: string, fix: string): never => {
    const what = mayBeAKey(file) ? `the file of the ${ordinal(index)} stream key` : file;
    throw new UplinkError('KEY_FILE_UNREADABLE', `--key-file: ${what} ${problem}: ${fix}`);
  };
  const fix = 'give --key-file the path of a file that holds only the stream key';
  let text: string;
  try {
    const stats = statSync(file);
    if (stats.isDirectory()) fail('is a folder', fix);
    if (stats.size > MAX_KEY_FILE_BYTES) fail(`is not a stream key file (${stats.size} bytes)`, fix);
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof UplinkError) throw err;
    const code = (err as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return fail('does not exist', fix);
    if (code === 'EACCES' || code === 'EPERM') return fail('cannot be read (permission denied)', 'make it readable by your user (chmod 600 is enough)');
    return fail(`cannot be read (${String(code ?? err)})`, fix);
  }
  const key = text.trim();
  if (key === '') fail('is empty', 'put the stream key in it');
  if (/[\r\n]/.test(key)) fail('holds more than one line', 'put only the stream key in it, one file per --to');
  return key;
}

function keyFromEnv(name: string, env: NodeJS.ProcessEnv, index: number): string {
  const key = env[name]?.trim() ?? '';
  if (key !== '') return key;
  // Variable names are written in capitals; anything else may be the key itself, typed after --key-env.
  const what = /^[A-Z_][A-Z0-9_]*$/.test(name) ? `the environment variable ${name}` : `the environment variable of the ${ordinal(index)} stream key`;
  const example = /^[A-Z_][A-Z0-9_]*$/.test(name) ? name : 'NAME';
  throw new UplinkError('KEY_ENV_UNSET', `--key-env: ${what} is not set or empty: set it first (export ${example}=YOUR_KEY) and give --key-env its name, not the key`);
}
