/**
 * The preload: one channel to the engine host (`window.uplinkChannel`, the renderer's Channel shape) and
 * the desktop app's hotkeys (`window.uplinkHotkeys`: get and set), nothing else (no ipcRenderer, no Node). The main
 * process posts a MessagePort whose other end is the engine host; the page sends contract calls as text
 * and receives results, events (text) and preview pictures (binary) on it. It runs sandboxed, so it is
 * one file importing only `electron` (electron-vite bundles it as CommonJS).
 *
 * When the engine host is replaced (it crashed and a new one started), the main process says so with a
 * notice (an `onNotice` event, delivered like any other message) and posts a new port: the page's
 * listeners stay, the old port closes, `onClose` fires, and the new host's session starts with a state
 * snapshot.
 */
import type { ContextBridge, IpcRenderer, IpcRendererEvent } from 'electron';
import * as electron from 'electron';

export interface UplinkChannel {
  sendText(text: string): void;
  onMessage(cb: (data: string | ArrayBuffer) => void): void;
  onClose(cb: () => void): void;
  /**
   * A port to the engine host is open (now, if one is already; again after each host restart): the
   * renderer's Channel takes this optional member to know that a closed channel is back.
   */
  onOpen(cb: () => void): void;
}

const PORT_REQUEST_CHANNEL = 'uplink:port-request';
const HOTKEYS_GET_CHANNEL = 'uplink:hotkeys-get';
const HOTKEYS_SET_CHANNEL = 'uplink:hotkeys-set';
const PORT_CHANNEL = 'port';
const NOTICE_CHANNEL = 'notice';
/** Text waiting for a port (sent before the first one arrives, or while a host restarts). */
const MAX_PENDING = 256;

/** The renderer's MessagePort, as used here (the build has no DOM types: it also compiles for Node). */
interface RendererPort {
  postMessage(message: string): void;
  start(): void;
  close(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  addEventListener(type: 'close', listener: () => void): void;
}

type Bridge = Pick<ContextBridge, 'exposeInMainWorld'>;
type Ipc = Pick<IpcRenderer, 'on' | 'send'>;
type Invoke = Pick<IpcRenderer, 'invoke'>;

/** Settings > Hotkeys in the desktop app: the main process registers them and keeps them in hotkeys.json. */
export interface UplinkHotkeys {
  get(): Promise<unknown>;
  set(settings: unknown): Promise<unknown>;
}

/** Exposes the hotkeys as `window.uplinkHotkeys`: two fixed requests, whose answers the main process checks and gives. */
export function exposeUplinkHotkeys(contextBridge: Bridge, ipcRenderer: Invoke): void {
  const hotkeys: UplinkHotkeys = {
    get: () => ipcRenderer.invoke(HOTKEYS_GET_CHANNEL),
    // Only plain data crosses: the main process checks every field again.
    set: (settings: unknown) => ipcRenderer.invoke(HOTKEYS_SET_CHANNEL, JSON.parse(JSON.stringify(settings ?? null)) as unknown),
  };
  contextBridge.exposeInMainWorld('uplinkHotkeys', hotkeys);
}

/** Builds the channel and exposes it as `window.uplinkChannel`; exported for the tests. */
export function exposeUplinkChannel(contextBridge: Bridge, ipcRenderer: Ipc): void {
  let port: RendererPort | undefined;
  const pending: string[] = [];
  const messageListeners: Array<(data: string | ArrayBuffer) => void> = [];
  const closeListeners: Array<() => void> = [];
  const openListeners: Array<() => void> = [];

  const deliver = (data: unknown): void => {
    let out: string | ArrayBuffer;
    if (typeof data === 'string') out = data;
    else if (data instanceof ArrayBuffer) out = data;
    else if (ArrayBuffer.isView(data)) out = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    else return;
    for (const cb of messageListeners) cb(out);
  };
  const closed = (): void => {
    if (!port) return;
    port.close();
    port = undefined;
    for (const cb of closeListeners) cb();
  };

  ipcRenderer.on(PORT_CHANNEL, (event: IpcRendererEvent) => {
    const next = event.ports[0] as unknown as RendererPort | undefined;
    if (!next) return;
    closed();
    port = next;
    next.onmessage = (e) => deliver(e.data);
    next.addEventListener('close', () => {
      if (port === next) closed();
    });
    next.start();
    for (const text of pending.splice(0)) next.postMessage(text);
    for (const cb of openListeners) cb();
  });
  ipcRenderer.on(NOTICE_CHANNEL, (_event: IpcRendererEvent, text: unknown) => {
    if (typeof text !== 'string') return;
    // The engine host is gone: its port is dead even where Chromium does not fire 'close' on it.
    if (text.includes('"code":"ENGINE_RESTARTED"')) closed();
    deliver(text);
  });

  const channel: UplinkChannel = {
    sendText(text: string): void {
      if (typeof text !== 'string') return;
      if (port) port.postMessage(text);
      else if (pending.length < MAX_PENDING) pending.push(text);
    },
    onMessage(cb: (data: string | ArrayBuffer) => void): void {
      if (typeof cb === 'function') messageListeners.push(cb);
    },
    onClose(cb: () => void): void {
      if (typeof cb === 'function') closeListeners.push(cb);
    },
    onOpen(cb: () => void): void {
      if (typeof cb !== 'function') return;
      openListeners.push(cb);
      if (port) cb();
    },
  };
  contextBridge.exposeInMainWorld('uplinkChannel', channel);
  // Asked for (rather than pushed at load) so that a reloaded page gets a fresh port too.
  ipcRenderer.send(PORT_REQUEST_CHANNEL);
}

exposeUplinkChannel(electron.contextBridge, electron.ipcRenderer);
exposeUplinkHotkeys(electron.contextBridge, electron.ipcRenderer);
