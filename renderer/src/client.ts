/**
 * The contract, seen from the renderer: typed calls and events over any message channel. The desktop
 * app's preload hands over a channel on a MessagePort (`window.uplinkChannel`); the browser opens a
 * WebSocket to `uplink serve`. Both carry the same messages (contract-wire.ts), so the client is written
 * once against the `Channel` shape and knows nothing of the transport.
 */
import type { CommandError, StudioCommands, StudioEvents } from '../../electron/contract.js';
import { type CallMessage, type JsonEventName, type ServerMessage, decodePreview } from '../../electron/contract-wire.js';

/** A duplex message pipe: text for JSON, ArrayBuffer for binary messages (preview pictures). */
export interface Channel {
  sendText(text: string): void;
  onMessage(cb: (data: string | ArrayBuffer) => void): void;
  onClose(cb: () => void): void;
  /** Channels that reconnect by themselves say when they are open again; others are open from the start. */
  onOpen?(cb: () => void): void;
}

declare global {
  interface Window {
    /** Exposed by the desktop app's preload: the engine host's MessagePort, in the Channel shape. */
    uplinkChannel?: Channel;
  }
}

export type CommandResult<K extends keyof StudioCommands> = Awaited<ReturnType<StudioCommands[K]>>;
export type ConnectionState = 'connecting' | 'open' | 'closed';

/** A call failed: the engine's CommandError, as an Error so that stacks and `instanceof` work. */
export class StudioCallError extends Error implements CommandError {
  readonly code: string;
  readonly field?: string;
  constructor(error: CommandError) {
    super(error.message);
    this.name = 'StudioCallError';
    this.code = error.code;
    if (error.field !== undefined) this.field = error.field;
  }
}

type Listener<T> = (payload: T) => void;

export class StudioClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: StudioCallError) => void }>();
  private readonly listeners = new Map<string, Set<Listener<never>>>();
  private readonly previewListeners = new Set<Listener<{ seq: number; jpeg: Uint8Array }>>();
  private readonly connectionListeners = new Set<Listener<ConnectionState>>();
  private connection: ConnectionState;

  constructor(private readonly channel: Channel) {
    this.connection = channel.onOpen ? 'connecting' : 'open';
    channel.onMessage((data) => this.receive(data));
    channel.onClose(() => {
      // Results of calls in flight will never come: fail them now rather than leave buttons spinning.
      for (const { reject } of this.pending.values()) reject(new StudioCallError({ code: 'DISCONNECTED', message: 'Lost the connection to the studio; it is reconnecting.' }));
      this.pending.clear();
      this.setConnection('closed');
    });
    channel.onOpen?.(() => this.setConnection('open'));
  }

  get connectionState(): ConnectionState {
    return this.connection;
  }

  call<K extends keyof StudioCommands>(command: K, ...args: Parameters<StudioCommands[K]>): Promise<CommandResult<K>> {
    const id = this.nextId++;
    const message: CallMessage = { type: 'call', id, command, args };
    return new Promise<CommandResult<K>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      try {
        this.channel.sendText(JSON.stringify(message));
      } catch {
        this.pending.delete(id);
        reject(new StudioCallError({ code: 'DISCONNECTED', message: 'Not connected to the studio yet; try again in a moment.' }));
      }
    });
  }

  /** Listens to a JSON event; returns the way to stop. */
  on<K extends JsonEventName>(event: K, listener: Listener<StudioEvents[K]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  onPreview(listener: Listener<{ seq: number; jpeg: Uint8Array }>): () => void {
    this.previewListeners.add(listener);
    return () => this.previewListeners.delete(listener);
  }

  /** Connection changes: 'open' again after a reconnect is the cue to fetch a fresh snapshot. */
  onConnection(listener: Listener<ConnectionState>): () => void {
    this.connectionListeners.add(listener);
    return () => this.connectionListeners.delete(listener);
  }

  private setConnection(state: ConnectionState): void {
    this.connection = state;
    for (const listener of this.connectionListeners) listener(state);
  }

  private receive(data: string | ArrayBuffer): void {
    if (typeof data !== 'string') {
      const frame = decodePreview(new Uint8Array(data));
      if (frame) for (const listener of this.previewListeners) listener(frame);
      return;
    }
    let message: ServerMessage;
    try {
      message = JSON.parse(data) as ServerMessage;
    } catch {
      return; // Not ours to crash over: the engine only sends JSON, so this is noise on the channel.
    }
    if (message.type === 'result') {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.ok) waiting.resolve(message.value);
      else waiting.reject(new StudioCallError(message.error));
    } else if (message.type === 'event') {
      const set = this.listeners.get(message.event);
      if (set) for (const listener of set) (listener as Listener<unknown>)(message.payload);
    }
  }
}

/** Wait before the n-th reconnect attempt (0-based): quick at first, then at most every 10 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(10_000, 250 * 2 ** Math.min(attempt, 6));
}

export interface SocketLike {
  binaryType: BinaryType;
  readyState: number;
  send(data: string): void;
  close(): void;
  onopen: ((ev: Event) => void) | null;
  onclose: ((ev: CloseEvent) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
}

export interface WebSocketChannelOptions {
  url: string;
  /** Injected by tests; the browser's WebSocket otherwise. */
  createSocket?: (url: string) => SocketLike;
  setTimer?: (fn: () => void, ms: number) => unknown;
}

/**
 * A WebSocket that reconnects with backoff for as long as the page lives: `uplink serve` may restart,
 * and a laptop may sleep. Calls made while it is down fail at once (the client says DISCONNECTED).
 */
export function webSocketChannel(options: WebSocketChannelOptions): Channel {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as SocketLike);
  const setTimer = options.setTimer ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
  const messageCbs: Array<(data: string | ArrayBuffer) => void> = [];
  const closeCbs: Array<() => void> = [];
  const openCbs: Array<() => void> = [];
  let socket: SocketLike;
  let attempt = 0;
  let wasOpen = false;

  const connect = (): void => {
    socket = createSocket(options.url);
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      attempt = 0;
      wasOpen = true;
      for (const cb of openCbs) cb();
    };
    socket.onmessage = (ev) => {
      const data: unknown = ev.data;
      if (typeof data === 'string' || data instanceof ArrayBuffer) for (const cb of messageCbs) cb(data);
    };
    socket.onclose = () => {
      if (wasOpen) for (const cb of closeCbs) cb();
      wasOpen = false;
      setTimer(connect, reconnectDelay(attempt++));
    };
  };
  connect();

  return {
    sendText(text) {
      if (socket.readyState !== 1) throw new Error('not connected');
      socket.send(text);
    },
    onMessage: (cb) => void messageCbs.push(cb),
    onClose: (cb) => void closeCbs.push(cb),
    onOpen: (cb) => void openCbs.push(cb),
  };
}

/** The address of `uplink serve`'s WebSocket for this page, with the token the page was opened with. */
export function webSocketUrl(location: Pick<Location, 'protocol' | 'host' | 'search'>): string {
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`;
}

/** The desktop app's channel when the preload gave one, else the web remote's WebSocket. */
export function connectStudio(win: Window = window): StudioClient {
  return new StudioClient(win.uplinkChannel ?? webSocketChannel({ url: webSocketUrl(win.location) }));
}
