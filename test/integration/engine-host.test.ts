/**
 * The engine host as a real Node child process (the built dist/electron/host/engine-host.js, forked
 * like the app's utilityProcess but with process.send), driven by the main process's supervisor: the
 * same parent-channel protocol on both sides, contract calls over a port, keys asked of the parent,
 * and a host killed with SIGKILL replaced by a new one.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../electron/contract-wire.js';
import { MemorySecretStore } from '../../electron/engine/secrets.js';
import type { Notice, StudioState } from '../../electron/contract.js';
import { type HostProcess, HostSupervisor } from '../../electron/main/host-supervisor.js';
import { tmpDir } from '../helpers/fixtures.js';
import { isRunning, until } from '../helpers/wait.js';

const HOST = join(import.meta.dirname, '..', '..', 'dist', 'electron', 'host', 'engine-host.js');

interface ForkedHost extends HostProcess {
  child: ChildProcess;
}

const children: ChildProcess[] = [];

function forkHost(args: string[] = []): ForkedHost {
  // 'advanced' serialization: preview pictures stay Uint8Array, as over Electron's parent port.
  const child = fork(HOST, args, { serialization: 'advanced', stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.push(child);
  return {
    child,
    postMessage: (message) => {
      if (child.connected) child.send(message);
    },
    on: (event: 'message' | 'exit', listener: (arg: never) => void) => child.on(event, listener as never),
    kill: () => child.kill(),
  } as ForkedHost;
}

/** A window's session, as a virtual port over the parent channel (a forked child cannot take ports). */
function openWindow(host: ForkedHost, portId: string): { messages: ServerMessage[]; send(text: string): void } {
  const messages: ServerMessage[] = [];
  host.child.on('message', (m: { type?: string; portId?: string; data?: unknown }) => {
    if (m.type === 'port-data' && m.portId === portId && typeof m.data === 'string') messages.push(JSON.parse(m.data) as ServerMessage);
  });
  host.postMessage({ type: 'port-open', portId });
  return { messages, send: (text) => host.postMessage({ type: 'port-data', portId, data: text }) };
}

function resultFor(messages: ServerMessage[], id: number): ServerMessage | undefined {
  return messages.find((m) => m.type === 'result' && m.id === id);
}

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('engine host (forked Node child)', () => {
  it('opens on the profile\'s scenes, or on a first scene (the test pattern and a tone here, with no camera), and saves it', async () => {
    const profile = join(tmpDir('engine-host'), `profile-${process.pid}-${Date.now()}`);
    const supervisor = new HostSupervisor({ fork: () => forkHost(['--profile', profile, '--cache-dir', tmpDir('studio-cache')]), secrets: new MemorySecretStore(), onHostLost: () => undefined, restartDelayMs: () => 0 });
    const ready = supervisor.ready();
    supervisor.start();
    await ready;
    const window = openWindow(supervisor.current as ForkedHost, 'w1');
    const kinds = (): string[] => {
      const states = window.messages.filter((m): m is Extract<ServerMessage, { type: 'event' }> => m.type === 'event' && m.event === 'onState');
      const scenes = (states.at(-1)?.payload as StudioState | undefined)?.scenes;
      return scenes ? scenes.collection.sources.map((s) => s.kind) : [];
    };
    await until(() => kinds().length > 0, 30_000);
    expect(kinds()).toEqual(['test-pattern', 'tone']);
    await until(() => existsSync(join(profile, 'collection.json')), 15_000);
    (supervisor.current as ForkedHost).child.kill('SIGKILL');
  });

  it('is built', () => {
    expect(existsSync(HOST), 'run `npm run build` first').toBe(true);
  });

  it('answers calls, refuses bad messages, keeps keys with the parent, and is restarted after SIGKILL', async () => {
    const secrets = new MemorySecretStore();
    const lost: Notice[] = [];
    const supervisor = new HostSupervisor({ fork: forkHost, secrets, onHostLost: (notice) => lost.push(notice), restartDelayMs: () => 0 });
    const ready = supervisor.ready();
    supervisor.start();
    await ready;
    const first = supervisor.current as ForkedHost;
    const window = openWindow(first, 'w1');

    // A new session starts from the whole state, unasked.
    await until(() => window.messages.some((m) => m.type === 'event' && m.event === 'onState'));

    window.send(JSON.stringify({ type: 'call', id: 1, command: 'getState', args: [] }));
    await until(() => resultFor(window.messages, 1) !== undefined);
    const state = resultFor(window.messages, 1);
    expect(state).toMatchObject({ type: 'result', id: 1, ok: true, value: { phase: 'idle' } });

    window.send('{not json');
    window.send(JSON.stringify({ type: 'call', id: 2, command: 'rmRf', args: [] }));
    await until(() => resultFor(window.messages, 2) !== undefined && resultFor(window.messages, -1) !== undefined);
    expect(resultFor(window.messages, -1)).toMatchObject({ ok: false, error: { code: 'BAD_MESSAGE' } });
    expect(resultFor(window.messages, 2)).toMatchObject({ ok: false, error: { code: 'BAD_MESSAGE' } });

    // A key entered in a window is kept by the parent, and never comes back to the window.
    const key = 'live_123456_abcdefSECRET';
    window.send(JSON.stringify({ type: 'call', id: 3, command: 'addDestination', args: [{ name: 'Local', service: 'custom', serverUrl: 'rtmp://127.0.0.1:1935/live', streamKey: key }] }));
    await until(() => resultFor(window.messages, 3) !== undefined);
    expect(resultFor(window.messages, 3)).toMatchObject({ ok: true, value: { hasKey: true } });
    const seen = JSON.stringify(window.messages);
    expect(seen).not.toContain(key);
    // The parent has it; the host keeps no copy.
    const { id } = (resultFor(window.messages, 3) as { value: { id: string } }).value;
    expect(await secrets.get(`destination:${id}:stream-key`)).toBe(key);

    // The main process's own session sees the state too (for "was live" and the hotkeys).
    await until(() => supervisor.client?.state !== undefined);

    const pid = first.child.pid!;
    const restarted = supervisor.ready();
    first.child.kill('SIGKILL');
    await restarted;
    expect(isRunning(pid)).toBe(false);
    expect(lost).toHaveLength(1);
    expect(lost[0]).toMatchObject({ level: 'error', code: 'ENGINE_RESTARTED' });
    const second = supervisor.current as ForkedHost;
    expect(second).not.toBe(first);
    const again = openWindow(second, 'w1');
    again.send(JSON.stringify({ type: 'call', id: 1, command: 'getState', args: [] }));
    await until(() => resultFor(again.messages, 1) !== undefined);
    expect(resultFor(again.messages, 1)).toMatchObject({ ok: true, value: { phase: 'idle' } });

    // Quitting: the host stops its studio and exits by itself, not killed.
    await supervisor.stop(60_000);
    expect(second.child.exitCode).toBe(0);
    expect(lost).toHaveLength(1);
  });
});
