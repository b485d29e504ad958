import type { ProgramStats } from '../../contract.js';
import { errorMessage } from '../errors.js';
import type { ProgramEncoder } from '../ffmpeg/program-encoder.js';
import { Logger } from '../log.js';
import { CpuMeter } from './cpu-meter.js';
import type { ProgramOutputs } from './program-outputs.js';

const EVERY_MS = 1000;

/**
 * The program's figures, once a second while it runs: the encoder's progress, each destination's
 * stats, the recording and the CPU of Uplink and its FFmpeg.
 */
export class ProgramStatsSampler {
  private readonly log = new Logger('stats');
  private readonly cpu = new CpuMeter();
  private startedAt = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly encoder: ProgramEncoder,
    private readonly outputs: ProgramOutputs,
    /** Media time made so far, in milliseconds. */
    private readonly mediaMs: () => number,
    private readonly restarts: () => number,
  ) {}

  start(onStats: (stats: ProgramStats) => void): void {
    this.startedAt = performance.now();
    this.timer = setInterval(() => {
      this.sample().then(onStats, (err: unknown) => this.log.debug(`stats: ${errorMessage(err)}`));
    }, EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async sample(): Promise<ProgramStats> {
    const progress = this.encoder.lastStats;
    const cpu = await this.cpu.sample(this.encoder.pid);
    const recording = this.outputs.recording;
    return {
      uptimeSec: this.startedAt ? (performance.now() - this.startedAt) / 1000 : 0,
      mediaSec: this.mediaMs() / 1000,
      encoder: {
        running: this.encoder.running,
        fps: progress?.fps ?? null,
        speed: progress?.speed ?? null,
        droppedFrames: progress?.drop ?? 0,
        duplicatedFrames: progress?.dup ?? 0,
        bitrateKbps: progress?.bitrateKbps ?? null,
        restarts: this.restarts(),
      },
      destinations: [...this.outputs.destinations.entries()].map(([id, { target, destination }]) => ({ id, target: target.display, ...destination.stats() })),
      recording: recording ? { file: recording.file, bytes: recording.bytesWritten } : null,
      cpu,
    };
  }
}
