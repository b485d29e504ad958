/**
 * One front's message channel as the host sees it, whatever carries it: an Electron MessagePortMain
 * handed over by the main process, or a virtual port multiplexed over the parent channel.
 */
export interface HostPort {
  postMessage(data: string | Uint8Array): void;
  on(event: 'message', listener: (data: unknown) => void): void;
  on(event: 'close', listener: () => void): void;
  close(): void;
}

/** The part of Electron's MessagePortMain the host uses (structural, so the host never imports Electron). */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

export function fromMessagePort(port: MessagePortLike): HostPort {
  const messageListeners: Array<(data: unknown) => void> = [];
  const closeListeners: Array<() => void> = [];
  port.on('message', (e) => {
    for (const l of messageListeners) l(e.data);
  });
  port.on('close', () => {
    for (const l of closeListeners) l();
  });
  // Messages queue on a MessagePortMain until it is started.
  port.start();
  return {
    postMessage: (data) => port.postMessage(data),
    on(event: 'message' | 'close', listener: ((data: unknown) => void) | (() => void)): void {
      if (event === 'message') messageListeners.push(listener as (data: unknown) => void);
      else closeListeners.push(listener as () => void);
    },
    close: () => port.close(),
  };
}

/** A port whose traffic rides on the parent channel: the host's side of `port-open` / `port-data`. */
export class VirtualPort implements HostPort {
  private readonly messageListeners: Array<(data: unknown) => void> = [];
  private readonly closeListeners: Array<() => void> = [];
  private closed = false;

  constructor(private readonly send: (data: string | Uint8Array) => void) {}

  postMessage(data: string | Uint8Array): void {
    if (!this.closed) this.send(data);
  }

  on(event: 'message', listener: (data: unknown) => void): void;
  on(event: 'close', listener: () => void): void;
  on(event: 'message' | 'close', listener: ((data: unknown) => void) | (() => void)): void {
    if (event === 'message') this.messageListeners.push(listener as (data: unknown) => void);
    else this.closeListeners.push(listener as () => void);
  }

  /** Called by the host when the parent sends data for this port. */
  deliver(data: unknown): void {
    if (!this.closed) for (const l of this.messageListeners) l(data);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l();
  }
}
