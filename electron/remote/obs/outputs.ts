/**
 * OBS's two outputs, the stream and the recording, as Uplink's destinations and recording. OBS has one
 * stream output; Uplink streams to several destinations at once, so the stream is read off all of them:
 * live while any is live, reconnecting while none is live and one reconnects.
 */
import type { ProgramStats, StudioState } from '../../contract.js';
import { DEFAULT_CONGESTION_THRESHOLDS } from '../../engine/outputs/congestion.js';
import type { ObsData } from './types.js';

/** The states StreamStateChanged and RecordStateChanged carry. */
export type ObsOutputState =
  | 'OBS_WEBSOCKET_OUTPUT_STARTING'
  | 'OBS_WEBSOCKET_OUTPUT_STARTED'
  | 'OBS_WEBSOCKET_OUTPUT_STOPPING'
  | 'OBS_WEBSOCKET_OUTPUT_STOPPED'
  | 'OBS_WEBSOCKET_OUTPUT_RECONNECTING'
  | 'OBS_WEBSOCKET_OUTPUT_RECONNECTED';

export type StreamPhase = 'stopped' | 'starting' | 'live' | 'reconnecting' | 'stopping';

export function streamPhase(state: StudioState): StreamPhase {
  const states = state.destinations.map((d) => d.state).filter((s) => s !== 'offline' && s !== 'failed');
  if (states.length === 0) return 'stopped';
  if (states.includes('live')) return 'live';
  if (states.includes('reconnecting')) return 'reconnecting';
  if (states.includes('connecting')) return 'starting';
  return 'stopping';
}

/** The StreamStateChanged states that lead from one phase to the next, in order (none when nothing an OBS client sees changed). */
export function streamTransitions(from: StreamPhase, to: StreamPhase): ObsOutputState[] {
  if (from === to) return [];
  switch (to) {
    case 'starting':
      // A destination that comes back through connecting is still the stream reconnecting.
      return from === 'stopped' || from === 'stopping' ? ['OBS_WEBSOCKET_OUTPUT_STARTING'] : [];
    case 'live':
      if (from === 'reconnecting') return ['OBS_WEBSOCKET_OUTPUT_RECONNECTED'];
      return from === 'starting' ? ['OBS_WEBSOCKET_OUTPUT_STARTED'] : ['OBS_WEBSOCKET_OUTPUT_STARTING', 'OBS_WEBSOCKET_OUTPUT_STARTED'];
    case 'reconnecting':
      return from === 'stopped' ? ['OBS_WEBSOCKET_OUTPUT_STARTING', 'OBS_WEBSOCKET_OUTPUT_RECONNECTING'] : ['OBS_WEBSOCKET_OUTPUT_RECONNECTING'];
    case 'stopping':
      return ['OBS_WEBSOCKET_OUTPUT_STOPPING'];
    case 'stopped':
      return from === 'stopping' ? ['OBS_WEBSOCKET_OUTPUT_STOPPED'] : ['OBS_WEBSOCKET_OUTPUT_STOPPING', 'OBS_WEBSOCKET_OUTPUT_STOPPED'];
  }
}

/** Whether an OBS client sees the output as active in this state (obs_output_active). */
export function outputActive(state: ObsOutputState): boolean {
  return state !== 'OBS_WEBSOCKET_OUTPUT_STARTING' && state !== 'OBS_WEBSOCKET_OUTPUT_STOPPED';
}

/** OBS's timecode: HH:MM:SS.mmm. */
export function timecode(ms: number): string {
  const whole = Math.max(0, Math.floor(ms));
  const pad = (n: number, width = 2): string => String(n).padStart(width, '0');
  return `${pad(Math.floor(whole / 3_600_000))}:${pad(Math.floor(whole / 60_000) % 60)}:${pad(Math.floor(whole / 1000) % 60)}.${pad(whole % 1000, 3)}`;
}

/** What GetStreamStatus, GetRecordStatus and GetStats need beyond a snapshot: since when, and the last figures. */
export class OutputTracker {
  private stream: StreamPhase = 'stopped';
  private streamSince = 0;
  private streamBytes = 0;
  private recordSince = 0;
  private recording = false;
  private lastStatsAt = 0;
  stats: ProgramStats | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  observe(state: StudioState): void {
    const phase = streamPhase(state);
    if (this.stream === 'stopped' && phase !== 'stopped') {
      this.streamSince = this.now();
      this.streamBytes = 0;
    }
    this.stream = phase;
    if (!this.recording && state.recording.active) this.recordSince = this.now();
    this.recording = state.recording.active;
  }

  onStats(stats: ProgramStats): void {
    const at = this.now();
    // Uplink counts media bits per second per destination: the bytes sent are their sum over time.
    if (this.stream !== 'stopped' && this.lastStatsAt > 0) {
      const seconds = Math.min(5, (at - this.lastStatsAt) / 1000);
      for (const d of stats.destinations) this.streamBytes += (d.bitrateKbps * 1000 * seconds) / 8;
    }
    this.lastStatsAt = at;
    this.stats = stats;
  }

  get streamPhase(): StreamPhase {
    return this.stream;
  }

  streamStatus(): ObsData {
    const active = this.stream !== 'stopped';
    const duration = active ? this.now() - this.streamSince : 0;
    const destinations = active ? (this.stats?.destinations ?? []) : [];
    const queueMs = Math.max(0, ...destinations.filter((d) => d.state === 'live').map((d) => d.queueMs));
    return {
      outputActive: active,
      outputReconnecting: this.stream === 'reconnecting',
      outputTimecode: timecode(duration),
      outputDuration: duration,
      // 1 where the engine starts shedding queued media for a slow connection.
      outputCongestion: Math.min(1, queueMs / DEFAULT_CONGESTION_THRESHOLDS.dropQueuedAboveMs),
      outputBytes: Math.round(this.streamBytes),
      outputSkippedFrames: destinations.reduce((sum, d) => sum + d.framesDropped, 0),
      outputTotalFrames: destinations.reduce((sum, d) => sum + d.framesSent + d.framesDropped, 0),
    };
  }

  recordStatus(): ObsData {
    const duration = this.recording ? this.now() - this.recordSince : 0;
    return {
      outputActive: this.recording,
      outputPaused: false,
      outputTimecode: timecode(duration),
      outputDuration: duration,
      outputBytes: this.recording ? (this.stats?.recording?.bytes ?? 0) : 0,
    };
  }
}
