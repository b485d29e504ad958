import { describe, expect, it } from 'vitest';
import { describeSocketError } from '../../electron/engine/rtmp/transport.js';

const target = { host: 'ingest.example.com', port: 1935 };
const withCode = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('describeSocketError', () => {
  it.each([
    ['ECONNREFUSED', 'CONNECTION_REFUSED', 'ingest.example.com:1935 refused the connection'],
    ['ENOTFOUND', 'HOST_NOT_FOUND', 'host not found: ingest.example.com'],
    ['EAI_AGAIN', 'HOST_NOT_FOUND', 'check the server URL and your internet connection'],
    ['ETIMEDOUT', 'TIMEOUT', 'no answer from ingest.example.com:1935'],
    ['ENETUNREACH', 'NETWORK_UNREACHABLE', 'cannot be reached'],
    ['ECONNRESET', 'CONNECTION_LOST', 'was cut'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'TLS_UNTRUSTED', 'NODE_EXTRA_CA_CERTS'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'TLS_UNTRUSTED', 'the certificate of ingest.example.com is not trusted'],
    ['CERT_HAS_EXPIRED', 'TLS_UNTRUSTED', 'not trusted'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'TLS_UNTRUSTED', 'not trusted'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'TLS_FAILED', 'is this an rtmps server?'],
    ['EWHATEVER', 'CONNECTION_FAILED', 'failed: EWHATEVER'],
  ])('%s becomes %s', (code, expected, text) => {
    const error = describeSocketError(withCode(code), target);
    expect(error.code).toBe(expected);
    expect(error.message).toContain(text);
    expect(error.message.split('\n')).toHaveLength(1);
  });
});

describe('an IPv6 server in a message', () => {
  it('is written with brackets, so its port is not read as part of the address', () => {
    const error = describeSocketError(withCode('ECONNREFUSED'), { host: '::1', port: 1935 });
    expect(error.message).toContain('[::1]:1935 refused the connection');
  });
});
