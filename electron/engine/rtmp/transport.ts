import net from 'node:net';
import { UplinkError } from '../errors.js';
import { type RtmpTarget, hostAndPort } from './url.js';

/** A connection-level failure, already phrased for the streamer. */
export class RtmpConnectionError extends UplinkError {}

export interface TransportOptions {
  timeoutMs: number;
  /** Extra trusted certificates (PEM), added to the system and bundled ones; for private ingests and tests. */
  ca?: string | string[];
  signal?: AbortSignal;
}

/**
 * Opens TCP, or TLS with SNI and verification for rtmps. Trust is Node's bundled CAs plus the
 * operating system's store plus NODE_EXTRA_CA_CERTS; verification is never skipped.
 */
export async function openTransport(target: RtmpTarget, options: TransportOptions): Promise<net.Socket> {
  // TLS is loaded only for rtmps: its import alone took ~40 ms of every launch, on the path to going live.
  const secure = target.protocol === 'rtmps' ? await import('node:tls') : undefined;
  return new Promise((resolve, reject) => {
    const where = hostAndPort(target);
    let socket: net.Socket;
    const fail = (err: unknown): void => {
      cleanup();
      socket.destroy();
      reject(describeSocketError(err, target));
    };
    const onTimeout = (): void =>
      fail(new RtmpConnectionError('TIMEOUT', `no answer from ${where} within ${Math.round(options.timeoutMs / 1000)} s: check the server URL and your network`));
    const onAbort = (): void => fail(new RtmpConnectionError('ABORTED', `connecting to ${where} was cancelled`));
    const timer = setTimeout(onTimeout, options.timeoutMs);
    const cleanup = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      socket.removeListener('error', fail);
    };
    const done = (): void => {
      cleanup();
      socket.setNoDelay(true);
      resolve(socket);
    };

    if (secure) {
      socket = secure.connect({
        host: target.host,
        port: target.port,
        servername: net.isIP(target.host) ? undefined : target.host,
        ca: trustedCertificates(secure, options.ca),
        rejectUnauthorized: true,
      });
      socket.once('secureConnect', done);
    } else {
      socket = net.connect({ host: target.host, port: target.port });
      socket.once('connect', done);
    }
    socket.once('error', fail);
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

let defaultCertificates: string[] | undefined;

function trustedCertificates(tls: typeof import('node:tls'), extra: string | string[] | undefined): string[] | undefined {
  // Node < 22.15 has no getCACertificates: leave `ca` unset so it uses its defaults (bundled + extra).
  const getCACertificates = (tls as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  if (!getCACertificates) return extra === undefined ? undefined : [...tls.rootCertificates, ...[extra].flat()];
  defaultCertificates ??= [...new Set([...getCACertificates('default'), ...safeSystemCertificates(getCACertificates)])];
  return extra === undefined ? defaultCertificates : [...defaultCertificates, ...[extra].flat()];
}

function safeSystemCertificates(get: (type: string) => string[]): string[] {
  try {
    return get('system');
  } catch {
    return [];
  }
}

const TLS_TRUST_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
]);

/** Maps Node's socket and TLS errors to one sentence that says what happened and what to do. */
export function describeSocketError(err: unknown, target: Pick<RtmpTarget, 'host' | 'port'>): UplinkError {
  if (err instanceof UplinkError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const where = hostAndPort(target);
  const reason = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return new RtmpConnectionError('CONNECTION_REFUSED', `${where} refused the connection: check the server URL and port, and that the server is running`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return new RtmpConnectionError('HOST_NOT_FOUND', `host not found: ${target.host} (check the server URL and your internet connection)`);
    case 'ETIMEDOUT':
      return new RtmpConnectionError('TIMEOUT', `no answer from ${where}: check the server URL and your network`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ENETDOWN':
      return new RtmpConnectionError('NETWORK_UNREACHABLE', `${where} cannot be reached from this computer: check your network connection`);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return new RtmpConnectionError('CONNECTION_LOST', `the connection to ${where} was cut by the server or the network`);
  }
  if (typeof code === 'string' && TLS_TRUST_CODES.has(code)) {
    return new RtmpConnectionError(
      'TLS_UNTRUSTED',
      `the certificate of ${target.host} is not trusted (${reason}): check the server name, or add your private CA with NODE_EXTRA_CA_CERTS`,
    );
  }
  if (typeof code === 'string' && (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))) {
    return new RtmpConnectionError('TLS_FAILED', `the secure connection to ${where} failed (${reason}): is this an rtmps server?`);
  }
  return new RtmpConnectionError('CONNECTION_FAILED', `the connection to ${where} failed: ${reason}`);
}
