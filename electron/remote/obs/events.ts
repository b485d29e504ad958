/**
 * The contract's events as obs-websocket's: each state snapshot is compared with the one before it and
 * every difference an OBS client would hear about becomes its OBS event (a scene switched, an input
 * renamed, an item hidden, the stream reconnecting...), in the order OBS sends them: items go before
 * the input they showed, an input's events before the scene list's. Audio levels become InputVolumeMeters
 * in OBS's inputLevelsMul shape. Pure: snapshots in, events out.
 */
import type { AudioLevels, Collection, Scene, Source, StudioState } from '../../contract.js';
import { DEFAULT_AUDIO } from '../../contract-scenes.js';
import type { SizeOf } from '../../engine/scenes/edit.js';
import { EventSubscription } from './protocol.js';
import { dbToMul, defaultSettings, hasAudioControls, type ObsPlatform } from './kinds.js';
import { type SceneItemNumbers, nameOf, obsUuid } from './names.js';
import { type ObsOutputState, outputActive, streamPhase, streamTransitions } from './outputs.js';
import { obsTransform, sizesOf } from './transform.js';
import type { ObsData, ObsEvent } from './types.js';
import { inputListEntry, inputRef, inputSettings, onAir, sceneList, sceneRef, transitionOf } from './views.js';

/** What a studio without scenes is to an OBS client: no scenes, no inputs. */
const EMPTY: Collection = { version: 2, canvas: { width: 16, height: 16, fps: 30 }, sources: [], scenes: [], currentSceneId: '', transition: { kind: 'cut', durationMs: 0 } };

function event(eventType: string, eventIntent: number, eventData?: ObsData): ObsEvent {
  return eventData === undefined ? { eventType, eventIntent } : { eventType, eventIntent, eventData };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * The OBS events between two snapshots. `numbers` must have seen `prev` (removed items are named by the
 * numbers they had) and has seen `next` afterwards.
 */
export function stateEvents(prev: StudioState, next: StudioState, numbers: SceneItemNumbers, platform: ObsPlatform): ObsEvent[] {
  const before = prev.scenes?.collection ?? EMPTY;
  const after = next.scenes?.collection ?? EMPTY;
  const out: ObsEvent[] = [];
  const { Scenes, Inputs, SceneItems, Transitions, Outputs } = EventSubscription;

  const scenesBefore = new Map(before.scenes.map((s) => [s.id, s]));
  const scenesAfter = new Map(after.scenes.map((s) => [s.id, s]));
  const sourcesBefore = new Map(before.sources.map((s) => [s.id, s]));
  const sourcesAfter = new Map(after.sources.map((s) => [s.id, s]));

  // Items removed from scenes that stay, named by the numbers they had.
  for (const scene of after.scenes) {
    const old = scenesBefore.get(scene.id);
    if (old === undefined) continue;
    const kept = new Set(scene.items.map((item) => item.id));
    for (const item of old.items) {
      if (kept.has(item.id)) continue;
      out.push(
        event('SceneItemRemoved', SceneItems, { ...sceneRef(scene), sourceName: nameOf(before, item.sourceId), sourceUuid: obsUuid(item.sourceId), sceneItemId: numbers.numberOf(scene.id, item.id) }),
      );
    }
  }
  numbers.observe(after);

  for (const source of before.sources) if (!sourcesAfter.has(source.id)) out.push(event('InputRemoved', Inputs, inputRef(source)));
  for (const scene of before.scenes) if (!scenesAfter.has(scene.id)) out.push(event('SceneRemoved', Scenes, { ...sceneRef(scene), isGroup: false }));

  for (const source of after.sources) {
    const old = sourcesBefore.get(source.id);
    if (old === undefined) {
      const entry = inputListEntry(source, platform);
      out.push(
        event('InputCreated', Inputs, { ...entry, inputSettings: inputSettings(source, platform), defaultInputSettings: defaultSettings(String(entry.inputKind), after.canvas) }),
      );
      continue;
    }
    if (old.name !== source.name) out.push(event('InputNameChanged', Inputs, { inputUuid: obsUuid(source.id), oldInputName: old.name, inputName: source.name }));
    if (!same(old.settings, source.settings)) out.push(event('InputSettingsChanged', Inputs, { ...inputRef(source), inputSettings: inputSettings(source, platform) }));
    out.push(...audioEvents(old, source));
  }

  for (const scene of after.scenes) {
    const old = scenesBefore.get(scene.id);
    if (old === undefined) out.push(event('SceneCreated', Scenes, { ...sceneRef(scene), isGroup: false }));
    else if (old.name !== scene.name) out.push(event('SceneNameChanged', Scenes, { sceneUuid: obsUuid(scene.id), oldSceneName: old.name, sceneName: scene.name }));
  }
  const listed = (c: Collection): string[] => c.scenes.map((s) => `${s.id}\n${s.name}`);
  if (!same(listed(before), listed(after)) && after.scenes.length > 0) out.push(event('SceneListChanged', Scenes, { scenes: sceneList(after) }));

  for (const scene of after.scenes) {
    const old = scenesBefore.get(scene.id);
    if (old !== undefined) out.push(...itemEvents({ c: before, sizeOf: sizesOf(prev.scenes) }, old, { c: after, sizeOf: sizesOf(next.scenes) }, scene, numbers));
  }

  const programBefore = prev.scenes?.programSceneId;
  const programAfter = next.scenes?.programSceneId;
  const program = programAfter === undefined ? undefined : scenesAfter.get(programAfter);
  if (programAfter !== programBefore && program !== undefined) {
    // A switch is a transition in OBS, a cut included: it starts as the scene goes on air (transitionEnd says when it ends).
    if (prev.scenes !== null) out.push(event('SceneTransitionStarted', Transitions, transitionRef(after)));
    out.push(event('CurrentProgramSceneChanged', Scenes, sceneRef(program)));
  }

  if (next.scenes !== null && prev.scenes !== null) {
    if (before.transition.kind !== after.transition.kind) out.push(event('CurrentSceneTransitionChanged', Transitions, transitionRef(after)));
    if (before.transition.durationMs !== after.transition.durationMs) {
      out.push(event('CurrentSceneTransitionDurationChanged', Transitions, { transitionDuration: after.transition.durationMs }));
    }
  }

  // Tally: inputs that went on or off air (OBS's active and showing are the same here: no studio mode).
  const airBefore = prev.scenes === null ? new Set<string>() : onAir(before, prev.scenes.programSceneId);
  const airAfter = next.scenes === null ? new Set<string>() : onAir(after, next.scenes.programSceneId);
  for (const source of after.sources) {
    const active = airAfter.has(source.id);
    if (active === airBefore.has(source.id) && sourcesBefore.has(source.id)) continue;
    if (!active && !sourcesBefore.has(source.id)) continue;
    out.push(event('InputActiveStateChanged', EventSubscription.InputActiveStateChanged, { ...inputRef(source), videoActive: active }));
    out.push(event('InputShowStateChanged', EventSubscription.InputShowStateChanged, { ...inputRef(source), videoShowing: active }));
  }

  out.push(...mediaEvents(prev, next));

  for (const state of streamTransitions(streamPhase(prev), streamPhase(next))) {
    out.push(event('StreamStateChanged', Outputs, { outputActive: outputActive(state), outputState: state }));
  }
  out.push(...recordEvents(prev, next));
  return out;
}

function transitionRef(c: Collection): { transitionName: string; transitionUuid: string } {
  const { transitionName, transitionUuid } = transitionOf(c.transition);
  return { transitionName, transitionUuid };
}

/** What OBS sends when a transition that started is over: the picture is the new scene's, then the transition ends. */
export function transitionEnd(started: ObsEvent): ObsEvent[] {
  return [
    event('SceneTransitionVideoEnded', EventSubscription.Transitions, started.eventData),
    event('SceneTransitionEnded', EventSubscription.Transitions, started.eventData),
  ];
}

function audioEvents(old: Source, source: Source): ObsEvent[] {
  if (!hasAudioControls(source)) return [];
  const a = ('audio' in old ? old.audio : undefined) ?? DEFAULT_AUDIO;
  const b = ('audio' in source ? source.audio : undefined) ?? DEFAULT_AUDIO;
  const out: ObsEvent[] = [];
  if (a.muted !== b.muted) out.push(event('InputMuteStateChanged', EventSubscription.Inputs, { ...inputRef(source), inputMuted: b.muted }));
  if (a.volumeDb !== b.volumeDb) out.push(event('InputVolumeChanged', EventSubscription.Inputs, { ...inputRef(source), inputVolumeMul: dbToMul(b.volumeDb), inputVolumeDb: b.volumeDb }));
  return out;
}

interface Sized {
  c: Collection;
  sizeOf: SizeOf;
}

function itemEvents(before: Sized, old: Scene, after: Sized, scene: Scene, numbers: SceneItemNumbers): ObsEvent[] {
  const { SceneItems, SceneItemTransformChanged } = EventSubscription;
  const out: ObsEvent[] = [];
  const oldItems = new Map(old.items.map((item) => [item.id, item]));
  for (const [index, item] of scene.items.entries()) {
    const sceneItemId = numbers.numberOf(scene.id, item.id);
    const was = oldItems.get(item.id);
    if (was === undefined) {
      out.push(event('SceneItemCreated', SceneItems, { ...sceneRef(scene), sourceName: nameOf(after.c, item.sourceId), sourceUuid: obsUuid(item.sourceId), sceneItemId, sceneItemIndex: index }));
      continue;
    }
    if (was.visible !== item.visible) out.push(event('SceneItemEnableStateChanged', SceneItems, { ...sceneRef(scene), sceneItemId, sceneItemEnabled: item.visible }));
    if (was.locked !== item.locked) out.push(event('SceneItemLockStateChanged', SceneItems, { ...sceneRef(scene), sceneItemId, sceneItemLocked: item.locked }));
    const transform = obsTransform(after.c, item, after.sizeOf);
    if (!same(obsTransform(before.c, was, before.sizeOf), transform)) out.push(event('SceneItemTransformChanged', SceneItemTransformChanged, { ...sceneRef(scene), sceneItemId, sceneItemTransform: transform }));
  }
  const order = (s: Scene, keep: (id: string) => boolean): string[] => s.items.map((item) => item.id).filter(keep);
  const inBoth = (id: string): boolean => oldItems.has(id) && scene.items.some((item) => item.id === id);
  if (!same(order(old, inBoth), order(scene, inBoth))) {
    const sceneItems = scene.items.map((item, sceneItemIndex) => ({ sceneItemId: numbers.numberOf(scene.id, item.id), sceneItemIndex }));
    out.push(event('SceneItemListReindexed', SceneItems, { ...sceneRef(scene), sceneItems }));
  }
  return out;
}

/**
 * A media file or network feed that reached its end (or was stopped), or plays again (from its end, or
 * restarted while it played). A feed reopened after a loss is not a new playback.
 */
function mediaEvents(prev: StudioState, next: StudioState): ObsEvent[] {
  if (prev.scenes === null || next.scenes === null) return [];
  const stateIn = (view: NonNullable<StudioState['scenes']>, id: string): string => view.sources.find((s) => s.sourceId === id)?.state ?? 'live';
  const existed = new Set(prev.scenes.collection.sources.map((s) => s.id));
  const out: ObsEvent[] = [];
  for (const source of next.scenes.collection.sources) {
    if ((source.kind !== 'media' && source.kind !== 'network') || !existed.has(source.id)) continue;
    const was = stateIn(prev.scenes, source.id);
    const now = stateIn(next.scenes, source.id);
    if (now === 'ended' && was !== 'ended') out.push(event('MediaInputPlaybackEnded', EventSubscription.MediaInputs, inputRef(source)));
    const plays = now === 'opening' || now === 'live';
    if ((plays && was === 'ended') || (now === 'opening' && was === 'live')) out.push(event('MediaInputPlaybackStarted', EventSubscription.MediaInputs, inputRef(source)));
  }
  return out;
}

function recordEvents(prev: StudioState, next: StudioState): ObsEvent[] {
  const states: Array<[ObsOutputState, string | null]> = [];
  if (!prev.recording.active && next.recording.active) states.push(['OBS_WEBSOCKET_OUTPUT_STARTING', null], ['OBS_WEBSOCKET_OUTPUT_STARTED', null]);
  if (prev.recording.active && !next.recording.active) states.push(['OBS_WEBSOCKET_OUTPUT_STOPPING', null], ['OBS_WEBSOCKET_OUTPUT_STOPPED', prev.recording.file ?? null]);
  return states.map(([outputState, outputPath]) => event('RecordStateChanged', EventSubscription.Outputs, { outputActive: outputActive(outputState), outputState, outputPath }));
}

/**
 * InputVolumeMeters from one set of levels: per input, per channel of the program's audio, OBS's
 * [magnitude, peak, input peak] as multipliers. Uplink meters each source after its fader (one figure
 * for all channels), so the input peak is the peak with the fader taken back off (0 while muted).
 */
export function metersEvent(levels: AudioLevels, c: Collection, channels: number): ObsEvent {
  const sources = new Map(c.sources.map((s) => [s.id, s]));
  const inputs: ObsData[] = [];
  for (const level of levels.levels) {
    const source = level.sourceId === null ? undefined : sources.get(level.sourceId);
    if (source === undefined) continue;
    const audio = ('audio' in source ? source.audio : undefined) ?? DEFAULT_AUDIO;
    const fader = audio.muted ? 0 : dbToMul(audio.volumeDb);
    const magnitude = dbToMul(level.rmsDb);
    const peak = dbToMul(level.peakDb);
    const inputPeak = fader > 0 ? peak / fader : 0;
    const channel = [magnitude, peak, inputPeak];
    inputs.push({ ...inputRef(source), inputLevelsMul: Array.from({ length: channels }, () => [...channel]) });
  }
  return event('InputVolumeMeters', EventSubscription.InputVolumeMeters, { inputs });
}
