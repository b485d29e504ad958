import { readFile } from 'node:fs/promises';

export interface CpuFigures {
  /** Over the last interval, in percent of one core. */
  uplinkPercent: number;
  /** null where the OS does not tell (outside Linux) or FFmpeg is not running. */
  ffmpegPercent: number | null;
  /** Over the whole run, FFmpeg processes replaced by restarts included. */
  average: { uplinkPercent: number; ffmpegPercent: number | null };
}

/** CPU of Uplink's own process and of its FFmpeg, per interval and over the run. */
export class CpuMeter {
  private readonly startedAt = performance.now();
  private readonly uplinkAtStart = ownCpuSeconds();
  private last = { at: this.startedAt, uplink: this.uplinkAtStart, ffmpeg: null as number | null };
  /** CPU seconds of FFmpeg processes that have ended, and the last reading of the current one. */
  private ffmpegEnded = 0;
  private ffmpegCurrent = { pid: undefined as number | undefined, seconds: 0 };
  private sawFfmpeg = false;

  async sample(ffmpegPid: number | undefined): Promise<CpuFigures> {
    const now = performance.now();
    const uplink = ownCpuSeconds();
    const ffmpeg = await processCpuSeconds(ffmpegPid);
    if (ffmpegPid !== this.ffmpegCurrent.pid) {
      this.ffmpegEnded += this.ffmpegCurrent.seconds;
      this.ffmpegCurrent = { pid: ffmpegPid, seconds: 0 };
    }
    if (ffmpeg !== null) {
      this.ffmpegCurrent.seconds = ffmpeg;
      this.sawFfmpeg = true;
    }
    const interval = (now - this.last.at) / 1000;
    const run = (now - this.startedAt) / 1000;
    const percent = (seconds: number, over: number): number => (over > 0 ? (100 * seconds) / over : 0);
    const figures: CpuFigures = {
      uplinkPercent: percent(uplink - this.last.uplink, interval),
      ffmpegPercent: ffmpeg !== null && this.last.ffmpeg !== null ? percent(ffmpeg - this.last.ffmpeg, interval) : null,
      average: {
        uplinkPercent: percent(uplink - this.uplinkAtStart, run),
        ffmpegPercent: this.sawFfmpeg ? percent(this.ffmpegEnded + this.ffmpegCurrent.seconds, run) : null,
      },
    };
    this.last = { at: now, uplink, ffmpeg };
    return figures;
  }
}

function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** CPU seconds of another process, where the OS tells (Linux /proc); null elsewhere or when it is gone. */
async function processCpuSeconds(pid: number | undefined): Promise<number | null> {
  if (pid === undefined || process.platform !== 'linux') return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 a second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}
