import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { beforeAll, describe, expect, it } from 'vitest';
import { type DestinationOptions, addDestinationOptions, destinationsFromOptions } from '../../electron/cli/context.js';
import { readStreamKeys } from '../../electron/cli/stream-keys.js';
import { UplinkError } from '../../electron/engine/errors.js';
import { redact } from '../../electron/engine/log.js';
import { tmpDir } from '../helpers/fixtures.js';
import { thrown } from '../helpers/wait.js';

let dir: string;
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

beforeAll(() => {
  dir = tmpDir('stream-keys');
});

/** What the command's action would get, parsed by the real option definitions. */
async function parsedOptions(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<DestinationOptions> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let got: DestinationOptions | undefined;
    const program = new Command('uplink').exitOverride();
    addDestinationOptions(program.command('publish')).action((options: DestinationOptions) => {
      got = options;
    });
    await program.parseAsync(['publish', ...argv], { from: 'user' });
    return got!;
  } finally {
    for (const name of Object.keys(env)) if (!(name in saved)) delete process.env[name];
  }
}

function uplinkError(fn: () => unknown): UplinkError {
  const err = thrown(fn);
  expect(err).toBeInstanceOf(UplinkError);
  return err as UplinkError;
}

describe('--key-file', () => {
  it('reads the key, trimmed, and keeps it secret', () => {
    const [key] = readStreamKeys([{ kind: 'file', value: file('twitch.key', '  live_1_fromAFile \n') }], {});
    expect(key).toBe('live_1_fromAFile');
    expect(redact('x live_1_fromAFile x')).toBe('x <redacted> x');
  });

  it.each([
    ['missing', () => join(dir, 'nothing.key'), /--key-file: .*nothing\.key does not exist: give --key-file the path/],
    ['empty', () => file('empty.key', ' \n'), /empty\.key is empty: put the stream key in it/],
    ['a folder', () => dir, /is a folder/],
    ['two lines', () => file('two.key', 'key-one-1\nkey-two-2\n'), /holds more than one line/],
    ['too big', () => file('big.key', 'x'.repeat(20_000)), /is not a stream key file \(20000 bytes\)/],
  ])('says in one line when the file is %s', (_what, path, message) => {
    const err = uplinkError(() => readStreamKeys([{ kind: 'file', value: path() }], {}));
    expect(err.code).toBe('KEY_FILE_UNREADABLE');
    expect(err.message).toMatch(message);
    expect(err.message.split('\n')).toHaveLength(1);
  });

  it.runIf(process.getuid?.() !== 0)('says when the file cannot be read', () => {
    const path = file('locked.key', 'locked-key-1');
    chmodSync(path, 0o000);
    expect(uplinkError(() => readStreamKeys([{ kind: 'file', value: path }], {})).message).toMatch(/permission denied/);
  });

  it('never echoes a key typed after --key-file instead of a path', () => {
    const err = uplinkError(() => readStreamKeys([{ kind: 'file', value: 'live_2_typedInPlace' }], {}));
    expect(err.message).not.toContain('live_2_typedInPlace');
    expect(err.message).toContain('the file of the 1st stream key does not exist');
  });
});

describe('--key-env', () => {
  it('reads the key from the named variable, trimmed', () => {
    expect(readStreamKeys([{ kind: 'env', value: 'TWITCH_KEY' }], { TWITCH_KEY: ' live_3_fromEnv\n' })).toEqual(['live_3_fromEnv']);
  });

  it('names an unset variable, but never what may be a key given in its place', () => {
    expect(uplinkError(() => readStreamKeys([{ kind: 'env', value: 'YT_KEY' }], {})).message).toMatch(/the environment variable YT_KEY is not set or empty/);
    const err = uplinkError(() => readStreamKeys([{ kind: 'key', value: 'k-1-abc' }, { kind: 'env', value: 'live_4_typedInPlace' }], {}));
    expect(err.code).toBe('KEY_ENV_UNSET');
    expect(err.message).not.toContain('live_4_typedInPlace');
    expect(err.message).toContain('the 2nd stream key');
  });
});

describe('the key options of stream and publish', () => {
  it('mix in command-line order and pair with --to by rank', async () => {
    const options = await parsedOptions(
      ['--to', 'twitch', '--key-file', file('a.key', 'live_5_fileKey'), '--to', 'rtmp://h/live', '--key', 'plainKey-6', '--to', 'youtube', '--key-env', 'YT'],
      { YT: 'abcd-7777-yt' },
    );
    expect(options.key).toEqual(['live_5_fileKey', 'plainKey-6', 'abcd-7777-yt']);
    const targets = destinationsFromOptions(options.to, options.key).map((d) => d.target.streamKey);
    expect(targets).toEqual(['live_5_fileKey', 'plainKey-6', 'abcd-7777-yt']);
  });

  it('leave --key alone when only --key is given', async () => {
    expect((await parsedOptions(['--to', 'rtmp://h/live', '--key', 'only-key-8'])).key).toEqual(['only-key-8']);
  });

  it('are listed in --help', () => {
    const help = addDestinationOptions(new Command('publish')).helpInformation();
    expect(help).toContain('--key-file <file>');
    expect(help).toContain('--key-env <name>');
  });
});

describe('UPLINK_STREAM_KEY', () => {
  it('is the key of the one --to that has none, when no key option is given', () => {
    const env = { UPLINK_STREAM_KEY: ' live_9_envKey ' };
    const targets = destinationsFromOptions(['rtmp://a/live/own-key-10', 'twitch'], [], env).map((d) => d.target.streamKey);
    expect(targets).toEqual(['own-key-10', 'live_9_envKey']);
    expect(destinationsFromOptions(['rtmp://b/live2'], [], env)[0]?.target).toMatchObject({ app: 'live2', streamKey: 'live_9_envKey' });
    expect(redact('live_9_envKey')).toBe('<redacted>');
  });

  it('is not used when key options are given, nor when every URL has its key', () => {
    const env = { UPLINK_STREAM_KEY: 'live_11_unused' };
    expect(destinationsFromOptions(['rtmp://b/live2'], ['given-key-12'], env)[0]?.target.streamKey).toBe('given-key-12');
    expect(destinationsFromOptions(['rtmp://b/live/in-url-13'], [], env)[0]?.target.streamKey).toBe('in-url-13');
  });

  it('refuses to guess when several --to need a key', () => {
    const err = uplinkError(() => destinationsFromOptions(['twitch', 'youtube'], [], { UPLINK_STREAM_KEY: 'live_14_oneKey' }));
    expect(err.message).toBe('UPLINK_STREAM_KEY is one key but 2 --to need one: give one key per --to with --key-file or --key-env');
  });
});

describe('the same destination twice', () => {
  it('is refused in one line, without the key', () => {
    const err = uplinkError(() => destinationsFromOptions(['rtmp://Host/live/dup-key-15', 'rtmp://other/live/x-key-16', 'rtmp://host:1935/live/dup-key-15']));
    expect(err.code).toBe('DUPLICATE_DESTINATION');
    expect(err.message).toBe('--to rtmp://host/live/<redacted> is given twice (1 and 3): give each destination once');
  });

  it('is refused when written as a server URL plus key and as a full URL', () => {
    expect(() => destinationsFromOptions(['rtmp://h/live', 'rtmp://h/live'], ['dup-key-17', 'dup-key-17'])).toThrow(/given twice/);
  });

  it('is not a different key on the same server', () => {
    expect(destinationsFromOptions(['rtmp://h/live/key-a-18', 'rtmp://h/live/key-b-19'])).toHaveLength(2);
  });
});
