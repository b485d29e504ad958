import { describe, expect, it } from 'vitest';
import { targetsFromOptions } from '../../electron/cli/context.js';

describe('pairing --to and --key', () => {
  it('reads keys from the URLs when no --key is given', () => {
    const targets = targetsFromOptions(['rtmp://a/live/key-aaaa', 'rtmps://b/app/inst/key-bbbb'], []);
    expect(targets.map((t) => [t.app, t.streamKey])).toEqual([
      ['live', 'key-aaaa'],
      ['app/inst', 'key-bbbb'],
    ]);
  });

  it('gives each server URL the --key of the same rank', () => {
    const targets = targetsFromOptions(['rtmp://a/app/instance', 'rtmps://b/live2'], ['key-1111', 'key-2222']);
    expect(targets.map((t) => [t.app, t.streamKey])).toEqual([
      ['app/instance', 'key-1111'],
      ['live2', 'key-2222'],
    ]);
  });

  it('refuses a count mismatch', () => {
    expect(() => targetsFromOptions(['rtmp://a/live', 'rtmp://b/live'], ['key-1111'])).toThrow(/one --key per --to/);
  });
});
