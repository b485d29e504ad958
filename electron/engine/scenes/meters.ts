/**
 * Audio meters: peak and RMS in dBFS per audio stream, measured inside the compositor's FFmpeg by
 * `astats` over fixed windows and written as text by `ametadata` to a side pipe of their own, one pipe
 * per stream; read here into levels.
 *
 * Measured on FFmpeg 5.1 (Debian 12):
 * - Several ametadata filters in one graph write to separate fds (pipe:3, pipe:4, ...) without mixing.
 * - The file name must reach the option parser as `pipe\:N`: unescaped, `file=pipe:4` is cut at the ':'
 *   and FFmpeg writes a file called "pipe" in its working directory.
 * - The meter branch ends in a sink (anullsink). A graph with a sink branch does NOT end when an
 *   output's `-t` is reached: FFmpeg 5.1 keeps running (and with unpaced inputs spins on the meters).
 *   Stop such a graph with 'q' (FfmpegProcess.stop) or with inputs that end.
 * - ametadata writes with blocking writes from the filter graph: a meter pipe nobody reads fills after
 *   about half a minute at 20 Hz (64 KiB of text) and then stalls the whole graph. MeterReader always
 *   drains, and never closes the pipe.
 */
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { filter } from '../capture/filtergraph.js';
import { onPipeEnd } from './pipe-end.js';

export interface MeterLevel {
  /** dBFS, -Infinity for digital silence */
  peakDb: number;
  rmsDb: number;
}

/** A level with the media time it was measured at. */
export interface MeterReading extends MeterLevel {
  /** Media time (pts_time) of the start of the measured window, in seconds; absent when FFmpeg gave none. */
  time?: number;
}

export const DEFAULT_METER_HZ = 20;
const DEFAULT_SAMPLE_RATE = 48_000;
const MAX_METER_HZ = 100;

/**
 * The chain that measures one audio stream and writes its levels to `pipe:fd`. It is a whole branch
 * ending in a sink: give it one output of an `asplit`, and nothing after it:
 *
 *   [src]volume=...,asplit=2[to_mix][to_meter];[to_meter]${meterChain(4)}
 *
 * asetnsamples cuts the stream into windows of sampleRate/hz samples (one reading per window, whatever
 * frame size the source delivers); astats measures each window on its own (reset=1) over all channels
 * together; ametadata prints the two values (direct=1: written at once, not buffered).
 */
export function meterChain(fd: number, opts: { sampleRate?: number; hz?: number } = {}): string {
  const sampleRate = opts.sampleRate ?? DEFAULT_SAMPLE_RATE;
  const hz = opts.hz ?? DEFAULT_METER_HZ;
  if (!Number.isInteger(fd) || fd < 3) throw new RangeError(`meter fd ${fd}: side pipes start at 3`);
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`meter sample rate ${sampleRate}: must be a positive integer`);
  if (!(hz > 0 && hz <= MAX_METER_HZ)) throw new RangeError(`meter rate ${hz} Hz: must be in (0, ${MAX_METER_HZ}]`);
  const samples = Math.max(1, Math.round(sampleRate / hz));
  return [
    filter('asetnsamples', [['n', samples], ['p', 0]]),
    filter('astats', [
      ['metadata', 1],
      ['reset', 1],
      ['measure_perchannel', 'none'],
      ['measure_overall', 'Peak_level+RMS_level'],
    ]),
    filter('ametadata', [['mode', 'print'], ['file', `pipe:${fd}`], ['direct', 1]]),
    'anullsink',
  ].join(',');
}

const PEAK_KEY = 'lavfi.astats.Overall.Peak_level';
const RMS_KEY = 'lavfi.astats.Overall.RMS_level';
/** Longer lines are not ametadata's: dropped, so garbage never grows the buffer. */
const MAX_LINE_CHARS = 1024;

/** astats prints C's %f: numbers, `-inf` for silence, `inf`, `nan`. NaN means "no value". */
function parseDb(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === '-inf') return -Infinity;
  if (t === 'inf' || t === '+inf') return Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/.test(t)) return NaN;
  return Number(t);
}

interface PendingReading {
  time?: number;
  peakDb?: number;
  rmsDb?: number;
  done: boolean;
}

/**
 * Parses ametadata's print output into levels, incrementally: chunks may be split anywhere. A reading
 * (a `frame:` line and its two values) is returned as soon as both values are in; one whose values are
 * missing or not numbers (`nan`) is skipped rather than shown as a made-up level.
 */
export class MeterParser {
  private rest = '';
  private dropping = false;
  private current: PendingReading | null = null;

  push(text: string): MeterReading[] {
    const out: MeterReading[] = [];
    let from = 0;
    for (;;) {
      const nl = text.indexOf('\n', from);
      if (nl < 0) break;
      const piece = text.slice(from, nl);
      from = nl + 1;
      if (this.dropping) {
        this.dropping = false;
        this.rest = '';
        continue;
      }
      const line = this.rest + piece;
      this.rest = '';
      this.onLine(line.replace(/\r$/, ''), out);
    }
    if (!this.dropping) {
      this.rest += text.slice(from);
      if (this.rest.length > MAX_LINE_CHARS) {
        this.rest = '';
        this.dropping = true;
      }
    }
    return out;
  }

  private onLine(line: string, out: MeterReading[]): void {
    if (line.startsWith('frame:')) {
      const time = /\bpts_time:(\S+)/.exec(line);
      const seconds = time ? Number(time[1]) : NaN;
      this.current = Number.isFinite(seconds) ? { time: seconds, done: false } : { done: false };
      return;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !this.current || this.current.done) return;
    const key = line.slice(0, eq);
    if (key !== PEAK_KEY && key !== RMS_KEY) return;
    const value = parseDb(line.slice(eq + 1));
    if (key === PEAK_KEY) this.current.peakDb = value;
    else this.current.rmsDb = value;
    const { peakDb, rmsDb, time } = this.current;
    if (peakDb === undefined || rmsDb === undefined) return;
    this.current.done = true;
    if (Number.isNaN(peakDb) || Number.isNaN(rmsDb)) return;
    out.push(time === undefined ? { peakDb, rmsDb } : { peakDb, rmsDb, time });
  }
}

/**
 * Reads one meter pipe to its end and emits 'level' for each reading; the newest is kept in `latest()`.
 * It never pauses or closes the pipe (see the file comment: an unread meter pipe stalls the program).
 */
export class MeterReader extends EventEmitter<{ level: [MeterReading]; end: [] }> {
  private readonly parser = new MeterParser();
  private newest: MeterReading | undefined;

  constructor(pipe: Readable) {
    super();
    // The text is ASCII; latin1 decodes any byte on its own, so a chunk boundary never splits a character.
    pipe.on('data', (chunk: Buffer | string) => this.onText(typeof chunk === 'string' ? chunk : chunk.toString('latin1')));
    onPipeEnd(pipe, () => this.emit('end'));
  }

  latest(): MeterReading | undefined {
    return this.newest;
  }

  private onText(text: string): void {
    for (const level of this.parser.push(text)) {
      this.newest = level;
      this.emit('level', level);
    }
  }
}
