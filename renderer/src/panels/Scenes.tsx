/**
 * The scene list: click to put a scene on air; add, rename, duplicate, reorder, remove (buttons and the
 * row's context menu); the transition between scenes.
 */
import * as ContextMenu from '@radix-ui/react-context-menu';
import { useRef, useState } from 'react';
import type { Transition } from '../../../electron/contract.js';
import { Icon } from '../icons.js';
import { selectRun, selectScenes, useApp } from '../store.js';
import { InlineName } from './InlineName.js';

export function Scenes() {
  const scenes = useApp(selectScenes);
  const run = useApp(selectRun);
  const [renaming, setRenaming] = useState<string | null>(null);
  const [adding, setAdding] = useState(false);
  const renameFromMenu = useRef<string | null>(null);

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
          {list.map((scene, index) => {
            const onAir = scene.id === programId;
            const move = (to: number) => () => void run('moveScene', scene.id, to);
            return (
              <ContextMenu.Root key={scene.id}>
                <ContextMenu.Trigger asChild>
              <li className={`row${onAir ? ' active' : ''}`}>
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
                  <button type="button" className="icon-btn" aria-label={`Move ${scene.name} up`} title="Move up" disabled={index === 0} onClick={move(index - 1)}>
                    <Icon name="up" />
                  </button>
                  <button type="button" className="icon-btn" aria-label={`Move ${scene.name} down`} title="Move down" disabled={index === list.length - 1} onClick={move(index + 1)}>
                    <Icon name="down" />
                  </button>
                  <button type="button" className="icon-btn" aria-label={`Remove ${scene.name}`} title="Remove" disabled={list.length <= 1} onClick={() => void run('removeScene', scene.id)}>
                    <Icon name="close" />
                  </button>
                </span>
              </li>
                </ContextMenu.Trigger>
                <ContextMenu.Portal>
                  {/* Rename opens the name field once the menu has closed and let go of the focus (it would take it back). */}
                  <ContextMenu.Content
                    className="menu"
                    aria-label={`${scene.name} actions`}
                    onCloseAutoFocus={(e) => {
                      if (renameFromMenu.current !== scene.id) return;
                      e.preventDefault();
                      renameFromMenu.current = null;
                      setRenaming(scene.id);
                    }}
                  >
                    <ContextMenu.Item className="menu-item" onSelect={() => void (renameFromMenu.current = scene.id)}>
                      Rename
                    </ContextMenu.Item>
                    <ContextMenu.Item className="menu-item" onSelect={() => void run('duplicateScene', scene.id)}>
                      Duplicate
                    </ContextMenu.Item>
                    <ContextMenu.Separator className="menu-sep" />
                    <ContextMenu.Item className="menu-item" disabled={index === 0} onSelect={move(index - 1)}>
                      Move up
                    </ContextMenu.Item>
                    <ContextMenu.Item className="menu-item" disabled={index === list.length - 1} onSelect={move(index + 1)}>
                      Move down
                    </ContextMenu.Item>
                    <ContextMenu.Separator className="menu-sep" />
                    <ContextMenu.Item className="menu-item" disabled={list.length <= 1} onSelect={() => void run('removeScene', scene.id)}>
                      Remove
                    </ContextMenu.Item>
                  </ContextMenu.Content>
                </ContextMenu.Portal>
              </ContextMenu.Root>
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
