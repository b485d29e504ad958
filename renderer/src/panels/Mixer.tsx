/**
 * The audio mixer: a fader in dB, mute and peak / RMS meters per audio source, and the master strip (the
 * mix's fader and mute, as OBS has them) with the mix's meter, read after the master fader.
 */
import * as Slider from '@radix-ui/react-slider';
import { type Ref, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Icon } from '../icons.js';
import { METER_FLOOR_DB, formatDb, meterFraction } from '../format.js';
import type { AudioPatch } from '../../../electron/contract.js';
import { hasAudio } from '../sources.js';
import { type AppState, selectRun, selectScenes, useApp, useAppStore } from '../store.js';

/** The fader's travel; the engine takes down to -100 dB (silence) and up to +26 dB. */
export const FADER_MIN_DB = -60;
export const FADER_MAX_DB = 12;

export function Mixer() {
  const scenes = useApp(selectScenes);
  const sources = (scenes?.collection.sources ?? []).filter(hasAudio);
  const master = scenes?.collection.master;
  return (
    <section className="panel" aria-labelledby="mixer-title">
      <h2 id="mixer-title" className="panel-title">
        Audio mixer
      </h2>
      <div className="panel-body mixer">
        {scenes ? <Strip name="Master" sourceId={null} volumeDb={master?.volumeDb ?? 0} muted={master?.muted ?? false} /> : <Strip name="Master" sourceId={null} readOnly />}
        {sources.map((source) => (
          <Strip key={source.id} name={source.name} sourceId={source.id} volumeDb={source.audio.volumeDb} muted={source.audio.muted} />
        ))}
        {sources.length === 0 && <p className="muted small empty">No audio sources yet. Add a microphone or desktop audio.</p>}
      </div>
    </section>
  );
}

/** One channel: a source (`sourceId`), or the master (`null`: the mix); read-only shows the meter alone (no scenes to set it on). */
function Strip({ name, sourceId, volumeDb, muted, readOnly = false }: { name: string; sourceId: string | null; volumeDb?: number; muted?: boolean; readOnly?: boolean }) {
  const run = useApp(selectRun);
  const [dragging, setDragging] = useState<number | null>(null);
  // The engine's value takes over again once it has caught up with what the fader sent.
  useEffect(() => setDragging(null), [volumeDb]);
  const shown = dragging ?? Math.max(FADER_MIN_DB, volumeDb ?? 0);
  const isMaster = sourceId === null;
  const setAudio = (patch: AudioPatch): void => {
    void (sourceId === null ? run('setMasterAudio', patch) : run('setSourceAudio', sourceId, patch));
  };

  return (
    <div className={`strip${muted ? ' muted-strip' : ''}`}>
      <div className="strip-head">
        <span className="strip-name">{name}</span>
        {!readOnly && <span className="strip-db">{muted ? 'Muted' : formatDb(shown)}</span>}
      </div>
      <LiveMeter label={`${name} level`} sourceId={sourceId} />
      {!readOnly && (
        <div className="strip-controls">
          <Slider.Root
            className="slider"
            min={FADER_MIN_DB}
            max={FADER_MAX_DB}
            step={0.5}
            value={[shown]}
            onValueChange={([db]) => {
              if (db === undefined) return;
              setDragging(db);
              setAudio({ volumeDb: db });
            }}
          >
            <Slider.Track className="slider-track">
              <Slider.Range className="slider-range" />
            </Slider.Track>
            <Slider.Thumb className="slider-thumb" aria-label={isMaster ? 'Master volume' : `Volume of ${name}`} aria-valuetext={formatDb(shown)} />
          </Slider.Root>
          <button type="button" className={`icon-btn mute${muted ? ' on' : ''}`} aria-label={isMaster ? 'Mute master' : `Mute ${name}`} aria-pressed={muted ?? false} onClick={() => setAudio({ muted: !muted })}>
            <Icon name={muted ? 'speakerMuted' : 'speaker'} />
          </button>
        </div>
      )}
    </div>
  );
}

/**
 * The meter of one channel: RMS as the filled bar, peak as a tick (what OBS shows, so loudness and
 * clipping read at a glance). Fed straight from the store's levels (20 a second) without re-rendering:
 * each reading only sets two CSS variables and the value read out, so neither React nor the page's
 * layout runs for it (the bars move by transform).
 */
function LiveMeter({ label, sourceId }: { label: string; sourceId: string | null }) {
  const store = useAppStore();
  const ref = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => {
    const show = (levels: AppState['levels']): void => {
      const level = levels?.levels.find((l) => l.sourceId === sourceId);
      if (ref.current) drawLevel(ref.current, level?.peakDb ?? -Infinity, level?.rmsDb ?? -Infinity);
    };
    show(store.getState().levels);
    return store.subscribe((s, prev) => {
      if (s.levels !== prev.levels) show(s.levels);
    });
  }, [store, sourceId]);
  return <MeterBox ref={ref} label={label} />;
}

function MeterBox({ ref, label }: { ref: Ref<HTMLDivElement>; label: string }) {
  return (
    <div ref={ref} className="meter" role="meter" aria-label={label} aria-valuemin={METER_FLOOR_DB} aria-valuemax={0} aria-valuenow={METER_FLOOR_DB}>
      <div className="meter-scale" />
      <div className="meter-cover" />
      <div className="meter-peak" />
    </div>
  );
}

function drawLevel(meter: HTMLDivElement, peakDb: number, rmsDb: number): void {
  const rms = meterFraction(rmsDb);
  const peak = meterFraction(peakDb);
  meter.setAttribute('aria-valuenow', String(Number.isFinite(rmsDb) ? Math.max(METER_FLOOR_DB, Math.round(rmsDb)) : METER_FLOOR_DB));
  const [, cover, tick] = meter.children as unknown as [HTMLElement, HTMLElement, HTMLElement];
  cover.style.setProperty('--level', `${rms * 100}%`);
  tick.style.setProperty('--level', `${peak * 100}%`);
  tick.style.opacity = peak > 0 ? '1' : '0';
}
