import { execFile } from 'node:child_process';

/**
 * Runs one listing command to completion. Listing commands fail in every way (FFmpeg's device listings
 * even exit non-zero by design), so this never rejects: the caller reads the output and decides.
 */
export interface RunResult {
  /** Exit code; null when the process was killed (timeout) or never started. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why the command did not run to an exit: not installed, timed out, ... */
  failure?: string;
}

export interface RunOptions {
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

export type CommandRunner = (command: string, args: readonly string[], options: RunOptions) => Promise<RunResult>;

const MAX_OUTPUT = 4 * 1024 * 1024;

export const runCommand: CommandRunner = (command, args, options) =>
  new Promise((resolve) => {
    execFile(
      command,
      [...args],
      {
        timeout: options.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: MAX_OUTPUT,
        env: options.env ?? process.env,
        windowsHide: true,
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) {
          resolve({ code: 0, stdout, stderr });
          return;
        }
        const err = error as NodeJS.ErrnoException & { killed?: boolean; code?: number | string | null };
        if (err.code === 'ENOENT') {
          resolve({ code: null, stdout, stderr, failure: `${command} is not installed` });
        } else if (err.killed) {
          resolve({ code: null, stdout, stderr, failure: `${command} did not finish within ${options.timeoutMs} ms` });
        } else if (typeof err.code === 'number') {
          resolve({ code: err.code, stdout, stderr });
        } else {
          resolve({ code: null, stdout, stderr, failure: `${command} failed: ${err.message}` });
        }
      },
    );
  });
