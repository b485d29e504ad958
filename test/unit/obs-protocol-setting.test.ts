import { describe, expect, it } from 'vitest';
import { Studio } from '../../electron/engine/studio.js';
import { MemorySecretStore } from '../../electron/engine/secrets.js';
import { OBS_WEBSOCKET_PASSWORD_REF, generateObsPassword } from '../../electron/engine/profile/obs-websocket.js';
import { guardedStudioPort } from '../../electron/remote/obs/studio-port.js';
import { remotePathGuard } from '../../electron/remote/paths.js';

describe('the obs-websocket setting', () => {
  it('is off on port 4455 until turned on; turning it on makes a password, kept in the secret store only', async () => {
    const secrets = new MemorySecretStore();
    const studio = new Studio({ secrets });
    expect((await studio.getState()).obsWebSocket).toEqual({ enabled: false, port: 4455, listening: false });
    expect(await secrets.get(OBS_WEBSOCKET_PASSWORD_REF)).toBeUndefined();

    const changed: number[] = [];
    studio.watchObsWebSocket(() => changed.push(1));
    expect(await studio.setObsWebSocket({ enabled: true })).toEqual({ enabled: true, port: 4455, listening: false });
    const password = await studio.getObsWebSocketPassword();
    expect(password).toMatch(/^[A-Za-z2-9]{16}$/);
    expect(await secrets.get(OBS_WEBSOCKET_PASSWORD_REF)).toBe(password);
    expect(await studio.getObsWebSocketPassword()).toBe(password);
    expect(changed).toHaveLength(1);

    // The profile keeps on/off and the port, never the password.
    const settings = studio.exportSettings();
    expect(settings.obsWebSocket).toEqual({ enabled: true, port: 4455 });
    expect(JSON.stringify(settings)).not.toContain(password);
    expect(JSON.stringify(await studio.getState())).not.toContain(password);

    const restarted = new Studio({ secrets });
    await restarted.restoreSettings(JSON.parse(JSON.stringify(settings)));
    expect((await restarted.getState()).obsWebSocket).toMatchObject({ enabled: true, port: 4455 });
    expect(await restarted.obsWebSocketConfig()).toEqual({ enabled: true, port: 4455, password });
  });

  it('takes a port and a password of the streamer\'s, and refuses bad ones at the field', async () => {
    const studio = new Studio();
    await studio.setObsWebSocket({ port: 4460, password: 'my-stream-deck' });
    expect(await studio.getObsWebSocketPassword()).toBe('my-stream-deck');
    expect(await studio.obsWebSocketConfig()).toEqual({ enabled: false, port: 4460 });
    await expect(studio.setObsWebSocket({ port: 80 })).rejects.toMatchObject({ field: 'port', message: expect.stringContaining('port must be from 1024 to 65535') });
    await expect(studio.setObsWebSocket({ password: 'abc' })).rejects.toThrow('password must be at least 6 characters long');
    await expect(studio.setObsWebSocket({ host: '0.0.0.0' } as never)).rejects.toThrow("unknown obs-websocket setting 'host'");
  });

  it('shows what the hosting process reports, and forgets an error when turned off', async () => {
    const studio = new Studio();
    await studio.setObsWebSocket({ enabled: true });
    studio.reportObsWebSocket({ listening: false, error: 'port 4455 is in use' });
    expect((await studio.getState()).obsWebSocket).toEqual({ enabled: true, port: 4455, listening: false, error: 'port 4455 is in use' });
    await studio.setObsWebSocket({ enabled: false });
    expect((await studio.getState()).obsWebSocket).toEqual({ enabled: false, port: 4455, listening: false });
  });

  it('makes passwords of 16 unambiguous letters and digits, each new', () => {
    const a = generateObsPassword();
    expect(a).toMatch(/^[A-HJ-NP-Za-km-z2-9]{16}$/);
    expect(generateObsPassword()).not.toBe(a);
  });
});

describe('the studio as obs-websocket clients reach it', () => {
  it('confines files as the web remote does, and passes everything else through', async () => {
    const studio = new Studio();
    const port = guardedStudioPort(studio, { profileDir: '/profile', mediaDir: '/profile/media', recordingsDir: '/profile/recordings' }, remotePathGuard(['/profile/media', '/profile/recordings'], (p) => p));
    await expect(port.commands.startRecording('/etc/cron.daily/x')).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED', field: 'file', message: expect.stringContaining('a remote studio cannot use the file /etc/cron.daily/x') });
    await expect(port.commands.setFfmpegPath('/tmp/evil')).rejects.toMatchObject({ code: 'PATH_NOT_ALLOWED', field: 'path' });
    expect((await port.commands.getState()).phase).toBe('idle');
    const seen: number[] = [];
    const off = port.on('onState', (state) => seen.push(state.revision));
    await port.commands.setObsWebSocket({ port: 4460 });
    off();
    await port.commands.setObsWebSocket({ port: 4461 });
    expect(seen).toHaveLength(1);
  });
});
