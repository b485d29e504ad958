import type { StudioEvents } from '../contract.js';
import type { EventMessage, JsonEventName } from '../contract-wire.js';
import { ContractSession } from '../engine/contract-server.js';
import type { Studio } from '../engine/studio.js';
import { type HostToParent, parseParentMessage } from './parent-protocol.js';
import { ParentSecretStore } from './parent-secrets.js';
import { type HostPort, type MessagePortLike, VirtualPort, fromMessagePort } from './port.js';

/** The parent channel: Electron's `process.parentPort`, or a forked child's `process.send`. */
export interface ParentChannel {
  post(message: HostToParent): void;
  /** `ports` carries MessagePorts handed over with a message (Electron only). */
  onMessage(listener: (data: unknown, ports: readonly MessagePortLike[]) => void): void;
}

/**
 * The parent's own session only needs what it acts on (the phase, for going live again after a crash;
 * results of its hotkey commands; notices): meters and stats stay off the parent channel.
 */
const CONTROL_DROPPED: readonly JsonEventName[] = ['onLevels', 'onStats'];
const controlDroppedPrefixes = CONTROL_DROPPED.map((event) => JSON.stringify({ type: 'event', event }).slice(0, -1));

/**
 * Runs one Studio behind message ports: one ContractSession per port (each window, the parent's own
 * control session), and stream keys asked of the parent. It holds no state of its own beyond the
 * sessions: everything a front sees comes from the studio.
 */
export class EngineHost {
  readonly secrets: ParentSecretStore;
  private readonly virtualPorts = new Map<string, VirtualPort>();
  private readonly sessions = new Set<ContractSession>();
  private studio: Studio | undefined;

  constructor(private readonly parent: ParentChannel) {
    this.secrets = new ParentSecretStore((message) => parent.post(message));
  }

  private shutdown: (() => Promise<void>) | undefined;

  /**
   * The studio is made after the secret store exists, since the studio is given it. `shutdown` runs
   * when the parent says the app quits (default: the studio stops its program and processes).
   */
  start(studio: Studio, shutdown: () => Promise<void> = () => studio.dispose()): void {
    this.studio = studio;
    this.shutdown = shutdown;
    this.parent.onMessage((data, ports) => this.onParentMessage(data, ports));
    this.parent.post({ type: 'ready' });
  }

  get sessionCount(): number {
    return this.sessions.size;
  }

  private onParentMessage(data: unknown, ports: readonly MessagePortLike[]): void {
    const message = parseParentMessage(data);
    if (!message) return;
    switch (message.type) {
      case 'connect': {
        const port = ports[0];
        if (port) this.attach(fromMessagePort(port), false);
        return;
      }
      case 'port-open': {
        this.virtualPorts.get(message.portId)?.close();
        const portId = message.portId;
        const port = new VirtualPort((payload) => this.parent.post({ type: 'port-data', portId, data: payload }));
        this.virtualPorts.set(portId, port);
        this.attach(port, portId === 'main');
        return;
      }
      case 'port-data':
        this.virtualPorts.get(message.portId)?.deliver(message.data);
        return;
      case 'port-close':
        this.virtualPorts.get(message.portId)?.close();
        this.virtualPorts.delete(message.portId);
        return;
      case 'shutdown':
        for (const session of this.sessions) session.close();
        this.sessions.clear();
        void this.shutdown?.();
        this.shutdown = undefined;
        return;
      case 'secret-result':
        this.secrets.answer(message.id, message.ok ? { ok: true, value: message.value } : { ok: false, message: message.message });
        return;
    }
  }

  private attach(port: HostPort, control: boolean): void {
    const studio = this.studio;
    if (!studio) return;
    const sendText = control
      ? (text: string): void => {
          if (!controlDroppedPrefixes.some((prefix) => text.startsWith(prefix))) port.postMessage(text);
        }
      : (text: string): void => port.postMessage(text);
    const session = new ContractSession(studio, { sendText, sendBinary: control ? () => {} : (data) => port.postMessage(data) });
    this.sessions.add(session);
    port.on('message', (data) => {
      // Only text is a call; anything else a front sends is answered like any other bad message.
      session.receive(typeof data === 'string' ? data : '\u0000');
    });
    port.on('close', () => {
      session.close();
      this.sessions.delete(session);
    });
    // A front that connects (a new window, or the same window after the host restarted) starts from
    // the whole state, without having to know that it must ask.
    void studio.getState().then((state) => {
      const message: EventMessage<'onState'> = { type: 'event', event: 'onState', payload: state satisfies StudioEvents['onState'] };
      sendText(JSON.stringify(message));
    });
  }
}
