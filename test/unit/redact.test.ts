import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { jsonForPeople } from '../../electron/cli/context.js';
import { ParseError, UplinkError, asUplinkError, errorMessage } from '../../electron/engine/errors.js';
import { redact, registerSecret } from '../../electron/engine/log.js';
import { MemorySecretStore } from '../../electron/engine/secrets.js';

const KEY = 'live_777_redactEverywhere';
registerSecret(KEY);

describe('redaction at the source of every message', () => {
  it('an UplinkError hides a key in its message, stack, JSON and inspection, whoever built it', () => {
    const err = new UplinkError('KEY_REFUSED', `the server said: bad key ${KEY}`);
    expect(err.message).toBe('the server said: bad key <redacted>');
    for (const text of [err.message, String(err.stack), JSON.stringify(err), inspect(err)]) expect(text).not.toContain(KEY);
    expect(JSON.parse(JSON.stringify({ error: err }))).toEqual({ error: { name: 'UplinkError', code: 'KEY_REFUSED', message: err.message } });
  });

  it('subclasses and wrapped errors are redacted too', () => {
    expect(new ParseError('BAD', `odd byte near ${KEY}`, 3).message).toBe('odd byte near <redacted> (at byte 3)');
    expect(asUplinkError(new Error(`socket said ${KEY}`), 'X').message).toBe('socket said <redacted>');
    expect(errorMessage(new Error(KEY))).toBe('<redacted>');
    expect(errorMessage(`thrown text ${KEY}`)).toBe('thrown text <redacted>');
  });

  it('--json output redacts every string, JSON-escaped characters and errors included', () => {
    const quoted = 'key"with\\escapes';
    registerSecret(quoted);
    const text = jsonForPeople({ note: `a ${quoted} b`, nested: [{ url: `rtmp://h/app/${KEY}` }], error: new UplinkError('E', `x ${KEY}`) });
    expect(text).not.toContain(KEY);
    expect(text).not.toContain(JSON.stringify(quoted).slice(1, -1));
    expect(JSON.parse(text)).toEqual({ note: 'a <redacted> b', nested: [{ url: 'rtmp://h/app/<redacted>' }], error: { name: 'UplinkError', code: 'E', message: 'x <redacted>' } });
  });
});

describe('the secret store', () => {
  it('keeps what it stores out of every line from then on', async () => {
    await new MemorySecretStore().set('destination-1', 'stored-key-4321');
    expect(redact('publishing stored-key-4321')).toBe('publishing <redacted>');
  });
});
