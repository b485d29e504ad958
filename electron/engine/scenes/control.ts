/**
 * The compositor's control channel: filter commands sent to the running FFmpeg graph (move an overlay,
 * switch a streamselect, fade a blend), through the `zmq` filter where the build has libzmq, else
 * through FFmpeg's interactive `c` command on stdin.
 *
 * What this relies on, measured on Debian 12's FFmpeg 5.1.9 (test/integration/scenes-control.test.ts
 * checks the timing ones on decoded frames):
 * - The zmq filter binds a REP socket. We talk to it from a DEALER so that several commands can be in
 *   flight; a DEALER must then frame each message as REP expects: an empty delimiter frame, then the
 *   command. Without the delimiter REP drops the message silently (no reply ever comes); an extra frame
 *   after the command makes FFmpeg abort (double free).
 * - The filter drains every queued message each time a frame passes through it, so a batch written at
 *   once lands on one frame: two overlays moved in one batch changed on the same output frame in every
 *   trial. Only if a batch straddled the filter's poll could it split over two frames; sending it in one
 *   tick keeps that window to microseconds against a 33 ms frame. (A REQ socket allows one command per
 *   frame.) 20 batches of 4 overlay moves: none split, each showed 2-3 output frames after the send
 *   (at 30 fps), on the frame after the reply.
 * - Each message gets one reply: "0 Success", or FFmpeg's error as "<errno> <strerror>" ("38 Function not
 *   implemented": no such filter or command; "22 Invalid argument": a bad value; "1163346256 Not yet
 *   implemented...": e.g. `enable` on scale or crop, which have no timeline), optionally followed by a
 *   newline and the filter's own answer. An error reply leaves FFmpeg running.
 * - A message that is empty or has no command aborts FFmpeg 5.1 (double free): formatCommand refuses
 *   anything that could parse that way. The message is split on whitespace with av_get_token, so an
 *   argument with spaces is single-quoted (`weights '0 1'`); quotes and backslashes in arguments are
 *   refused rather than escaped.
 * - zmq connects lazily: a command sent before FFmpeg binds (or after it died) waits in the socket, so
 *   every batch has a timeout, after which the channel is closed (late replies could no longer be
 *   matched to their commands).
 * - stdin: FFmpeg reads one key every 100 ms or more (between frames), and a `c` key then reads one line
 *   `TARGET TIME COMMAND ARG` (time -1: now; `%63[^ ] %lf %255[^ ] %255[^\n]`, so the argument is the
 *   rest of the line, unquoted). It works from a pipe, also with the output on pipe:1. One command per
 *   poll: a batch of 2 landed 4 frames apart, the first 4-6 frames (130-200 ms) after the write. So
 *   batches over stdin are not atomic, and FFmpeg's answer goes to stderr only ("Command reply for
 *   stream 0: ret:0"). Any other byte on stdin is a key command too ('q' quits): only write whole lines.
 * - Not the channel's doing, but met here: changing `crop h` on a chain color (yuv420p) -> crop -> scale
 *   (fixed size) -> overlay made FFmpeg 5.1 stop producing frames (no reply, no exit); the same with
 *   `format=yuva420p` before the crop, or without the scale, kept running.
 */
// Loaded on the first connection: the native addon costs ~20 ms of every launch, scenes or not.
import type { Dealer } from 'zeromq';
import { createServer } from 'node:net';
import { UplinkError, errorMessage } from '../errors.js';
import { filter } from '../capture/filtergraph.js';

export interface FilterCommand {
  /** The filter instance, `name@instance` as named in the graph: `overlay@item3`. */
  target: string;
  command: string;
  arg: string | number;
}

/**
 * Commands each filter takes at run time in FFmpeg 5.1 (each answered "0 Success" and changed the
 * output). Keyed by filter name, which is the part of the target before '@': a command that the
 * filter lacks is refused here rather than answered by FFmpeg with an error mid-scene-switch.
 */
export const LIVE_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  overlay: ['x', 'y', 'enable'],
  crop: ['x', 'y', 'w', 'h'],
  scale: ['w', 'h'],
  streamselect: ['map'],
  astreamselect: ['map'],
  volume: ['volume', 'enable'],
  amix: ['weights'],
  blend: ['all_opacity', 'enable'],
  color: ['c'],
};

/** FFmpeg's stdin reader takes at most 63 bytes of target and 255 of command and argument. */
const MAX_TARGET = 63;
const MAX_ARG = 255;
const TARGET = /^([A-Za-z0-9_]+)@[A-Za-z0-9_.-]+$/;
/** Printable ASCII without quotes or backslash, which av_get_token would interpret. */
const SIMPLE_ARG = /^[\x20-\x7e]+$/;
const BARE_ARG = /^[A-Za-z0-9_.+-]+$/;

function refuse(c: FilterCommand, why: string): never {
  throw new UplinkError('SCENE_COMMAND_INVALID', `The scene command for ${JSON.stringify(c.target)} was not sent: ${why}.`);
}

function validatedArg(c: FilterCommand): string {
  if (typeof c.arg === 'number') {
    if (!Number.isFinite(c.arg)) refuse(c, `its value ${String(c.arg)} is not a finite number`);
    return String(c.arg);
  }
  if (typeof c.arg !== 'string') refuse(c, 'its value is neither a number nor text');
  const arg = c.arg;
  if (/^ *$/.test(arg)) refuse(c, 'its value is empty');
  if (!SIMPLE_ARG.test(arg) || /['"\\]/.test(arg)) refuse(c, 'its value holds quotes, backslashes, control or non-ASCII characters');
  if (arg !== arg.trim()) refuse(c, 'its value starts or ends with a space');
  if (arg.length > MAX_ARG) refuse(c, `its value is longer than ${MAX_ARG} characters`);
  return arg;
}

/** Checks a command; returns its parts with the argument as text. */
function validated(c: FilterCommand): { target: string; command: string; arg: string } {
  if (typeof c.target !== 'string' || c.target.length > MAX_TARGET) refuse(c, 'the filter name is missing or too long');
  const filterName = TARGET.exec(c.target)?.[1];
  if (filterName === undefined) refuse(c, 'the filter is not named as name@instance of letters, digits, "_", "." and "-"');
  const commands = LIVE_COMMANDS[filterName];
  if (!commands) refuse(c, `the ${filterName} filter takes no live commands`);
  if (!commands.includes(c.command)) refuse(c, `the ${filterName} filter has no live command ${JSON.stringify(c.command)}`);
  return { target: c.target, command: c.command, arg: validatedArg(c) };
}

/**
 * The zmq message for a command, after checking everything that could abort or confuse FFmpeg 5.1;
 * throws an UplinkError (SCENE_COMMAND_INVALID) naming what is wrong.
 */
export function formatCommand(c: FilterCommand): string {
  const { target, command, arg } = validated(c);
  return `${target} ${command} ${BARE_ARG.test(arg) ? arg : `'${arg}'`}`;
}

/** The stdin form of a command: the `c` key and one line; the argument is the rest of the line. */
export function formatStdinCommand(c: FilterCommand): string {
  const { target, command, arg } = validated(c);
  return `c${target} -1 ${command} ${arg}\n`;
}

/**
 * The zmq filter to place in the graph (on a video chain that always flows), escaped for both the
 * option and the graph level: `zmq=bind_address=tcp\\://127.0.0.1\\:PORT` as -filter_complex
 * text. Escaped once only (`tcp\://`), the graph parser eats the backslashes and FFmpeg fails with
 * "No option name near '//127.0.0.1:PORT'".
 */
export function zmqFilter(port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new UplinkError('SCENE_CONTROL_PORT', `The scene control port ${port} is not a TCP port number.`);
  }
  return filter('zmq', [['bind_address', `tcp://127.0.0.1:${port}`]]);
}

export interface ZmqReply {
  /** 0 on success, else FFmpeg's AVERROR as a positive number (38 ENOSYS, 22 EINVAL, ...). */
  code: number;
  /** FFmpeg's strerror text: "Success", "Invalid argument", ... */
  message: string;
  /** What the filter answered, after the first line ("pong from:..." for ping); usually empty. */
  response: string;
}

/** Reads the zmq filter's reply "<code> <message>[\n<response>]"; null when it is not one. */
export function parseZmqReply(text: string): ZmqReply | null {
  const match = /^(-?\d+) ([^\n]*)(?:\n([\s\S]*))?$/.exec(text);
  if (!match?.[1]) return null;
  return { code: Number(match[1]), message: match[2] ?? '', response: match[3] ?? '' };
}

export interface ControlChannel {
  readonly kind: 'zmq' | 'stdin';
  /**
   * Sends a batch; nothing is sent unless every command is valid. zmq: resolves when every reply is
   * read, rejects with FFmpeg's answer when one is an error (the others were applied). stdin: resolves
   * when written; FFmpeg applies the commands over the next polls (about 100 ms each).
   */
  send(batch: readonly FilterCommand[]): Promise<void>;
  close(): Promise<void>;
}

export interface ZmqControlOptions {
  /** How long a batch may wait for its replies; FFmpeg only binds once its graph is configured. */
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 3_000;

function isTimeout(err: unknown): boolean {
  return typeof err === 'object' && err !== null && 'code' in err && (err as { code: unknown }).code === 'EAGAIN';
}

export class ZmqControl implements ControlChannel {
  readonly kind = 'zmq';
  private readonly socket: Dealer;
  private readonly timeoutMs: number;
  /** Batches one after another: a socket allows one pending receive, and replies come in order. */
  private queue: Promise<void> = Promise.resolve();
  private failure: UplinkError | null = null;

  private constructor(socket: Dealer, timeoutMs: number) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
  }

  /** Returns at once: zmq connects when FFmpeg binds, and queues commands until then. */
  static async connect(port: number, options: ZmqControlOptions = {}): Promise<ZmqControl> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const { Dealer: DealerSocket } = await import('zeromq');
    // linger 0: closing must not wait to deliver commands to an FFmpeg that is gone.
    const socket = new DealerSocket({ linger: 0, sendTimeout: timeoutMs, receiveTimeout: timeoutMs });
    try {
      socket.connect(`tcp://127.0.0.1:${port}`);
    } catch (err) {
      socket.close();
      throw new UplinkError('SCENE_CONTROL_FAILED', `The scene control channel could not connect (${errorMessage(err)}).`);
    }
    return new ZmqControl(socket, timeoutMs);
  }

  send(batch: readonly FilterCommand[]): Promise<void> {
    let messages: string[];
    try {
      messages = batch.map(formatCommand);
    } catch (err) {
      return Promise.reject(err);
    }
    const run = this.queue.then(() => this.exchange(messages));
    this.queue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    this.failure ??= new UplinkError('SCENE_CONTROL_CLOSED', 'The scene control channel is closed.');
    if (!this.socket.closed) this.socket.close();
    await this.queue;
  }

  private async exchange(messages: readonly string[]): Promise<void> {
    if (this.failure) throw this.failure;
    if (messages.length === 0) return;
    try {
      // All sends before any receive: FFmpeg applies whatever has arrived when a frame passes.
      await Promise.all(messages.map((text) => this.socket.send(['', text])));
      let refusal: UplinkError | null = null;
      for (const text of messages) {
        const frames = await this.socket.receive();
        const reply = parseZmqReply(frames[frames.length - 1]?.toString('utf8') ?? '');
        if (!reply) throw new UplinkError('SCENE_CONTROL_FAILED', 'FFmpeg answered a scene command with something that is not a reply.');
        if (reply.code !== 0 && !refusal) {
          refusal = new UplinkError('SCENE_COMMAND_REFUSED', `FFmpeg refused the scene command "${text}" (${reply.message}).`);
        }
      }
      if (refusal) throw refusal;
    } catch (err) {
      if (err instanceof UplinkError && err.code === 'SCENE_COMMAND_REFUSED') throw err;
      this.failure ??= isTimeout(err)
        ? new UplinkError(
            'SCENE_CONTROL_TIMEOUT',
            `FFmpeg did not answer a scene command within ${this.timeoutMs} ms: the compositor has stopped or is stuck.`,
          )
        : err instanceof UplinkError
          ? err
          : new UplinkError('SCENE_CONTROL_FAILED', `The scene control channel failed (${errorMessage(err)}).`, { cause: err });
      // Replies still on their way would be taken for the next batch's: this channel is done.
      if (!this.socket.closed) this.socket.close();
      throw this.failure;
    }
  }
}

/** The fallback for builds without libzmq: FFmpeg's interactive `c` commands written to its stdin. */
export class StdinControl implements ControlChannel {
  readonly kind = 'stdin';
  private readonly write: (text: string) => boolean | void;
  private closed = false;

  /** `write` returns false when FFmpeg is gone (FfmpegProcess.send does). */
  constructor(write: (text: string) => boolean | void) {
    this.write = write;
  }

  send(batch: readonly FilterCommand[]): Promise<void> {
    try {
      const lines = batch.map(formatStdinCommand);
      if (this.closed) throw new UplinkError('SCENE_CONTROL_CLOSED', 'The scene control channel is closed.');
      // One write: FFmpeg takes one command per poll, and a partial line would stall its reader.
      if (lines.length > 0 && this.write(lines.join('')) === false) {
        throw new UplinkError('SCENE_CONTROL_CLOSED', 'FFmpeg is no longer running, so the scene command was not sent.');
      }
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

/** A free loopback TCP port for the zmq filter to bind (free now: another process could take it first). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no port was assigned'))));
    });
  });
}
