/**
 * The program scene's items, top of the picture first (as OBS lists them): show / hide, lock, reorder,
 * remove, properties and transform (a button and the row's context menu), restart / stop / play for
 * media files and network feeds, and "Add source" with a picker per kind fed by device discovery.
 */
import * as ContextMenu from '@radix-ui/react-context-menu';
import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { type FormEvent, useEffect, useState } from 'react';
import type { MediaAction } from '../../../electron/contract.js';
import { Icon } from '../icons.js';
import { MediaTime } from '../media.js';
import { ADD_KINDS, type AddForm, type AddKind, addKindLabel, buildSourceInput, devicesFor, kindIcon, kindLabel } from '../sources.js';
import { type PropertiesTab, selectRun, selectScenes, useApp } from '../store.js';
import { DeviceOptions, SourcePropertiesDialog } from './SourceProperties.js';
import { useRead } from './useRead.js';
import { Modal, SubmitRow, closeWith } from './Modal.js';

export function Sources() {
  const scenes = useApp(selectScenes);
  const run = useApp(selectRun);
  const selectedId = useApp((s) => s.selectedItemId);
  const select = useApp((s) => s.select);
  const [adding, setAdding] = useState<AddKind | null>(null);
  const editing = useApp((s) => s.editing);
  const setEditing = useApp((s) => s.setEditing);

  const collection = scenes?.collection;
  const scene = collection?.scenes.find((s) => s.id === scenes?.programSceneId);
  const sourceById = new Map((collection?.sources ?? []).map((s) => [s.id, s]));
  const sceneNames = new Map((collection?.scenes ?? []).map((s) => [s.id, s.name]));
  const statusById = new Map((scenes?.sources ?? []).map((s) => [s.sourceId, s]));
  const mediaById = new Map((scenes?.media ?? []).map((m) => [m.sourceId, m]));
  const items = scene ? [...scene.items].reverse() : [];
  const top = (scene?.items.length ?? 0) - 1;

  return (
    <section className="panel" aria-labelledby="sources-title">
      <h2 id="sources-title" className="panel-title">
        Sources {scene && <span className="muted">· {scene.name}</span>}
      </h2>
      <div className="panel-body">
        {scene && items.length === 0 && <p className="muted small empty">No sources in this scene. Add a camera, a screen or a test pattern.</p>}
        <ul className="list" aria-label="Sources">
          {items.map((item) => {
            const source = sourceById.get(item.sourceId);
            const name = source?.name ?? sceneNames.get(item.sourceId) ?? item.sourceId;
            const index = scene!.items.indexOf(item);
            const status = statusById.get(item.sourceId);
            const open = (tab: PropertiesTab) => () => setEditing({ itemId: item.id, tab });
            // A media file or network feed: stopped (or at its end) it plays again; playing, it can be stopped.
            const playback = mediaById.get(item.sourceId);
            const ended = status?.state === 'ended';
            const media = (action: MediaAction) => () => void run('mediaAction', item.sourceId, action);
            return (
              <ContextMenu.Root key={item.id}>
                <ContextMenu.Trigger asChild>
              <li className={`row${item.id === selectedId ? ' selected' : ''}${item.visible ? '' : ' dim'}`}>
                <button type="button" className="row-main" aria-pressed={item.id === selectedId} onClick={() => select(item.id)} title={source ? kindLabel(source) : 'Scene'}>
                  <span className="row-icon" aria-hidden="true">
                    <Icon name={source ? kindIcon(source) : '⧉'} />
                  </span>
                  <span className="row-name">{name}</span>
                  {playback && <MediaTime media={playback} />}
                  {status && (
                    <span className={`badge badge-${status.state}`} title={status.reason}>
                      {status.state}
                    </span>
                  )}
                </button>
                <span className="row-tools">
                  {playback && (
                    <button type="button" className="icon-btn" aria-label={`Restart ${name}`} title="Play from the start" onClick={media('restart')}>
                      <Icon name="restart" />
                    </button>
                  )}
                  {source && (
                    <button type="button" className="icon-btn" aria-label={`Properties of ${name}`} title="Properties" onClick={open('properties')}>
                      <Icon name="gear" />
                    </button>
                  )}
                  <button type="button" className="icon-btn" aria-label={`${item.visible ? 'Hide' : 'Show'} ${name}`} aria-pressed={item.visible} title={item.visible ? 'Hide' : 'Show'} onClick={() => void run('updateItem', scene!.id, item.id, { visible: !item.visible })}>
                    <Icon name={item.visible ? 'eye' : 'eyeOff'} />
                  </button>
                  <button type="button" className="icon-btn" aria-label={`${item.locked ? 'Unlock' : 'Lock'} ${name}`} aria-pressed={item.locked} title={item.locked ? 'Unlock' : 'Lock'} onClick={() => void run('updateItem', scene!.id, item.id, { locked: !item.locked })}>
                    <Icon name={item.locked ? 'lock' : 'unlock'} />
                  </button>
                  <button type="button" className="icon-btn" aria-label={`Move ${name} up`} title="Move up" disabled={index >= top} onClick={() => void run('moveItem', scene!.id, item.id, index + 1)}>
                    <Icon name="up" />
                  </button>
                  <button type="button" className="icon-btn" aria-label={`Move ${name} down`} title="Move down" disabled={index <= 0} onClick={() => void run('moveItem', scene!.id, item.id, index - 1)}>
                    <Icon name="down" />
                  </button>
                  <button type="button" className="icon-btn" aria-label={`Remove ${name}`} title="Remove from scene" onClick={() => void run('removeItem', scene!.id, item.id)}>
                    <Icon name="close" />
                  </button>
                </span>
              </li>
                </ContextMenu.Trigger>
                <ContextMenu.Portal>
                  <ContextMenu.Content className="menu" aria-label={`${name} actions`}>
                    {source && (
                      <ContextMenu.Item className="menu-item" onSelect={open('properties')}>
                        Properties…
                      </ContextMenu.Item>
                    )}
                    {source && (
                      <ContextMenu.Item className="menu-item" onSelect={open('transform')} disabled={item.width === 0 && item.height === 0}>
                        Transform…
                      </ContextMenu.Item>
                    )}
                    {playback && (
                      <>
                        <ContextMenu.Separator className="menu-sep" />
                        <ContextMenu.Item className="menu-item" onSelect={media('restart')}>
                          Restart
                        </ContextMenu.Item>
                        <ContextMenu.Item className="menu-item" onSelect={media(ended ? 'play' : 'stop')}>
                          {ended ? 'Play' : 'Stop'}
                        </ContextMenu.Item>
                      </>
                    )}
                    <ContextMenu.Separator className="menu-sep" />
                    <ContextMenu.Item className="menu-item" onSelect={() => void run('updateItem', scene!.id, item.id, { visible: !item.visible })}>
                      {item.visible ? 'Hide' : 'Show'}
                    </ContextMenu.Item>
                    <ContextMenu.Item className="menu-item" onSelect={() => void run('updateItem', scene!.id, item.id, { locked: !item.locked })}>
                      {item.locked ? 'Unlock' : 'Lock'}
                    </ContextMenu.Item>
                    <ContextMenu.Separator className="menu-sep" />
                    <ContextMenu.Item className="menu-item" onSelect={() => void run('removeItem', scene!.id, item.id)}>
                      Remove from scene
                    </ContextMenu.Item>
                  </ContextMenu.Content>
                </ContextMenu.Portal>
              </ContextMenu.Root>
            );
          })}
        </ul>
      </div>
      <div className="panel-foot">
        <DropdownMenu.Root>
          <DropdownMenu.Trigger className="btn btn-small" disabled={!scene}>
            + Add source ▾
          </DropdownMenu.Trigger>
          <DropdownMenu.Portal>
            <DropdownMenu.Content className="menu" side="top" align="start" sideOffset={4}>
              {ADD_KINDS.map((k) => (
                <DropdownMenu.Item key={k.kind} className="menu-item" onSelect={() => setAdding(k.kind)}>
                  <span className="menu-icon" aria-hidden="true">
                    <Icon name={k.icon} />
                  </span>
                  {k.label}
                </DropdownMenu.Item>
              ))}
            </DropdownMenu.Content>
          </DropdownMenu.Portal>
        </DropdownMenu.Root>
      </div>
      {adding && scene && <AddSourceDialog kind={adding} sceneId={scene.id} onClose={() => setAdding(null)} />}
      {editing && scene && <EditDialog editing={editing} sceneId={scene.id} onClose={() => setEditing(null)} />}
    </section>
  );
}

/** The dialog follows the item and its source through new snapshots; it closes if either is removed. */
function EditDialog({ editing, sceneId, onClose }: { editing: { itemId: string; tab: PropertiesTab }; sceneId: string; onClose: () => void }) {
  const collection = useApp((s) => s.studio?.scenes?.collection);
  const item = collection?.scenes.find((s) => s.id === sceneId)?.items.find((i) => i.id === editing.itemId);
  const source = collection?.sources.find((s) => s.id === item?.sourceId);
  useEffect(() => {
    if (!item || !source) onClose();
  }, [item, source, onClose]);
  if (!item || !source) return null;
  return <SourcePropertiesDialog key={item.id} source={source} item={item} sceneId={sceneId} tab={editing.tab} onClose={onClose} />;
}

function AddSourceDialog({ kind, sceneId, onClose }: { kind: AddKind; sceneId: string; onClose: () => void }) {
  const client = useApp((s) => s.client);
  const canvas = useApp((s) => s.studio?.scenes?.collection.canvas);
  const [submitError, setError] = useState<string | null>(null);
  const [form, setForm] = useState<AddForm>({ name: addKindLabel(kind), device: '', file: '', text: 'Hello, chat!', color: '#1e6bff', frequencyHz: 440 });
  const needsDevice = ['camera', 'capture-card', 'microphone', 'desktop-audio', 'screen'].includes(kind);
  const listed = useRead('listDevices', needsDevice);
  const devices = listed.value;
  const { loading } = listed;
  const error = submitError ?? listed.error;

  // The first device of the kind is offered once the list arrives.
  useEffect(() => {
    const first = devicesFor(kind, devices ?? [])[0];
    if (first) setForm((f) => (f.device === '' ? { ...f, device: first.id } : f));
  }, [devices, kind]);

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (!canvas) return;
    client.call('addSource', buildSourceInput(kind, form, devices ?? [], canvas), sceneId).then(onClose, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };
  const set = <K extends keyof AddForm>(key: K, value: AddForm[K]): void => setForm((f) => ({ ...f, [key]: value }));
  const choices = devicesFor(kind, devices ?? []);

  return (
    <Modal onOpenChange={closeWith(onClose)} size="small" title={`Add ${addKindLabel(kind).toLowerCase()}`} description={{ text: 'It is placed on top of the current scene.' }}>
      <form className="form" onSubmit={submit}>
        <label className="field">
          <span>Name</span>
          <input value={form.name} onChange={(e) => set('name', e.target.value)} />
        </label>
        {needsDevice && (
          <label className="field">
            <span>Device</span>
            <select value={form.device} onChange={(e) => set('device', e.target.value)} disabled={loading}>
              <DeviceOptions loading={loading} choices={choices} />
            </select>
          </label>
        )}
        {(kind === 'image' || kind === 'media') && (
          <label className="field">
            <span>File</span>
            <input value={form.file} onChange={(e) => set('file', e.target.value)} placeholder={kind === 'image' ? 'overlay.png' : 'intro.mp4'} required />
          </label>
        )}
        {kind === 'text' && (
          <label className="field">
            <span>Text</span>
            <input value={form.text} onChange={(e) => set('text', e.target.value)} />
          </label>
        )}
        {kind === 'color' && (
          <label className="field">
            <span>Color</span>
            <input type="color" value={form.color} onChange={(e) => set('color', e.target.value)} />
          </label>
        )}
        {kind === 'tone' && (
          <label className="field">
            <span>Frequency (Hz)</span>
            <input type="number" min={1} max={24000} value={form.frequencyHz} onChange={(e) => set('frequencyHz', e.target.valueAsNumber)} />
          </label>
        )}
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <SubmitRow label="Add" />
      </form>
    </Modal>
  );
}

