/**
 * Uplink's scenes, items, inputs and transition as OBS's objects: what GetSceneList, GetSceneItemList,
 * GetInputList and the events carry, built in one place so that requests and events agree.
 */
import type { Collection, Scene, SceneItem, Source, Transition } from '../../contract.js';
import type { SizeOf } from '../../engine/scenes/edit.js';
import { inputKindCaps, obsKindOf, obsSettingsOf, type ObsPlatform, unversioned } from './kinds.js';
import { type SceneItemNumbers, nameOf, obsSceneOrder, obsUuid } from './names.js';
import { obsTransform } from './transform.js';
import type { ObsData } from './types.js';

export function sceneList(c: Collection): ObsData[] {
  return obsSceneOrder(c).map(({ scene, sceneIndex }) => ({ sceneIndex, sceneName: scene.name, sceneUuid: obsUuid(scene.id) }));
}

export function sceneRef(scene: Scene): { sceneName: string; sceneUuid: string } {
  return { sceneName: scene.name, sceneUuid: obsUuid(scene.id) };
}

export function sceneItem(c: Collection, scene: Scene, item: SceneItem, numbers: SceneItemNumbers, platform: ObsPlatform, sizeOf?: SizeOf): ObsData {
  const source = c.sources.find((s) => s.id === item.sourceId);
  return {
    sceneItemId: numbers.numberOf(scene.id, item.id),
    sceneItemIndex: scene.items.indexOf(item),
    sceneItemEnabled: item.visible,
    sceneItemLocked: item.locked,
    sceneItemTransform: obsTransform(c, item, sizeOf),
    sceneItemBlendMode: 'OBS_BLEND_NORMAL',
    sourceName: nameOf(c, item.sourceId),
    sourceUuid: obsUuid(item.sourceId),
    sourceType: source === undefined ? 'OBS_SOURCE_TYPE_SCENE' : 'OBS_SOURCE_TYPE_INPUT',
    inputKind: source === undefined ? null : obsKindOf(source, platform),
    isGroup: source === undefined ? false : null,
  };
}

/** The scene on air and every source and scene it shows, through visible items and visible nested scenes. */
export function onAir(c: Collection, programSceneId: string): Set<string> {
  const shown = new Set<string>();
  const visit = (sceneId: string): void => {
    if (shown.has(sceneId)) return;
    shown.add(sceneId);
    for (const item of c.scenes.find((s) => s.id === sceneId)?.items ?? []) {
      if (!item.visible) continue;
      if (c.scenes.some((s) => s.id === item.sourceId)) visit(item.sourceId);
      else shown.add(item.sourceId);
    }
  };
  visit(programSceneId);
  return shown;
}

export function inputRef(source: Source): { inputName: string; inputUuid: string } {
  return { inputName: source.name, inputUuid: obsUuid(source.id) };
}

export function inputListEntry(source: Source, platform: ObsPlatform): ObsData {
  const kind = obsKindOf(source, platform);
  return { ...inputRef(source), inputKind: kind, unversionedInputKind: unversioned(kind), inputKindCaps: inputKindCaps(source) };
}

export function inputSettings(source: Source, platform: ObsPlatform): ObsData {
  return obsSettingsOf(source, obsKindOf(source, platform));
}

/** Uplink's two transitions under OBS's names and kinds. */
export const TRANSITIONS = [
  { kind: 'cut', transitionName: 'Cut', transitionKind: 'cut_transition', transitionFixed: true },
  { kind: 'fade', transitionName: 'Fade', transitionKind: 'fade_transition', transitionFixed: false },
] as const;

export function transitionOf(t: Transition): { transitionName: string; transitionUuid: string; transitionKind: string; transitionFixed: boolean } {
  const entry = TRANSITIONS.find((x) => x.kind === t.kind) ?? TRANSITIONS[1];
  return { transitionName: entry.transitionName, transitionUuid: obsUuid(`transition:${entry.kind}`), transitionKind: entry.transitionKind, transitionFixed: entry.transitionFixed };
}

export function transitionList(): ObsData[] {
  return TRANSITIONS.map((entry) => ({ ...transitionOf({ kind: entry.kind, durationMs: 0 }), transitionConfigurable: false }));
}
