// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { type SocketLike, StudioCallError, StudioClient, reconnectDelay, webSocketChannel, webSocketUrl } from '../../renderer/src/client.js';
import { bindClient, createAppStore } from '../../renderer/src/store.js';
import { FakeChannel, studioState } from './fakes.js';

describe('StudioClient', () => {
  it('pairs results with calls by id, whatever order they come back in', async () => {
    const channel = new FakeChannel();
    const client = new StudioClient(channel);
    const a = client.call('addScene', 'Intro');
    const b = client.call('listServices');
    expect(channel.sent.map((c) => [c.command, c.args])).toEqual([
      ['addScene', ['Intro']],
      ['listServices', []],
    ]);
    channel.result(channel.sent[1]!.id, true, []);
    channel.result(channel.sent[0]!.id, true, 'scene-9');
    await expect(a).resolves.toBe('scene-9');
    await expect(b).resolves.toEqual([]);
  });

  it('rejects with the CommandError: code, message and field', async () => {
    const channel = new FakeChannel();
    const client = new StudioClient(channel);
    const p = client.call('setEncoding', { videoBitrateKbps: 5 });
    channel.result(channel.sent[0]!.id, false, { code: 'INVALID_INPUT', message: 'videoBitrateKbps must be ...', field: 'videoBitrateKbps' });
    const err = await p.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StudioCallError);
    expect(err).toMatchObject({ code: 'INVALID_INPUT', message: 'videoBitrateKbps must be ...', field: 'videoBitrateKbps' });
  });

  it('delivers JSON events and binary preview pictures to their listeners', () => {
    const channel = new FakeChannel();
    const client = new StudioClient(channel);
    const states: number[] = [];
    const pictures: Array<[number, number[]]> = [];
    const off = client.on('onState', (s) => states.push(s.revision));
    client.onPreview((f) => pictures.push([f.seq, [...f.jpeg]]));
    channel.event('onState', studioState({ revision: 2 }));
    channel.event('onStats', {});
    channel.preview(42, new Uint8Array([1, 2, 3]));
    off();
    channel.event('onState', studioState({ revision: 3 }));
    expect(states).toEqual([2]);
    expect(pictures).toEqual([[42, [1, 2, 3]]]);
  });

  it('ignores garbage and results nobody waits for', () => {
    const channel = new FakeChannel();
    const client = new StudioClient(channel);
    expect(() => channel.result(99, true, 1)).not.toThrow();
    expect(client.connectionState).toBe('open');
  });

  it('fails calls in flight when the channel drops, and refetches the state after reconnecting', async () => {
    const channel = new FakeChannel(true);
    const client = new StudioClient(channel);
    const store = createAppStore(client);
    bindClient(store, client);
    expect(store.getState().connection).toBe('connecting');
    channel.reopen();
    expect(store.getState().connection).toBe('open');
    expect(channel.sent.map((c) => c.command)).toEqual(['getState']);
    channel.result(channel.sent[0]!.id, true, studioState({ revision: 10 }));
    const pending = client.call('goLive');
    channel.drop();
    await expect(pending).rejects.toMatchObject({ code: 'DISCONNECTED' });
    expect(store.getState().connection).toBe('closed');
    await expect(client.call('stopStream')).rejects.toMatchObject({ code: 'DISCONNECTED' });
    channel.reopen();
    expect(channel.sent.at(-1)?.command).toBe('getState');
    // The engine host restarted and counts revisions from the start again: the fresh snapshot wins.
    channel.result(channel.sent.at(-1)!.id, true, studioState({ revision: 2, phase: 'live' }));
    await Promise.resolve();
    expect(store.getState().studio?.phase).toBe('live');
  });
});

describe('webSocketChannel', () => {
  class FakeSocket implements SocketLike {
    binaryType: BinaryType = 'blob';
    readyState = 0;
    sent: string[] = [];
    onopen: ((ev: Event) => void) | null = null;
    onclose: ((ev: CloseEvent) => void) | null = null;
    onmessage: ((ev: MessageEvent) => void) | null = null;
    constructor(readonly url: string) {}
    send(data: string): void {
      this.sent.push(data);
    }
    close(): void {}
    open(): void {
      this.readyState = 1;
      this.onopen?.(new Event('open'));
    }
    lose(): void {
      this.readyState = 3;
      this.onclose?.(new Event('close') as CloseEvent);
    }
  }

  it('reconnects with growing delays and reports close and open', () => {
    const sockets: FakeSocket[] = [];
    const timers: Array<{ fn: () => void; ms: number }> = [];
    const channel = webSocketChannel({
      url: 'ws://h/ws?token=t',
      createSocket: (url) => {
        const s = new FakeSocket(url);
        sockets.push(s);
        return s;
      },
      setTimer: (fn, ms) => timers.push({ fn, ms }),
    });
    const log: string[] = [];
    channel.onOpen?.(() => log.push('open'));
    channel.onClose(() => log.push('close'));
    channel.onMessage((d) => log.push(typeof d === 'string' ? d : 'binary'));
    expect(sockets[0]!.binaryType).toBe('arraybuffer');
    expect(() => channel.sendText('x')).toThrow();
    sockets[0]!.open();
    channel.sendText('hello');
    expect(sockets[0]!.sent).toEqual(['hello']);
    sockets[0]!.onmessage?.(new MessageEvent('message', { data: 'evt' }));
    sockets[0]!.lose();
    // A refused attempt is not a new close for the client: it never opened.
    timers.shift()!.fn();
    sockets[1]!.lose();
    timers.shift()!.fn();
    sockets[2]!.open();
    expect(log).toEqual(['open', 'evt', 'close', 'open']);
    expect(sockets.map((s) => s.url)).toEqual(['ws://h/ws?token=t', 'ws://h/ws?token=t', 'ws://h/ws?token=t']);
  });

  it('backs off exponentially up to 10 s', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 10].map(reconnectDelay)).toEqual([250, 500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  });

  it('builds the URL from the page: scheme, host and token', () => {
    expect(webSocketUrl({ protocol: 'https:', host: 'studio.local:8443', search: '?token=a%2Bb' })).toBe('wss://studio.local:8443/ws?token=a%2Bb');
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:8080', search: '' })).toBe('ws://127.0.0.1:8080/ws?token=');
  });
});
