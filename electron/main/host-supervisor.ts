import type { Notice, StudioPhase } from '../contract.js';
import type { SecretStore } from '../engine/secrets.js';
import { ControlClient } from './control-client.js';
import { CONTROL_PORT, type HostToMain, type MainToHost, parseHostMessage } from './host-protocol.js';

/** What the supervisor needs of a host process: Electron's UtilityProcess, or a forked Node child. */
export interface HostProcess {
  postMessage(message: MainToHost, transfer?: unknown[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  on(event: 'exit', listener: (code: number | null) => void): unknown;
  kill(): boolean;
}

export interface SupervisorOptions {
  fork(): HostProcess;
  /** Where stream keys live (safeStorage in the app): the host asks for them and keeps none. */
  secrets: SecretStore;
  /** A new host is up: hand every window a fresh port to it. */
  onHostReady?(host: HostProcess): void;
  /** The host died: tell every window (its port is already closed). */
  onHostLost?(notice: Notice): void;
  /** The studio's phase changed (as the main process's own session saw it): updates wait for idle. */
  onPhase?(phase: StudioPhase | undefined): void;
  /** Delay before restart attempt n (1, 2, ...): quick at first, slower if the host keeps dying. */
  restartDelayMs?(attempt: number): number;
  now?(): number;
}

/** How long a quitting app waits for the host to stop its stream and save before it kills it. */
export const SHUTDOWN_GRACE_MS = 5_000;

/** A host that stayed up this long is healthy again: the next crash restarts it at once. */
const HEALTHY_AFTER_MS = 30_000;

export function defaultRestartDelay(attempt: number): number {
  return attempt <= 1 ? 0 : Math.min(10_000, 500 * 2 ** (attempt - 2));
}

/**
 * Runs the engine host and keeps it running. If it dies, the windows are told and a new one starts; if
 * the program was live, the new host goes live again by itself. The only state kept here across a crash
 * is that flag, taken from the last `onState` phase seen on the main process's own session.
 */
export class HostSupervisor {
  private host: HostProcess | undefined;
  private control: ControlClient | undefined;
  private stopped = false;
  private wasLive = false;
  private attempts = 0;
  private startedAt = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly readyWaiters: Array<() => void> = [];

  constructor(private readonly options: SupervisorOptions) {}

  get current(): HostProcess | undefined {
    return this.host;
  }

  get client(): ControlClient | undefined {
    return this.control;
  }

  /** Resolves when the current (or next) host has said it is ready. */
  ready(): Promise<void> {
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  start(): void {
    this.stopped = false;
    const host = this.options.fork();
    this.host = host;
    this.startedAt = this.now();
    const control = new ControlClient((text) => host.postMessage({ type: 'port-data', portId: CONTROL_PORT, data: text }));
    this.control = control;
    host.on('message', (data) => {
      const message = parseHostMessage(data);
      if (message) this.onHostMessage(host, control, message);
    });
    host.on('exit', (code) => this.onExit(host, control, code));
  }

  /**
   * Stops for good (the app quits): no restart. The host is asked to shut down cleanly (the stream
   * unpublished, the recording finished, obs-websocket clients told, the scenes saved) and killed if it
   * has not exited within `graceMs`.
   */
  stop(graceMs = SHUTDOWN_GRACE_MS): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const host = this.host;
    if (!host) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        host.kill();
        resolve();
      }, graceMs);
      host.on('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      host.postMessage({ type: 'shutdown' });
    });
  }

  private onHostMessage(host: HostProcess, control: ControlClient, message: HostToMain): void {
    if (host !== this.host) return;
    switch (message.type) {
      case 'ready':
        host.postMessage({ type: 'port-open', portId: CONTROL_PORT });
        this.options.onHostReady?.(host);
        if (this.wasLive) {
          // The stream was up when the last host died: bring it back without waiting for anyone.
          control.call('goLive').catch(() => {
            /* the host reports why on its own (onNotice) */
          });
        }
        for (const resolve of this.readyWaiters.splice(0)) resolve();
        return;
      case 'port-data':
        if (message.portId === CONTROL_PORT && typeof message.data === 'string') {
          const before = control.phase;
          control.receive(message.data);
          const phase = control.phase;
          if (phase !== before) this.options.onPhase?.(phase);
          // Only what the streamer did changes the flag: a host that dies leaves no snapshot behind.
          if (phase === 'live') this.wasLive = true;
          else if (phase === 'idle' || phase === 'stopping') this.wasLive = false;
        }
        return;
      case 'secret':
        void this.answerSecret(host, message);
        return;
    }
  }

  private async answerSecret(host: HostProcess, request: Extract<HostToMain, { type: 'secret' }>): Promise<void> {
    const { secrets } = this.options;
    try {
      let value: string | undefined;
      if (request.op === 'get') value = await secrets.get(request.ref);
      else if (request.op === 'set') await secrets.set(request.ref, request.value ?? '');
      else await secrets.delete(request.ref);
      host.postMessage(value === undefined ? { type: 'secret-result', id: request.id, ok: true } : { type: 'secret-result', id: request.id, ok: true, value });
    } catch (err) {
      host.postMessage({ type: 'secret-result', id: request.id, ok: false, message: err instanceof Error ? err.message : String(err) });
    }
  }

  private onExit(host: HostProcess, control: ControlClient, code: number | null): void {
    if (host !== this.host) return;
    control.abandon();
    this.host = undefined;
    this.control = undefined;
    if (this.stopped) return;
    if (this.now() - this.startedAt > HEALTHY_AFTER_MS) this.attempts = 0;
    this.attempts++;
    this.options.onHostLost?.({
      level: 'error',
      code: 'ENGINE_RESTARTED',
      message: this.wasLive
        ? `The engine stopped unexpectedly (exit ${code ?? 'signal'}); a new one is starting and the stream will go live again by itself.`
        : `The engine stopped unexpectedly (exit ${code ?? 'signal'}); a new one is starting.`,
      at: Date.now(),
    });
    const delay = (this.options.restartDelayMs ?? defaultRestartDelay)(this.attempts);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (!this.stopped) this.start();
    }, delay);
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }
}
