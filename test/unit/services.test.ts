import { describe, expect, it } from 'vitest';
import { UplinkError } from '../../electron/engine/errors.js';
import { parseRtmpUrl } from '../../electron/engine/rtmp/url.js';
import { checkEncodingForService } from '../../electron/engine/services/check.js';
import { getService, listServices, type ServiceId, type ServicePreset } from '../../electron/engine/services/presets.js';
import { targetForService } from '../../electron/engine/services/target.js';
import { DEFAULT_ENCODING, validateEncoding, type EncodingSettingsInput } from '../../electron/engine/settings/encoding.js';

const KEY = 'test-key-1234';
const FACEBOOK_KEY = 'FB-1234567890123456-0-AbCdEfGhIjKlMnOp?s_bl=1&s_psm=1&s_sw=0&s_vt=api-s&a=AbzrMwYf039GtXUN';

function settings(input: EncodingSettingsInput = {}) {
  return validateEncoding(input);
}

function messages(service: ServicePreset, input: EncodingSettingsInput): string[] {
  return checkEncodingForService(settings(input), service).map((warning) => `${warning.setting}: ${warning.message}`);
}

describe('service presets', () => {
  it('lists the five services, custom last, and finds each by id', () => {
    const ids = listServices().map((service) => service.id);
    expect(ids).toEqual(['twitch', 'youtube', 'facebook', 'kick', 'custom']);
    for (const id of ids) expect(getService(id).id).toBe(id);
  });

  it('every server URL parses with parseRtmpUrl and its default server exists', () => {
    for (const service of listServices()) {
      for (const server of service.servers) {
        const target = parseRtmpUrl(server.url, KEY);
        expect(target.streamKey).toBe(KEY);
        expect(target.tcUrl).not.toContain(KEY);
        if (service.rtmpsOnly) expect(target.protocol).toBe('rtmps');
      }
      if (service.id !== 'custom') expect(service.servers.map((server) => server.id)).toContain(service.defaultServer);
    }
  });

  it('every preset but custom carries its limits: keyframes every 2 s, bitrate caps, size and fps', () => {
    for (const service of listServices().filter((candidate) => candidate.id !== 'custom')) {
      expect(service.limits.keyframeIntervalSec).toBe(2);
      expect(service.limits.maxVideoKbps).toBeGreaterThan(2500);
      expect(service.limits.maxAudioKbps).toBeGreaterThanOrEqual(160);
      expect(service.limits.maxFps).toBe(60);
      expect(service.limits.maxWidth).toBeGreaterThanOrEqual(1920);
      expect(service.streamKeyHint).not.toBe('');
    }
  });

  it('Facebook and Kick take RTMPS only; Twitch and YouTube default to it', () => {
    expect(getService('facebook').rtmpsOnly).toBe(true);
    expect(getService('kick').rtmpsOnly).toBe(true);
    expect(targetForService(getService('twitch'), { streamKey: KEY }).protocol).toBe('rtmps');
    expect(targetForService(getService('youtube'), { streamKey: KEY }).protocol).toBe('rtmps');
  });

  it('presets are frozen: one destination cannot change them for the others', () => {
    const twitch = getService('twitch');
    expect(() => {
      (twitch.limits as { maxVideoKbps?: number }).maxVideoKbps = 1;
    }).toThrow(TypeError);
    expect(getService('twitch').limits.maxVideoKbps).toBe(6000);
  });

  it('refuses an unknown service id with the known ones', () => {
    expect(() => getService('mixer' as ServiceId)).toThrow(/Unknown streaming service 'mixer': use one of twitch, youtube/);
  });
});

describe('targetForService', () => {
  it("keeps Facebook's query-string key verbatim and out of the tcUrl", () => {
    const target = targetForService(getService('facebook'), { streamKey: ` ${FACEBOOK_KEY} ` });
    expect(target).toMatchObject({
      protocol: 'rtmps',
      host: 'live-api-s.facebook.com',
      port: 443,
      app: 'rtmp',
      tcUrl: 'rtmps://live-api-s.facebook.com/rtmp',
      streamKey: FACEBOOK_KEY,
    });
    expect(target.display).not.toContain('s_bl');
  });

  it('takes a Facebook stream URL pasted whole, key included', () => {
    const target = targetForService(getService('facebook'), {
      customUrl: `rtmps://live-api-s.facebook.com:443/rtmp/${FACEBOOK_KEY}`,
      streamKey: '',
    });
    expect(target.app).toBe('rtmp');
    expect(target.streamKey).toBe(FACEBOOK_KEY);
  });

  it("reaches YouTube's backup ingest, which is told apart by ?backup=1 on the application", () => {
    const youtube = getService('youtube');
    const primary = targetForService(youtube, { streamKey: KEY });
    const backup = targetForService(youtube, { serverId: 'backup', streamKey: KEY });
    expect(primary.tcUrl).toBe('rtmps://a.rtmps.youtube.com/live2');
    expect(backup).toMatchObject({ host: 'b.rtmps.youtube.com', app: 'live2?backup=1', streamKey: KEY });
    expect(backup.tcUrl).toBe('rtmps://b.rtmps.youtube.com/live2?backup=1');
    expect(targetForService(youtube, { serverId: 'backup-rtmp', streamKey: KEY }).protocol).toBe('rtmp');
  });

  it('refuses rtmp:// for a service that takes RTMPS only, without echoing the key', () => {
    for (const id of ['facebook', 'kick'] as const) {
      const service = getService(id);
      const attempt = (): unknown =>
        targetForService(service, { customUrl: 'rtmp://live-api-s.facebook.com:80/rtmp/', streamKey: 'secret-key-999' });
      expect(attempt).toThrow(UplinkError);
      expect(attempt).toThrow(`${service.name} accepts encrypted RTMPS only: use an rtmps:// server URL`);
      expect(attempt).not.toThrow(/secret-key-999/);
    }
    // The same URL is fine where plain RTMP is allowed.
    expect(targetForService(getService('custom'), { customUrl: 'rtmp://example.com/live', streamKey: KEY }).protocol).toBe('rtmp');
  });

  it('a custom URL overrides the preset servers, e.g. a regional Twitch ingest', () => {
    const target = targetForService(getService('twitch'), { customUrl: 'rtmp://fra05.contribute.live-video.net/app', streamKey: KEY });
    expect(target).toMatchObject({ host: 'fra05.contribute.live-video.net', app: 'app', streamKey: KEY });
  });

  it('custom servers take the key in the URL or apart', () => {
    const custom = getService('custom');
    expect(targetForService(custom, { customUrl: 'rtmp://localhost:1935/live/abcd1234', streamKey: '' }).streamKey).toBe('abcd1234');
    expect(targetForService(custom, { customUrl: 'rtmps://localhost/live', streamKey: KEY })).toMatchObject({ port: 443, app: 'live' });
  });

  it('says what is missing: a key, a custom URL, a known server', () => {
    expect(() => targetForService(getService('twitch'), { streamKey: '  ' })).toThrow(/^Twitch needs a stream key: find it at Twitch Creator Dashboard/);
    expect(() => targetForService(getService('custom'), { streamKey: KEY })).toThrow(expect.objectContaining({ code: 'MISSING_SERVER_URL' }));
    expect(() => targetForService(getService('youtube'), { serverId: 'tertiary', streamKey: KEY })).toThrow(
      "YouTube has no server 'tertiary': choose one of primary, backup, primary-rtmp, backup-rtmp.",
    );
  });
});

describe('checkEncodingForService', () => {
  it('has nothing to say about the defaults (1280x720, 30 fps, 2500 kbit/s, keyframes every 2 s) anywhere', () => {
    expect(DEFAULT_ENCODING).toMatchObject({ width: 1280, height: 720, fps: 30, videoBitrateKbps: 2500, keyframeIntervalSec: 2 });
    for (const service of listServices()) expect(checkEncodingForService(settings(), service)).toEqual([]);
  });

  it('names the video bitrate limit and the value set', () => {
    expect(messages(getService('twitch'), { videoBitrateKbps: 8000 })).toEqual([
      'videoBitrateKbps: Twitch accepts at most 6000 kbit/s of video; 8000 is set',
    ]);
    expect(messages(getService('youtube'), { videoBitrateKbps: 8000 })).toEqual([]);
  });

  it('names the keyframe interval the service expects', () => {
    expect(messages(getService('youtube'), { keyframeIntervalSec: 4 })).toEqual([
      'keyframeIntervalSec: YouTube expects a keyframe every 2 s; 4 s is set',
    ]);
  });

  it('names the audio bitrate limit', () => {
    expect(messages(getService('kick'), { audioBitrateKbps: 192 })).toEqual([
      'audioBitrateKbps: Kick accepts at most 160 kbit/s of audio; 192 is set',
    ]);
    expect(messages(getService('facebook'), { audioBitrateKbps: 320 })).toEqual([
      'audioBitrateKbps: Facebook Live accepts at most 256 kbit/s of audio; 320 is set',
    ]);
  });

  it('names the accepted H.264 profiles', () => {
    expect(messages(getService('facebook'), { profile: 'baseline' })).toEqual([
      'profile: Facebook Live accepts the H.264 main or high profile; baseline is set',
    ]);
  });

  it('names the largest picture and frame rate, and treats portrait like landscape turned', () => {
    expect(messages(getService('twitch'), { width: 2560, height: 1440 })).toEqual([
      'width: Twitch accepts at most 1920x1080; 2560x1440 is set',
    ]);
    expect(messages(getService('kick'), { width: 1080, height: 1920 })).toEqual([]);
    expect(messages(getService('kick'), { width: 1440, height: 2560 })).toEqual(['width: Kick accepts at most 1920x1080; 1440x2560 is set']);
    expect(messages(getService('facebook'), { fps: 120 })).toEqual(['fps: Facebook Live accepts at most 60 fps; 120 is set']);
  });

  it('names the accepted sample rates', () => {
    const only48k: ServicePreset = { ...getService('custom'), name: 'Studio', limits: { audioSampleRates: [48000] } };
    expect(messages(only48k, { audioSampleRate: 44100 })).toEqual(['audioSampleRate: Studio accepts audio at 48 kHz; 44.1 kHz is set']);
    expect(messages(getService('twitch'), { audioSampleRate: 44100 })).toEqual([]);
  });

  it('reports every limit at once, in settings order', () => {
    const warnings = checkEncodingForService(
      settings({ width: 3840, height: 2160, fps: 120, videoBitrateKbps: 20_000, keyframeIntervalSec: 5, audioBitrateKbps: 320, profile: 'baseline' }),
      getService('facebook'),
    );
    expect(warnings.map((warning) => warning.setting)).toEqual([
      'keyframeIntervalSec',
      'videoBitrateKbps',
      'audioBitrateKbps',
      'profile',
      'width',
      'fps',
    ]);
  });

  it('a custom server has no limits to check', () => {
    expect(checkEncodingForService(settings({ videoBitrateKbps: 50_000, fps: 240, keyframeIntervalSec: 10 }), getService('custom'))).toEqual([]);
  });
});
