/**
 * The scene model: sources, scenes and their items on a fixed canvas, and the collection that holds
 * them (OBS's libobs model, which streamers know). Plain data with valibot schemas and no Node imports: the
 * renderer imports these types through the contract, and every front validates what it receives with
 * the same schemas.
 *
 * A source is opened once however many scenes use it; an item places a source (or another scene) on a
 * scene. Ids are unique across sources and scenes together, so an item's `sourceId` can name either.
 */
import * as v from 'valibot';

/** The version of the collection this code writes; older files are migrated (see profile/migrations). */
export const COLLECTION_VERSION = 2;

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const Name = v.pipe(v.string(), v.maxLength(500));
const PositiveInt = v.pipe(v.number(), v.integer(), v.gtValue(0));
const Positive = v.pipe(v.number(), v.gtValue(0));

/** `#RRGGBB` or `#RRGGBBAA` (alpha last, 255 = opaque). */
export const ColorSchema = v.pipe(v.string(), v.regex(/^#[0-9a-f]{6}([0-9a-f]{2})?$/i, 'a colour is #RRGGBB or #RRGGBBAA'));

/** Below this a volume is silence; JSON has no -Infinity. */
export const SILENT_DB = -100;

/** Volume in dB relative to the source's own level (0 = unchanged), and mute, as OBS's mixer has them. */
export const AudioSettingsSchema = v.object({
  volumeDb: v.pipe(v.number(), v.minValue(SILENT_DB), v.maxValue(26)),
  muted: v.boolean(),
});
export type AudioSettings = v.InferOutput<typeof AudioSettingsSchema>;

export const DEFAULT_AUDIO: AudioSettings = { volumeDb: 0, muted: false };

/**
 * A capture device by its Uplink id (`v4l2:/dev/video0`, `dshow:video=...`, see capture/types.ts), and
 * its human name so that a collection made on another computer can find the same model of device there.
 * `device: null` means the system's default device.
 */
const DeviceRef = {
  device: v.nullable(v.pipe(v.string(), v.minLength(1))),
  deviceName: v.optional(v.string()),
};

const source = <K extends string, S extends v.ObjectEntries, E extends v.ObjectEntries = Record<never, never>>(kind: K, settings: S, extra?: E) =>
  v.object({ id: Id, name: Name, kind: v.literal(kind), settings: v.object(settings), ...(extra as E) });

export const VideoDeviceSourceSchema = source(
  'video-device',
  {
    ...DeviceRef,
    role: v.picklist(['camera', 'capture-card']),
    /** Asked-for mode; absent = the device's default. */
    width: v.optional(PositiveInt),
    height: v.optional(PositiveInt),
    fps: v.optional(Positive),
  },
  { audio: v.optional(AudioSettingsSchema) },
);

export const AudioDeviceSourceSchema = source('audio-device', { ...DeviceRef, role: v.picklist(['microphone', 'desktop-audio']) }, { audio: AudioSettingsSchema });

export const ScreenSourceSchema = source('screen', { ...DeviceRef, captureCursor: v.boolean() });

export const ImageSourceSchema = source('image', { file: v.pipe(v.string(), v.minLength(1)) });

export const ColorSourceSchema = source('color', { color: ColorSchema, width: PositiveInt, height: PositiveInt });

export const TextSourceSchema = source('text', {
  text: v.string(),
  fontFace: v.string(),
  fontSizePx: Positive,
  bold: v.boolean(),
  italic: v.boolean(),
  color: ColorSchema,
  /** Absent = transparent. */
  backgroundColor: v.optional(ColorSchema),
});

export const MediaSourceSchema = source('media', { file: v.pipe(v.string(), v.minLength(1)), loop: v.boolean() }, { audio: v.optional(AudioSettingsSchema) });

/** Protocols FFmpeg reads live feeds from; HLS is an http(s) URL. */
export const NETWORK_PROTOCOLS = ['rtmp', 'rtmps', 'srt', 'rtsp', 'rtsps', 'http', 'https'] as const;
const NetworkUrl = v.pipe(
  v.string(),
  v.check((url) => NETWORK_PROTOCOLS.some((protocol) => url.toLowerCase().startsWith(`${protocol}://`)), `a network stream is an ${NETWORK_PROTOCOLS.join(', ')} URL`),
);

export const NetworkSourceSchema = source('network', { url: NetworkUrl }, { audio: v.optional(AudioSettingsSchema) });

export const TestPatternSourceSchema = source('test-pattern', {});

export const ToneSourceSchema = source('tone', { frequencyHz: v.pipe(v.number(), v.gtValue(0), v.maxValue(24000)) }, { audio: AudioSettingsSchema });

/**
 * A source imported from OBS that Uplink cannot show (a browser source, game capture, a plugin's): kept
 * with its place in every scene, drawn as a labelled card, so that nothing is lost silently.
 */
export const PlaceholderSourceSchema = source(
  'placeholder',
  {
    /** OBS's source kind (its `id`), e.g. `browser_source`. */
    obsKind: v.string(),
    label: v.string(),
    width: PositiveInt,
    height: PositiveInt,
  },
  { audio: v.optional(AudioSettingsSchema) },
);

export const SourceSchema = v.variant('kind', [
  VideoDeviceSourceSchema,
  AudioDeviceSourceSchema,
  ScreenSourceSchema,
  ImageSourceSchema,
  ColorSourceSchema,
  TextSourceSchema,
  MediaSourceSchema,
  NetworkSourceSchema,
  TestPatternSourceSchema,
  ToneSourceSchema,
  PlaceholderSourceSchema,
]);
export type Source = v.InferOutput<typeof SourceSchema>;
export type SourceKind = Source['kind'];

/** A new source as a front sends it: everything but the id, which the studio gives. */
export type SourceInput = Source extends infer S ? (S extends Source ? Omit<S, 'id'> : never) : never;
export const SourceInputSchema: v.GenericSchema<unknown, SourceInput> = v.pipe(
  v.record(v.string(), v.unknown()),
  v.transform((input) => ({ ...input, id: 'new' })),
  SourceSchema,
  v.transform(({ id: _id, ...rest }): SourceInput => rest as SourceInput),
);

const Pixels = v.pipe(v.number(), v.integer(), v.minValue(0));
export const CropSchema = v.object({ top: Pixels, right: Pixels, bottom: Pixels, left: Pixels });
export type Crop = v.InferOutput<typeof CropSchema>;
export const NO_CROP: Crop = { top: 0, right: 0, bottom: 0, left: 0 };

/**
 * One source (or nested scene) placed on a scene: the source's frame, cropped by `crop` (in the source's
 * own pixels), is drawn scaled into the box `x, y, width, height` (canvas pixels, top-left origin; the
 * box may reach past the canvas edges).
 */
export const SceneItemSchema = v.object({
  id: Id,
  /** A source's id, or a scene's id for a nested scene. */
  sourceId: Id,
  x: v.number(),
  y: v.number(),
  /** 0 x 0 for an audio-only source: its item says the scene plays it. */
  width: v.pipe(v.number(), v.minValue(0)),
  height: v.pipe(v.number(), v.minValue(0)),
  crop: CropSchema,
  visible: v.boolean(),
  locked: v.boolean(),
});
export type SceneItem = v.InferOutput<typeof SceneItemSchema>;

/** The part of an item a front changes: its transform, crop, visibility and lock. */
export const ItemPatchSchema = v.partial(
  v.strictObject({ x: v.number(), y: v.number(), width: v.pipe(v.number(), v.minValue(0)), height: v.pipe(v.number(), v.minValue(0)), crop: CropSchema, visible: v.boolean(), locked: v.boolean() }),
);
export type ItemPatch = v.InferOutput<typeof ItemPatchSchema>;

export const AudioPatchSchema = v.partial(v.strictObject(AudioSettingsSchema.entries));
export type AudioPatch = v.InferOutput<typeof AudioPatchSchema>;

/** A source's name or settings; the settings are merged with the old ones and checked as a whole. */
export const SourcePatchSchema = v.partial(v.strictObject({ name: Name, settings: v.record(v.string(), v.unknown()) }));
export type SourcePatch = v.InferOutput<typeof SourcePatchSchema>;

/** `items` are in drawing order: the first is at the bottom, the last on top (as OBS saves them). */
export const SceneSchema = v.object({ id: Id, name: Name, items: v.array(SceneItemSchema) });
export type Scene = v.InferOutput<typeof SceneSchema>;

export const CanvasSchema = v.object({
  width: v.pipe(v.number(), v.integer(), v.minValue(16), v.maxValue(8192)),
  height: v.pipe(v.number(), v.integer(), v.minValue(16), v.maxValue(8192)),
  fps: v.pipe(v.number(), v.gtValue(0), v.maxValue(240)),
});
export type Canvas = v.InferOutput<typeof CanvasSchema>;

export const TransitionSchema = v.object({
  kind: v.picklist(['cut', 'fade']),
  durationMs: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000)),
});
export type Transition = v.InferOutput<typeof TransitionSchema>;
export const DEFAULT_TRANSITION: Transition = { kind: 'fade', durationMs: 300 };

/** The collection's shape; `parseCollection` checks its references too. */
export const CollectionSchema = v.object({
  version: v.literal(COLLECTION_VERSION),
  canvas: CanvasSchema,
  sources: v.array(SourceSchema),
  scenes: v.pipe(v.array(SceneSchema), v.minLength(1)),
  currentSceneId: Id,
  transition: TransitionSchema,
  /** The master fader and mute, after the mix (as OBS's mixer has it); absent: 0 dB, not muted (older files). */
  master: v.optional(AudioSettingsSchema),
});
export type Collection = v.InferOutput<typeof CollectionSchema>;

export interface CollectionProblem {
  /** Where, as a property path: `scenes[2].items[0].sourceId`. */
  path: string;
  message: string;
}

export type ParseResult<T = Collection> = { ok: true; value: T } | { ok: false; problems: CollectionProblem[] };

/** Checks untrusted input against a schema: the value, or every problem with its path. */
export function parseWith<T>(schema: v.GenericSchema<unknown, T>, input: unknown): ParseResult<T> {
  const result = v.safeParse(schema, input);
  if (result.success) return { ok: true, value: result.output };
  return { ok: false, problems: result.issues.map((issue) => ({ path: formatPath((issue.path ?? []).map((item) => item.key as PropertyKey)), message: issue.message })) };
}

/** Validates untrusted input (a file, a front's command) into a Collection, or the list of what is wrong. */
export function parseCollection(input: unknown): ParseResult {
  const shaped = parseWith(CollectionSchema, input);
  if (!shaped.ok) return shaped;
  const problems = referenceProblems(shaped.value);
  return problems.length === 0 ? shaped : { ok: false, problems };
}

/**
 * What the schema cannot say by shape alone: ids unique across sources and scenes, every item names an
 * existing source or scene, the current scene exists, and no scene contains itself through nesting.
 */
export function referenceProblems(collection: Collection): CollectionProblem[] {
  const problems: CollectionProblem[] = [];
  const seen = new Map<string, string>();
  const claim = (id: string, path: string): void => {
    const first = seen.get(id);
    if (first === undefined) seen.set(id, path);
    else problems.push({ path, message: `id "${id}" is already used by ${first}` });
  };
  collection.sources.forEach((s, i) => claim(s.id, `sources[${i}].id`));
  collection.scenes.forEach((s, i) => claim(s.id, `scenes[${i}].id`));
  const sceneIds = new Set(collection.scenes.map((s) => s.id));
  const sourceIds = new Set(collection.sources.map((s) => s.id));

  collection.scenes.forEach((scene, i) => {
    const itemIds = new Set<string>();
    scene.items.forEach((item, j) => {
      const at = `scenes[${i}].items[${j}]`;
      if (itemIds.has(item.id)) problems.push({ path: `${at}.id`, message: `item id "${item.id}" is already used in this scene` });
      itemIds.add(item.id);
      if (!sourceIds.has(item.sourceId) && !sceneIds.has(item.sourceId)) {
        problems.push({ path: `${at}.sourceId`, message: `no source "${item.sourceId}"` });
      }
    });
  });
  if (!sceneIds.has(collection.currentSceneId)) {
    problems.push({ path: 'currentSceneId', message: `no scene "${collection.currentSceneId}"` });
  }
  problems.push(...cycleProblems(collection));
  return problems;
}

/** A nested scene that contains itself, directly or through others, could never be drawn. */
function cycleProblems(collection: Collection): CollectionProblem[] {
  const index = new Map(collection.scenes.map((scene, i) => [scene.id, i]));
  const state = new Map<string, 'visiting' | 'done'>();
  const problems: CollectionProblem[] = [];
  const visit = (sceneId: string, trail: string[]): void => {
    const i = index.get(sceneId)!;
    state.set(sceneId, 'visiting');
    collection.scenes[i]!.items.forEach((item, j) => {
      if (!index.has(item.sourceId)) return;
      const status = state.get(item.sourceId);
      if (status === 'visiting') {
        const loop = [...trail.slice(trail.indexOf(item.sourceId)), item.sourceId];
        problems.push({ path: `scenes[${i}].items[${j}].sourceId`, message: `nested scenes form a cycle: ${loop.join(' -> ')}` });
      } else if (status === undefined) {
        visit(item.sourceId, [...trail, item.sourceId]);
      }
    });
    state.set(sceneId, 'done');
  };
  for (const scene of collection.scenes) if (!state.has(scene.id)) visit(scene.id, [scene.id]);
  return problems;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out || '(the whole file)';
}
