import { describe, expect, it } from 'vitest';
import { redact } from '../../electron/engine/log.js';
import { hostAndPort, parseRtmpUrl } from '../../electron/engine/rtmp/url.js';

describe('parseRtmpUrl', () => {
  it('splits app and key, with the default port', () => {
    const t = parseRtmpUrl('rtmp://live.twitch.tv/app/live_123_abcDEF');
    expect(t).toMatchObject({ protocol: 'rtmp', host: 'live.twitch.tv', port: 1935, app: 'app', streamKey: 'live_123_abcDEF' });
    expect(t.tcUrl).toBe('rtmp://live.twitch.tv/app');
    expect(t.display).toBe('rtmp://live.twitch.tv/app/<redacted>');
  });

  it('keeps an instance in the app and an explicit port', () => {
    const t = parseRtmpUrl('rtmp://127.0.0.1:19350/app/instance/key-1234');
    expect(t).toMatchObject({ host: '127.0.0.1', port: 19350, app: 'app/instance', streamKey: 'key-1234' });
    expect(t.tcUrl).toBe('rtmp://127.0.0.1:19350/app/instance');
  });

  it('uses 443 for rtmps and keeps a Facebook key with its query string verbatim', () => {
    const key = 'FB-1234567890-0-AbCdEf?s_bl=1&s_psm=1&s_sc=1234&s_sw=0&s_vt=api-s&a=AbxyZ';
    const t = parseRtmpUrl(`rtmps://live-api-s.facebook.com:443/rtmp/${key}`);
    expect(t).toMatchObject({ protocol: 'rtmps', port: 443, app: 'rtmp', streamKey: key });
    expect(t.tcUrl).toBe('rtmps://live-api-s.facebook.com/rtmp');
  });

  it('takes the key apart from the server URL, as services hand it out', () => {
    const t = parseRtmpUrl('rtmps://a.rtmps.youtube.com/live2/', 'abcd-efgh-ijkl-mnop');
    expect(t).toMatchObject({ app: 'live2', streamKey: 'abcd-efgh-ijkl-mnop', port: 443 });
    expect(parseRtmpUrl('rtmp://host/app/instance', 'k3y-value').app).toBe('app/instance');
  });

  it('accepts IPv6 literals', () => {
    const t = parseRtmpUrl('rtmp://[::1]:1936/live/streamkey');
    expect(t).toMatchObject({ host: '::1', port: 1936, app: 'live', streamKey: 'streamkey' });
    expect(t.tcUrl).toBe('rtmp://[::1]:1936/live');
    expect(parseRtmpUrl('rtmp://[2001:db8::1]/live/streamkey').port).toBe(1935);
  });

  it('prints IPv6 hosts in brackets, in the display and in host:port', () => {
    const t = parseRtmpUrl('rtmp://[::1]:1936/live/streamkey-ipv6');
    expect(t.display).toBe('rtmp://[::1]:1936/live/<redacted>');
    expect(hostAndPort(t)).toBe('[::1]:1936');
    expect(hostAndPort(parseRtmpUrl('rtmp://127.0.0.1/live/streamkey-ipv4'))).toBe('127.0.0.1:1935');
  });

  it('keeps credentials in the query string of the app secret, and the key after them', () => {
    const t = parseRtmpUrl('rtmp://host/app?user=alice&pass=s3cret-pass/THE-KEY-123');
    expect(t).toMatchObject({ app: 'app?user=alice&pass=s3cret-pass', streamKey: 'THE-KEY-123' });
    expect(t.tcUrl).toBe('rtmp://host/app?user=alice&pass=s3cret-pass');
    expect(t.display).toBe('rtmp://host/app?user=<redacted>&pass=<redacted>/<redacted>');
    expect(redact(`connect ${t.tcUrl}`)).toBe('connect rtmp://host/app?user=alice&pass=<redacted>');
  });

  it.each(['token', 'key', 'password', 'secret', 'auth', 'sign', 'wsSecret', 'txSecret', 'auth_key'])('treats ?%s= as a secret', (name) => {
    const value = `value-of-${name}-987`;
    const t = parseRtmpUrl(`rtmp://host/live?vhost=main&${name}=${value}`, 'apart-key-1');
    expect(t.display).toBe(`rtmp://host/live?vhost=main&${name}=<redacted>/<redacted>`);
    expect(redact(`x ${value} x`)).toBe('x <redacted> x');
  });

  it('keeps a query-string credential secret in its decoded form too', () => {
    parseRtmpUrl('rtmp://host/live?token=a%2Fb%3Dc-encoded/the-key-12');
    expect(redact('token a/b=c-encoded')).toBe('token <redacted>');
  });

  it('with --key given apart, keeps a key pasted at the end of the server URL secret', () => {
    const t = parseRtmpUrl('rtmp://host/live/live_111_pastedKeyToo', 'live_222_theOtherKey');
    expect(t).toMatchObject({ app: 'live/live_111_pastedKeyToo', streamKey: 'live_222_theOtherKey' });
    expect(t.display).toBe('rtmp://host/live/<redacted>/<redacted>');
    expect(redact('app live/live_111_pastedKeyToo')).toBe('app live/<redacted>');
    // A short instance name is an instance: it stays readable.
    expect(parseRtmpUrl('rtmp://host/app/_definst_', 'some-key-333').display).toBe('rtmp://host/app/_definst_/<redacted>');
  });

  it('hides the longer of two keys whole when one contains the other', () => {
    parseRtmpUrl('rtmp://h/app/nested-key');
    parseRtmpUrl('rtmp://h/app/nested-key-and-more');
    expect(redact('nested-key-and-more')).toBe('<redacted>');
  });

  it('registers the key so that logs redact it, raw and URL-encoded', () => {
    parseRtmpUrl('rtmp://h/app/sekret key+1');
    expect(redact('publish sekret key+1 and sekret%20key%2B1')).toBe('publish <redacted> and <redacted>');
  });

  it.each([
    ['http://example.com/app/key', /rtmp:\/\/ or rtmps:\/\//],
    ['example.com/app/key', /must start with rtmp/],
    ['rtmp://example.com/onlyonesegment', /needs an application and a stream key/],
    ['rtmp://example.com:99999/app/key', /not a valid port/],
    ['rtmp://[::1/app/key', /missing "\]"/],
    ['rtmp://user:pw@host/app/key', /no user name or password/],
    ['rtmp:///app/key', /no valid host/],
  ])('refuses %s with a clear message', (url, message) => {
    expect(() => parseRtmpUrl(url)).toThrow(message);
  });

  it('never echoes what may be a key in its errors', () => {
    try {
      parseRtmpUrl('rtmp://example.com/live_987654321_secretsecret');
      expect.unreachable();
    } catch (err) {
      expect(String(err)).not.toContain('secretsecret');
    }
  });
});
