/** The scene list: click to put a scene on air; add, rename, remove; the transition between scenes. */
import { useState } from 'react';
import type { Transition } from '../../../electron/contract.js';
import { Icon } from '../icons.js';
import { selectRun, selectScenes, useApp } from '../store.js';
import { InlineName } from './InlineName.js';

export function Scenes() {
  const scenes = useApp(selectScenes);
  const run = useApp(selectRun);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);

  const list = scenes?.collection.scenes ?? [];
  const programId = scenes?.programSceneId;

  const add = (name: string): void => {
    setAdding(false);
    if (name.trim()) void run('addScene', name.trim());
  };

  return (
    <section className="panel" aria-labelledby="scenes-title">
      <h2 id="scenes-title" className="panel-title">
        Scenes
      </h2>
      <div className="panel-body">
        {!scenes && <p className="muted small empty">The studio streams its sources directly. Start a scene collection to compose scenes.</p>}
        <ul className="list" aria-label="Scenes">
          {list.map((scene) => {
            const onAir = scene.id === programId;
            return (
              <li key={scene.id} className={`row${onAir ? ' active' : ''}`}>
                {renaming === scene.id ? (
                  <InlineName
                    label={`New name for ${scene.name}`}
                    initial={scene.name}
                    onDone={(name) => {
                      setRenaming(null);
                      if (name && name !== scene.name) void run('renameScene', scene.id, name);
                    }}
                  />
                ) : (
                  <button type="button" className="row-main" aria-current={onAir ? 'true' : undefined} onClick={() => void run('setProgramScene', scene.id)} onDoubleClick={() => setRenaming(scene.id)}>
                    <span className="row-name">{scene.name}</span>
                    {onAir && <span className="badge badge-live">On air</span>}
                  </button>
                )}
                <span className="row-tools">
                  <button type="button" className="icon-btn" aria-label={`Rename ${scene.name}`} title="Rename" onClick={() => setRenaming(scene.id)}>
                    <Icon name="pencil" />
                  </button>
                  <button type="button" className="icon-btn" aria-label={`Remove ${scene.name}`} title="Remove" disabled={list.length <= 1} onClick={() => void run('removeScene', scene.id)}>
                    <Icon name="close" />
                  </button>
                </span>
              </li>
            );
          })}
        </ul>
        {adding && (
          <div className="row">
            <InlineName label="New scene name" initial={`Scene ${list.length + 1}`} onDone={(name) => add(name ?? '')} />
          </div>
        )}
      </div>
      <div className="panel-foot">
        <button type="button" className="btn btn-small" disabled={!scenes} onClick={() => setAdding(true)}>
          + Add scene
        </button>
        {scenes && <TransitionPicker transition={scenes.collection.transition} onChange={(t) => void run('setTransition', t)} />}
      </div>
    </section>
  );
}

/** Cut or fade, and the fade's length: what a scene switch does, for every scene (as OBS's transition dock). */
export function TransitionPicker({ transition, onChange }: { transition: Transition; onChange: (t: Transition) => void }) {
  const [ms, setMs] = useState(String(transition.durationMs));
  const commitMs = (): void => {
    const value = Math.round(Number(ms));
    if (Number.isFinite(value) && value >= 0 && value <= 10_000 && value !== transition.durationMs) onChange({ ...transition, durationMs: value });
    else setMs(String(transition.durationMs));
  };
  return (
    <span className="transition-picker">
      <label>
        <span className="visually-hidden">Transition</span>
        <select aria-label="Transition" value={transition.kind} onChange={(e) => onChange({ ...transition, kind: e.target.value === 'cut' ? 'cut' : 'fade' })}>
          <option value="cut">Cut</option>
          <option value="fade">Fade</option>
        </select>
      </label>
      {transition.kind === 'fade' && (
        <label>
          <input
            aria-label="Fade duration (ms)"
            className="input-ms"
            inputMode="numeric"
            value={ms}
            onChange={(e) => setMs(e.target.value)}
            onBlur={commitMs}
            onKeyDown={(e) => e.key === 'Enter' && commitMs()}
          />
          <span className="muted small"> ms</span>
        </label>
      )}
    </span>
  );
}
