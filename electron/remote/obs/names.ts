/**
 * How obs-websocket clients name Uplink's things. OBS names scenes and inputs by name or by uuid (OBS
 * 30+ clients send either) and scene items by an integer unique in their scene; Uplink has string ids.
 * Uuids are derived from ids (an id that already is a uuid is its own), so they survive a restart; item
 * numbers are handed out as items are first seen and kept while the item exists, as OBS keeps them.
 */
import { createHash } from 'node:crypto';
import type { Collection, Scene, SceneItem, Source } from '../../contract.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A uuid-format string for an Uplink id: the id itself when it is one, else a name-based (v5-style) uuid of it. */
export function obsUuid(id: string): string {
  if (UUID.test(id)) return id.toLowerCase();
  const hash = createHash('sha1').update(`uplink:${id}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** What a request names: by name, by uuid, or both (the uuid wins, as in OBS). */
export interface NameOrUuid {
  name?: string | undefined;
  uuid?: string | undefined;
}

function matches(thing: { id: string; name: string }, wanted: NameOrUuid): boolean {
  if (wanted.uuid !== undefined) return obsUuid(thing.id) === wanted.uuid.toLowerCase();
  return thing.name === wanted.name;
}

export function findScene(c: Collection, wanted: NameOrUuid): Scene | undefined {
  return c.scenes.find((scene) => matches(scene, wanted));
}

export function findInput(c: Collection, wanted: NameOrUuid): Source | undefined {
  return c.sources.find((source) => matches(source, wanted));
}

/** OBS's "source": an input or a scene. */
export function findSource(c: Collection, wanted: NameOrUuid): { scene: Scene } | { input: Source } | undefined {
  const input = findInput(c, wanted);
  if (input !== undefined) return { input };
  const scene = findScene(c, wanted);
  return scene === undefined ? undefined : { scene };
}

/** The name a source or scene id shows under in OBS's fields. */
export function nameOf(c: Collection, id: string): string {
  return c.sources.find((s) => s.id === id)?.name ?? c.scenes.find((s) => s.id === id)?.name ?? id;
}

/** OBS names are unique across inputs and scenes: true when `name` is taken by another than `except`. */
export function nameTaken(c: Collection, name: string, except?: string): boolean {
  return [...c.sources, ...c.scenes].some((thing) => thing.name === name && thing.id !== except);
}

/**
 * GetSceneList's order: OBS lists scenes bottom first, `sceneIndex` 0 being the last scene of its list
 * (Uplink's scenes are in the list's order, top first).
 */
export function obsSceneOrder(c: Collection): Array<{ scene: Scene; sceneIndex: number }> {
  return [...c.scenes].reverse().map((scene, sceneIndex) => ({ scene, sceneIndex }));
}

/** Integer scene item ids, unique in their scene, stable while the item exists. */
export class SceneItemNumbers {
  private readonly byScene = new Map<string, Map<string, number>>();

  /** Numbers every item not seen yet and forgets removed ones; call with every collection the front sees. */
  observe(c: Collection): void {
    const live = new Set<string>();
    for (const scene of c.scenes) {
      live.add(scene.id);
      let numbers = this.byScene.get(scene.id);
      if (numbers === undefined) {
        numbers = new Map();
        this.byScene.set(scene.id, numbers);
      }
      const present = new Set(scene.items.map((item) => item.id));
      for (const id of numbers.keys()) if (!present.has(id)) numbers.delete(id);
      const used = new Set(numbers.values());
      let next = Math.max(0, ...used) + 1;
      for (const item of scene.items) {
        if (numbers.has(item.id)) continue;
        // An item imported from OBS (`item-7`) keeps OBS's number.
        const imported = /^item-(\d+)$/.exec(item.id);
        const wanted = imported ? Number(imported[1]) : 0;
        const n = wanted > 0 && !used.has(wanted) ? wanted : next;
        numbers.set(item.id, n);
        used.add(n);
        next = Math.max(next, n + 1);
      }
    }
    for (const id of this.byScene.keys()) if (!live.has(id)) this.byScene.delete(id);
  }

  /** The item's number; 0 for one not observed yet (never the case for items of an observed collection). */
  numberOf(sceneId: string, itemId: string): number {
    return this.byScene.get(sceneId)?.get(itemId) ?? 0;
  }

  itemOf(scene: Scene, n: number): SceneItem | undefined {
    const numbers = this.byScene.get(scene.id);
    return scene.items.find((item) => numbers?.get(item.id) === n);
  }
}
