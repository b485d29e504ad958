import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EVERY_COMMAND_LISTED, STUDIO_COMMANDS, type Notice, type StudioState } from '../../electron/contract.js';
import { MessageType } from '../../electron/engine/rtmp/messages.js';
import { MemorySecretStore } from '../../electron/engine/secrets.js';
import { Studio } from '../../electron/engine/studio.js';
import { tmpDir } from '../helpers/fixtures.js';
import { packetsOf, probeFile } from '../helpers/probe.js';
import { ScriptedRtmpServer } from '../helpers/scripted-server.js';
import { startNginxRtmp } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';

const SMALL = { width: 320, height: 180, fps: 15, videoBitrateKbps: 300, preset: 'ultrafast' };
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function newStudio(): { studio: Studio; states: StudioState[]; notices: Notice[]; events: string[] } {
  const studio = new Studio({ encoding: SMALL, cacheDir: tmpDir('studio-cache') });
  cleanups.push(() => studio.dispose());
  const states: StudioState[] = [];
  const notices: Notice[] = [];
  const events: string[] = [];
  studio.on('onState', (s) => {
    states.push(s);
    events.push(JSON.stringify(s));
  });
  studio.on('onNotice', (n) => {
    notices.push(n);
    events.push(JSON.stringify(n));
  });
  studio.on('onStats', (s) => events.push(JSON.stringify(s)));
  return { studio, states, notices, events };
}

async function scripted(): Promise<{ server: ScriptedRtmpServer; url: string }> {
  const server = new ScriptedRtmpServer();
  const port = await server.listen();
  cleanups.push(() => server.close());
  return { server, url: `rtmp://127.0.0.1:${port}/live` };
}


const frames = (server: ScriptedRtmpServer): number => server.connections[0]?.received.filter((m) => m.typeId === MessageType.Video && m.payload[1] === 1).length ?? 0;

describe('the studio (the contract every front drives)', () => {
  it('lists every command the contract names', () => {
    expect(EVERY_COMMAND_LISTED).toBe(true);
    const studio = new Studio();
    for (const name of STUDIO_COMMANDS) expect(typeof studio[name]).toBe('function');
  });

  it('goes live to its destinations, changes encoding while live, starts and stops one destination alone, and stops', async () => {
    const a = await scripted();
    const b = await scripted();
    const { studio, states, events } = newStudio();
    const first = await studio.addDestination({ name: 'Server A', service: 'custom', serverUrl: a.url, streamKey: 'studio-secret-key-a' });
    const second = await studio.addDestination({ name: 'Server B', service: 'custom', serverUrl: b.url, streamKey: 'studio-secret-key-b', enabled: false });
    expect(first).toMatchObject({ hasKey: true, state: 'offline', enabled: true });

    await studio.goLive();
    await until(async () => (await studio.getState()).destinations.find((d) => d.id === first.id)?.state === 'live');
    expect((await studio.getState()).phase).toBe('live');
    await until(() => frames(a.server) > 15);

    // Encoding changed while live: the connection stays up, the encoder restarts.
    await studio.setEncoding({ videoBitrateKbps: 200 });
    const before = frames(a.server);
    await until(() => frames(a.server) > before + 15);
    expect(a.server.connections).toHaveLength(1);
    expect((await studio.getState()).encoding.videoBitrateKbps).toBe(200);

    // A second destination started on its own joins; the first stays live.
    await studio.setDestinationEnabled(second.id, true);
    await until(() => frames(b.server) > 10);
    await studio.setDestinationEnabled(first.id, false);
    const stoppedAt = frames(a.server);
    const bBefore = frames(b.server);
    await until(() => frames(b.server) > bBefore + 10);
    expect(frames(a.server)).toBe(stoppedAt);
    expect(a.server.connections[0]!.commands.map((c) => c.name)).toContain('deleteStream');

    await studio.stopStream();
    const state = await studio.getState();
    expect(state.phase).toBe('idle');
    expect(state.encoder.running).toBe(false);
    expect(states.map((s) => s.phase)).toEqual(expect.arrayContaining(['starting', 'live', 'stopping', 'idle']));
    // Keys went in; they never come out, in any state, notice or stats event.
    expect(events.join('\n')).not.toContain('studio-secret-key');
  });

  it('fails one destination with the reason (refused key) while the other stays live', async () => {
    const nginx = await startNginxRtmp({ allowedKeys: ['studio-good-key'] });
    cleanups.push(() => nginx.stop());
    const { studio, notices } = newStudio();
    const good = await studio.addDestination({ name: 'Good', service: 'custom', serverUrl: nginx.url('live', 'x').replace(/\/x$/, ''), streamKey: 'studio-good-key' });
    const bad = await studio.addDestination({ name: 'Bad', service: 'custom', serverUrl: nginx.url('live', 'x').replace(/\/x$/, ''), streamKey: 'studio-bad-key' });
    const nokey = await studio.addDestination({ name: 'No key', service: 'custom', serverUrl: nginx.url('live', 'x').replace(/\/x$/, '') });
    await studio.goLive();
    await until(async () => {
      const d = (await studio.getState()).destinations;
      return d.find((x) => x.id === good.id)?.state === 'live' && d.find((x) => x.id === bad.id)?.state === 'failed';
    });
    const state = await studio.getState();
    expect(state.destinations.find((d) => d.id === bad.id)?.error).toMatch(/refused the stream key/);
    expect(state.destinations.find((d) => d.id === nokey.id)).toMatchObject({ state: 'failed', hasKey: false });
    expect(notices.some((n) => n.level === 'error' && n.message.startsWith('Bad:'))).toBe(true);
    await studio.stopStream();
  });

  it('records alone, without going live', async () => {
    const { studio } = newStudio();
    const file = join(tmpDir('studio'), `alone-${process.pid}-${Date.now()}.mkv`);
    let mediaSec = 0;
    studio.on('onStats', (stats) => (mediaSec = stats.mediaSec));
    await studio.startRecording(file);
    expect((await studio.getState()).recording).toEqual({ active: true, file });
    await until(() => mediaSec >= 2);
    await studio.stopRecording();
    expect((await studio.getState()).encoder.running).toBe(false);
    const probe = await probeFile(file);
    expect(packetsOf(probe, 'video').length).toBeGreaterThan(15);
  });

  it('puts a recording named without a folder in the recordings folder', async () => {
    const folder = join(tmpDir('studio'), `recordings-${process.pid}-${Date.now()}`);
    mkdirSync(folder, { recursive: true });
    const studio = new Studio({ encoding: SMALL, cacheDir: tmpDir('studio-cache'), recordingsDir: folder });
    cleanups.push(() => studio.dispose());
    await studio.startRecording('show.mkv');
    expect((await studio.getState()).recording).toEqual({ active: true, file: join(folder, 'show.mkv') });
    await studio.stopRecording();
    expect(existsSync(join(folder, 'show.mkv'))).toBe(true);
  });

  it('gives its settings to a profile without the keys, and takes them back after a restart with the keys still theirs', async () => {
    const secrets = new MemorySecretStore();
    const first = new Studio({ encoding: SMALL, secrets, cacheDir: tmpDir('studio-cache') });
    cleanups.push(() => first.dispose());
    const dest = await first.addDestination({ name: 'Main', service: 'custom', serverUrl: 'rtmp://127.0.0.1:1935/live', streamKey: 'studio-saved-key' });
    await first.setEncoding({ videoBitrateKbps: 1234 });
    const saved = JSON.parse(JSON.stringify(first.exportSettings())) as unknown;
    expect(JSON.stringify(saved)).not.toContain('studio-saved-key');

    const second = new Studio({ secrets, cacheDir: tmpDir('studio-cache') });
    cleanups.push(() => second.dispose());
    await second.restoreSettings(saved);
    const state = await second.getState();
    expect(state.encoding.videoBitrateKbps).toBe(1234);
    expect(state.destinations).toMatchObject([{ id: dest.id, name: 'Main', hasKey: true, state: 'offline' }]);
    await expect(second.restoreSettings({ destinations: 'nope' })).rejects.toMatchObject({ code: 'PROFILE_INVALID' });
  });

  it('refuses to go live with nowhere to go, in one sentence', async () => {
    const { studio } = newStudio();
    await expect(studio.goLive()).rejects.toThrow('there is nowhere to stream: add a destination (or enable one) first');
    await expect(studio.setEncoding({ fps: 0 })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'fps', message: 'fps must be a number between 1 and 240 (got 0)' });
    await expect(studio.addDestination({ name: 'x', service: 'myspace' as 'custom' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'service',
      message: "service must be one of twitch, youtube, facebook, kick, custom (got 'myspace')",
    });
  });

  it('runs commands from several fronts one at a time, in order, and loses no update', async () => {
    const a = await scripted();
    const { studio, states } = newStudio();
    await studio.addDestination({ name: 'A', service: 'custom', serverUrl: a.url, streamKey: 'studio-queue-key' });
    await studio.goLive();
    // Two fronts change different settings at once while live: each restart waits for the one before,
    // and the second change starts from what the first left.
    const [first, second] = await Promise.all([studio.setEncoding({ videoBitrateKbps: 400 }), studio.setEncoding({ fps: 10 })]);
    expect(first).toMatchObject({ videoBitrateKbps: 400, fps: 15 });
    expect(second).toMatchObject({ videoBitrateKbps: 400, fps: 10 });
    expect((await studio.getState()).encoding).toMatchObject({ videoBitrateKbps: 400, fps: 10 });
    // Every snapshot has the next revision: a front can tell a stale one.
    const revisions = states.map((s) => s.revision);
    expect(revisions).toEqual(revisions.map((_, i) => revisions[0]! + i));
    expect((await studio.getState()).revision).toBe(revisions.at(-1));
    await studio.stopStream();
  });

  it("changes encoder and profile from a front: the old encoder's preset and baseline's B-frames do not stick", async () => {
    const { studio } = newStudio();
    expect(await studio.setEncoding({ profile: 'baseline' })).toMatchObject({ profile: 'baseline', bFrames: 0 });
    expect(await studio.setEncoding({ encoder: 'h264_nvenc' })).toMatchObject({ encoder: 'h264_nvenc', preset: 'p4' });
    expect(await studio.setEncoding({ encoder: 'h264_videotoolbox' })).toMatchObject({ preset: null });
    expect(await studio.setEncoding({ encoder: 'libx264', profile: 'high' })).toMatchObject({ preset: 'veryfast', bFrames: 2 });
  });

  it('renames a live destination without reconnecting it; a new key reconnects it', async () => {
    const a = await scripted();
    const { studio } = newStudio();
    const dest = await studio.addDestination({ name: 'A', service: 'custom', serverUrl: a.url, streamKey: 'studio-rename-key' });
    await studio.goLive();
    await until(() => frames(a.server) > 5);
    expect(await studio.updateDestination(dest.id, { name: 'Main channel' })).toMatchObject({ name: 'Main channel', state: 'live' });
    const before = frames(a.server);
    await until(() => frames(a.server) > before + 10);
    expect(a.server.connections).toHaveLength(1);
    await studio.updateDestination(dest.id, { streamKey: 'studio-rename-key-2' });
    // The new connection has published (frames() counts the first connection's, which are there already).
    await until(() => a.server.connections[1]?.commands.some((c) => c.name === 'publish') === true);
    const publish = a.server.connections[1]!.commands.find((c) => c.name === 'publish');
    expect(publish?.args[0]).toBe('studio-rename-key-2');
    await studio.stopStream();
  });

  it('moves a key typed at the end of a server URL into the key store', async () => {
    const a = await scripted();
    const { studio, events } = newStudio();
    const dest = await studio.addDestination({ name: 'Pasted', service: 'custom', serverUrl: `${a.url}/studio-pasted-key` });
    expect(dest).toMatchObject({ serverUrl: a.url, hasKey: true });
    await studio.goLive();
    await until(() => a.server.connections[0]?.commands.some((c) => c.name === 'publish') === true);
    expect(a.server.connections[0]!.commands.find((c) => c.name === 'publish')?.args[0]).toBe('studio-pasted-key');
    await studio.stopStream();
    expect(events.join('\n')).not.toContain('studio-pasted-key');
    expect(JSON.stringify(await studio.getState())).not.toContain('studio-pasted-key');
  });

  it('names the field of a bad input, whatever the command', async () => {
    const { studio } = newStudio();
    const dest = await studio.addDestination({ name: 'A', service: 'custom', serverUrl: 'rtmp://127.0.0.1/live' });
    await expect(studio.updateDestination(dest.id, { serverUrl: 5 as unknown as string })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: '1.serverUrl' });
    await expect(studio.setSources({ video: '' })).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'video' });
    await expect(studio.setEncoding({ fsp: 60 } as never)).rejects.toThrow("Unknown encoding setting 'fsp'");
    await expect(studio.setDestinationEnabled(dest.id, 'yes' as unknown as boolean)).rejects.toMatchObject({ field: '1' });
    await expect((studio.goLive as (...args: unknown[]) => Promise<void>)('now')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses to go live when the encoder cannot work, and stays idle', async () => {
    const a = await scripted();
    const { studio } = newStudio();
    await studio.addDestination({ name: 'A', service: 'custom', serverUrl: a.url, streamKey: 'studio-bad-encoder-key' });
    await studio.setSources({ video: 'color:notacolour' });
    await expect(studio.goLive()).rejects.toThrow(/FFmpeg|colou?r/i);
    const state = await studio.getState();
    expect(state).toMatchObject({ phase: 'idle', encoder: { running: false } });
    expect(state.destinations[0]!.state).toBe('offline');
    // The server never saw a publish for a stream that could not work.
    expect(a.server.connections.flatMap((c) => c.commands.map((cmd) => cmd.name))).not.toContain('publish');
  });
});
