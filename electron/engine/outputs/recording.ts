/**
 * Records the program to a file: the same FLV tags that go to the servers, already encoded, remuxed by
 * a second FFmpeg (`-c copy`) into Matroska or fragmented MP4. No second encode, so recording costs disk
 * bandwidth and almost no CPU.
 *
 * Both formats survive a crash: Matroska is written in half-second clusters and fragmented MP4 in
 * half-second fragments, so a recording cut by `kill -9` of FFmpeg loses about that much. When Uplink
 * itself dies, FFmpeg reads end-of-file on its stdin and finishes the file properly.
 *
 * The recorder never slows the stream: push() only appends to a bounded queue. A disk too slow to keep
 * up, a full disk or an unwritable folder fails the recording with one clear error; the stream goes on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { type Stats, constants as fsConstants, existsSync } from 'node:fs';
import { access, open, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Writable } from 'node:stream';
import { UplinkError, errorMessage } from '../errors.js';
import { LineSplitter, cleanStderrLine } from '../ffmpeg/stderr.js';
import { StreamHeaderCache, isVideoKeyframe } from '../flv/headers.js';
import type { FlvTag } from '../flv/reader.js';
import { encodeFlvHeader, encodeFlvTag } from '../flv/writer.js';
import { Logger } from '../log.js';

export type RecordingFormat = 'mkv' | 'fmp4' | 'flv';

export interface RecorderOptions {
  ffmpegPath: string;
  file: string;
  /** Default 'mkv'. */
  format?: RecordingFormat;
  /** The stream's headers, for a recording started mid-stream. Read, never changed. */
  headers: StreamHeaderCache;
  /** Bytes allowed to wait for FFmpeg (and so for the disk) before the recording fails. */
  maxQueueBytes?: number;
}

export interface RecordingResult {
  file: string;
  /** Size of the file on disk. */
  bytes: number;
  /** Media time written, from the first keyframe to the last tag. */
  durationSec: number;
  /** The failure that ended the recording, when it did not end by stop(). */
  error?: UplinkError;
}

interface RecorderEvents {
  error: [UplinkError];
  stopped: [RecordingResult];
}

export const DEFAULT_MAX_QUEUE_BYTES = 32 * 1024 * 1024;
/** How long FFmpeg gets to finish the file after end-of-input before SIGTERM, then SIGKILL. */
const STOP_GRACE_MS = 10_000;
/**
 * Matroska clusters and MP4 fragments are closed at least this often: about what a crash can lose. A
 * cluster costs a dozen bytes, so half a second is cheap insurance.
 */
const FLUSH_INTERVAL_MS = 500;
/** Audio that arrived just before the first keyframe is kept so the recording does not open silent. */
const LEAD_AUDIO_MAX_MS = 1000;
const LEAD_AUDIO_MAX_TAGS = 64;
const STDERR_TAIL_LINES = 30;

// ---------------------------------------------------------------------------------------------------
// Pure parts

/** FFmpeg's argv for one recording: FLV on stdin, stream copy into `file`. */
export function recordingArgs(file: string, format: RecordingFormat = 'mkv'): string[] {
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'];
  args.push('-f', 'flv', '-i', 'pipe:0');
  // Audio and video only: the FLV demuxer may expose data streams (onTextData) that the muxers refuse.
  args.push('-map', '0:v?', '-map', '0:a?', '-c', 'copy');
  if (format === 'mkv') {
    // Clusters are held in memory until closed, so the cluster length bounds what a crash loses.
    args.push('-f', 'matroska', '-cluster_time_limit', String(FLUSH_INTERVAL_MS));
  } else if (format === 'flv') {
    // What the servers get, as it is: written tag by tag, so a crash loses only the last one.
    args.push('-f', 'flv');
  } else {
    // An empty moov up front and self-contained fragments: every closed fragment is playable.
    args.push('-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof');
    args.push('-frag_duration', String(FLUSH_INTERVAL_MS * 1000));
  }
  // -y: the file was created (empty) by the recorder to check that it can be written.
  args.push('-flush_packets', '1', '-y', asFileUrl(file));
  return args;
}

/**
 * FFmpeg reads "name:" at the start of a path as a protocol, so "take:2.mkv" would fail with "Protocol
 * not found"; the file: protocol makes any path a plain file.
 */
export function asFileUrl(file: string): string {
  return `file:${file}`;
}

const WRITE_FAILURES: readonly { pattern: RegExp; reason: string; hint: string }[] = [
  { pattern: /No space left on device|ENOSPC/i, reason: 'the disk is full', hint: 'free some space or record to another disk' },
  { pattern: /Disk quota exceeded|EDQUOT/i, reason: 'the disk quota is used up', hint: 'free some space or record to another disk' },
  {
    pattern: /File too large|EFBIG/i,
    reason: 'the file reached the largest size this disk allows (FAT32 stops at 4 GiB)',
    hint: 'record to a disk formatted as NTFS, exFAT, APFS or ext4',
  },
  { pattern: /Read-only file system|EROFS/i, reason: 'the disk is read-only', hint: 'choose another folder for recordings' },
  { pattern: /Permission denied|Operation not permitted|EACCES|EPERM/i, reason: 'permission denied', hint: 'choose a folder you can write to' },
  { pattern: /No such file or directory|ENOENT/i, reason: 'the folder does not exist', hint: 'choose an existing folder for recordings' },
  { pattern: /Is a directory|EISDIR/i, reason: 'that is a folder, not a file name', hint: 'choose a file name for the recording' },
  { pattern: /Input\/output error|\bEIO\b/i, reason: 'the disk reported an input/output error', hint: 'check the disk and record to another one' },
];

function writeFailure(file: string, reason: string, hint: string, cause?: unknown): UplinkError {
  return new UplinkError('RECORDING_WRITE_FAILED', `cannot write the recording to ${file}: ${reason}; ${hint}.`, { cause });
}

/** The error for a file system failure (an errno code or FFmpeg's strerror text), or undefined. */
export function describeWriteFailure(file: string, text: string, cause?: unknown): UplinkError | undefined {
  for (const failure of WRITE_FAILURES) {
    if (failure.pattern.test(text)) return writeFailure(file, failure.reason, failure.hint, cause);
  }
  return undefined;
}

/** Why FFmpeg ended a recording that nobody stopped. */
export function describeRecordingFailure(
  file: string,
  exit: { code: number | null; signal: NodeJS.Signals | null; stderr: readonly string[] },
): UplinkError {
  // The cause is usually the last error line; scan from the end so that it wins over older ones.
  for (const line of [...exit.stderr].reverse()) {
    const failure = describeWriteFailure(file, line);
    if (failure) return failure;
  }
  // FFmpeg dies by SIGXFSZ when the file outgrows the size limit set for the process (ulimit -f).
  if (exit.signal === 'SIGXFSZ') {
    return writeFailure(file, 'the file reached the largest size allowed', 'record to another disk or raise the file size limit');
  }
  if (exit.signal !== null) {
    return new UplinkError(
      'RECORDING_FAILED',
      `the recording to ${file} stopped because FFmpeg was killed (${exit.signal}); the file keeps what was written until then.`,
    );
  }
  const last = exit.stderr.at(-1);
  const detail = last === undefined ? `exit code ${exit.code ?? 'unknown'}` : cleanStderrLine(last);
  return new UplinkError(
    'RECORDING_FAILED',
    `the recording to ${file} stopped unexpectedly (${detail}); the file keeps what was written until then.`,
  );
}

function alreadyExists(file: string): UplinkError {
  return new UplinkError('RECORDING_EXISTS', `cannot write the recording to ${file}: a file with that name exists; choose another name.`);
}

/**
 * Whether `file` can become a new recording, without creating it: no file of that name, in a folder
 * that exists and can be written. For checking before going live; the recorder itself then creates
 * the file exclusively, so nothing is ever overwritten.
 */
export async function checkRecordingPath(file: string): Promise<void> {
  let existing: Stats | undefined;
  try {
    existing = await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw pathFailure(file, err);
  }
  if (existing?.isDirectory()) throw writeFailure(file, 'that is a folder, not a file name', 'choose a file name for the recording');
  if (existing) throw alreadyExists(file);
  const folder = path.dirname(path.resolve(file));
  try {
    if (!(await stat(folder)).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOENT' });
    await access(folder, fsConstants.W_OK);
  } catch (err) {
    throw pathFailure(file, err);
  }
}

function pathFailure(file: string, err: unknown): UplinkError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return describeWriteFailure(file, code, err) ?? writeFailure(file, errorMessage(err), 'choose another folder for recordings', err);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round(bytes / (1024 * 1024))} MiB`;
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KiB`;
  return `${bytes} bytes`;
}

/** `talk.mkv` -> `talk.mp4`; `talk.mp4` (a fragmented recording) -> `talk.remux.mp4`. */
export function defaultRemuxOutput(input: string): string {
  const parsed = path.parse(input);
  const name = parsed.ext.toLowerCase() === '.mp4' ? `${parsed.name}.remux` : parsed.name;
  return path.join(parsed.dir, `${name}.mp4`);
}

// ---------------------------------------------------------------------------------------------------
// The recorder

type RecorderState = 'idle' | 'starting' | 'waitingForKeyframe' | 'recording' | 'ending' | 'done';

export class Recorder extends EventEmitter<RecorderEvents> {
  readonly file: string;
  readonly format: RecordingFormat;

  private readonly ffmpegPath: string;
  private readonly headers: StreamHeaderCache;
  /**
   * Headers pushed to this recorder. The shared cache belongs to the caller (its update() result
   * tells it when headers changed), so the recorder keeps its own and prefers it as the newer.
   */
  private readonly pushedHeaders = new StreamHeaderCache();
  private readonly maxQueueBytes: number;
  private readonly log: Logger;
  private state: RecorderState = 'idle';
  private child: ChildProcess | undefined;
  private stdin: Writable | undefined;
  private readonly stderrTail: string[] = [];
  private exited: Promise<void> | undefined;
  private stopRequested = false;
  private failure: UplinkError | undefined;
  private result: Promise<RecordingResult> | undefined;
  private starting: Promise<void> | undefined;
  /** Audio received since the last video tag while waiting for the first keyframe. */
  private leadAudio: FlvTag[] = [];
  private baseTimestamp = 0;
  private lastTimestamp = 0;
  private wroteMedia = false;
  private written = 0;

  constructor(options: RecorderOptions) {
    super();
    this.ffmpegPath = options.ffmpegPath;
    this.file = path.resolve(options.file);
    this.format = options.format ?? 'mkv';
    this.headers = options.headers;
    this.maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES;
    this.log = new Logger(`recording[${path.basename(this.file)}]`);
  }

  /** FFmpeg's process id while it runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get recording(): boolean {
    return this.state === 'recording';
  }

  /**
   * FLV bytes handed to FFmpeg so far, for progress while recording: FFmpeg copies the media, so the
   * file grows by about as much. The exact size is in the result of stop().
   */
  get bytesWritten(): number {
    return this.written;
  }

  /** Media time recorded so far, in seconds. */
  get durationSec(): number {
    return this.wroteMedia ? this.lastTimestamp / 1000 : 0;
  }

  /**
   * Checks that the file can be created (so that a bad folder fails here, before any media flows) and
   * starts FFmpeg. Rejects with an UplinkError; media is written from the next video keyframe on.
   */
  start(): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new Error('Recorder.start() called twice'));
    this.state = 'starting';
    this.starting = this.launch();
    return this.starting;
  }

  private async launch(): Promise<void> {
    try {
      await this.createFile();
    } catch (err) {
      this.state = 'done';
      throw err;
    }

    const child = spawn(this.ffmpegPath, recordingArgs(this.file, this.format), {
      stdio: ['pipe', 'ignore', 'pipe'],
      windowsHide: true,
    });
    try {
      await once(child, 'spawn');
    } catch (err) {
      this.state = 'done';
      await rm(this.file, { force: true });
      throw new UplinkError(
        'FFMPEG_NOT_STARTED',
        `FFmpeg could not be started for the recording (${errorMessage(err)}): check the FFmpeg path in Settings > FFmpeg.`,
        { cause: err },
      );
    }
    this.child = child;
    child.on('error', (err) => this.log.warn(`FFmpeg process: ${errorMessage(err)}`));
    this.stdin = child.stdin ?? undefined;
    // EPIPE after FFmpeg exited; the exit handler reports the real cause.
    this.stdin?.on('error', (err) => this.log.debug(`stdin: ${errorMessage(err)}`));
    const splitter = new LineSplitter();
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => this.onStderr(splitter.push(chunk)));
    const stderrClosed = child.stderr ? once(child.stderr, 'close').then(() => undefined) : Promise.resolve();
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        // Classify only once stderr is drained: the cause is in its last lines.
        void stderrClosed.then(() => {
          this.onStderr(splitter.flush());
          this.onExit(code, signal);
          resolve();
        });
      });
    });
    this.log.info(`recording to ${this.file} (${this.format}), FFmpeg pid ${child.pid}`);
    this.state = 'waitingForKeyframe';
  }

  /**
   * Queues one tag of the program. Never blocks and never throws: a recording that cannot keep up fails
   * by itself (an 'error' event, then 'stopped') while the caller's stream goes on.
   */
  push(tag: FlvTag): void {
    if (this.state === 'waitingForKeyframe') {
      this.pushedHeaders.update(tag);
      // A picture is only decodable with its sequence header; without one, wait for the next keyframe.
      const decodable = (this.pushedHeaders.videoSequenceHeader ?? this.headers.videoSequenceHeader) !== undefined;
      if (isVideoKeyframe(tag) && decodable) this.begin(tag);
      else this.holdLeadAudio(tag);
      return;
    }
    if (this.state !== 'recording') return;
    // Script tags mid-recording (onMetaData again, captions) mean nothing to Matroska or MP4.
    if (tag.kind === 'script') return;
    this.writeMedia(tag);
  }

  /** Ends the input and lets FFmpeg finish the file. Safe to call at any time and more than once. */
  stop(): Promise<RecordingResult> {
    if (this.result) return this.result;
    this.stopRequested = true;
    this.result = this.finish();
    return this.result;
  }

  // -------------------------------------------------------------------------------------------------

  private async createFile(): Promise<void> {
    try {
      // Exclusive: never overwrite an earlier recording.
      const handle = await open(this.file, fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY);
      await handle.close();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw alreadyExists(this.file);
      throw pathFailure(this.file, err);
    }
  }

  private holdLeadAudio(tag: FlvTag): void {
    if (tag.kind === 'video') {
      this.leadAudio = [];
    } else if (tag.kind === 'audio' && !tag.audio?.sequenceHeader) {
      this.leadAudio.push(tag);
      if (this.leadAudio.length > LEAD_AUDIO_MAX_TAGS) this.leadAudio.shift();
    }
  }

  /** Writes the file header, the stream headers and the first keyframe, with time starting at 0. */
  private begin(keyframe: FlvTag): void {
    const lead = this.leadAudio.filter((tag) => tag.timestamp <= keyframe.timestamp && keyframe.timestamp - tag.timestamp <= LEAD_AUDIO_MAX_MS);
    this.leadAudio = [];
    this.baseTimestamp = Math.min(keyframe.timestamp, lead[0]?.timestamp ?? keyframe.timestamp);
    this.state = 'recording';
    const pushed = this.pushedHeaders;
    const shared = this.headers;
    const headers = [
      pushed.metadata ?? shared.metadata,
      pushed.videoSequenceHeader ?? shared.videoSequenceHeader,
      pushed.audioSequenceHeader ?? shared.audioSequenceHeader,
    ];
    const audioHeader = headers[2];
    this.write(encodeFlvHeader({ hasAudio: audioHeader !== undefined, hasVideo: true }));
    for (const header of headers) {
      if (header) this.write(encodeFlvTag({ typeId: header.typeId, timestamp: 0, data: header.data, streamId: header.streamId }));
    }
    for (const tag of lead) this.writeMedia(tag);
    this.writeMedia(keyframe);
  }

  private writeMedia(tag: FlvTag): void {
    const timestamp = tag.timestamp - this.baseTimestamp;
    // Audio sampled before the first keyframe belongs to a picture the recording does not have.
    if (timestamp < 0) return;
    this.lastTimestamp = Math.max(this.lastTimestamp, timestamp);
    this.wroteMedia = true;
    this.write(encodeFlvTag({ typeId: tag.typeId, timestamp, data: tag.data, streamId: tag.streamId }));
  }

  private write(bytes: Buffer): void {
    const stdin = this.stdin;
    if (!stdin || stdin.destroyed || !stdin.writable) return;
    if (stdin.writableLength + bytes.length > this.maxQueueBytes) {
      this.fail(
        new UplinkError(
          'RECORDING_TOO_SLOW',
          `the recording to ${this.file} stopped because the disk could not keep up (${formatBytes(this.maxQueueBytes)} waited to be written); record to a faster disk or lower the bitrate. The stream goes on.`,
        ),
      );
      return;
    }
    stdin.write(bytes);
    this.written += bytes.length;
  }

  /** Ends the recording because of `error`: FFmpeg gets end-of-input now, the queue is dropped. */
  private fail(error: UplinkError): void {
    if (this.failure || this.state === 'done') return;
    this.failure = error;
    this.state = 'ending';
    this.log.warn(error.message);
    // Dropping the queue closes the pipe at once, so FFmpeg finishes with what it already has.
    this.stdin?.destroy();
    this.emitError(error);
    void this.stop();
  }

  private emitError(error: UplinkError): void {
    // An 'error' event without a listener throws, and it would throw into the caller's stream loop.
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private onStderr(lines: readonly string[]): void {
    for (const line of lines) {
      this.stderrTail.push(line);
      if (this.stderrTail.length > STDERR_TAIL_LINES) this.stderrTail.shift();
      this.log.debug(line);
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.log.info(`FFmpeg exit code=${code} signal=${signal}`);
    if (this.stopRequested && code === 0) return;
    // Nothing written yet: FFmpeg finds no input on stop, which is not a failure of the recording.
    if (this.stopRequested && !this.wroteMedia) return;
    if (this.failure) return;
    this.failure = describeRecordingFailure(this.file, { code, signal, stderr: this.stderrTail });
    this.state = 'ending';
    this.log.warn(this.failure.message);
    this.emitError(this.failure);
    void this.stop();
  }

  private async finish(): Promise<RecordingResult> {
    // Stopped while starting: let the start finish, then end it like any other recording.
    await this.starting?.catch(() => undefined);
    const wasStarted = this.child !== undefined;
    this.state = 'ending';
    if (wasStarted) {
      if (this.stdin && !this.stdin.destroyed) this.stdin.end();
      await this.waitForExit();
    }
    this.state = 'done';
    let bytes = 0;
    if (wasStarted && !this.wroteMedia) {
      // Stopped before the first keyframe: leave no empty file behind.
      await rm(this.file, { force: true });
    } else {
      bytes = await stat(this.file).then(
        (info) => info.size,
        () => 0,
      );
    }
    const result: RecordingResult = { file: this.file, bytes, durationSec: this.durationSec };
    if (this.failure) result.error = this.failure;
    this.emit('stopped', result);
    return result;
  }

  private async waitForExit(): Promise<void> {
    const child = this.child;
    const exited = this.exited;
    if (!child || !exited) return;
    if (!this.wroteMedia) child.kill('SIGKILL');
    for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
      if (await settlesWithin(exited, STOP_GRACE_MS)) return;
      this.log.warn(`FFmpeg did not finish the recording in time; sending ${signal}`);
      child.kill(signal);
    }
    await exited;
  }
}

function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Remux

/**
 * Copies a recording into a regular MP4 with the index up front (`+faststart`), for editors and players
 * that do not take Matroska or fragmented MP4. Resolves to the output path. Without `output`, the
 * recording's name with `.mp4`; an existing file there is replaced.
 */
export async function remuxToMp4(options: { ffmpegPath: string; input: string; output?: string }): Promise<string> {
  const input = path.resolve(options.input);
  const output = path.resolve(options.output ?? defaultRemuxOutput(input));
  if (output === input) {
    throw new UplinkError('REMUX_FAILED', `cannot remux ${input} onto itself: choose another output file.`);
  }
  // Never over an existing file: it may be an earlier recording.
  if (existsSync(output)) {
    throw new UplinkError('REMUX_EXISTS', `${output} already exists: choose another output file, or move that one away first.`);
  }
  const args = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-i', asFileUrl(input)];
  args.push('-map', '0:v?', '-map', '0:a?', '-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', '-n', asFileUrl(output));
  const { code, signal, stderr, spawnError } = await runToEnd(options.ffmpegPath, args);
  if (spawnError) {
    throw new UplinkError(
      'FFMPEG_NOT_STARTED',
      `FFmpeg could not be started to remux ${input} (${errorMessage(spawnError)}): check the FFmpeg path in Settings > FFmpeg.`,
      { cause: spawnError },
    );
  }
  if (code === 0) return output;
  await rm(output, { force: true });
  const lines = stderr.split(/\r?\n/).filter((line) => line.trim() !== '');
  const readFailure = lines.find((line) => line.includes(input) && /No such file|Permission denied|Invalid data/i.test(line));
  if (readFailure) {
    const reason = cleanStderrLine(readFailure).replace(`${asFileUrl(input)}: `, '').replace(`${input}: `, '');
    throw new UplinkError('REMUX_FAILED', `cannot remux ${input}: ${reason}.`);
  }
  for (const line of [...lines].reverse()) {
    const failure = describeWriteFailure(output, line);
    if (failure) throw new UplinkError('REMUX_FAILED', failure.message);
  }
  const last = lines.at(-1);
  const detail = last === undefined ? (signal ?? `exit code ${code ?? 'unknown'}`) : cleanStderrLine(last);
  throw new UplinkError('REMUX_FAILED', `cannot remux ${input} to MP4 (${detail}).`);
}

function runToEnd(
  binary: string,
  args: string[],
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; spawnError?: Error }> {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      // The cause is at the end; keep a bounded tail.
      stderr = (stderr + chunk).slice(-16_384);
    });
    child.once('error', (err) => {
      if (child.pid === undefined) resolve({ code: null, signal: null, stderr, spawnError: err });
    });
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}
