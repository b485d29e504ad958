import type { CommandError, StudioCommands, StudioPhase, StudioState } from '../contract.js';
import type { ResultMessage, ServerMessage } from '../contract-wire.js';

/**
 * The main process's own contract session with the engine host, for what only the main process starts:
 * global hotkeys, and going live again after a crash. It is a front like any other (calls by name,
 * results by id); the one thing the main process keeps from it across a host's death is whether the
 * program was live.
 */
export class ControlClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: CommandError) => void }>();
  private lastState: StudioState | undefined;

  constructor(private readonly send: (text: string) => void) {}

  /** The phase of the last snapshot seen; survives nothing but is read by the supervisor at a crash. */
  get phase(): StudioPhase | undefined {
    return this.lastState?.phase;
  }

  get state(): StudioState | undefined {
    return this.lastState;
  }

  call<K extends keyof StudioCommands>(command: K, ...args: Parameters<StudioCommands[K]>): Promise<Awaited<ReturnType<StudioCommands[K]>>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.send(JSON.stringify({ type: 'call', id, command, args }));
    });
  }

  receive(text: string): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(text) as ServerMessage;
    } catch {
      return;
    }
    if (message.type === 'result') this.settle(message);
    else if (message.event === 'onState') {
      const state = message.payload as StudioState;
      if (!this.lastState || state.revision >= this.lastState.revision) this.lastState = state;
    }
  }

  /** The host is gone: every call waiting on it fails. */
  abandon(): void {
    for (const [, waiting] of this.pending) waiting.reject({ code: 'ENGINE_STOPPED', message: 'the engine stopped before answering' });
    this.pending.clear();
  }

  private settle(message: ResultMessage): void {
    const waiting = this.pending.get(message.id);
    if (!waiting) return;
    this.pending.delete(message.id);
    if (message.ok) waiting.resolve(message.value);
    else waiting.reject(message.error);
  }
}
