import { spawn, type ChildProcess } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BroadcastStats } from '../../electron/engine/outputs/broadcast.js';
import { REPO_ROOT, UPLINK_BIN } from '../helpers/publish.js';
import { type RtmpTestServer, startNginxRtmp, startNodeMediaServer } from '../helpers/servers.js';
import { percentile, printTable } from './measure.js';

/**
 * The soak of "Outputs that stay up": the real `uplink stream` at 720p30 to two healthy destinations
 * (nginx-rtmp and node-media-server on loopback) for UPLINK_SOAK_SECONDS (default 1800), with the memory of
 * the Node process and of its FFmpeg child sampled from /proc every 5 s. Targets: Node RSS within +-10 MB of
 * its warm-up baseline, and zero frames dropped. Printed, never asserted: a noisy machine must not fail it.
 *
 * node-media-server records every stream and cannot be told not to (about 600 MB for 30 min, removed when
 * it stops); nginx-rtmp runs with record: false.
 */
const SECONDS = Number(process.env.UPLINK_SOAK_SECONDS ?? 1800);
const SAMPLE_EVERY_MS = 5_000;
/** Warm-up ends (and the baseline window starts) 60 s in, scaled down for runs under 5 minutes. */
const WARMUP_SEC = Math.min(60, SECONDS / 5);
/** The baseline is the median of the samples in this long a window after the warm-up. */
const BASELINE_WINDOW_SEC = Math.min(60, SECONDS / 5);
/** How long past SECONDS the command may take to stop before it is interrupted, then killed. */
const STOP_GRACE_SEC = 90;

interface Sample {
  /** Seconds since the command was spawned. */
  t: number;
  nodeKb: number;
  /** Sum over the command's descendants (FFmpeg; any probe running at that moment). */
  childrenKb: number;
  children: Array<{ pid: number; name: string }>;
}

type Summary = BroadcastStats & { ok: boolean };

async function vmRssKb(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) : 0; // a zombie has no VmRSS
  } catch {
    return 0; // gone between listing and reading
  }
}

/**
 * Every process below `root`, found from the parent pid in /proc/PID/stat (this kernel has no
 * /proc/PID/task/TID/children).
 */
async function descendants(root: number): Promise<Array<{ pid: number; name: string }>> {
  const parents = new Map<number, Array<{ pid: number; name: string }>>();
  const entries = (await readdir('/proc')).filter((name) => /^\d+$/.test(name));
  await Promise.all(
    entries.map(async (entry) => {
      try {
        const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
        // pid (comm) state ppid ...; comm may hold spaces and parentheses: split at the last ')'.
        const close = stat.lastIndexOf(')');
        const name = stat.slice(stat.indexOf('(') + 1, close);
        const ppid = Number(stat.slice(close + 2).split(' ')[1]);
        parents.set(ppid, [...(parents.get(ppid) ?? []), { pid: Number(entry), name }]);
      } catch {
        // exited while listing
      }
    }),
  );
  const found: Array<{ pid: number; name: string }> = [];
  const pending = [root];
  while (pending.length > 0) {
    for (const child of parents.get(pending.pop()!) ?? []) {
      found.push(child);
      pending.push(child.pid);
    }
  }
  return found;
}

async function sample(pid: number, t: number): Promise<Sample> {
  const children = await descendants(pid);
  const [nodeKb, ...childKb] = await Promise.all([vmRssKb(pid), ...children.map((c) => vmRssKb(c.pid))]);
  return { t, nodeKb: nodeKb ?? 0, childrenKb: childKb.reduce((sum, kb) => sum + kb, 0), children };
}

const mb = (kb: number): number => kb / 1024;

function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

/** Least-squares slope of y over x. */
function slope(points: ReadonlyArray<{ x: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  return sxx === 0 ? NaN : sxy / sxx;
}

/** Baseline, worst deviation (signed, MB) and drift (MB per 10 min) of one series after the warm-up. */
function memoryFigures(samples: readonly Sample[], kb: (s: Sample) => number): { baseline: number; deviation: number; drift: number; n: number } {
  const window = samples.filter((s) => s.t >= WARMUP_SEC && s.t < WARMUP_SEC + BASELINE_WINDOW_SEC && kb(s) > 0);
  const after = samples.filter((s) => s.t >= WARMUP_SEC && kb(s) > 0);
  const baseline = median(window.map((s) => mb(kb(s))));
  const deviation = after.reduce((worst, s) => {
    const d = mb(kb(s)) - baseline;
    return Math.abs(d) > Math.abs(worst) ? d : worst;
  }, 0);
  const drift = slope(after.map((s) => ({ x: s.t, y: mb(kb(s)) }))) * 600;
  return { baseline, deviation, drift, n: window.length };
}

const signed = (v: number, digits = 1): string => `${v >= 0 ? '+' : ''}${v.toFixed(digits)}`;

let nginx: RtmpTestServer;
let nms: RtmpTestServer;
let cli: ChildProcess | undefined;
beforeAll(async () => {
  [nginx, nms] = await Promise.all([startNginxRtmp({ record: false }), startNodeMediaServer()]);
});
afterAll(async () => {
  if (cli && cli.exitCode === null && cli.signalCode === null) cli.kill('SIGKILL');
  await Promise.all([nginx?.stop(), nms?.stop()]);
});

it(
  `soak: ${SECONDS} s of 720p30 to nginx-rtmp and node-media-server; memory flat, no frame dropped`,
  async () => {
    expect(SECONDS, 'UPLINK_SOAK_SECONDS').toBeGreaterThanOrEqual(10);
    const args = [UPLINK_BIN, 'stream', '--video', 'test', '--audio', 'tone', '--to', nginx.url('live', 'soak'), '--to', nms.url('live', 'soak'), '--duration', String(SECONDS), '--json'];
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    cli = child;
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-16_384)));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal }));
    });

    const samples: Sample[] = [];
    let sampling = Promise.resolve();
    const sampler = setInterval(() => {
      const t = (performance.now() - started) / 1000;
      sampling = sampling.then(async () => {
        const s = await sample(child.pid!, t);
        if (s.nodeKb > 0) samples.push(s);
      });
    }, SAMPLE_EVERY_MS);
    // Report rather than hang if the command does not stop on its own: Ctrl-C, then kill.
    const interrupt = setTimeout(() => child.kill('SIGINT'), (SECONDS + STOP_GRACE_SEC) * 1000);
    const kill = setTimeout(() => child.kill('SIGKILL'), (SECONDS + STOP_GRACE_SEC + 30) * 1000);
    const { code, signal } = await exited.finally(() => {
      clearInterval(sampler);
      clearTimeout(interrupt);
      clearTimeout(kill);
    });
    await sampling;
    const wallSec = (performance.now() - started) / 1000;

    // One row per minute (the sample nearest each minute mark) and the last sample.
    const rows: Record<string, string | number>[] = [];
    for (let mark = 0; mark <= wallSec; mark += 60) {
      const nearest = samples.reduce<Sample | undefined>((best, s) => (best === undefined || Math.abs(s.t - mark) < Math.abs(best.t - mark) ? s : best), undefined);
      if (nearest && !rows.some((r) => r.elapsed === `${nearest.t.toFixed(0)} s`)) {
        rows.push({ elapsed: `${nearest.t.toFixed(0)} s`, 'node RSS MB': mb(nearest.nodeKb).toFixed(1), 'ffmpeg RSS MB': mb(nearest.childrenKb).toFixed(1) });
      }
    }
    const last = samples.at(-1);
    if (last && !rows.some((r) => r.elapsed === `${last.t.toFixed(0)} s`)) {
      rows.push({ elapsed: `${last.t.toFixed(0)} s`, 'node RSS MB': mb(last.nodeKb).toFixed(1), 'ffmpeg RSS MB': mb(last.childrenKb).toFixed(1) });
    }
    printTable(`soak: uplink stream 720p30 to 2 destinations for ${SECONDS} s, RSS every ${SAMPLE_EVERY_MS / 1000} s (${samples.length} samples)`, rows);

    const node = memoryFigures(samples, (s) => s.nodeKb);
    const ffmpeg = memoryFigures(samples, (s) => s.childrenKb);
    const childNames = new Map<number, string>();
    for (const s of samples) for (const c of s.children) childNames.set(c.pid, c.name);
    const window = `${WARMUP_SEC.toFixed(0)}-${(WARMUP_SEC + BASELINE_WINDOW_SEC).toFixed(0)} s`;
    console.log(`warm-up baseline (median of ${node.n} samples at ${window}): node ${node.baseline.toFixed(1)} MB, ffmpeg ${ffmpeg.baseline.toFixed(1)} MB`);
    console.log(`node RSS after warm-up: max deviation ${signed(node.deviation)} MB (target within +-10 MB), drift ${signed(node.drift, 2)} MB / 10 min`);
    console.log(`ffmpeg RSS after warm-up: max deviation ${signed(ffmpeg.deviation)} MB, drift ${signed(ffmpeg.drift, 2)} MB / 10 min`);
    console.log(`child processes seen: ${[...childNames].map(([pid, name]) => `${name} (${pid})`).join(', ') || 'none'}`);

    let summary: Summary | undefined;
    try {
      summary = JSON.parse(stdout) as Summary;
    } catch {
      console.log(`no JSON summary on stdout: ${stdout.slice(-500)}`);
    }
    if (summary) {
      const { encoder } = summary;
      // The targets are redacted URLs: name them by port.
      const serverName = (target: string): string => [nginx, nms].find((server) => target.includes(`:${server.port}/`))?.name ?? target;
      const destinations = summary.destinations.map((d) => ({ ...d, target: serverName(d.target) }));
      const dropped = encoder.droppedFrames + destinations.reduce((sum, d) => sum + d.framesDropped, 0);
      console.log(`frames dropped: ${dropped} (target 0): encoder ${encoder.droppedFrames} (duplicated ${encoder.duplicatedFrames}), ${destinations.map((d) => `${d.target} ${d.framesDropped} ${JSON.stringify(d.dropsByReason)}`).join(', ')}`);
      console.log(`reconnects: ${destinations.map((d) => `${d.target} ${d.reconnects}`).join(', ')}; encoder restarts ${encoder.restarts}`);
      printTable(
        'destinations at the end',
        destinations.map((d) => ({ target: d.target, state: d.state, framesSent: d.framesSent, framesDropped: d.framesDropped, 'drop %': d.dropPercent, queueMs: d.queueMs, reconnects: d.reconnects })),
      );
      console.log(`encoder: fps ${encoder.fps}, speed ${encoder.speed}; media ${summary.mediaSec.toFixed(1)} s in ${summary.uptimeSec.toFixed(1)} s uptime; cpu ${JSON.stringify(summary.cpu)}`);
    }
    console.log(`exit code ${code}${signal ? ` (signal ${signal})` : ''}, wall ${wallSec.toFixed(1)} s`);
    const said = stderr.trim().split('\n').filter(Boolean).slice(-10);
    if (said.length > 0) console.log(`the command said (last lines):\n  ${said.join('\n  ')}`);

    expect(code, stderr).toBe(0);
    expect(summary?.destinations.map((d) => d.framesSent > 0)).toEqual([true, true]);
  },
  (SECONDS + STOP_GRACE_SEC + 120) * 1000,
);
