import { describe, expect, it } from 'vitest';
import { destinationsFromOptions, targetsFromOptions } from '../../electron/cli/context.js';
import { redact } from '../../electron/engine/log.js';

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
    expect(() => targetsFromOptions(['rtmp://a/live', 'rtmp://b/live'], ['key-1111'])).toThrow(/one key \(--key, --key-file or --key-env\) per --to/);
  });

  it('takes a service name for its default ingest, with the --key of the same rank', () => {
    const [twitch, youtube] = destinationsFromOptions(['twitch', 'youtube'], ['live_123_abc', 'abcd-efgh']);
    expect(twitch?.service?.id).toBe('twitch');
    expect(twitch?.target).toMatchObject({ protocol: 'rtmps', streamKey: 'live_123_abc' });
    expect(youtube?.target).toMatchObject({ protocol: 'rtmps', app: 'live2', streamKey: 'abcd-efgh' });
    expect(destinationsFromOptions(['rtmp://a/live/key-aaaa'])[0]?.service).toBeUndefined();
  });

  it('asks for the key of a service named without one', () => {
    expect(() => destinationsFromOptions(['kick'])).toThrow(/--to kick needs its stream key: add --key-file FILE, --key-env NAME or --key KEY/);
  });

  it('with a key in the URL and a --key, publishes with --key and never prints the key of the URL', () => {
    // Both are the streamer's secrets: which one is right, only the server can say.
    const [target] = targetsFromOptions(['rtmp://a/live/live_111_keyInTheUrl'], ['live_222_keyOption']);
    expect(target?.streamKey).toBe('live_222_keyOption');
    expect(target?.display).toBe('rtmp://a/live/<redacted>/<redacted>');
    expect(redact(`publishing to app ${target?.app ?? ''}`)).toBe('publishing to app live/<redacted>');
  });
});
