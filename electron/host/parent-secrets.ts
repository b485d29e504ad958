import type { SecretStore } from '../engine/secrets.js';
import { registerSecret } from '../engine/log.js';
import type { HostToParent, SecretOp } from './parent-protocol.js';

/**
 * The host's SecretStore: stream keys live with the parent (the main process owns safeStorage), so every
 * get/set/delete is a request over the parent channel, paired with its answer by id. The host keeps no
 * copy: a crashed host leaves no key behind in memory.
 */
export class ParentSecretStore implements SecretStore {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: string | undefined) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly post: (message: HostToParent) => void,
    private readonly timeoutMs = 30_000,
  ) {}

  async get(ref: string): Promise<string | undefined> {
    const value = await this.request('get', ref);
    // A key read back is a secret again in this process: the logger must redact it.
    if (value !== undefined) registerSecret(value);
    return value;
  }

  async set(ref: string, value: string): Promise<void> {
    registerSecret(value);
    await this.request('set', ref, value);
  }

  async delete(ref: string): Promise<void> {
    await this.request('delete', ref);
  }

  /** The parent's answer to request `id`. */
  answer(id: number, result: { ok: true; value?: string } | { ok: false; message: string }): void {
    const waiting = this.pending.get(id);
    if (!waiting) return;
    this.pending.delete(id);
    clearTimeout(waiting.timer);
    if (result.ok) waiting.resolve(result.value);
    else waiting.reject(new Error(result.message));
  }

  private request(op: SecretOp, ref: string, value?: string): Promise<string | undefined> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      // The parent may be asking the streamer (a dialog before a weaker store): generous, but bounded.
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('the key store did not answer'));
      }, this.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve, reject, timer });
      this.post(value === undefined ? { type: 'secret', id, op, ref } : { type: 'secret', id, op, ref, value });
    });
  }
}
