import { spawn } from 'node:child_process';

export interface ChildCost {
  code: number;
  /** User + system CPU of the command and all its children. */
  cpuSec: number;
  wallSec: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command under bash and reads its CPU time from bash's `times` builtin, which counts every
 * descendant (Node has no rusage for children).
 */
export function measureCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<ChildCost> {
  const script = '"$@" 2>"$UPLINK_BENCH_STDERR" >"$UPLINK_BENCH_STDOUT"; status=$?; times; exit $status';
  const base = `/tmp/uplink-bench-${process.pid}-${Date.now()}`;
  const stderrFile = `${base}.err`;
  const stdoutFile = `${base}.out`;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('bash', ['-c', script, 'bash', command, ...args], { env: { ...env, UPLINK_BENCH_STDERR: stderrFile, UPLINK_BENCH_STDOUT: stdoutFile } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', async (code) => {
      const wallSec = (performance.now() - started) / 1000;
      const lines = out.trim().split('\n');
      const children = lines[lines.length - 1] ?? '';
      const cpuSec = children
        .split(/\s+/)
        .map((t) => /^(\d+)m([\d.]+)s$/.exec(t))
        .reduce((sum, m) => sum + (m ? Number(m[1]) * 60 + Number(m[2]) : 0), 0);
      const { readFile, rm } = await import('node:fs/promises');
      const [stdout, stderr] = await Promise.all([stdoutFile, stderrFile].map((file) => readFile(file, 'utf8').catch(() => '')));
      await Promise.all([stdoutFile, stderrFile].map((file) => rm(file, { force: true })));
      resolve({ code: code ?? 1, cpuSec, wallSec, stdout: stdout ?? '', stderr: stderr ?? '' });
    });
  });
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function printTable(title: string, rows: Record<string, string | number>[]): void {
  console.log(`\n${title}`);
  console.table(rows);
}
