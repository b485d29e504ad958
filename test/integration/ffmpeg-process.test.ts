import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildEncodeArgs, type EncodeOptions, type FfmpegInput } from '../../electron/engine/ffmpeg/argv.js';
import { locateFfmpeg, type FfmpegInfo } from '../../electron/engine/ffmpeg/locate.js';
import { FfmpegProcess, type FfmpegExit } from '../../electron/engine/ffmpeg/process.js';
import type { FfmpegProgress } from '../../electron/engine/ffmpeg/stderr.js';
import { registerSecret, setLogSink, type LogLevel } from '../../electron/engine/log.js';
import { validateEncoding } from '../../electron/engine/settings/encoding.js';
import { isRunning } from '../helpers/wait.js';

// Tiny and real-time (-re): these tests run FFmpeg for seconds, not for throughput.
const settings = validateEncoding({ width: 160, height: 90, fps: 15, videoBitrateKbps: 200, preset: 'ultrafast', audioBitrateKbps: 64 });
const liveInputs: FfmpegInput[] = [
  { args: ['-re', '-f', 'lavfi'], url: 'testsrc2=size=160x90:rate=15', kind: 'video' },
  { args: ['-re', '-f', 'lavfi'], url: 'sine=frequency=440:sample_rate=48000', kind: 'audio' },
];

let ffmpeg: FfmpegInfo;
const started: FfmpegProcess[] = [];
const strayPids: number[] = [];

function liveArgs(outputs = {}, options: EncodeOptions = {}): string[] {
  return buildEncodeArgs(settings, liveInputs, outputs, { ffmpegVersion: ffmpeg.version, ...options });
}

function start(args: string[], extraPipes = 0): FfmpegProcess {
  const proc = new FfmpegProcess({ ffmpegPath: ffmpeg.path, args, extraPipes });
  started.push(proc);
  return proc;
}

/** Resolves with the first `count` stats; rejects if FFmpeg exits before. */
function collectStats(proc: FfmpegProcess, count: number): Promise<FfmpegProgress[]> {
  return new Promise((resolve, reject) => {
    const stats: FfmpegProgress[] = [];
    const onStats = (progress: FfmpegProgress): void => {
      stats.push(progress);
      if (stats.length >= count) {
        proc.off('stats', onStats);
        resolve(stats);
      }
    };
    proc.on('stats', onStats);
    void proc.exited.then((exit) => reject(new Error(`FFmpeg exited early: ${JSON.stringify(exit)}`)));
  });
}


beforeAll(async () => {
  ffmpeg = await locateFfmpeg();
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((proc) => proc.stop(1000)));
  for (const pid of strayPids.splice(0)) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
});

describe('FfmpegProcess with the real FFmpeg', () => {
  it('streams FLV on stdout, reports stats, and stops cleanly with q', async () => {
    const proc = start(liveArgs());
    const head: Buffer[] = [];
    let bytes = 0;
    proc.stdout.on('data', (chunk: Buffer) => {
      if (bytes < 16) head.push(chunk);
      bytes += chunk.length;
    });

    const stats = await collectStats(proc, 2);
    expect(Buffer.concat(head).subarray(0, 3).toString('latin1')).toBe('FLV');
    expect(bytes).toBeGreaterThan(0);
    const [first, second] = stats;
    expect(second?.frame ?? 0).toBeGreaterThan(first?.frame ?? 0);
    expect(second?.timeSec ?? 0).toBeGreaterThan(0);
    expect(second?.final).toBe(false);
    expect(proc.lastStats).toBe(second);

    const exit = await proc.stop();
    // Code 0 shows FFmpeg obeyed 'q': after SIGTERM it would exit with 255.
    expect(exit).toMatchObject({ reason: 'stopped', code: 0, signal: null });
    expect(exit.stderrTail.some((line) => line.includes('[q] command received'))).toBe(true);
    expect(await proc.exited).toBe(exit);
    expect(proc.running).toBe(false);
    expect(proc.send('q')).toBe(false);
  });

  it('escalates stop() to SIGTERM and SIGKILL for a process that ignores q and SIGTERM', async () => {
    // Not FFmpeg: a stand-in that cannot be stopped gently, to walk the whole escalation.
    const stubborn = new FfmpegProcess({ ffmpegPath: '/bin/sh', args: ['-c', 'trap "" TERM; while :; do sleep 0.1; done'] });
    const exit = await stubborn.stop(200);
    expect(exit).toMatchObject({ reason: 'stopped', signal: 'SIGKILL' });
  });

  it('writes side outputs to extra pipes (fd 3)', async () => {
    const proc = start(
      liveArgs(
        { extra: [{ args: ['-map', '[preview]', '-f', 'rawvideo', '-pix_fmt', 'rgb24'], url: 'pipe:3' }] },
        { graph: { filter: '[0:v]split[scene][p];[p]scale=32:18[preview]', video: 'scene' } },
      ),
      1,
    );
    proc.stdout.resume();
    const side = proc.sidePipes[0];
    if (!side) throw new Error('no side pipe');
    const frameBytes = 32 * 18 * 3;
    const frame = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      side.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        const all = Buffer.concat(chunks);
        if (all.length >= frameBytes) resolve(all.subarray(0, frameBytes));
      });
      void proc.exited.then((exit) => reject(new Error(`FFmpeg exited early: ${exit.reason} ${exit.detail ?? ''}`)));
    });
    // A scaled-down test pattern, not an empty buffer: the preview branch of the graph really ran.
    expect(new Set(frame).size).toBeGreaterThan(10);
    expect((await proc.stop()).reason).toBe('stopped');
  });

  it('classifies a v4l2 device that does not exist as device-missing', async () => {
    const proc = start(buildEncodeArgs(settings, [{ args: ['-f', 'v4l2'], url: '/dev/video99', kind: 'video' }]));
    const exit = await proc.exited;
    expect(exit).toMatchObject({ reason: 'device-missing', code: 1, signal: null });
    expect(exit.detail).toContain('/dev/video99');
    expect(exit.message).toContain('plugged in');
  });

  it('classifies an unknown encoder as encoder-failed', async () => {
    const args = liveArgs();
    args[args.indexOf('-c:v') + 1] = 'h264_bogus';
    const exit = await start(args).exited;
    expect(exit).toMatchObject({ reason: 'encoder-failed', detail: "Unknown encoder 'h264_bogus'" });
  });

  it('classifies SIGKILL as killed', async () => {
    const proc = start(liveArgs());
    proc.stdout.resume();
    await collectStats(proc, 1);
    proc.kill('SIGKILL');
    expect(await proc.exited).toMatchObject({ reason: 'killed', signal: 'SIGKILL', code: null });
  });

  it('classifies a reader that closes the FLV pipe as output-closed', async () => {
    const proc = start(liveArgs());
    await collectStats(proc, 1);
    proc.stdout.destroy();
    const exit = await proc.exited;
    expect(exit.reason).toBe('output-closed');
    expect(exit.detail).toMatch(/Broken pipe/);
  });

  it('reports a binary that cannot be started', async () => {
    const proc = new FfmpegProcess({ ffmpegPath: '/nonexistent/ffmpeg', args: ['-version'] });
    const exit = await proc.exited;
    expect(exit.reason).toBe('unknown');
    expect(exit.message).toContain('could not be started');
    expect(exit.message).toContain('ENOENT');
  });

  it('redacts stream keys from the logged argv and from the stderr it keeps', async () => {
    const key = 'live_987654_uplinkTestKey';
    registerSecret(key);
    const logged: string[] = [];
    setLogSink((_level: LogLevel, scope: string, message: string) => logged.push(`${scope}: ${message}`), 'debug');
    try {
      const proc = new FfmpegProcess({ ffmpegPath: ffmpeg.path, args: ['-hide_banner', '-i', `/nonexistent/${key}.flv`] });
      const exit: FfmpegExit = await proc.exited;
      expect(exit.reason).toBe('device-missing');
      expect(logged.some((line) => line.includes('start') && line.includes('<redacted>'))).toBe(true);
      expect(logged.join('\n')).not.toContain(key);
      expect(JSON.stringify(exit)).not.toContain(key);
      expect(exit.detail).toContain('<redacted>');
    } finally {
      setLogSink((level, scope, message) => process.stderr.write(`[${level}] ${scope}: ${message}\n`), 'warn');
    }
  });
});

describe('no orphan FFmpeg when Uplink goes away', () => {
  /**
   * A stand-in for Uplink: a Node process that runs FfmpegProcess from the sources (type stripping,
   * with .js specifiers resolved to .ts), prints FFmpeg's pid once stats flow, then exits or waits.
   */
  const childScript = `
    import { registerHooks } from 'node:module';
    registerHooks({
      resolve(specifier, context, nextResolve) {
        try {
          return nextResolve(specifier, context);
        } catch (err) {
          if (specifier.endsWith('.js')) return nextResolve(specifier.slice(0, -3) + '.ts', context);
          throw err;
        }
      },
    });
    const { FfmpegProcess } = await import(process.env.UPLINK_PROCESS_MODULE);
    const proc = new FfmpegProcess({ ffmpegPath: process.env.UPLINK_FFMPEG, args: JSON.parse(process.env.UPLINK_FFMPEG_ARGS) });
    proc.stdout.resume();
    proc.once('stats', () => {
      process.stdout.write(proc.pid + '\\n');
      if (process.env.UPLINK_MODE === 'exit') process.exit(0);
    });
  `;

  async function runUplinkStandIn(mode: 'exit' | 'wait', args: string[]): Promise<{ ffmpegPid: number; kill: () => void }> {
    const child = spawn(process.execPath, ['--experimental-transform-types', '--no-warnings', '--input-type=module', '-e', childScript], {
      env: {
        ...process.env,
        UPLINK_PROCESS_MODULE: pathToFileURL(join(import.meta.dirname, '..', '..', 'electron', 'engine', 'ffmpeg', 'process.ts')).href,
        UPLINK_FFMPEG: ffmpeg.path,
        UPLINK_FFMPEG_ARGS: JSON.stringify(args),
        UPLINK_MODE: mode,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const ffmpegPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = /^(\d+)\n/.exec(out);
        if (line?.[1]) resolve(Number(line[1]));
      });
      child.once('exit', (code) => {
        if (!/^\d+\n/.test(out)) reject(new Error(`stand-in exited with ${code} before FFmpeg ran`));
      });
    });
    strayPids.push(ffmpegPid);
    return { ffmpegPid, kill: () => child.kill('SIGKILL') };
  }

  it('FFmpeg ends on EPIPE when Uplink is killed without running any hook', async () => {
    const standIn = await runUplinkStandIn('wait', liveArgs());
    expect(isRunning(standIn.ffmpegPid)).toBe(true);
    standIn.kill();
    await vi.waitFor(() => expect(isRunning(standIn.ffmpegPid)).toBe(false), { timeout: 20_000, interval: 100 });
  });

  it('the exit hook kills FFmpeg when Uplink exits, even when no pipe would break', async () => {
    // Output to /dev/null: only the hook can end this FFmpeg, since no write of it can fail.
    const standIn = await runUplinkStandIn('exit', liveArgs({ primary: '/dev/null' }));
    await vi.waitFor(() => expect(isRunning(standIn.ffmpegPid)).toBe(false), { timeout: 20_000, interval: 100 });
  });
});
