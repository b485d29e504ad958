import { UplinkError } from '../errors.js';
import { REDACTED, redact, registerSecret } from '../log.js';

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
    registerPastedKey(app);
  } else {
    const split = splitAppAndKey(path);
    if (!split) {
      // The lone segment may be a key typed without its app: never echo it.
      throw new InvalidUrlError(
        `the URL for ${protocol}://${hostForUrl} needs an application and a stream key (${protocol}://${hostForUrl}/app/KEY), or give the key apart`,
      );
    }
    ({ app, key } = split);
  }
  if (key !== '') registerSecret(key);
  const credentials = queryCredentials(app);
  for (const { value, secret } of credentials) if (secret) registerSecret(value);
  if (app === '') throw new InvalidUrlError(`${protocol}://${hostForUrl}/ has no application name (as in ${protocol}://${hostForUrl}/live/KEY)`);
  if (key === '') throw new InvalidUrlError(`${protocol}://${hostForUrl}/${redact(app)} has no stream key: add it to the URL or give it apart`);

  const origin = `${protocol}://${hostForUrl}${port === DEFAULT_PORTS[protocol] ? '' : `:${port}`}`;
  return {
    protocol,
    host,
    port,
    app,
    tcUrl: `${origin}/${app}`,
    streamKey: key,
    display: `${origin}/${redact(hideCredentials(app, credentials))}/${REDACTED}`,
  };
}

/**
 * Whether `url` ends with a stream key (`rtmp://host/app/KEY`) rather than naming only the server
 * (`rtmp://host/app`), by the rule parseRtmpUrl splits by. Says nothing of whether the URL is valid.
 */
export function carriesStreamKey(url: string): boolean {
  const afterScheme = /^[a-z][a-z0-9+.-]*:\/\/[^/]*\/?(.*)$/is.exec(url.trim());
  const split = afterScheme ? splitAppAndKey(afterScheme[1] ?? '') : undefined;
  return split !== undefined && split.app !== '' && split.key !== '';
}

/** `host:port` for messages, an IPv6 address in brackets (`[::1]:1935`) so the port reads apart. */
export function hostAndPort(target: Pick<RtmpTarget, 'host' | 'port'>): string {
  return `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
}

/**
 * `app[/instance]/KEY`: the key is the last segment. A query string before the first slash after the
 * app belongs to the app (`live?user=u&pass=p/KEY`, servers that authenticate the connection); a query
 * string after the key belongs to the key (Facebook's `rtmp/KEY?s_bl=...`) and is kept verbatim.
 */
function splitAppAndKey(path: string): { app: string; key: string } | undefined {
  const queryAt = path.indexOf('?');
  const beforeQuery = queryAt === -1 ? path : path.slice(0, queryAt);
  const lastSlash = beforeQuery.replace(/\/+$/, '').lastIndexOf('/');
  if (lastSlash !== -1) return { app: path.slice(0, lastSlash), key: path.slice(lastSlash + 1) };
  if (queryAt === -1) return undefined;
  const slashAfterQuery = path.replace(/\/+$/, '').lastIndexOf('/');
  if (slashAfterQuery === -1) return undefined;
  return { app: path.slice(0, slashAfterQuery), key: path.slice(slashAfterQuery + 1) };
}

/**
 * Shorter than any key a service hands out, longer than the instance names servers use (`_definst_`
 * aside): below this a segment is taken for an instance, not a pasted key.
 */
const PASTED_KEY_MIN_LENGTH = 10;

/**
 * With the key given apart, the whole path is the app, so `rtmp://host/live/KEY --key OTHER` publishes
 * to app `live/KEY` and would print KEY in every line. An app instance is rare and short, a key pasted
 * with the URL is common and long: a long last segment of a multi-segment app is kept secret.
 */
function registerPastedKey(app: string): void {
  const beforeQuery = app.split('?')[0] ?? '';
  const lastSlash = beforeQuery.lastIndexOf('/');
  if (lastSlash === -1) return;
  const segment = beforeQuery.slice(lastSlash + 1);
  if (segment.length >= PASTED_KEY_MIN_LENGTH) registerSecret(segment);
}

interface QueryCredential {
  name: string;
  value: string;
  /** A password-like value, kept secret everywhere; a user name is only hidden in `display`. */
  secret: boolean;
}

/** Query parameters that authenticate: `pass`, `password`, `pwd`, `token`, `key`, `secret`, `auth`, `sign`, ... */
const SECRET_PARAMETER = /pass|pwd|token|key|secret|auth|sign|sig$|hash|cred|session|ticket|jwt/i;
/**
 * User names are hidden in `display` but not registered as secrets: a short common one ("live",
 * "admin") would then be cut out of every log line.
 */
const USER_PARAMETER = /^(user|username|usr|login|account|uid)$/i;

function queryCredentials(app: string): QueryCredential[] {
  const queryAt = app.indexOf('?');
  if (queryAt === -1) return [];
  const credentials: QueryCredential[] = [];
  for (const pair of app.slice(queryAt + 1).split('&')) {
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const name = pair.slice(0, equals);
    const value = pair.slice(equals + 1);
    if (value === '') continue;
    const secret = SECRET_PARAMETER.test(name);
    if (secret || USER_PARAMETER.test(name)) {
      credentials.push({ name, value, secret });
      // Written percent-encoded in the URL, the value may travel decoded too.
      const decoded = safeDecode(value);
      if (secret && decoded !== value) credentials.push({ name, value: decoded, secret });
    }
  }
  return credentials;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

function hideCredentials(app: string, credentials: readonly QueryCredential[]): string {
  const queryAt = app.indexOf('?');
  if (queryAt === -1 || credentials.length === 0) return app;
  const names = new Set(credentials.map((credential) => credential.name));
  const query = app
    .slice(queryAt + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      return equals > 0 && names.has(pair.slice(0, equals)) && equals < pair.length - 1 ? `${pair.slice(0, equals)}=${REDACTED}` : pair;
    })
    .join('&');
  return `${app.slice(0, queryAt)}?${query}`;
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
