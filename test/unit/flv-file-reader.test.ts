import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileChunks } from '../../electron/engine/flv/file-reader.js';
import { tmpDir } from '../helpers/fixtures.js';

function fileOf(bytes: number): { file: string; data: Buffer } {
  const data = Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 7) % 256));
  const file = join(tmpDir('file-reader'), `bytes-${bytes}-${process.pid}.bin`);
  writeFileSync(file, data);
  return { file, data };
}

describe('readFileChunks', () => {
  it('reads the whole file in chunks of the size asked', async () => {
    const { file, data } = fileOf(10_000);
    const chunks: Buffer[] = [];
    for await (const chunk of readFileChunks(file, { chunkBytes: 4096 })) chunks.push(Buffer.from(chunk));
    expect(chunks.map((c) => c.length)).toEqual([4096, 4096, 1808]);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
  });

  it('reads into the same memory again only when told the last chunk is released', async () => {
    const { file, data } = fileOf(5 * 1000);
    const answers = [true, false, true, true];
    const seen: ArrayBuffer[] = [];
    const copies: Buffer[] = [];
    let asked = 0;
    for await (const chunk of readFileChunks(file, { chunkBytes: 1000, canReuse: () => answers[asked++] ?? false })) {
      seen.push(chunk.buffer as ArrayBuffer);
      copies.push(Buffer.from(chunk));
    }
    expect(Buffer.concat(copies).equals(data)).toBe(true);
    // Asked before every read but the first; a chunk kept in use is never read into.
    expect(asked).toBe(5);
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).not.toBe(seen[1]);
    expect(seen[3]).toBe(seen[2]);
    expect(seen[4]).toBe(seen[3]);
  });

  it('fails for a file that cannot be opened', async () => {
    const chunks = readFileChunks(join(tmpDir('file-reader'), 'missing.bin'));
    await expect(chunks.next()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
