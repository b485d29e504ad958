/**
 * Scenes, scene items and transitions. Uplink has no studio mode, so the preview scene answers as OBS
 * does without it (506), and no groups (an OBS import flattens them), so a group's item list is empty.
 */
import type { Transition } from '../../contract.js';
import { DEFAULT_TRANSITION } from '../../contract-scenes.js';
import { RequestStatus } from './protocol.js';
import { type ObsContext, type RequestTable, collectionOf, itemFrom, sceneFrom, scenesOf } from './context.js';
import { type Fields, fail, notFound } from './fields.js';
import { findScene, findSource, nameOf, nameTaken, obsUuid } from './names.js';
import { obsTransform, sizesOf, transformPatch } from './transform.js';
import { TRANSITIONS, sceneItem, sceneList, sceneRef, transitionList, transitionOf } from './views.js';

const STUDIO_MODE_OFF = 'Studio mode is not active.';

async function programScene(ctx: ObsContext): Promise<{ sceneName: string; sceneUuid: string }> {
  const state = await ctx.state();
  const scenes = state.scenes;
  const scene = scenes?.collection.scenes.find((s) => s.id === scenes.programSceneId);
  if (scene === undefined) fail(RequestStatus.InvalidResourceState, 'The studio runs no scenes: load a scene collection first.');
  return sceneRef(scene);
}

/** The collection's transition; before the studio runs scenes (while it starts), the one a new collection gets. */
async function transitionNow(ctx: ObsContext): Promise<Transition> {
  return (await ctx.state()).scenes?.collection.transition ?? DEFAULT_TRANSITION;
}

async function setItem(ctx: ObsContext, f: Fields, patch: (current: { visible: boolean; locked: boolean }) => { visible?: boolean; locked?: boolean }): Promise<undefined> {
  const c = await collectionOf(ctx);
  const { scene, item } = itemFrom(ctx, c, f);
  await ctx.port.commands.updateItem(scene.id, item.id, patch(item));
  return undefined;
}

export const sceneRequests = {
  async GetSceneList(ctx) {
    const state = await ctx.state();
    const c = state.scenes?.collection;
    const program = c?.scenes.find((s) => s.id === state.scenes?.programSceneId);
    return {
      currentProgramSceneName: program?.name ?? null,
      currentProgramSceneUuid: program === undefined ? null : obsUuid(program.id),
      currentPreviewSceneName: null,
      currentPreviewSceneUuid: null,
      scenes: c === undefined ? [] : sceneList(c),
    };
  },

  async GetGroupList() {
    return { groups: [] };
  },

  async GetCurrentProgramScene(ctx) {
    const { sceneName, sceneUuid } = await programScene(ctx);
    return { sceneName, sceneUuid, currentProgramSceneName: sceneName, currentProgramSceneUuid: sceneUuid };
  },

  async SetCurrentProgramScene(ctx, f) {
    const scene = sceneFrom(await collectionOf(ctx), f);
    await ctx.port.commands.setProgramScene(scene.id);
    return undefined;
  },

  async GetCurrentPreviewScene() {
    fail(RequestStatus.StudioModeNotActive, STUDIO_MODE_OFF);
  },

  async SetCurrentPreviewScene() {
    fail(RequestStatus.StudioModeNotActive, STUDIO_MODE_OFF);
  },

  async CreateScene(ctx, f) {
    const name = f.string('sceneName');
    if (nameTaken(await collectionOf(ctx), name)) fail(RequestStatus.ResourceAlreadyExists, 'A source already exists by that scene name.');
    const id = await ctx.port.commands.addScene(name);
    return { sceneUuid: obsUuid(id) };
  },

  async RemoveScene(ctx, f) {
    const scene = sceneFrom(await collectionOf(ctx), f);
    await ctx.port.commands.removeScene(scene.id);
    return undefined;
  },

  async SetSceneName(ctx, f) {
    const c = await collectionOf(ctx);
    const scene = sceneFrom(c, f);
    const name = f.string('newSceneName');
    if (nameTaken(c, name, scene.id)) fail(RequestStatus.ResourceAlreadyExists, 'A source already exists by that new scene name.');
    await ctx.port.commands.renameScene(scene.id, name);
    return undefined;
  },

  async GetSceneSceneTransitionOverride(ctx, f) {
    sceneFrom(await collectionOf(ctx), f);
    return { transitionName: null, transitionDuration: null };
  },

  async GetSceneItemList(ctx, f) {
    const view = await scenesOf(ctx);
    const scene = sceneFrom(view.collection, f);
    return { sceneItems: scene.items.map((item) => sceneItem(view.collection, scene, item, ctx.numbers, ctx.platform, sizesOf(view))) };
  },

  async GetGroupSceneItemList(ctx, f) {
    const c = await collectionOf(ctx);
    const wanted = f.nameOrUuid('scene');
    if (findScene(c, wanted) === undefined) notFound('group', wanted);
    return { sceneItems: [] };
  },

  async GetSceneItemId(ctx, f) {
    const c = await collectionOf(ctx);
    const scene = sceneFrom(c, f);
    const sourceName = f.string('sourceName');
    const offset = f.optionalNumber('searchOffset', -1) ?? 0;
    const matching = scene.items.filter((item) => nameOf(c, item.sourceId) === sourceName);
    const item = offset === -1 ? matching.at(-1) : matching[offset];
    if (item === undefined) fail(RequestStatus.ResourceNotFound, 'No scene items were found in the specified scene by that name or offset.');
    return { sceneItemId: ctx.numbers.numberOf(scene.id, item.id) };
  },

  async GetSceneItemSource(ctx, f) {
    const c = await collectionOf(ctx);
    const { item } = itemFrom(ctx, c, f);
    return { sourceName: nameOf(c, item.sourceId), sourceUuid: obsUuid(item.sourceId) };
  },

  async CreateSceneItem(ctx, f) {
    const c = await collectionOf(ctx);
    const scene = sceneFrom(c, f);
    const wanted = f.nameOrUuid('source');
    const found = findSource(c, wanted) ?? notFound('source', wanted);
    const enabled = f.optionalBoolean('sceneItemEnabled') ?? true;
    const sourceId = 'input' in found ? found.input.id : found.scene.id;
    const itemId = await ctx.port.commands.addItem(scene.id, sourceId);
    if (!enabled) await ctx.port.commands.updateItem(scene.id, itemId, { visible: false });
    await ctx.state();
    return { sceneItemId: ctx.numbers.numberOf(scene.id, itemId) };
  },

  async RemoveSceneItem(ctx, f) {
    const c = await collectionOf(ctx);
    const { scene, item } = itemFrom(ctx, c, f);
    await ctx.port.commands.removeItem(scene.id, item.id);
    return undefined;
  },

  async GetSceneItemEnabled(ctx, f) {
    const { item } = itemFrom(ctx, await collectionOf(ctx), f);
    return { sceneItemEnabled: item.visible };
  },

  async SetSceneItemEnabled(ctx, f) {
    const enabled = f.boolean('sceneItemEnabled');
    return setItem(ctx, f, () => ({ visible: enabled }));
  },

  async GetSceneItemLocked(ctx, f) {
    const { item } = itemFrom(ctx, await collectionOf(ctx), f);
    return { sceneItemLocked: item.locked };
  },

  async SetSceneItemLocked(ctx, f) {
    const locked = f.boolean('sceneItemLocked');
    return setItem(ctx, f, () => ({ locked }));
  },

  async GetSceneItemIndex(ctx, f) {
    const { scene, item } = itemFrom(ctx, await collectionOf(ctx), f);
    return { sceneItemIndex: scene.items.indexOf(item) };
  },

  async SetSceneItemIndex(ctx, f) {
    const c = await collectionOf(ctx);
    const { scene, item } = itemFrom(ctx, c, f);
    const index = f.number('sceneItemIndex', 0);
    await ctx.port.commands.moveItem(scene.id, item.id, Math.min(Math.round(index), scene.items.length - 1));
    return undefined;
  },

  async GetSceneItemBlendMode(ctx, f) {
    itemFrom(ctx, await collectionOf(ctx), f);
    return { sceneItemBlendMode: 'OBS_BLEND_NORMAL' };
  },

  async GetSceneItemTransform(ctx, f) {
    const view = await scenesOf(ctx);
    const { item } = itemFrom(ctx, view.collection, f);
    return { sceneItemTransform: obsTransform(view.collection, item, sizesOf(view)) };
  },

  async SetSceneItemTransform(ctx, f) {
    const view = await scenesOf(ctx);
    const { scene, item } = itemFrom(ctx, view.collection, f);
    const patch = transformPatch(view.collection, item, f.object('sceneItemTransform'), sizesOf(view));
    if (Object.keys(patch).length > 0) await ctx.port.commands.updateItem(scene.id, item.id, patch);
    return undefined;
  },

  async GetTransitionKindList() {
    return { transitionKinds: TRANSITIONS.map((t) => t.transitionKind) };
  },

  async GetSceneTransitionList(ctx) {
    const current = transitionOf(await transitionNow(ctx));
    return {
      currentSceneTransitionName: current.transitionName,
      currentSceneTransitionUuid: current.transitionUuid,
      currentSceneTransitionKind: current.transitionKind,
      transitions: transitionList(),
    };
  },

  async GetCurrentSceneTransition(ctx) {
    const transition = await transitionNow(ctx);
    const current = transitionOf(transition);
    return {
      ...current,
      transitionDuration: current.transitionFixed ? null : transition.durationMs,
      transitionConfigurable: false,
      transitionSettings: null,
    };
  },

  async SetCurrentSceneTransition(ctx, f) {
    const name = f.string('transitionName');
    const entry = TRANSITIONS.find((t) => t.transitionName.toLowerCase() === name.toLowerCase());
    if (entry === undefined) fail(RequestStatus.ResourceNotFound, `No transition was found by the name of \`${name}\`: Uplink has Cut and Fade.`);
    const c = await collectionOf(ctx);
    await ctx.port.commands.setTransition({ kind: entry.kind, durationMs: c.transition.durationMs });
    return undefined;
  },

  async SetCurrentSceneTransitionDuration(ctx, f) {
    const ms = f.number('transitionDuration', 50, 20000);
    if (ms > 10_000) fail(RequestStatus.RequestFieldOutOfRange, 'Uplink\'s transitions last at most 10000 ms: `transitionDuration` must be between 50 and 10000.');
    const c = await collectionOf(ctx);
    await ctx.port.commands.setTransition({ kind: c.transition.kind, durationMs: Math.round(ms) });
    return undefined;
  },
} satisfies RequestTable;
