/**
 * Supervises one FFmpeg process: spawns it with an argv array, exposes its stdout (the FLV) and any
 * side pipes, turns stderr into `stats` events, stops it gently ('q', then SIGTERM, then SIGKILL) and
 * reports how it ended in one `exit` event with a classified reason.
 *
 * No orphans: children still running when Uplink exits normally are killed from a process 'exit'
 * hook. When Uplink dies without running hooks (SIGKILL, crash), the read end of FFmpeg's stdout
 * closes and its next write fails with EPIPE (FFmpeg ignores SIGPIPE), which ends it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Duplex, Readable, Writable } from 'node:stream';
import { UplinkError, errorMessage } from '../errors.js';
import { Logger, redact } from '../log.js';
import { formatCommandLine } from './argv.js';
import { LineSplitter, classifyFailure, parseProgressLine, type FailureReason, type FfmpegProgress } from './stderr.js';

export type FfmpegExitReason = FailureReason | 'stopped' | 'ended';

export interface FfmpegExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** 'stopped' after stop(), 'ended' when FFmpeg finished by itself with code 0, else the failure. */
  reason: FfmpegExitReason;
  /** One sentence for the streamer. */
  message: string;
  /** The stderr line behind a failure. */
  detail?: string;
  /** The last stderr lines (progress lines excluded), for logs and bug reports. */
  stderrTail: string[];
}

/**
 * A failed run as the error a front shows: the classified sentence, and FFmpeg's own line behind it in
 * parentheses so a bug report has it. Codes: FFMPEG_ENCODER_FAILED, FFMPEG_DEVICE_BUSY, ...
 */
export function exitError(exit: FfmpegExit): UplinkError {
  const code = `FFMPEG_${exit.reason.toUpperCase().replace(/-/g, '_')}`;
  const message = exit.detail === undefined ? exit.message : `${exit.message.replace(/\.$/, '')} (FFmpeg: ${exit.detail}).`;
  return new UplinkError(code, message);
}

export interface FfmpegProcessEvents {
  stats: [FfmpegProgress];
  /** Every stderr line that is not a progress line. */
  line: [string];
  exit: [FfmpegExit];
}

export interface FfmpegProcessOptions {
  ffmpegPath: string;
  args: readonly string[];
  /** Number of extra pipes, FFmpeg's fd 3, 4, ... (`pipe:3`), exposed as `sidePipes`: outputs to read or inputs to write. */
  extraPipes?: number;
  env?: NodeJS.ProcessEnv;
  /**
   * The process moves raw pictures (a compositor, a capture, an encoder fed raw frames): glibc's malloc
   * then hands every 1.4 MB frame back to the kernel and faults it in again, which cost a
   * picture-in-picture graph over three times its CPU here (shared/notes); these thresholds keep them.
   */
  rawFrames?: boolean;
  /** How many stderr lines to keep for classification and `stderrTail`. */
  stderrTailLines?: number;
}

const DEFAULT_TAIL_LINES = 100;
const RAW_FRAME_MALLOC = { MALLOC_MMAP_THRESHOLD_: '1000000000', MALLOC_TRIM_THRESHOLD_: '1000000000' };
const DEFAULT_STOP_GRACE_MS = 5_000;

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllOnExit(): void {
  for (const child of running) child.kill('SIGKILL');
}

function track(child: ChildProcess): void {
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', killAllOnExit);
  }
}

export class FfmpegProcess extends EventEmitter<FfmpegProcessEvents> {
  readonly pid: number | undefined;
  /** The muxed output (FLV for the stream). Read it: FFmpeg blocks when nobody does. */
  readonly stdout: Readable;
  /** Node's child pipes are socket pairs: each side pipe can be read (an output) or written (an input). */
  readonly sidePipes: readonly Duplex[];

  private readonly child: ChildProcess;
  private readonly stdin: Writable;
  private readonly log: Logger;
  private readonly tail: string[] = [];
  private readonly tailLimit: number;
  private readonly splitter = new LineSplitter();
  private stopRequested = false;
  private result: FfmpegExit | null = null;
  private latest: FfmpegProgress | null = null;
  private readonly done: Promise<FfmpegExit>;

  constructor(options: FfmpegProcessOptions) {
    super();
    this.tailLimit = options.stderrTailLines ?? DEFAULT_TAIL_LINES;
    const extra = options.extraPipes ?? 0;
    this.child = spawn(options.ffmpegPath, [...options.args], {
      // stdin stays a pipe (no -nostdin): 'q' and runtime filter commands are written to it.
      stdio: ['pipe', 'pipe', 'pipe', ...Array.from({ length: extra }, () => 'pipe' as const)],
      env: { ...(options.env ?? process.env), ...(options.rawFrames ? RAW_FRAME_MALLOC : {}) },
      windowsHide: true,
    });
    this.pid = this.child.pid;
    this.log = new Logger(`ffmpeg[${this.pid ?? 'not started'}]`);
    this.log.info(`start ${formatCommandLine(options.ffmpegPath, options.args)}`);

    const { stdin, stdout, stderr } = this.child;
    if (!stdin || !stdout || !stderr) throw new Error('spawn returned no stdio pipes');
    this.stdin = stdin;
    this.stdout = stdout;
    this.sidePipes = this.child.stdio.slice(3).map((pipe) => pipe as Duplex);
    // Writes after FFmpeg exited fail with EPIPE; the exit event reports the real story.
    stdin.on('error', (err) => this.log.debug(`stdin: ${errorMessage(err)}`));

    if (this.pid !== undefined) track(this.child);
    stderr.setEncoding('utf8');
    stderr.on('data', (chunk: string) => this.onStderr(this.splitter.push(chunk)));
    const stderrClosed = new Promise<void>((resolve) => stderr.once('close', resolve));

    this.done = new Promise<FfmpegExit>((resolve) => {
      const settle = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): void => {
        if (this.result) return;
        running.delete(this.child);
        this.onStderr(this.splitter.flush());
        this.result = this.describeExit(code, signal, spawnError);
        this.log.info(`exit code=${code} signal=${signal} reason=${this.result.reason}`);
        this.emit('exit', this.result);
        resolve(this.result);
      };
      // 'exit' can come before the last stderr bytes are read: classify only once stderr is drained.
      this.child.once('exit', (code, signal) => void stderrClosed.then(() => settle(code, signal)));
      this.child.once('error', (err) => {
        if (this.child.pid === undefined) settle(null, null, err);
        else this.log.warn(`process error: ${errorMessage(err)}`);
      });
    });
  }

  static start(options: FfmpegProcessOptions): FfmpegProcess {
    return new FfmpegProcess(options);
  }

  get exited(): Promise<FfmpegExit> {
    return this.done;
  }

  get running(): boolean {
    return this.result === null;
  }

  /** The most recent progress, or null before the first. */
  get lastStats(): FfmpegProgress | null {
    return this.latest;
  }

  /**
   * Writes `command` to FFmpeg's stdin as is. FFmpeg reads single-key commands ('q' quits, 'c' then
   * one line sends a filter command). Returns false when FFmpeg is gone.
   */
  send(command: string): boolean {
    if (this.result || this.stdin.destroyed || !this.stdin.writable) return false;
    this.stdin.write(command);
    return true;
  }

  /** Asks FFmpeg to finish ('q'), escalating to SIGTERM and then SIGKILL after `graceMs` each. */
  async stop(graceMs = DEFAULT_STOP_GRACE_MS): Promise<FfmpegExit> {
    if (this.result) return this.result;
    this.stopRequested = true;
    // FFmpeg only reads 'q' between writes: if the reader stalled, drain the output so it can get there.
    this.stdout.resume();
    this.send('q');
    if (await this.exitsWithin(graceMs)) return this.done;
    this.log.warn(`did not quit within ${graceMs} ms; sending SIGTERM`);
    this.child.kill('SIGTERM');
    if (await this.exitsWithin(graceMs)) return this.done;
    this.log.warn(`did not end within ${graceMs} ms of SIGTERM; sending SIGKILL`);
    this.child.kill('SIGKILL');
    return this.done;
  }

  /**
   * Stops a process with nothing to finish (no file to close, inputs that are pipes, so 'q' is not read):
   * SIGTERM, which FFmpeg takes as 'q', then SIGKILL if it lingers. The exit reads as 'stopped'.
   */
  async terminate(graceMs = 2_000): Promise<FfmpegExit> {
    if (this.result) return this.result;
    this.stopRequested = true;
    this.stdout.resume();
    this.child.kill('SIGTERM');
    if (!(await this.exitsWithin(graceMs))) this.child.kill('SIGKILL');
    return this.done;
  }

  /** Sends a signal now, without the gentle steps; the exit is classified like any other failure. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (!this.result) this.child.kill(signal);
  }

  private exitsWithin(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.done.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private onStderr(lines: readonly string[]): void {
    for (const raw of lines) {
      const progress = parseProgressLine(raw);
      if (progress) {
        this.latest = progress;
        this.emit('stats', progress);
        continue;
      }
      // FFmpeg echoes URLs and paths, which may hold a stream key; the tail ends up in errors and logs.
      const line = redact(raw);
      this.tail.push(line);
      if (this.tail.length > this.tailLimit) this.tail.shift();
      this.log.debug(line);
      this.emit('line', line);
    }
  }

  private describeExit(code: number | null, signal: NodeJS.Signals | null, spawnError?: Error): FfmpegExit {
    const stderrTail = [...this.tail];
    if (spawnError) {
      return {
        code,
        signal,
        reason: 'unknown',
        message: `FFmpeg could not be started (${errorMessage(spawnError)}): check the FFmpeg path in Settings > FFmpeg.`,
        stderrTail,
      };
    }
    if (this.stopRequested) return { code, signal, reason: 'stopped', message: 'The encoder was stopped.', stderrTail };
    if (code === 0) {
      return { code, signal, reason: 'ended', message: 'The encoder finished because its inputs ended.', stderrTail };
    }
    const failure = classifyFailure({ stderr: stderrTail, code, signal });
    return { code, signal, ...failure, stderrTail };
  }
}
