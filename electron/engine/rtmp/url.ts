import { UplinkError } from '../errors.js';
import { REDACTED, registerSecret } from '../log.js';

/** Where to publish: everything the RTMP client needs, parsed once from what the streamer typed. */
export interface RtmpTarget {
  protocol: 'rtmp' | 'rtmps';
  /** Host name or IP address; IPv6 without brackets. */
  host: string;
  port: number;
  /** Application path: `live`, or `app/instance` for servers with instances; may carry a query string. */
  app: string;
  /** `protocol://host[:port]/app`, sent in `connect`; never contains the key. */
  tcUrl: string;
  /** The publish name. A query string (Facebook's `?s_bl=...`) is kept verbatim. */
  streamKey: string;
  /** The URL with the key redacted, for logs, errors and progress lines. */
  display: string;
}

const DEFAULT_PORTS = { rtmp: 1935, rtmps: 443 } as const;

export class InvalidUrlError extends UplinkError {
  constructor(message: string) {
    super('INVALID_URL', message);
  }
}

/**
 * Parses `rtmp://host[:1935]/app[/instance]/key` or `rtmps://host[:443]/...`. Services hand out the
 * server URL and the key apart: with `streamKey` given, the whole path of `url` is the app.
 */
export function parseRtmpUrl(url: string, streamKey?: string): RtmpTarget {
  const text = url.trim();
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  if (!schemeMatch) throw new InvalidUrlError('the server URL must start with rtmp:// or rtmps://');
  const scheme = schemeMatch[1]!.toLowerCase();
  if (scheme !== 'rtmp' && scheme !== 'rtmps') {
    throw new InvalidUrlError(`Uplink publishes over rtmp:// or rtmps://, not ${scheme}://: use the RTMP server URL your service gives`);
  }
  const protocol = scheme;
  const rest = text.slice(schemeMatch[0].length);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  const { host, port, hostForUrl } = parseAuthority(authority, protocol);

  let app: string;
  let key: string;
  if (streamKey !== undefined && streamKey !== '') {
    app = path.replace(/\/+$/, '');
    key = streamKey.trim();
  } else {
    const queryAt = path.indexOf('?');
    const beforeQuery = queryAt === -1 ? path : path.slice(0, queryAt);
    const lastSlash = beforeQuery.replace(/\/+$/, '').lastIndexOf('/');
    if (lastSlash === -1) {
      // The lone segment may be a key typed without its app: never echo it.
      throw new InvalidUrlError(
        `the URL for ${protocol}://${hostForUrl} needs an application and a stream key (${protocol}://${hostForUrl}/app/KEY), or give the key apart`,
      );
    }
    app = path.slice(0, lastSlash);
    key = path.slice(lastSlash + 1);
  }
  if (key !== '') registerSecret(key);
  if (app === '') throw new InvalidUrlError(`${protocol}://${hostForUrl}/ has no application name (as in ${protocol}://${hostForUrl}/live/KEY)`);
  if (key === '') throw new InvalidUrlError(`${protocol}://${hostForUrl}/${app} has no stream key: add it to the URL or give it apart`);

  const origin = `${protocol}://${hostForUrl}${port === DEFAULT_PORTS[protocol] ? '' : `:${port}`}`;
  return {
    protocol,
    host,
    port,
    app,
    tcUrl: `${origin}/${app}`,
    streamKey: key,
    display: `${origin}/${app}/${REDACTED}`,
  };
}

function parseAuthority(authority: string, protocol: 'rtmp' | 'rtmps'): { host: string; port: number; hostForUrl: string } {
  if (authority.includes('@')) throw new InvalidUrlError('RTMP server URLs carry no user name or password before the host');
  let host: string;
  let portText: string | undefined;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1) throw new InvalidUrlError(`"${authority}" is not a valid IPv6 address: it is missing "]"`);
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) throw new InvalidUrlError(`"${authority}" is not a valid host and port`);
    portText = after === '' ? undefined : after.slice(1);
  } else {
    const colon = authority.lastIndexOf(':');
    host = colon === -1 ? authority : authority.slice(0, colon);
    portText = colon === -1 ? undefined : authority.slice(colon + 1);
  }
  if (host === '' || /[\s/?#]/.test(host)) throw new InvalidUrlError(`the server URL has no valid host name ("${authority}")`);
  let port: number = DEFAULT_PORTS[protocol];
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(port >= 1 && port <= 65535)) throw new InvalidUrlError(`"${portText}" is not a valid port: use a number from 1 to 65535`);
  }
  const hostForUrl = host.includes(':') ? `[${host}]` : host;
  return { host, port, hostForUrl };
}
