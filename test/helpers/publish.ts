import { execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { readFlvTags } from '../../electron/engine/flv/reader.js';
import { FilePublish, type FilePublishOptions, type FilePublishResult } from '../../electron/engine/outputs/file-publish.js';
import { parseRtmpUrl } from '../../electron/engine/rtmp/url.js';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const UPLINK_BIN = join(REPO_ROOT, 'bin', 'uplink.js');

/** Publishes a whole FLV file as fast as the links allow through the engine (as `uplink publish --fast`), in-process. */
export async function publishFlv(file: string, urls: string[], options: FilePublishOptions = {}): Promise<FilePublishResult[]> {
  const publish = new FilePublish(
    urls.map((url) => parseRtmpUrl(url)),
    { ...options, publisher: { timeoutMs: 10_000, ...options.publisher } },
  );
  return publish.run(readFlvTags(createReadStream(file, { highWaterMark: 1 << 20 })));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built `uplink` command (as `npx uplink` would) and collects its output. */
export function runUplink(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [UPLINK_BIN, ...args], { env: { ...process.env, ...env }, timeout: timeoutMs }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
