/**
 * Scene editing: every command a front can give to change the scene collection (add a scene, move an
 * item, set a source's volume, ...), each a pure function from a Collection to a new Collection.
 *
 * The studio exposes these to every front, including remote ones (web remote, obs-websocket), so their
 * arguments are untrusted: each is checked here and a refusal is an InvalidInputError whose `field`
 * names the argument and whose message is one sentence. A result always passes `parseCollection` when
 * the input did, so the studio can apply it without checking it again.
 *
 * Results share the parts that did not change with the input (as immutable updates do): treat both as
 * read-only. Ids for new things come from `newId` so that tests can be deterministic.
 */
import * as v from 'valibot';
import { InvalidInputError } from '../input-error.js';
import type { Size } from './layout.js';
import { textSize } from './plan.js';
import {
  type AudioSettings,
  AudioSettingsSchema,
  type Canvas,
  CanvasSchema,
  type Collection,
  type Crop,
  DEFAULT_AUDIO,
  NO_CROP,
  type Scene,
  type SceneItem,
  type Source,
  SourceSchema,
  type Transition,
  TransitionSchema,
} from './model.js';

/** What `updateItem` may change: never an item's id or what it shows. */
export type ItemPatch = Partial<Pick<SceneItem, 'x' | 'y' | 'width' | 'height' | 'crop' | 'visible' | 'locked'>>;

/**
 * A new source: kind, name, settings, and `audio` where its kind has it (for audio-device and tone,
 * which always have sound, a missing `audio` is taken as DEFAULT_AUDIO). Distributive, so that each kind
 * keeps its own settings and its `audio` field.
 */
export type SourceInput = Source extends infer S ? (S extends Source ? Omit<S, 'id'> : never) : never;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The picture size of a source the collection cannot tell (an image or media file: the studio probes
 * it), by source id; undefined when unknown. Asked first for every source with a picture, so the studio
 * may also answer with a device's real capture size; for an audio-only media file answer 0 x 0.
 */
export type SizeOf = (sourceId: string) => Size | undefined;

export const MAX_NAME_LENGTH = 500;

const ITEM_PATCH_KEYS: ReadonlySet<string> = new Set(['x', 'y', 'width', 'height', 'crop', 'visible', 'locked']);
const CROP_SIDES = ['top', 'right', 'bottom', 'left'] as const;

// ---------------------------------------------------------------------------------------------- scenes

export function addScene(c: Collection, name: string, newId: () => string): { collection: Collection; sceneId: string } {
  const sceneName = checkName(name);
  const sceneId = freshId(newId, topLevelIds(c));
  return { collection: { ...c, scenes: [...c.scenes, { id: sceneId, name: sceneName, items: [] }] }, sceneId };
}

/**
 * A copy of a scene right after it: its items with new ids, showing the same sources (and nested scenes),
 * named `name`, or "NAME 2" (3, 4... when that name is taken: obs-websocket clients name scenes).
 */
export function duplicateScene(c: Collection, sceneId: string, name: string | undefined, newId: () => string): { collection: Collection; sceneId: string } {
  const index = sceneIndex(c, sceneId);
  const sceneName = checkName(name ?? copyName(c, c.scenes[index]!.name));
  const copyId = freshId(newId, topLevelIds(c));
  const itemIds = new Set<string>();
  const items = c.scenes[index]!.items.map((item) => {
    const id = freshId(newId, itemIds);
    itemIds.add(id);
    return { ...item, id, crop: { ...item.crop } };
  });
  const scenes = [...c.scenes];
  scenes.splice(index + 1, 0, { id: copyId, name: sceneName, items });
  return { collection: { ...c, scenes }, sceneId: copyId };
}

/** "NAME 2", or the first of "NAME 3", "NAME 4"... that no source or scene has. */
function copyName(c: Collection, name: string): string {
  const taken = new Set([...c.sources, ...c.scenes].map((thing) => thing.name));
  let n = 2;
  while (taken.has(`${name} ${n}`)) n++;
  return `${name} ${n}`;
}

export function renameScene(c: Collection, sceneId: string, name: string): Collection {
  const index = sceneIndex(c, sceneId);
  const sceneName = checkName(name);
  return withScene(c, index, { ...c.scenes[index]!, name: sceneName });
}

/**
 * Removes a scene, and every item of other scenes that nests it (an item must name something). The
 * last scene is kept: a collection always has one to show. When the current scene goes, the first
 * remaining one becomes current.
 */
export function removeScene(c: Collection, sceneId: string): Collection {
  sceneIndex(c, sceneId);
  if (c.scenes.length === 1) throw new InvalidInputError('LAST_SCENE', 'sceneId', `scene "${sceneId}" is the only scene, and a collection needs at least one`);
  const scenes = c.scenes.filter((scene) => scene.id !== sceneId).map((scene) => withoutItemsShowing(scene, sceneId));
  return { ...c, scenes, currentSceneId: c.currentSceneId === sceneId ? scenes[0]!.id : c.currentSceneId };
}

/** Moves a scene to `toIndex` in the scene list (an index past either end is taken as that end). */
export function moveScene(c: Collection, sceneId: string, toIndex: number): Collection {
  const index = sceneIndex(c, sceneId);
  return { ...c, scenes: moved(c.scenes, index, checkIndex(toIndex)) };
}

export function setCurrentScene(c: Collection, sceneId: string): Collection {
  sceneIndex(c, sceneId);
  return { ...c, currentSceneId: sceneId };
}

// --------------------------------------------------------------------------------------------- sources

/**
 * Adds a source and, with `place`, an item showing it on top of that scene. The item's box is
 * `place.box`, or the source's natural size (see SizeOf; `sizeOf` is asked with the new source's id)
 * shrunk to fit the canvas if needed and centred; an audio-only source gets 0 x 0 at 0, 0.
 */
export function addSource(
  c: Collection,
  input: SourceInput,
  newId: () => string,
  place?: { sceneId: string; box?: Box },
  sizeOf?: SizeOf,
): { collection: Collection; sourceId: string; itemId?: string } {
  const raw: unknown = input;
  if (!isRecord(raw)) throw new InvalidInputError('INVALID_SOURCE', 'source', 'a source must be an object with a kind, a name and settings');
  const name = checkName(raw.name);
  const kind = kindSchema(raw.kind);
  if (place !== undefined && !isRecord(place)) throw new InvalidInputError('INVALID_ITEM', 'place', 'place must be an object with a sceneId and maybe a box');
  const placeIndex = place === undefined ? undefined : sceneIndex(c, place.sceneId);
  const box = place?.box === undefined ? undefined : checkBox(place.box, 'place.box');

  const sourceId = freshId(newId, topLevelIds(c));
  const withDefaultAudio = 'audio' in kind.entries && kind.entries.audio.type !== 'optional' && raw.audio === undefined ? { audio: DEFAULT_AUDIO } : {};
  const source = checkSource({ ...raw, ...withDefaultAudio, id: sourceId, name });
  const added: Collection = { ...c, sources: [...c.sources, source] };
  if (placeIndex === undefined) return { collection: added, sourceId };

  const itemId = freshId(newId, new Set(c.scenes[placeIndex]!.items.map((item) => item.id)));
  const itemBox = box ?? defaultBox(naturalSize(added, sourceId, sizeOf), c.canvas);
  return { collection: withScene(added, placeIndex, pushItem(added.scenes[placeIndex]!, itemId, sourceId, itemBox)), sourceId, itemId };
}

/**
 * Renames a source and/or changes some of its settings. Settings are merged into the current ones
 * (a key given as undefined is removed, to clear an optional setting such as a text's background) and
 * the source is checked again as a whole; a setting its kind does not have is refused rather than
 * dropped, so that a misspelt one does not silently do nothing.
 */
export function updateSource(c: Collection, sourceId: string, patch: { name?: string; settings?: Record<string, unknown> }): Collection {
  const index = sourceIndex(c, sourceId);
  const current = c.sources[index]!;
  if (!isRecord(patch)) throw new InvalidInputError('INVALID_SOURCE', 'patch', 'a source change must be an object with a name and/or settings');
  for (const key of Object.keys(patch)) {
    if (key !== 'name' && key !== 'settings') throw new InvalidInputError('INVALID_SOURCE', key, `a source's "${key}" cannot be changed (only its name and settings)`);
  }
  const name = patch.name === undefined ? current.name : checkName(patch.name);
  let settings: Record<string, unknown> = current.settings;
  if (patch.settings !== undefined) {
    if (!isRecord(patch.settings)) throw new InvalidInputError('INVALID_SOURCE', 'settings', 'settings must be an object of setting values');
    settings = { ...current.settings };
    for (const [key, value] of Object.entries(patch.settings)) {
      if (value === undefined) delete settings[key];
      else settings[key] = value;
    }
  }
  const source = checkSource({ ...current, name, settings });
  const sources = [...c.sources];
  sources[index] = source;
  return { ...c, sources };
}

/** Removes a source and every item, in every scene, that shows it. */
export function removeSource(c: Collection, sourceId: string): Collection {
  sourceIndex(c, sourceId);
  return { ...c, sources: c.sources.filter((s) => s.id !== sourceId), scenes: c.scenes.map((scene) => withoutItemsShowing(scene, sourceId)) };
}

/**
 * Changes a source's volume and/or mute. A kind whose `audio` is optional and absent (a media file
 * with no audio settings yet) gets DEFAULT_AUDIO with the patch applied; a kind without sound is refused.
 */
export function setSourceAudio(c: Collection, sourceId: string, patch: Partial<AudioSettings>): Collection {
  const index = sourceIndex(c, sourceId);
  const current = c.sources[index]!;
  if (!('audio' in kindSchema(current.kind).entries)) {
    throw new InvalidInputError('NOT_AUDIO', 'sourceId', `source "${sourceId}" is a ${current.kind} source, which has no sound`);
  }
  const audio = patchAudio('audio' in current && current.audio !== undefined ? current.audio : DEFAULT_AUDIO, patch);
  const sources = [...c.sources];
  sources[index] = checkSource({ ...current, audio });
  return { ...c, sources };
}

/** The master fader and mute (the mix, after every source's fader); a collection without one starts at DEFAULT_AUDIO. */
export function setMasterAudio(c: Collection, patch: Partial<AudioSettings>): Collection {
  return { ...c, master: patchAudio(c.master ?? DEFAULT_AUDIO, patch) };
}

/** Audio settings with a patch applied, checked whole: an unknown key or a value out of range is refused. */
function patchAudio(base: AudioSettings, patch: Partial<AudioSettings>): AudioSettings {
  if (!isRecord(patch)) throw new InvalidInputError('INVALID_AUDIO', 'patch', 'an audio change must be an object with volumeDb and/or muted');
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (!(key in AudioSettingsSchema.entries)) throw new InvalidInputError('INVALID_AUDIO', key, `audio has no setting "${key}" (only volumeDb and muted)`);
    if (value !== undefined) merged[key] = value;
  }
  const parsed = v.safeParse(AudioSettingsSchema, merged);
  if (!parsed.success) throw schemaError('INVALID_AUDIO', parsed.issues[0]);
  return parsed.output;
}

// ----------------------------------------------------------------------------------------------- items

/**
 * Adds an item on top of a scene showing a source or another scene (nested). Refused when the nested
 * scene is this scene or contains it, however deep: such a scene could never be drawn. The default box
 * is as for addSource.
 */
export function addItem(c: Collection, sceneId: string, sourceId: string, newId: () => string, box?: Box, sizeOf?: SizeOf): { collection: Collection; itemId: string } {
  const index = sceneIndex(c, sceneId);
  const isSource = c.sources.some((s) => s.id === sourceId);
  const isScene = c.scenes.some((s) => s.id === sourceId);
  if (!isSource && !isScene) throw new InvalidInputError('NO_SUCH_SOURCE', 'sourceId', `there is no source or scene "${sourceId}"`);
  if (isScene && (sourceId === sceneId || nests(c, sourceId, sceneId))) {
    const how = sourceId === sceneId ? 'a scene cannot show itself' : `scene "${sourceId}" already shows scene "${sceneId}"`;
    throw new InvalidInputError('NESTING_CYCLE', 'sourceId', `scene "${sceneId}" cannot show scene "${sourceId}": ${how}`);
  }
  const itemBox = box === undefined ? defaultBox(naturalSize(c, sourceId, sizeOf), c.canvas) : checkBox(box, 'box');
  const itemId = freshId(newId, new Set(c.scenes[index]!.items.map((item) => item.id)));
  return { collection: withScene(c, index, pushItem(c.scenes[index]!, itemId, sourceId, itemBox)), itemId };
}

/** Changes an item's box, crop, visibility or lock; every value is checked (finite, sizes >= 0, crop whole pixels >= 0). */
export function updateItem(c: Collection, sceneId: string, itemId: string, patch: ItemPatch): Collection {
  const index = sceneIndex(c, sceneId);
  const at = itemIndex(c, index, itemId);
  if (!isRecord(patch)) throw new InvalidInputError('INVALID_ITEM', 'patch', 'an item change must be an object of item properties');
  const item: SceneItem = { ...c.scenes[index]!.items[at]! };
  for (const [key, value] of Object.entries(patch)) {
    if (!ITEM_PATCH_KEYS.has(key)) throw new InvalidInputError('INVALID_ITEM', key, `"${key}" is not a property of an item that can be changed`);
    if (value === undefined) continue;
    switch (key) {
      case 'x':
      case 'y':
        item[key] = checkNumber(value, key, false);
        break;
      case 'width':
      case 'height':
        item[key] = checkNumber(value, key, true);
        break;
      case 'crop':
        item.crop = checkCrop(value);
        break;
      case 'visible':
      case 'locked':
        if (typeof value !== 'boolean') throw new InvalidInputError('INVALID_ITEM', key, `${key} must be true or false`);
        item[key] = value;
        break;
    }
  }
  const scene = c.scenes[index]!;
  const items = [...scene.items];
  items[at] = item;
  return withScene(c, index, { ...scene, items });
}

export function removeItem(c: Collection, sceneId: string, itemId: string): Collection {
  const index = sceneIndex(c, sceneId);
  const at = itemIndex(c, index, itemId);
  const scene = c.scenes[index]!;
  return withScene(c, index, { ...scene, items: scene.items.filter((_, i) => i !== at) });
}

/** Moves an item in its scene's drawing order: 0 is the bottom; an index past either end is taken as that end. */
export function moveItem(c: Collection, sceneId: string, itemId: string, toIndex: number): Collection {
  const index = sceneIndex(c, sceneId);
  const at = itemIndex(c, index, itemId);
  const scene = c.scenes[index]!;
  return withScene(c, index, { ...scene, items: moved(scene.items, at, checkIndex(toIndex)) });
}

// ------------------------------------------------------------------------------------ collection-wide

export function setTransition(c: Collection, t: Transition): Collection {
  const parsed = v.safeParse(TransitionSchema, t);
  if (!parsed.success) throw schemaError('INVALID_TRANSITION', parsed.issues[0]);
  return { ...c, transition: parsed.output };
}

/** Changes the canvas; items keep their boxes in canvas pixels (as in OBS), so a smaller canvas shows less. */
export function setCanvas(c: Collection, canvas: Canvas): Collection {
  const parsed = v.safeParse(CanvasSchema, canvas);
  if (!parsed.success) throw schemaError('INVALID_CANVAS', parsed.issues[0]);
  return { ...c, canvas: parsed.output };
}

// ------------------------------------------------------------------------------- transform helpers

/**
 * OBS's "Fit to screen": the box that shows the item's (cropped) picture as large as the canvas allows,
 * keeping its aspect, centred. Refused for an item with no picture (audio only, or cropped to nothing).
 */
export function fitToCanvas(c: Collection, sceneId: string, itemId: string, sizeOf?: SizeOf): ItemPatch {
  const index = sceneIndex(c, sceneId);
  const item = c.scenes[index]!.items[itemIndex(c, index, itemId)]!;
  const natural = naturalSize(c, item.sourceId, sizeOf);
  const shown = { width: natural.width - item.crop.left - item.crop.right, height: natural.height - item.crop.top - item.crop.bottom };
  if (!(shown.width > 0 && shown.height > 0)) {
    const why = natural.width > 0 && natural.height > 0 ? 'its crop leaves nothing of the picture' : 'it has no picture';
    throw new InvalidInputError('NOTHING_TO_FIT', 'itemId', `item "${itemId}" cannot be fitted to the canvas: ${why}`);
  }
  const scale = Math.min(c.canvas.width / shown.width, c.canvas.height / shown.height);
  return centred({ width: shown.width * scale, height: shown.height * scale }, c.canvas);
}

/** OBS's "Center to screen": the item's position that puts its box in the middle of the canvas. */
export function centerItem(c: Collection, sceneId: string, itemId: string): ItemPatch {
  const index = sceneIndex(c, sceneId);
  const item = c.scenes[index]!.items[itemIndex(c, index, itemId)]!;
  return { x: px((c.canvas.width - item.width) / 2), y: px((c.canvas.height - item.height) / 2) };
}

/**
 * The size of the picture a source gives (the pixels its items' crops are in), as the compositor's
 * plan sees it: 0 x 0 for a source without a picture; the canvas for a nested scene, and for a source
 * whose size is known only once it runs (a screen, a device without an asked-for size, a network
 * stream, an image or media file `sizeOf` does not know).
 */
export function naturalSize(c: Collection, sourceId: string, sizeOf?: SizeOf): Size {
  const canvas = { width: c.canvas.width, height: c.canvas.height };
  const source = c.sources.find((s) => s.id === sourceId);
  if (source === undefined) return canvas;
  if (source.kind === 'audio-device' || source.kind === 'tone') return { width: 0, height: 0 };
  const known = sizeOf?.(sourceId);
  if (known !== undefined && Number.isFinite(known.width) && Number.isFinite(known.height) && known.width >= 0 && known.height >= 0) {
    return { width: known.width, height: known.height };
  }
  switch (source.kind) {
    case 'color':
    case 'placeholder':
      return { width: source.settings.width, height: source.settings.height };
    case 'video-device':
      return source.settings.width !== undefined && source.settings.height !== undefined ? { width: source.settings.width, height: source.settings.height } : canvas;
    case 'text':
      return textSize(source.settings.text, source.settings.fontSizePx);
    case 'screen':
    case 'test-pattern':
    case 'network':
    case 'image':
    case 'media':
      return canvas;
  }
}

// --------------------------------------------------------------------------------------------- helpers

/** Natural size, shrunk (never enlarged) to fit the canvas, centred; a picture-less source sits at 0, 0. */
function defaultBox(natural: Size, canvas: Canvas): Box {
  if (!(natural.width > 0 && natural.height > 0)) return { x: 0, y: 0, width: 0, height: 0 };
  const scale = Math.min(1, canvas.width / natural.width, canvas.height / natural.height);
  return centred({ width: natural.width * scale, height: natural.height * scale }, canvas);
}

/** Whole canvas pixels: what the editor shows and the compositor draws, without 1439.9999 from scaling. */
function centred(size: Size, canvas: Size): Box {
  const width = Math.max(1, px(size.width));
  const height = Math.max(1, px(size.height));
  return { x: px((canvas.width - width) / 2), y: px((canvas.height - height) / 2), width, height };
}

/** Rounded, and never -0 (which JSON writes as 0 but equality checks tell apart). */
function px(n: number): number {
  return Math.round(n) + 0;
}

function pushItem(scene: Scene, id: string, sourceId: string, box: Box): Scene {
  const item: SceneItem = { id, sourceId, x: box.x, y: box.y, width: box.width, height: box.height, crop: { ...NO_CROP }, visible: true, locked: false };
  return { ...scene, items: [...scene.items, item] };
}

function withScene(c: Collection, index: number, scene: Scene): Collection {
  const scenes = [...c.scenes];
  scenes[index] = scene;
  return { ...c, scenes };
}

/** The scene unchanged when nothing in it shows `sourceId`, so untouched scenes stay shared. */
function withoutItemsShowing(scene: Scene, sourceId: string): Scene {
  return scene.items.some((item) => item.sourceId === sourceId) ? { ...scene, items: scene.items.filter((item) => item.sourceId !== sourceId) } : scene;
}

function moved<T>(list: readonly T[], from: number, to: number): T[] {
  const out = [...list];
  const [taken] = out.splice(from, 1);
  out.splice(Math.min(Math.max(to, 0), out.length), 0, taken!);
  return out;
}

/** Whether scene `outerId` shows scene `innerId`, directly or through scenes nested in it. */
function nests(c: Collection, outerId: string, innerId: string): boolean {
  const scenes = new Map(c.scenes.map((scene) => [scene.id, scene]));
  const seen = new Set<string>();
  const walk = (id: string): boolean => {
    if (seen.has(id)) return false;
    seen.add(id);
    return (scenes.get(id)?.items ?? []).some((item) => item.sourceId === innerId || (scenes.has(item.sourceId) && walk(item.sourceId)));
  };
  return walk(outerId);
}

function sceneIndex(c: Collection, sceneId: string): number {
  const index = c.scenes.findIndex((scene) => scene.id === sceneId);
  if (index < 0) throw new InvalidInputError('NO_SUCH_SCENE', 'sceneId', `there is no scene "${String(sceneId)}"`);
  return index;
}

function sourceIndex(c: Collection, sourceId: string): number {
  const index = c.sources.findIndex((source) => source.id === sourceId);
  if (index < 0) throw new InvalidInputError('NO_SUCH_SOURCE', 'sourceId', `there is no source "${String(sourceId)}"`);
  return index;
}

function itemIndex(c: Collection, sceneIndex: number, itemId: string): number {
  const scene = c.scenes[sceneIndex]!;
  const index = scene.items.findIndex((item) => item.id === itemId);
  if (index < 0) throw new InvalidInputError('NO_SUCH_ITEM', 'itemId', `scene "${scene.id}" has no item "${String(itemId)}"`);
  return index;
}

function topLevelIds(c: Collection): Set<string> {
  return new Set([...c.sources.map((s) => s.id), ...c.scenes.map((s) => s.id)]);
}

/**
 * An id from `newId` that is not taken. A taken or malformed one is the caller's bug (randomUUID never
 * repeats), not the user's input, so it is a plain Error.
 */
function freshId(newId: () => string, taken: ReadonlySet<string>): string {
  const id = newId();
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) throw new Error(`newId returned an unusable id ${JSON.stringify(id)}`);
  if (taken.has(id)) throw new Error(`newId returned "${id}", which is already in use`);
  return id;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string') throw new InvalidInputError('INVALID_NAME', 'name', 'a name must be text');
  const trimmed = name.trim();
  if (trimmed === '') throw new InvalidInputError('INVALID_NAME', 'name', 'a name cannot be empty');
  if (trimmed.length > MAX_NAME_LENGTH) throw new InvalidInputError('INVALID_NAME', 'name', `a name is at most ${MAX_NAME_LENGTH} characters (this one has ${trimmed.length})`);
  return trimmed;
}

function checkIndex(toIndex: unknown): number {
  if (typeof toIndex !== 'number' || !Number.isInteger(toIndex)) throw new InvalidInputError('INVALID_INDEX', 'toIndex', `toIndex must be a whole number (got ${String(toIndex)})`);
  return toIndex;
}

function checkNumber(value: unknown, field: string, nonNegative: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidInputError('INVALID_ITEM', field, `${field} must be a finite number (got ${String(value)})`);
  if (nonNegative && value < 0) throw new InvalidInputError('INVALID_ITEM', field, `${field} cannot be negative (got ${value})`);
  return value;
}

function checkBox(box: unknown, field: string): Box {
  if (!isRecord(box)) throw new InvalidInputError('INVALID_ITEM', field, `${field} must be an object with x, y, width and height`);
  return {
    x: checkNumber(box.x, `${field}.x`, false),
    y: checkNumber(box.y, `${field}.y`, false),
    width: checkNumber(box.width, `${field}.width`, true),
    height: checkNumber(box.height, `${field}.height`, true),
  };
}

function checkCrop(crop: unknown): Crop {
  if (!isRecord(crop)) throw new InvalidInputError('INVALID_ITEM', 'crop', 'crop must be an object with top, right, bottom and left');
  const out = { ...NO_CROP };
  for (const side of CROP_SIDES) {
    const value = crop[side];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
      throw new InvalidInputError('INVALID_ITEM', `crop.${side}`, `crop.${side} must be a whole number of pixels, 0 or more (got ${String(value)})`);
    }
    out[side] = value;
  }
  for (const key of Object.keys(crop)) {
    if (!(CROP_SIDES as readonly string[]).includes(key)) throw new InvalidInputError('INVALID_ITEM', `crop.${key}`, `a crop has no side "${key}" (only top, right, bottom and left)`);
  }
  return out;
}

type KindSchema = (typeof SourceSchema.options)[number];

function kindSchema(kind: unknown): KindSchema {
  const found = SourceSchema.options.find((option) => option.entries.kind.literal === kind);
  if (found === undefined) {
    const kinds = SourceSchema.options.map((option) => option.entries.kind.literal).join(', ');
    throw new InvalidInputError('INVALID_SOURCE', 'kind', `there is no source kind ${JSON.stringify(kind) ?? String(kind)} (the kinds are ${kinds})`);
  }
  return found;
}

/**
 * A whole source checked against SourceSchema, plus what the schema lets through but a saved file
 * cannot hold or a user would not mean: a setting the kind does not have (valibot drops it silently),
 * and an infinite number (JSON writes it as null).
 */
function checkSource(candidate: Record<string, unknown>): Source {
  const kind = kindSchema(candidate.kind);
  for (const key of Object.keys(candidate)) {
    if (!(key in kind.entries)) throw new InvalidInputError('INVALID_SOURCE', key, `a ${kind.entries.kind.literal} source has no "${key}"`);
  }
  const settings = candidate.settings;
  if (isRecord(settings)) {
    for (const [key, value] of Object.entries(settings)) {
      if (!(key in kind.entries.settings.entries)) {
        throw new InvalidInputError('INVALID_SOURCE', `settings.${key}`, `a ${kind.entries.kind.literal} source has no setting "${key}"`);
      }
      if (typeof value === 'number' && !Number.isFinite(value)) throw new InvalidInputError('INVALID_SOURCE', `settings.${key}`, `settings.${key} must be a finite number`);
    }
  }
  const parsed = v.safeParse(SourceSchema, candidate);
  if (!parsed.success) throw schemaError('INVALID_SOURCE', parsed.issues[0]);
  return parsed.output;
}

function schemaError(code: string, issue: v.BaseIssue<unknown>): InvalidInputError {
  const path = (issue.path ?? []).map((item) => String(item.key));
  const field = path.length > 0 ? path.join('.') : 'value';
  if (issue.input === undefined) return new InvalidInputError(code, field, `${field} is missing`);
  return new InvalidInputError(code, field, `${field} is not valid: ${issue.message}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
