/**
 * The preload under Node with a fake `electron`: it exposes exactly `window.uplinkChannel` (three
 * functions) and `window.uplinkHotkeys` (get, set) and carries text and binary over the port the main process posts, with Node's own
 * MessageChannel standing in for the renderer's.
 */
import { describe, expect, it, vi } from 'vitest';

type Listener = (event: { ports: unknown[] }, ...args: unknown[]) => void;
const exposed = new Map<string, unknown>();
const listeners = new Map<string, Listener>();
const sent: unknown[][] = [];

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: {
    on: (channel: string, listener: Listener) => listeners.set(channel, listener),
    send: (...args: unknown[]) => sent.push(args),
  },
}));

interface Channel {
  sendText(text: string): void;
  onMessage(cb: (data: string | ArrayBuffer) => void): void;
  onClose(cb: () => void): void;
  onOpen(cb: () => void): void;
}

async function loadPreload(): Promise<Channel> {
  await import('../../electron/preload/index.js');
  return exposed.get('uplinkChannel') as Channel;
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 20));

describe('preload', () => {
  it('exposes exactly uplinkChannel, with sendText, onMessage, onClose and onOpen, and asks for a port', async () => {
    const channel = await loadPreload();
    expect([...exposed.keys()]).toEqual(['uplinkChannel', 'uplinkHotkeys']);
    expect(Object.keys(exposed.get('uplinkHotkeys') as object).sort()).toEqual(['get', 'set']);
    expect(Object.keys(channel).sort()).toEqual(['onClose', 'onMessage', 'onOpen', 'sendText']);
    for (const value of Object.values(channel)) expect(typeof value).toBe('function');
    expect(sent).toEqual([['uplink:port-request']]);
    // No Electron or Node object leaks through the bridge.
    expect(JSON.stringify(Object.keys(channel))).not.toMatch(/ipc|require|process/i);
  });

  it('carries text both ways and binary as an ArrayBuffer; a replaced host closes the old port', async () => {
    const channel = await loadPreload();
    const received: Array<string | ArrayBuffer> = [];
    let closes = 0;
    let opens = 0;
    channel.onMessage((data) => received.push(data));
    channel.onClose(() => closes++);
    channel.onOpen(() => opens++);
    expect(opens).toBe(0);

    // Sent before any port: kept and sent once the port arrives.
    channel.sendText('early');
    const { port1, port2 } = new MessageChannel();
    const hostGot: unknown[] = [];
    port2.on('message', (data: unknown) => hostGot.push(data));
    listeners.get('port')!({ ports: [port1] });
    expect(opens).toBe(1);
    channel.sendText('{"type":"call","id":1,"command":"getState","args":[]}');
    await tick();
    expect(hostGot).toEqual(['early', '{"type":"call","id":1,"command":"getState","args":[]}']);

    port2.postMessage('{"type":"result","id":1,"ok":true,"value":null}');
    port2.postMessage(new Uint8Array([1, 0, 0, 0, 7, 0xff]));
    await tick();
    expect(received[0]).toBe('{"type":"result","id":1,"ok":true,"value":null}');
    expect(received[1]).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(received[1] as ArrayBuffer)]).toEqual([1, 0, 0, 0, 7, 0xff]);

    // The engine host died: the notice reaches the page as an onNotice event and the port is closed.
    const notice = JSON.stringify({ type: 'event', event: 'onNotice', payload: { level: 'error', code: 'ENGINE_RESTARTED', message: 'The engine stopped', at: 1 } });
    listeners.get('notice')!({ ports: [] }, notice);
    expect(closes).toBe(1);
    expect(received[2]).toBe(notice);

    const next = new MessageChannel();
    const newHostGot: unknown[] = [];
    next.port2.on('message', (data: unknown) => newHostGot.push(data));
    listeners.get('port')!({ ports: [next.port1] });
    expect(opens).toBe(2);
    let lateOpen = 0;
    channel.onOpen(() => lateOpen++);
    expect(lateOpen).toBe(1);
    channel.sendText('after');
    await tick();
    expect(newHostGot).toEqual(['after']);
    next.port1.close();
    port2.close();
  });

  it('ignores what is not text or a function', async () => {
    const channel = await loadPreload();
    expect(() => channel.sendText({} as unknown as string)).not.toThrow();
    expect(() => channel.onMessage('x' as unknown as () => void)).not.toThrow();
  });
});
