import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Logger } from '../log.js';

const log = new Logger('ffmpeg.cache');

interface Entry<T> {
  mtimeMs: number;
  size: number;
  value: T;
}

interface CacheFile<T> {
  version: number;
  binaries: Record<string, Entry<T>>;
}

/**
 * What was learned about an FFmpeg binary by running it (its listings, which encoders work), kept in a
 * JSON file and trusted while the binary's path, mtime and size stay the same. Running FFmpeg to learn
 * it again costs hundreds of milliseconds to seconds, at every start.
 */
export class BinaryCache<T> {
  private loaded: Promise<CacheFile<T>> | undefined;

  constructor(
    private readonly file: string,
    /** Bump when what is stored changes meaning, so that older entries are not trusted. */
    private readonly version: number,
  ) {}

  /** Starts reading the file, so that a search going on meanwhile does not wait for it afterwards. */
  prefetch(): void {
    this.loaded ??= this.read();
  }

  async get(binary: string): Promise<T | undefined> {
    this.prefetch();
    const [cache, info] = await Promise.all([this.loaded!, stat(binary).catch(() => undefined)]);
    const entry = cache.binaries[binary];
    if (!entry || !info || entry.mtimeMs !== info.mtimeMs || entry.size !== info.size) return undefined;
    return entry.value;
  }

  /** Stores `value` for `binary`; a cache that cannot be written only costs time later. */
  async set(binary: string, value: T): Promise<void> {
    try {
      const [cache, info] = await Promise.all([this.read(), stat(binary)]);
      cache.binaries[binary] = { mtimeMs: info.mtimeMs, size: info.size, value };
      await mkdir(path.dirname(this.file), { recursive: true });
      // Write-then-rename so that a crash mid-write never leaves a truncated cache behind.
      const partial = `${this.file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      await writeFile(partial, `${JSON.stringify(cache, null, 2)}\n`);
      await rename(partial, this.file);
      this.loaded = Promise.resolve(cache);
    } catch (err) {
      log.warn(`could not write the cache ${this.file}: ${String(err)}`);
    }
  }

  private async read(): Promise<CacheFile<T>> {
    try {
      const parsed = JSON.parse(await readFile(this.file, 'utf8')) as Partial<CacheFile<T>> | null;
      if (parsed?.version === this.version && typeof parsed.binaries === 'object' && parsed.binaries !== null) {
        return parsed as CacheFile<T>;
      }
    } catch {
      // Missing or corrupt: the binary is simply run again.
    }
    return { version: this.version, binaries: {} };
  }
}
