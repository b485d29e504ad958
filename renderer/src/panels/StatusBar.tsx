/**
 * The status bar: time live, bitrate, dropped frames by cause, CPU, and each destination's state with
 * "Reconnect now". Figures are the engine's once-a-second ProgramStats, shown as they come.
 */
import type { DestinationView, DropReason, ProgramStats } from '../../../electron/contract.js';
import { formatDuration, formatKbps } from '../format.js';
import { selectDestinations, selectLatestStats, selectPhase, selectRun, useApp } from '../store.js';

const DROP_LABELS: Record<DropReason, string> = {
  congestion: 'network congestion',
  reconnecting: 'reconnecting',
  'waiting-for-keyframe': 'waiting for a keyframe',
};

/**
 * Frames dropped by cause, as OBS counts them: rendering (program frames the compositor missed),
 * encoding (frames the encoder dropped to keep up) and network (frames a destination did not send).
 */
export function droppedFrames(stats: ProgramStats): { rendering: number; encoding: number; network: number; byReason: Record<DropReason, number> } {
  const byReason = dropsByCause(stats);
  return {
    rendering: stats.rendering?.framesLagged ?? 0,
    encoding: stats.encoder.droppedFrames,
    network: byReason.congestion + byReason.reconnecting + byReason['waiting-for-keyframe'],
    byReason,
  };
}

const percent = (part: number, of: number): string => (of > 0 ? ` (${((part / of) * 100).toFixed(1)} %)` : '');

export function dropsByCause(stats: ProgramStats): Record<DropReason, number> {
  const total: Record<DropReason, number> = { congestion: 0, reconnecting: 0, 'waiting-for-keyframe': 0 };
  for (const d of stats.destinations) for (const reason of Object.keys(total) as DropReason[]) total[reason] += d.dropsByReason[reason];
  return total;
}

export function StatusBar() {
  const stats = useApp(selectLatestStats);
  const phase = useApp(selectPhase);
  const destinations = useApp(selectDestinations) ?? [];
  const connection = useApp((s) => s.connection);
  const recording = useApp((s) => s.studio?.recording);

  const drops = stats ? droppedFrames(stats) : null;
  const dropTitle =
    stats && drops
      ? [
          `rendering lag (the compositor could not keep up): ${drops.rendering}${stats.rendering ? ` of ${stats.rendering.framesTotal} frames${percent(drops.rendering, stats.rendering.framesTotal)}` : ''}`,
          `encoding lag (the encoder could not keep up): ${drops.encoding}`,
          `network: ${drops.network}`,
          ...(Object.keys(drops.byReason) as DropReason[]).map((r) => `  ${DROP_LABELS[r]}: ${drops.byReason[r]}`),
        ].join('\n')
      : undefined;

  return (
    <footer className="statusbar" aria-label="Status">
      {connection !== 'open' && (
        <span className="status-item warn" role="status">
          {connection === 'connecting' ? 'Connecting to the studio…' : 'Disconnected: reconnecting…'}
        </span>
      )}
      <span className={`status-item onair${phase === 'live' ? ' live' : ''}`}>
        <span className="dot" aria-hidden="true" />
        {phase === 'live' ? 'LIVE' : phase === 'starting' ? 'STARTING' : phase === 'stopping' ? 'STOPPING' : 'OFFLINE'}
        {phase === 'live' && stats && <span className="mono">{formatDuration(stats.uptimeSec)}</span>}
      </span>
      {recording?.active && (
        <span className="status-item rec">
          <span className="dot" aria-hidden="true" /> REC
        </span>
      )}
      <span className="status-item" title="Video bitrate the encoder makes">
        <span className="muted">Bitrate</span> <span className="mono">{formatKbps(stats?.encoder.bitrateKbps)}</span>
      </span>
      <span className="status-item" title={dropTitle}>
        <span className="muted">Dropped</span>{' '}
        <span className="mono">
          {drops ? (
            <>
              render {drops.rendering} · enc {drops.encoding} · net {drops.network}{' '}
              <span className="muted small">(cong {drops.byReason.congestion} · reconn {drops.byReason.reconnecting} · kf {drops.byReason['waiting-for-keyframe']})</span>
            </>
          ) : (
            '—'
          )}
        </span>
      </span>
      <span className="status-item" title="Uplink / FFmpeg, in percent of one core">
        <span className="muted">CPU</span> <span className="mono">{stats ? `${Math.round(stats.cpu.uplinkPercent)}% / ${stats.cpu.ffmpegPercent === null ? '—' : `${Math.round(stats.cpu.ffmpegPercent)}%`}` : '—'}</span>
      </span>
      {stats?.encoder.fps != null && (
        <span className="status-item">
          <span className="mono">{stats.encoder.fps.toFixed(0)} fps</span>
        </span>
      )}
      <span className="status-spacer" />
      {destinations.map((d) => (
        <DestinationChip key={d.id} destination={d} />
      ))}
    </footer>
  );
}

function DestinationChip({ destination }: { destination: DestinationView }) {
  const run = useApp(selectRun);
  const stats = useApp((s) => s.statsHistory[s.statsHistory.length - 1]?.stats.destinations.find((d) => d.id === destination.id));
  const { state } = destination;
  return (
    <span className={`status-item dest dest-${state}${destination.enabled ? '' : ' dest-disabled'}`} title={destination.error ?? stats?.lastError}>
      <span className="dot" aria-hidden="true" />
      <span>{destination.name}</span>
      <span className="muted">{destination.enabled ? state : 'off'}</span>
      {state === 'live' && stats && <span className="mono">{formatKbps(stats.bitrateKbps)}</span>}
      {state === 'reconnecting' && stats && (
        <span className="muted small">
          {stats.nextAttemptInSec !== undefined ? `next try in ${Math.ceil(stats.nextAttemptInSec)} s · ` : ''}attempt {stats.reconnects}
        </span>
      )}
      {(state === 'reconnecting' || state === 'failed') && (
        <button type="button" className="btn btn-tiny" onClick={() => void run('reconnectDestination', destination.id)}>
          Reconnect now
        </button>
      )}
    </span>
  );
}
