/**
 * Turns a destination's service, server choice and key into the RtmpTarget the publisher connects to.
 * A custom URL overrides the preset's servers (a regional ingest, a test server) but not its rules: a
 * service that takes RTMPS only refuses an rtmp:// URL here, before the key could travel unencrypted.
 */
import { UplinkError } from '../errors.js';
import { parseRtmpUrl, type RtmpTarget } from '../rtmp/url.js';
import type { ServicePreset } from './presets.js';

export interface TargetOptions {
  /** One of the preset's server ids; the preset's default when absent. */
  serverId?: string;
  /** A server URL to use instead of the preset's servers; required for 'custom'. */
  customUrl?: string;
  /** Kept verbatim, query string included (Facebook's keys carry one). */
  streamKey: string;
}

export function targetForService(service: ServicePreset, options: TargetOptions): RtmpTarget {
  const customUrl = options.customUrl?.trim() ?? '';
  const key = options.streamKey.trim();
  let url: string;
  if (customUrl !== '') {
    url = customUrl;
  } else {
    url = presetServerUrl(service, options.serverId);
    // A preset's server URLs never carry the key, so it must come apart.
    if (key === '') {
      throw new UplinkError('MISSING_STREAM_KEY', `${service.name} needs a stream key: find it at ${service.streamKeyHint}.`);
    }
  }
  // Without a key the URL must end with it (rtmp://host/app/KEY); parseRtmpUrl says so if it does not.
  const target = parseRtmpUrl(url, key === '' ? undefined : key);
  if (service.rtmpsOnly && target.protocol !== 'rtmps') {
    const server = service.servers.find((candidate) => candidate.id === service.defaultServer);
    const example = server ? ` (${server.url})` : '';
    throw new UplinkError(
      'RTMPS_REQUIRED',
      `${service.name} accepts encrypted RTMPS only: use an rtmps:// server URL${example} instead of rtmp://.`,
    );
  }
  return target;
}

function presetServerUrl(service: ServicePreset, serverId: string | undefined): string {
  if (service.servers.length === 0) {
    throw new UplinkError(
      'MISSING_SERVER_URL',
      `A ${service.name.toLowerCase()} needs its URL: enter the rtmp:// or rtmps:// address your server gives.`,
    );
  }
  const id = serverId ?? service.defaultServer;
  const server = service.servers.find((candidate) => candidate.id === id);
  if (!server) {
    const known = service.servers.map((candidate) => candidate.id).join(', ');
    throw new UplinkError('UNKNOWN_SERVER', `${service.name} has no server '${id}': choose one of ${known}.`);
  }
  return server.url;
}
