import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat's utime and stime (100 on every Linux we run on). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU seconds of one process (every thread), or undefined once it is gone. */
export function processCpuSec(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of stat(5), counted from the state (field 3) here.
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

export interface WindowCost {
  /** CPU seconds of the watched processes (FFmpeg) over the window. */
  processSec: number;
  /** CPU seconds of this Node process over the window (process.cpuUsage: every thread, GC included). */
  nodeSec: number;
  wallSec: number;
  perPid: Map<number, number>;
}

/**
 * CPU used over a window of wall time by a changing set of processes, read from outside in /proc: each
 * pid's utime+stime at the start (or 0 for one that appears later, it started within the window) and the
 * last value seen (polled, so a process that exits still counts up to its last poll), plus this Node
 * process's own share from process.cpuUsage().
 */
export class CpuWindow {
  private readonly first = new Map<number, number>();
  private readonly last = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private node = process.cpuUsage();

  constructor(
    private readonly pids: () => readonly number[],
    private readonly pollMs = 250,
  ) {}

  start(): void {
    this.startedAt = performance.now();
    this.node = process.cpuUsage();
    for (const pid of this.pids()) {
      const cpu = processCpuSec(pid);
      if (cpu !== undefined) {
        this.first.set(pid, cpu);
        this.last.set(pid, cpu);
      }
    }
    this.timer = setInterval(() => this.poll(), this.pollMs);
  }

  stop(): WindowCost {
    this.poll();
    if (this.timer) clearInterval(this.timer);
    const nodeUsage = process.cpuUsage(this.node);
    const perPid = new Map<number, number>();
    for (const [pid, last] of this.last) perPid.set(pid, last - (this.first.get(pid) ?? 0));
    return {
      processSec: [...perPid.values()].reduce((sum, v) => sum + v, 0),
      nodeSec: (nodeUsage.user + nodeUsage.system) / 1e6,
      wallSec: (performance.now() - this.startedAt) / 1000,
      perPid,
    };
  }

  private poll(): void {
    for (const pid of this.pids()) {
      const cpu = processCpuSec(pid);
      if (cpu === undefined) continue;
      if (!this.last.has(pid)) this.first.set(pid, 0);
      this.last.set(pid, cpu);
    }
  }
}

/** Measures `seconds` of wall time. */
export async function measureWindow(pids: () => readonly number[], seconds: number): Promise<WindowCost> {
  const window = new CpuWindow(pids);
  window.start();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return window.stop();
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Percent of one core. */
export const pct = (cpuSec: number, wallSec: number): string => `${((100 * cpuSec) / wallSec).toFixed(1)} %`;
