import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createReadStream, existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readFlvTags } from '../../electron/engine/flv/reader.js';
import { FilePublish, type FilePublishOptions, type FilePublishResult } from '../../electron/engine/outputs/file-publish.js';
import { parseRtmpUrl } from '../../electron/engine/rtmp/url.js';
import { tmpDir } from './fixtures.js';

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

export interface RunningUplink {
  child: ChildProcess;
  /** What it wrote to stderr so far. */
  stderr(): string;
  /** Resolves once stderr holds `text`; rejects if the process exits first. */
  said(text: string | RegExp): Promise<void>;
  exited: Promise<CliResult>;
}

/** Starts the built `uplink` command and lets the test watch it and signal it (Ctrl-C is SIGINT). */
export function startUplink(args: string[], env: NodeJS.ProcessEnv = {}): RunningUplink {
  const child = spawn(process.execPath, [UPLINK_BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
    for (const check of [...watchers]) check();
  });
  const exited = new Promise<CliResult>((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr })));
  const said = (text: string | RegExp): Promise<void> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (typeof text === 'string' ? !stderr.includes(text) : !text.test(stderr)) return;
        watchers.delete(check);
        resolve();
      };
      watchers.add(check);
      void exited.then(() => {
        if (!watchers.delete(check)) return;
        reject(new Error(`uplink exited before saying ${String(text)}: ${stderr}`));
      });
      check();
    });
  return { child, stderr: () => stderr, said, exited };
}

/**
 * An FLV whose media starts `offsetSec` in (FFmpeg's -output_ts_offset) while its onMetaData and
 * sequence headers stay at 0, as a file cut from a long recording is. With 16777 s the stream crosses
 * 0xFFFFFF ms (16777.215 s), where RTMP needs extended timestamps. Cached under test/.tmp/fixtures.
 */
export async function makeOffsetFlv(options: { seconds: number; offsetSec: number }): Promise<string> {
  const { seconds, offsetSec } = options;
  const file = join(tmpDir('fixtures'), `offset-${offsetSec}s-${seconds}s.flv`);
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.partial.flv`;
  await promisify(execFile)('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=640x360:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '60', '-b:v', '1000k',
    '-c:a', 'aac', '-b:a', '128k', '-output_ts_offset', String(offsetSec), '-f', 'flv', partial,
  ]);
  renameSync(partial, file);
  return file;
}
