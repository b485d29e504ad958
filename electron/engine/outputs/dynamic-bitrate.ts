import type { ProgramStats } from '../../contract.js';
import { BitrateAdvisor } from './congestion.js';

/**
 * Dynamic bitrate: follows the destinations' congestion once a second and says when the one encode
 * should run at another bitrate. The least congested live destination speaks for all: lowering the
 * encode for everybody is only right when every destination is congested (or there is one).
 */
export class DynamicBitrate {
  private advisor: BitrateAdvisor;
  private readonly droppedSoFar = new Map<string, number>();

  /** `bitrateKbps`: what the streamer set; never recommended above. */
  constructor(bitrateKbps: number) {
    this.advisor = new BitrateAdvisor({ bitrateKbps });
  }

  /** The streamer set a new bitrate: start again from it. */
  reset(bitrateKbps: number): void {
    this.advisor = new BitrateAdvisor({ bitrateKbps });
  }

  /** Takes one second's stats; returns the bitrate to change to, or undefined. */
  sample(stats: ProgramStats, nowMs: number): number | undefined {
    const live = stats.destinations.filter((d) => d.state === 'live');
    if (live.length === 0) return undefined;
    const samples = live.map((d) => {
      const dropped = d.dropsByReason.congestion - (this.droppedSoFar.get(d.id) ?? 0);
      this.droppedSoFar.set(d.id, d.dropsByReason.congestion);
      return { queueMs: d.queueMs, droppedFrames: dropped };
    });
    const best = samples.reduce((a, b) => (b.queueMs + b.droppedFrames * 1000 < a.queueMs + a.droppedFrames * 1000 ? b : a));
    return this.advisor.sample({ nowMs, ...best });
  }
}
