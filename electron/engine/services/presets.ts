/**
 * Ingest presets: where each service takes streams and what it accepts. The numbers are the services'
 * published limits (sources beside each preset); when a service lists a range by resolution, the limit
 * here is the top of the range, since the check that reads it warns rather than refuses.
 */
import { UplinkError } from '../errors.js';

import { SERVICE_IDS as IDS, type ServiceId } from '../../contract-schema.js';
import type { ServicePreset } from '../../contract.js';

export type { ServiceId, ServicePreset };
export type { ServiceLimits, ServiceServer } from '../../contract.js';

export const SERVICE_IDS: readonly ServiceId[] = IDS;

const PRESETS: Record<ServiceId, ServicePreset> = {
  // help.twitch.tv "Broadcasting Guidelines"; Twitch's global ingest routes to the closest server.
  twitch: {
    id: 'twitch',
    name: 'Twitch',
    servers: [
      { id: 'auto', name: 'Automatic (closest server, encrypted)', url: 'rtmps://ingest.global-contribute.live-video.net/app' },
      { id: 'auto-rtmp', name: 'Automatic (closest server, unencrypted RTMP)', url: 'rtmp://ingest.global-contribute.live-video.net/app' },
    ],
    defaultServer: 'auto',
    rtmpsOnly: false,
    streamKeyHint: 'Twitch Creator Dashboard > Settings > Stream > Primary Stream key (it starts with "live_")',
    limits: {
      keyframeIntervalSec: 2,
      maxVideoKbps: 6000,
      maxAudioKbps: 160,
      audioSampleRates: [44100, 48000],
      maxWidth: 1920,
      maxHeight: 1080,
      maxFps: 60,
    },
  },
  // support.google.com/youtube/answer/2853702: up to 2160p60; 4K60 tops out at 51 Mbit/s (OBS preset).
  youtube: {
    id: 'youtube',
    name: 'YouTube',
    servers: [
      { id: 'primary', name: 'Primary (encrypted)', url: 'rtmps://a.rtmps.youtube.com/live2' },
      // YouTube tells the backup ingest apart by this query on the application name.
      { id: 'backup', name: 'Backup (encrypted)', url: 'rtmps://b.rtmps.youtube.com/live2?backup=1' },
      { id: 'primary-rtmp', name: 'Primary (unencrypted RTMP)', url: 'rtmp://a.rtmp.youtube.com/live2' },
      { id: 'backup-rtmp', name: 'Backup (unencrypted RTMP)', url: 'rtmp://b.rtmp.youtube.com/live2?backup=1' },
    ],
    defaultServer: 'primary',
    rtmpsOnly: false,
    streamKeyHint: 'YouTube Studio > Create > Go live > Stream > Stream key (five groups like abcd-efgh-ijkl-mnop-qrst)',
    limits: {
      keyframeIntervalSec: 2,
      maxVideoKbps: 51_000,
      maxAudioKbps: 384,
      audioSampleRates: [44100, 48000],
      maxWidth: 3840,
      maxHeight: 2160,
      maxFps: 60,
    },
  },
  // developers.facebook.com/docs/live-video-api: RTMPS only, 1080p60 at 9 Mbit/s, audio up to 256 kbit/s.
  facebook: {
    id: 'facebook',
    name: 'Facebook Live',
    servers: [{ id: 'default', name: 'Facebook Live (encrypted)', url: 'rtmps://live-api-s.facebook.com:443/rtmp/' }],
    defaultServer: 'default',
    rtmpsOnly: true,
    streamKeyHint:
      'Facebook Live Producer > Streaming software > Stream key; paste it whole, including everything after "?" (FB-...?s_bl=1&...)',
    limits: {
      keyframeIntervalSec: 2,
      maxVideoKbps: 9000,
      maxAudioKbps: 256,
      audioSampleRates: [44100, 48000],
      profiles: ['main', 'high'],
      maxWidth: 1920,
      maxHeight: 1080,
      maxFps: 60,
    },
  },
  // Kick ingests through Amazon IVS, which takes RTMPS only and up to 1080p60 at 8.5 Mbit/s.
  kick: {
    id: 'kick',
    name: 'Kick',
    servers: [{ id: 'default', name: 'Kick (encrypted)', url: 'rtmps://fa723fc1b171.global-contribute.live-video.net/app' }],
    defaultServer: 'default',
    rtmpsOnly: true,
    streamKeyHint: 'Kick Creator Dashboard > Settings > Stream URL & Key > Stream Key (it starts with "sk_")',
    limits: {
      keyframeIntervalSec: 2,
      maxVideoKbps: 8000,
      maxAudioKbps: 160,
      audioSampleRates: [44100, 48000],
      maxWidth: 1920,
      maxHeight: 1080,
      maxFps: 60,
    },
  },
  custom: {
    id: 'custom',
    name: 'Custom server',
    servers: [],
    defaultServer: '',
    rtmpsOnly: false,
    streamKeyHint: 'the stream key or stream name your server expects; leave it empty when the URL already ends with it',
    limits: {},
  },
};

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

// Presets are shared by every destination: frozen, so that a caller cannot change them for the others.
deepFreeze(PRESETS);

export function isServiceId(value: unknown): value is ServiceId {
  return typeof value === 'string' && (SERVICE_IDS as readonly string[]).includes(value);
}

/** The preset for `id`. Ids come from settings files and the web remote, so a bad one is reported. */
export function getService(id: ServiceId): ServicePreset {
  if (!isServiceId(id)) {
    throw new UplinkError('UNKNOWN_SERVICE', `Unknown streaming service '${String(id)}': use one of ${SERVICE_IDS.join(', ')}.`);
  }
  return PRESETS[id];
}

/** Every preset, custom last. */
export function listServices(): ServicePreset[] {
  return SERVICE_IDS.map((id) => PRESETS[id]);
}
