import { registerSecret } from './log.js';

/**
 * Where stream keys live once entered. The desktop app backs this with Electron's safeStorage; the
 * command line and tests keep keys in memory. The engine only ever holds a reference in its state.
 */
export interface SecretStore {
  get(ref: string): Promise<string | undefined>;
  set(ref: string, value: string): Promise<void>;
  delete(ref: string): Promise<void>;
}

export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();

  async get(ref: string): Promise<string | undefined> {
    return this.values.get(ref);
  }

  async set(ref: string, value: string): Promise<void> {
    // Whatever is kept here is a secret from the moment it is entered, before any URL is built with it.
    registerSecret(value);
    this.values.set(ref, value);
  }

  async delete(ref: string): Promise<void> {
    this.values.delete(ref);
  }
}
