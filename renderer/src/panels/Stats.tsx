/**
 * Bitrate and queue per destination over the last minutes, drawn with uPlot (small, canvas-based, fast).
 * uPlot is loaded when the first chart is drawn (the program runs): the studio's first load does without it.
 */
import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { StatsSample } from '../store.js';
import { useApp } from '../store.js';

const PALETTE = ['#4f8cff', '#ff5c7a', '#2fd08c', '#ffb020', '#b07cff', '#2cc5d8'];

type Metric = 'bitrateKbps' | 'queueMs';

/** Columns for uPlot: time in seconds, then one series per destination (null where it was absent). */
export function chartData(history: readonly StatsSample[], ids: readonly string[], metric: Metric): uPlot.AlignedData {
  const xs = history.map((s) => s.at / 1000);
  const series = ids.map((id) => history.map((s) => s.stats.destinations.find((d) => d.id === id)?.[metric] ?? null));
  return [xs, ...series];
}

export function Stats() {
  const history = useApp((s) => s.statsHistory);
  const destinations = useApp((s) => s.studio?.destinations) ?? [];
  const names = destinations.map((d) => ({ id: d.id, name: d.name }));
  const last = history[history.length - 1]?.stats;

  return (
    <section className="panel stats" aria-labelledby="stats-title">
      <h2 id="stats-title" className="panel-title">
        Stats <span className="muted">· last 5 min</span>
      </h2>
      <div className="panel-body">
        {history.length === 0 ? (
          <IdleSummary />
        ) : (
          <>
            <Chart title="Bitrate (kb/s)" history={history} series={names} metric="bitrateKbps" />
            <Chart title="Queue (ms)" history={history} series={names} metric="queueMs" />
            {last && (
              <dl className="kv">
                <dt>Encoder</dt>
                <dd>
                  {last.encoder.fps?.toFixed(1) ?? '—'} fps · speed {last.encoder.speed?.toFixed(2) ?? '—'}× · restarts {last.encoder.restarts}
                </dd>
                {last.rendering && (
                  <>
                    <dt>Rendering</dt>
                    <dd>
                      {last.rendering.framesLagged} of {last.rendering.framesTotal} frames missed (lag)
                    </dd>
                  </>
                )}
                {last.recording && (
                  <>
                    <dt>Recording</dt>
                    <dd>{(last.recording.bytes / 1e6).toFixed(1)} MB</dd>
                  </>
                )}
              </dl>
            )}
          </>
        )}
      </div>
    </section>
  );
}

/** Before the program runs: what it will send, and where. */
function IdleSummary() {
  const encoding = useApp((s) => s.studio?.encoding);
  const destinations = useApp((s) => s.studio?.destinations) ?? [];
  const openSettings = useApp((s) => s.setSettingsOpen);
  const enabled = destinations.filter((d) => d.enabled);
  return (
    <>
      {encoding && (
        <dl className="kv">
          <dt>Output</dt>
          <dd>
            {encoding.width}×{encoding.height} · {encoding.fps} fps
          </dd>
          <dt>Video</dt>
          <dd>
            {encoding.encoder}
            {encoding.preset ? ` ${encoding.preset}` : ''} · {encoding.videoBitrateKbps} kb/s
          </dd>
          <dt>Keyframes</dt>
          <dd>every {encoding.keyframeIntervalSec} s</dd>
          <dt>Audio</dt>
          <dd>
            AAC {encoding.audioBitrateKbps} kb/s · {encoding.audioSampleRate / 1000} kHz
          </dd>
          <dt>Sending to</dt>
          <dd>{enabled.length === 0 ? 'no destination yet' : enabled.map((d) => d.name).join(', ')}</dd>
        </dl>
      )}
      {enabled.length === 0 && (
        <button type="button" className="btn btn-small stats-cta" onClick={() => openSettings(true)}>
          Add a destination
        </button>
      )}
      <p className="muted small">Bitrate and queue charts appear here while the program runs.</p>
    </>
  );
}

/** `12:48:05` from seconds since the epoch, local time: the x axis needs no date. */
function clock(sec: number): string {
  const d = new Date(sec * 1000);
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

function Chart({ title, history, series, metric }: { title: string; history: readonly StatsSample[]; series: Array<{ id: string; name: string }>; metric: Metric }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const key = series.map((s) => `${s.id}:${s.name}`).join('|');

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    let cancelled = false;
    let teardown = (): void => undefined;
    void import('uplot').then(({ default: UPlot }) => {
      if (!cancelled) teardown = drawChart(UPlot, el);
    });
    return () => {
      cancelled = true;
      teardown();
    };
    // The chart is rebuilt only when the destinations change; new samples go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, metric]);

  function drawChart(UPlot: typeof uPlot, el: HTMLDivElement): () => void {
    const styles = getComputedStyle(el);
    const axis = styles.getPropertyValue('--muted').trim() || '#888';
    const grid = styles.getPropertyValue('--grid').trim() || 'rgba(128,128,128,.15)';
    const axisStyle = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '11px system-ui' };
    const chart = new UPlot(
      {
        width: Math.max(120, el.clientWidth),
        height: 110,
        // Our own legend below: uPlot's shows a "Time" row and cursor values a glance does not need.
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        axes: [
          { ...axisStyle, values: (_u, splits) => splits.map((t) => clock(t)) },
          { ...axisStyle, size: 52, values: (_u, splits) => splits.map((v) => (v >= 10_000 ? `${Math.round(v / 1000)}k` : String(Math.round(v)))) },
        ],
        series: [
          {},
          ...series.map((s, i) => {
            const color = PALETTE[i % PALETTE.length]!;
            return { label: s.name, stroke: color, fill: `${color}22`, width: 1.5, points: { show: false }, spanGaps: false };
          }),
        ],
      },
      chartData(history, series.map((s) => s.id), metric),
      el,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(120, el.clientWidth), height: 110 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }

  useEffect(() => {
    plot.current?.setData(chartData(history, series.map((s) => s.id), metric));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [history]);

  return (
    <figure className="chart">
      <figcaption className="chart-title">
        {title}
        {series.length === 1 && <span> · {series[0]!.name}</span>}
      </figcaption>
      <div ref={host} role="img" aria-label={`${title} per destination`} />
      {series.length > 1 && (
        <div className="chart-legend">
          {series.map((s, i) => (
            <span key={s.id}>
              <span className="swatch" style={{ background: PALETTE[i % PALETTE.length] }} />
              {s.name}
            </span>
          ))}
        </div>
      )}
    </figure>
  );
}
