/**
 * Runs the obs-websocket server for the process that hosts a studio (`uplink serve`, the desktop app's
 * engine host), as the studio's setting says: started when it is turned on, restarted on a new port or
 * password, stopped when it is turned off, and what happened reported back into the studio's state. With
 * `fixed` (uplink serve's --obs-websocket-port) the flags decide instead, and the setting is left alone.
 */
import { errorMessage } from '../../engine/errors.js';
import { Logger } from '../../engine/log.js';
import type { Studio } from '../../engine/studio.js';
import { ObsWebSocketServer } from './server.js';
import { type PortFolders, guardedStudioPort } from './studio-port.js';
import type { ObsFront, StudioPort } from './types.js';

export interface ObsServerConfig {
  host: string;
  port: number;
  password: string;
}

export interface ObsWebSocketControllerOptions {
  folders: PortFolders;
  createFront: (port: StudioPort) => ObsFront;
  /** Set by flags: this configuration, whatever the setting says. */
  fixed?: ObsServerConfig;
  /** Where the setting's server listens (default 127.0.0.1: only this computer). */
  host?: string;
}

type Running = { config: ObsServerConfig; server: ObsWebSocketServer; front: ObsFront };

export class ObsWebSocketController {
  private readonly log = new Logger('obs-websocket');
  private running: Running | undefined;
  /** Changes are applied one at a time, in order. */
  private applying: Promise<void> = Promise.resolve();
  private unwatch: (() => void) | undefined;
  private stopped = false;
  private lastError: unknown;
  private fps = 30;
  private readonly onState = (state: Awaited<ReturnType<Studio['getState']>>): void => {
    this.fps = state.scenes?.collection.canvas.fps ?? state.encoding.fps;
  };

  constructor(
    private readonly studio: Studio,
    private readonly options: ObsWebSocketControllerOptions,
  ) {}

  /** Where the server listens now, if it does. */
  get address(): { host: string; port: number } | undefined {
    const running = this.running;
    return running ? { host: running.config.host, port: running.server.port } : undefined;
  }

  /** Applies the configuration now; rejects when a fixed one (the flags') cannot listen. */
  async start(): Promise<void> {
    this.studio.on('onState', this.onState);
    if (!this.options.fixed) this.unwatch = this.studio.watchObsWebSocket(() => void this.apply());
    await this.apply();
    if (this.options.fixed && !this.running) throw this.lastError ?? new Error('obs-websocket did not start');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unwatch?.();
    this.studio.off('onState', this.onState);
    await this.apply();
  }

  private apply(): Promise<void> {
    this.applying = this.applying.then(() => this.applyNow());
    return this.applying;
  }

  private async applyNow(): Promise<void> {
    const wanted = this.stopped ? undefined : await this.wanted();
    const running = this.running;
    if (running && wanted && sameConfig(running.config, wanted)) return;
    if (running) {
      this.running = undefined;
      if (!this.stopped) this.studio.reportObsWebSocket({ listening: false });
      await running.server.stop(this.stopped ? 'exit' : 'invalidate');
      running.front.close();
    }
    if (!wanted) {
      if (!this.stopped) this.studio.reportObsWebSocket({ listening: false });
      return;
    }
    const front = this.options.createFront(guardedStudioPort(this.studio, this.options.folders));
    const server = new ObsWebSocketServer({ front, host: wanted.host, port: wanted.port, password: wanted.password, frameRate: () => this.fps });
    try {
      await server.start();
      this.running = { config: wanted, server, front };
      this.lastError = undefined;
      if (this.options.fixed) this.studio.fixObsWebSocket({ port: server.port, password: wanted.password });
      this.studio.reportObsWebSocket({ listening: true });
    } catch (err) {
      front.close();
      await server.stop();
      this.lastError = err;
      this.log.warn(errorMessage(err));
      this.studio.reportObsWebSocket({ listening: false, error: errorMessage(err) });
    }
  }

  private async wanted(): Promise<ObsServerConfig | undefined> {
    if (this.options.fixed) return this.options.fixed;
    const setting = await this.studio.obsWebSocketConfig();
    if (!setting.enabled || setting.password === undefined) return undefined;
    return { host: this.options.host ?? '127.0.0.1', port: setting.port, password: setting.password };
  }
}

function sameConfig(a: ObsServerConfig, b: ObsServerConfig): boolean {
  return a.host === b.host && a.port === b.port && a.password === b.password;
}
