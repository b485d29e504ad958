/**
 * What every request handler is given: the studio (through the port), the names, the outputs' figures,
 * and lookups that fail as OBS fails (600 with OBS's sentence) when a client names something that is not
 * there.
 */
import type { Collection, PreviewFrame, Scene, SceneItem, ScenesView, Source, StudioState } from '../../contract.js';
import { RequestStatus } from './protocol.js';
import { type Fields, fail, notFound } from './fields.js';
import type { ObsPlatform } from './kinds.js';
import { type SceneItemNumbers, findInput, findScene, findSource } from './names.js';
import type { OutputTracker } from './outputs.js';
import type { ObsData, StudioPort } from './types.js';

export interface ObsContext {
  readonly port: StudioPort;
  readonly platform: ObsPlatform;
  readonly numbers: SceneItemNumbers;
  readonly outputs: OutputTracker;
  /** The studio's state now, its items numbered. */
  state(): Promise<StudioState>;
  /** Every request type the front answers (GetVersion's availableRequests). */
  availableRequests(): string[];
  /** The newest picture of the program, if the studio makes a preview. */
  latestPreview(): PreviewFrame | undefined;
}

/** A request's handler: its response data, or nothing; throws ObsFailure (or a studio error) when it fails. */
export type Handler = (ctx: ObsContext, fields: Fields) => Promise<ObsData | undefined>;
export type RequestTable = Readonly<Record<string, Handler>>;

/** The scenes the studio runs; without them there is nothing to name. */
export async function scenesOf(ctx: ObsContext): Promise<ScenesView> {
  const state = await ctx.state();
  if (state.scenes === null) fail(RequestStatus.InvalidResourceState, 'The studio runs no scenes: load a scene collection first.');
  return state.scenes;
}

export async function collectionOf(ctx: ObsContext): Promise<Collection> {
  return (await scenesOf(ctx)).collection;
}

export function sceneFrom(c: Collection, f: Fields): Scene {
  const wanted = f.nameOrUuid('scene');
  return findScene(c, wanted) ?? notFound('scene', wanted);
}

export function inputFrom(c: Collection, f: Fields): Source {
  const wanted = f.nameOrUuid('input');
  return findInput(c, wanted) ?? notFound('input', wanted);
}

export function sourceFrom(c: Collection, f: Fields): { scene: Scene } | { input: Source } {
  const wanted = f.nameOrUuid('source');
  return findSource(c, wanted) ?? notFound('source', wanted);
}

/** A scene item by its scene and `sceneItemId`. */
export function itemFrom(ctx: ObsContext, c: Collection, f: Fields): { scene: Scene; item: SceneItem } {
  const scene = sceneFrom(c, f);
  const id = f.number('sceneItemId', 0);
  const item = ctx.numbers.itemOf(scene, id);
  if (item === undefined) fail(RequestStatus.ResourceNotFound, `No scene items were found in scene \`${scene.name}\` with the ID \`${id}\`.`);
  return { scene, item };
}
