/**
 * The program preview: the latest picture from the engine, with the program scene's items drawn over it
 * as boxes that can be selected, moved, resized, Alt-cropped and nudged. The math lives in transform.ts;
 * this component turns pointer and keyboard input into canvas pixels and sends `updateItem` patches.
 * While a drag is under way the box follows the pointer locally (the engine's picture lags a frame or
 * two behind), and the engine's next snapshot takes over once the pointer is released.
 */
import * as ContextMenu from '@radix-ui/react-context-menu';
import * as DropdownMenu from '@radix-ui/react-dropdown-menu';
import { type CSSProperties, type KeyboardEvent, type PointerEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Canvas, Crop, ItemPatch, Scene, SceneItem, Source } from '../../../electron/contract.js';
import { MediaBar } from '../media.js';
import { naturalSize } from '../sources.js';
import { selectRun, selectScenes, useApp, useAppStore } from '../store.js';
import { attachProgramCanvas } from './program-canvas.js';
import { HANDLES, type Handle, type Rect, centerOnCanvas, cropDrag, dragMove, fitToCanvas, hitTest, nudge, resetTransform, resize, roundRect, snapGuides } from './transform.js';

interface Drag {
  itemId: string;
  mode: 'move' | 'resize' | 'crop';
  handle: Handle | null;
  pointerId: number;
  startX: number;
  startY: number;
  startRect: Rect;
  startCrop: Crop;
  /** Canvas pixels per screen pixel, fixed for the drag. */
  scale: number;
}

interface Override {
  itemId: string;
  rect: Rect;
  crop?: Crop;
  snappedX: number | null;
  snappedY: number | null;
  released: boolean;
}

/** Snapping reaches this many screen pixels, whatever the preview's size. */
const SNAP_SCREEN_PX = 10;
/** At most this many patches a second while dragging: enough to look live, few enough for the engine. */
const SEND_INTERVAL_MS = 33;

export function Preview() {
  const scenes = useApp(selectScenes);
  // Only whether there is a picture: the picture itself changes 30 times a second, and re-rendering the
  // whole stage (items, handles, menus) for each one cost the browser most of its CPU.
  const hasPicture = useApp((s) => s.preview !== null);
  const selectedId = useApp((s) => s.selectedItemId);
  const select = useApp((s) => s.select);
  const run = useApp(selectRun);

  const stageRef = useRef<HTMLDivElement>(null);
  const dragRef = useRef<Drag | null>(null);
  const lastSent = useRef(0);
  const [override, setOverrideState] = useState<Override | null>(null);
  // The same value for event handlers, which must not send from inside a state updater.
  const overrideRef = useRef<Override | null>(null);
  const setOverride = (next: Override | null): void => {
    overrideRef.current = next;
    setOverrideState(next);
  };

  const collection = scenes?.collection;
  const scene = collection?.scenes.find((s) => s.id === scenes?.programSceneId);
  const canvas = collection?.canvas;

  // A released drag's local box gives way to the engine's next snapshot of the scene.
  useEffect(() => {
    if (overrideRef.current?.released) {
      overrideRef.current = null;
      setOverrideState(null);
    }
  }, [scene]);

  if (!scenes || !collection || !scene || !canvas) {
    return (
      <section className="preview" aria-label="Preview">
        <div className="preview-empty">{hasPicture ? <ProgramPicture alt="Program" /> : <p>No program yet</p>}</div>
      </section>
    );
  }

  const sourceById = new Map(collection.sources.map((s) => [s.id, s]));
  const sceneById = new Map(collection.scenes.map((s) => [s.id, s]));
  const nameOf = (item: SceneItem): string => sourceById.get(item.sourceId)?.name ?? sceneById.get(item.sourceId)?.name ?? item.sourceId;
  const items = scene.items.filter((item) => item.width > 0 && item.height > 0);
  const rectOf = (item: SceneItem): Rect => (override?.itemId === item.id ? override.rect : item);

  const send = (itemId: string, patch: ItemPatch): void => {
    void run('updateItem', scene.id, itemId, patch);
  };

  const beginDrag = (e: PointerEvent<HTMLElement>, item: SceneItem, handle: Handle | null): void => {
    if (e.button !== 0) return;
    e.stopPropagation();
    select(item.id);
    if (item.locked || !stageRef.current) return;
    const box = stageRef.current.getBoundingClientRect();
    const scale = box.width > 0 ? canvas.width / box.width : 1;
    dragRef.current = {
      itemId: item.id,
      mode: handle === null ? 'move' : e.altKey ? 'crop' : 'resize',
      handle,
      pointerId: e.pointerId,
      startX: e.clientX,
      startY: e.clientY,
      startRect: { x: item.x, y: item.y, width: item.width, height: item.height },
      startCrop: item.crop,
      scale,
    };
    stageRef.current.setPointerCapture?.(e.pointerId);
  };

  const onPointerMove = (e: PointerEvent<HTMLDivElement>): void => {
    const drag = dragRef.current;
    if (!drag) return;
    const dx = (e.clientX - drag.startX) * drag.scale;
    const dy = (e.clientY - drag.startY) * drag.scale;
    const others = items.filter((i) => i.id !== drag.itemId && i.visible);
    const snap = { guides: snapGuides(canvas, others), threshold: SNAP_SCREEN_PX * drag.scale, enabled: !e.shiftKey };
    let next: Override;
    if (drag.mode === 'move') {
      const moved = dragMove(drag.startRect, dx, dy, snap);
      next = { itemId: drag.itemId, rect: moved.rect, snappedX: moved.snappedX, snappedY: moved.snappedY, released: false };
    } else if (drag.mode === 'resize' && drag.handle) {
      next = { itemId: drag.itemId, rect: resize(drag.startRect, drag.handle, dx, dy, { keepAspect: true, snap }), snappedX: null, snappedY: null, released: false };
    } else if (drag.handle) {
      const item = items.find((i) => i.id === drag.itemId);
      const source = item ? sourceById.get(item.sourceId) : undefined;
      const cropped = cropDrag(drag.startRect, drag.startCrop, naturalSize(source, canvas), drag.handle, dx, dy);
      next = { itemId: drag.itemId, rect: cropped.rect, crop: cropped.crop, snappedX: null, snappedY: null, released: false };
    } else return;
    setOverride(next);
    const now = performance.now();
    if (now - lastSent.current >= SEND_INTERVAL_MS) {
      lastSent.current = now;
      send(drag.itemId, patchOf(next));
    }
  };

  const endDrag = (): void => {
    const drag = dragRef.current;
    dragRef.current = null;
    if (!drag) return;
    const o = overrideRef.current;
    if (!o || o.itemId !== drag.itemId) return setOverride(null);
    send(drag.itemId, patchOf(o));
    setOverride({ ...o, released: true, snappedX: null, snappedY: null });
  };

  const onStagePointerDown = (e: PointerEvent<HTMLDivElement>): void => {
    if (e.button !== 0 || !stageRef.current) return;
    // A click on the picture selects the topmost item under it, as in OBS; empty space clears.
    const box = stageRef.current.getBoundingClientRect();
    const scale = box.width > 0 ? canvas.width / box.width : 1;
    const hit = hitTest(items, (e.clientX - box.left) * scale, (e.clientY - box.top) * scale);
    if (hit) beginDrag(e as PointerEvent<HTMLElement>, hit, null);
    else select(null);
  };

  const onItemKeyDown = (e: KeyboardEvent<HTMLElement>, item: SceneItem): void => {
    if (e.key === 'Escape') {
      select(null);
      return;
    }
    if (item.locked) return;
    const moved = nudge(item, e.key, e.shiftKey);
    if (!moved) return;
    e.preventDefault();
    send(item.id, { x: moved.x, y: moved.y });
  };

  const selected = items.find((i) => i.id === selectedId) ?? null;
  // A selected media file or network stream gets OBS's media controls in the bar.
  const selectedMedia = selected ? scenes.media?.find((m) => m.sourceId === selected.sourceId) : undefined;
  const guideX = override && !override.released ? override.snappedX : null;
  const guideY = override && !override.released ? override.snappedY : null;

  return (
    <section className="preview" aria-label="Preview">
      <div className="preview-bar">
        <span className="preview-title">
          Program <span className="muted">· {scene.name}</span>
        </span>
        {selectedMedia ? (
          <MediaBar name={nameOf(selected!)} media={selectedMedia} ended={scenes.sources.some((s) => s.sourceId === selectedMedia.sourceId && s.state === 'ended')} />
        ) : (
          <span className="muted preview-hint">Drag to move · Shift: no snapping · Alt-drag a handle: crop · Arrows: nudge</span>
        )}
        <TransformMenu scene={scene} item={selected} canvas={canvas} source={selected ? sourceById.get(selected.sourceId) : undefined} label="Transform" />
      </div>
      <div className="preview-area">
        <ContextMenu.Root>
          <ContextMenu.Trigger asChild disabled={!selected}>
            <div
              ref={stageRef}
              className="stage"
              style={{ aspectRatio: `${canvas.width} / ${canvas.height}`, '--aspect': String(canvas.width / canvas.height) } as CSSProperties}
              onPointerDown={onStagePointerDown}
              onPointerMove={onPointerMove}
              onPointerUp={endDrag}
              onPointerCancel={endDrag}
              onContextMenu={(e) => {
                const box = stageRef.current?.getBoundingClientRect();
                if (!box) return;
                const scale = box.width > 0 ? canvas.width / box.width : 1;
                const hit = hitTest(items, (e.clientX - box.left) * scale, (e.clientY - box.top) * scale);
                if (hit) select(hit.id);
              }}
            >
              {hasPicture ? <ProgramPicture alt={`Program: ${scene.name}`} /> : <div className="preview-waiting">Waiting for the first picture…</div>}
              {guideX !== null && <div className="guide guide-x" style={{ left: pct(guideX, canvas.width) }} />}
              {guideY !== null && <div className="guide guide-y" style={{ top: pct(guideY, canvas.height) }} />}
              {items.map((item) => {
                const r = rectOf(item);
                const isSelected = item.id === selectedId;
                return (
                  <div
                    key={item.id}
                    role="button"
                    tabIndex={0}
                    aria-pressed={isSelected}
                    aria-label={`${nameOf(item)}${item.locked ? ' (locked)' : ''}${item.visible ? '' : ' (hidden)'}`}
                    className={`item-box${isSelected ? ' selected' : ''}${item.locked ? ' locked' : ''}${item.visible ? '' : ' hidden-item'}`}
                    style={{ left: pct(r.x, canvas.width), top: pct(r.y, canvas.height), width: pct(r.width, canvas.width), height: pct(r.height, canvas.height) }}
                    onPointerDown={(e) => beginDrag(e, item, null)}
                    onFocus={() => select(item.id)}
                    onKeyDown={(e) => onItemKeyDown(e, item)}
                  >
                    {isSelected && <span className="item-label">{nameOf(item)}</span>}
                    {isSelected &&
                      !item.locked &&
                      HANDLES.map((h) => <span key={h} className={`handle handle-${h}`} aria-hidden="true" onPointerDown={(e) => beginDrag(e, item, h)} />)}
                  </div>
                );
              })}
            </div>
          </ContextMenu.Trigger>
          <ContextMenu.Portal>
            <ContextMenu.Content className="menu" aria-label="Item">
              {selected && <ItemActions kind="context" scene={scene} item={selected} canvas={canvas} source={sourceById.get(selected.sourceId)} />}
            </ContextMenu.Content>
          </ContextMenu.Portal>
        </ContextMenu.Root>
      </div>
    </section>
  );
}

function patchOf(o: Override): ItemPatch {
  const r = roundRect(o.rect);
  return o.crop ? { ...r, crop: o.crop } : r;
}

function pct(value: number, of: number): string {
  return `${(value / of) * 100}%`;
}

interface ActionProps {
  scene: Scene;
  item: SceneItem;
  canvas: Canvas;
  source: Source | undefined;
}

/** The same actions in the right-click menu and the keyboard-reachable "Transform" menu. */
function ItemActions({ kind, scene, item, canvas, source }: ActionProps & { kind: 'context' | 'dropdown' }) {
  const run = useApp(selectRun);
  const M = kind === 'context' ? ContextMenu : DropdownMenu;
  const update = (patch: ItemPatch): void => void run('updateItem', scene.id, item.id, patch);
  const index = scene.items.findIndex((i) => i.id === item.id);
  const top = scene.items.length - 1;
  const order = (to: number): void => void run('moveItem', scene.id, item.id, Math.max(0, Math.min(top, to)));
  const setEditing = useApp((s) => s.setEditing);
  return (
    <>
      <M.Item className="menu-item" disabled={!source} onSelect={() => setEditing({ itemId: item.id, tab: 'properties' })}>
        Properties…
      </M.Item>
      <M.Item className="menu-item" disabled={!source} onSelect={() => setEditing({ itemId: item.id, tab: 'transform' })}>
        Transform…
      </M.Item>
      <M.Separator className="menu-sep" />
      <M.Item className="menu-item" disabled={item.locked} onSelect={() => update(roundRect(fitToCanvas(item, canvas)))}>
        Fit to canvas
      </M.Item>
      <M.Item className="menu-item" disabled={item.locked} onSelect={() => update(roundRect({ x: 0, y: 0, width: canvas.width, height: canvas.height }))}>
        Stretch to canvas
      </M.Item>
      <M.Item className="menu-item" disabled={item.locked} onSelect={() => update(roundRect(centerOnCanvas(item, canvas)))}>
        Center on canvas
      </M.Item>
      <M.Item className="menu-item" disabled={item.locked} onSelect={() => update(resetTransform(naturalSize(source, canvas)))}>
        Reset transform
      </M.Item>
      <M.Separator className="menu-sep" />
      <M.Item className="menu-item" disabled={index === top} onSelect={() => order(top)}>
        Bring to front
      </M.Item>
      <M.Item className="menu-item" disabled={index === top} onSelect={() => order(index + 1)}>
        Bring forward
      </M.Item>
      <M.Item className="menu-item" disabled={index === 0} onSelect={() => order(index - 1)}>
        Send backward
      </M.Item>
      <M.Item className="menu-item" disabled={index === 0} onSelect={() => order(0)}>
        Send to back
      </M.Item>
      <M.Separator className="menu-sep" />
      <M.Item className="menu-item" onSelect={() => update({ visible: !item.visible })}>
        {item.visible ? 'Hide' : 'Show'}
      </M.Item>
      <M.Item className="menu-item" onSelect={() => update({ locked: !item.locked })}>
        {item.locked ? 'Unlock' : 'Lock'}
      </M.Item>
    </>
  );
}

function TransformMenu({ scene, item, canvas, source, label }: Omit<ActionProps, 'item'> & { item: SceneItem | null; label: string }) {
  return (
    <DropdownMenu.Root>
      <DropdownMenu.Trigger className="btn btn-small" disabled={!item}>
        {label} ▾
      </DropdownMenu.Trigger>
      <DropdownMenu.Portal>
        <DropdownMenu.Content className="menu" align="end" sideOffset={4}>
          {item && <ItemActions kind="dropdown" scene={scene} item={item} canvas={canvas} source={source} />}
        </DropdownMenu.Content>
      </DropdownMenu.Portal>
    </DropdownMenu.Root>
  );
}

/**
 * The newest program picture, the one part of the preview that changes with every picture: drawn on a
 * canvas from the store's subscription, never through React state (see picture.ts). The seq of the
 * picture on the canvas is its data-seq.
 */
function ProgramPicture({ alt }: { alt: string }) {
  const store = useAppStore();
  const boxRef = useRef<HTMLSpanElement>(null);
  // The page's one program canvas (program-canvas.ts), already painting if main.tsx showed it before the
  // studio mounted. A layout effect: it is in place before the browser paints the newly mounted studio.
  useLayoutEffect(() => (boxRef.current ? attachProgramCanvas(store, boxRef.current, alt) : undefined), [store, alt]);
  return <span ref={boxRef} className="preview-picture" />;
}
