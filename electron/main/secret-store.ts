import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { SecretStore } from '../engine/secrets.js';

/** The part of Electron's safeStorage used here (the async API: the sync one is deprecated in 45). */
export interface SafeStorageLike {
  isAsyncEncryptionAvailable(): Promise<boolean>;
  encryptStringAsync(plainText: string): Promise<Buffer>;
  decryptStringAsync(encrypted: Buffer): Promise<{ result: string }>;
  /** Linux only: `basic_text` means no keyring, whatever isAsyncEncryptionAvailable says. */
  getSelectedStorageBackend(): string;
  setUsePlainTextEncryption(usePlainText: boolean): void;
}

export interface SafeStorageSecretStoreOptions {
  safeStorage: SafeStorageLike;
  /** The keys file, under app.getPath('userData'). */
  file: string;
  platform: NodeJS.Platform;
  /**
   * There is no keyring: ask the streamer (a dialog) whether to keep a key with basic text encryption.
   * False keeps nothing.
   */
  askWeaker(): Promise<boolean>;
}

interface KeysFile {
  version: 1;
  /** The streamer agreed to keys kept with basic text encryption (no keyring in this session). */
  weak: boolean;
  /** ref -> the key encrypted by safeStorage, base64. */
  keys: Record<string, string>;
}

export const NO_KEYRING_REFUSED =
  'The stream key was not saved: this session has no keyring to protect it, and keeping it with basic encryption was declined. Install and unlock a keyring (GNOME Keyring or KWallet) and restart Uplink, or type the key again next time.';

/**
 * Stream keys encrypted with Electron's safeStorage (Keychain, DPAPI, libsecret/KWallet), kept in one
 * file in the user's data folder. Keys leave this store only towards the engine host, which asks for one
 * when it connects a destination; the renderer never gets one back.
 */
export class SafeStorageSecretStore implements SecretStore {
  private cache: KeysFile | undefined;
  /** Writes one at a time, so two quick saves cannot interleave their read-modify-write. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: SafeStorageSecretStoreOptions) {}

  /** Whether keys are protected by the OS (false: no keyring, only basic text encryption is possible). */
  async isStrong(): Promise<boolean> {
    const { safeStorage, platform } = this.options;
    if (platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return false;
    return safeStorage.isAsyncEncryptionAvailable();
  }

  async get(ref: string): Promise<string | undefined> {
    const file = await this.load();
    const stored = file.keys[ref];
    if (stored === undefined) return undefined;
    if (file.weak) this.options.safeStorage.setUsePlainTextEncryption(true);
    return (await this.options.safeStorage.decryptStringAsync(Buffer.from(stored, 'base64'))).result;
  }

  set(ref: string, value: string): Promise<void> {
    return this.serial(async () => {
      const file = await this.load();
      let weak = false;
      if (!(await this.isStrong())) {
        // Asked before anything weaker is written, and each time until the streamer agrees once.
        if (!file.weak && !(await this.options.askWeaker())) throw new Error(NO_KEYRING_REFUSED);
        this.options.safeStorage.setUsePlainTextEncryption(true);
        weak = true;
      }
      const encrypted = await this.options.safeStorage.encryptStringAsync(value);
      await this.save({ ...file, weak: file.weak || weak, keys: { ...file.keys, [ref]: encrypted.toString('base64') } });
    });
  }

  delete(ref: string): Promise<void> {
    return this.serial(async () => {
      const file = await this.load();
      if (!(ref in file.keys)) return;
      const { [ref]: _gone, ...keys } = file.keys;
      await this.save({ ...file, keys });
    });
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<KeysFile> {
    if (this.cache) return this.cache;
    try {
      const parsed = JSON.parse(await readFile(this.options.file, 'utf8')) as Partial<KeysFile>;
      this.cache = { version: 1, weak: parsed.weak === true, keys: typeof parsed.keys === 'object' && parsed.keys ? parsed.keys : {} };
    } catch {
      this.cache = { version: 1, weak: false, keys: {} };
    }
    return this.cache;
  }

  private async save(file: KeysFile): Promise<void> {
    await mkdir(dirname(this.options.file), { recursive: true });
    // Written beside and renamed: a crash mid-write never leaves a half file that loses every key.
    const tmp = `${this.options.file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(file), { mode: 0o600, flag: 'wx' });
    await rename(tmp, this.options.file);
    this.cache = file;
  }
}
