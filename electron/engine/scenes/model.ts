/**
 * The scene model: sources, scenes and their items on a fixed canvas, and the collection that holds
 * them (OBS's libobs model, which streamers know). Plain data with zod schemas and no Node imports: the
 * renderer imports these types through the contract, and every front validates what it receives with
 * the same schemas.
 *
 * A source is opened once however many scenes use it; an item places a source (or another scene) on a
 * scene. Ids are unique across sources and scenes together, so an item's `sourceId` can name either.
 */
import { z } from 'zod';

/** The version of the collection this code writes; older files are migrated (see profile/migrations). */
export const COLLECTION_VERSION = 2;

const Id = z.string().min(1).max(200);
const Name = z.string().max(500);

/** `#RRGGBB` or `#RRGGBBAA` (alpha last, 255 = opaque). */
export const ColorSchema = z.string().regex(/^#[0-9a-f]{6}([0-9a-f]{2})?$/i, 'a colour is #RRGGBB or #RRGGBBAA');

/** Below this a volume is silence; JSON has no -Infinity. */
export const SILENT_DB = -100;

/** Volume in dB relative to the source's own level (0 = unchanged), and mute, as OBS's mixer has them. */
export const AudioSettingsSchema = z.object({
  volumeDb: z.number().min(SILENT_DB).max(26),
  muted: z.boolean(),
});
export type AudioSettings = z.infer<typeof AudioSettingsSchema>;

export const DEFAULT_AUDIO: AudioSettings = { volumeDb: 0, muted: false };

/**
 * A capture device by its Uplink id (`v4l2:/dev/video0`, `dshow:video=...`, see capture/types.ts), and
 * its human name so that a collection made on another computer can find the same model of device there.
 * `device: null` means the system's default device.
 */
const DeviceRef = {
  device: z.string().min(1).nullable(),
  deviceName: z.string().optional(),
};

const source = <K extends string, S extends z.ZodRawShape>(kind: K, settings: S) =>
  z.object({ id: Id, name: Name, kind: z.literal(kind), settings: z.object(settings) });

export const VideoDeviceSourceSchema = source('video-device', {
  ...DeviceRef,
  role: z.enum(['camera', 'capture-card']),
  /** Asked-for mode; absent = the device's default. */
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  fps: z.number().positive().optional(),
}).extend({ audio: AudioSettingsSchema.optional() });

export const AudioDeviceSourceSchema = source('audio-device', {
  ...DeviceRef,
  role: z.enum(['microphone', 'desktop-audio']),
}).extend({ audio: AudioSettingsSchema });

export const ScreenSourceSchema = source('screen', {
  ...DeviceRef,
  captureCursor: z.boolean(),
});

export const ImageSourceSchema = source('image', { file: z.string().min(1) });

export const ColorSourceSchema = source('color', {
  color: ColorSchema,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
});

export const TextSourceSchema = source('text', {
  text: z.string(),
  fontFace: z.string(),
  fontSizePx: z.number().positive(),
  bold: z.boolean(),
  italic: z.boolean(),
  color: ColorSchema,
  /** Absent = transparent. */
  backgroundColor: ColorSchema.optional(),
});

export const MediaSourceSchema = source('media', {
  file: z.string().min(1),
  loop: z.boolean(),
}).extend({ audio: AudioSettingsSchema.optional() });

/** Protocols FFmpeg reads live feeds from; HLS is an http(s) URL. */
export const NETWORK_PROTOCOLS = ['rtmp', 'rtmps', 'srt', 'rtsp', 'rtsps', 'http', 'https'] as const;
const NetworkUrl = z.string().refine(
  (url) => NETWORK_PROTOCOLS.some((protocol) => url.toLowerCase().startsWith(`${protocol}://`)),
  { message: `a network stream is an ${NETWORK_PROTOCOLS.join(', ')} URL` },
);

export const NetworkSourceSchema = source('network', { url: NetworkUrl }).extend({
  audio: AudioSettingsSchema.optional(),
});

export const TestPatternSourceSchema = source('test-pattern', {});

export const ToneSourceSchema = source('tone', {
  frequencyHz: z.number().positive().max(24000),
}).extend({ audio: AudioSettingsSchema });

/**
 * A source imported from OBS that Uplink cannot show (a browser source, game capture, a plugin's): kept
 * with its place in every scene, drawn as a labelled card, so that nothing is lost silently.
 */
export const PlaceholderSourceSchema = source('placeholder', {
  /** OBS's source kind (its `id`), e.g. `browser_source`. */
  obsKind: z.string(),
  label: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
}).extend({ audio: AudioSettingsSchema.optional() });

export const SourceSchema = z.discriminatedUnion('kind', [
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
export type Source = z.infer<typeof SourceSchema>;
export type SourceKind = Source['kind'];

const Pixels = z.number().int().min(0);
export const CropSchema = z.object({ top: Pixels, right: Pixels, bottom: Pixels, left: Pixels });
export type Crop = z.infer<typeof CropSchema>;
export const NO_CROP: Crop = { top: 0, right: 0, bottom: 0, left: 0 };

/**
 * One source (or nested scene) placed on a scene: the source's frame, cropped by `crop` (in the source's
 * own pixels), is drawn scaled into the box `x, y, width, height` (canvas pixels, top-left origin; the
 * box may reach past the canvas edges).
 */
export const SceneItemSchema = z.object({
  id: Id,
  /** A source's id, or a scene's id for a nested scene. */
  sourceId: Id,
  x: z.number(),
  y: z.number(),
  /** 0 x 0 for an audio-only source: its item says the scene plays it. */
  width: z.number().min(0),
  height: z.number().min(0),
  crop: CropSchema,
  visible: z.boolean(),
  locked: z.boolean(),
});
export type SceneItem = z.infer<typeof SceneItemSchema>;

/** `items` are in drawing order: the first is at the bottom, the last on top (as OBS saves them). */
export const SceneSchema = z.object({ id: Id, name: Name, items: z.array(SceneItemSchema) });
export type Scene = z.infer<typeof SceneSchema>;

export const CanvasSchema = z.object({
  width: z.number().int().min(16).max(8192),
  height: z.number().int().min(16).max(8192),
  fps: z.number().positive().max(240),
});
export type Canvas = z.infer<typeof CanvasSchema>;

export const TransitionSchema = z.object({
  kind: z.enum(['cut', 'fade']),
  durationMs: z.number().int().min(0).max(10_000),
});
export type Transition = z.infer<typeof TransitionSchema>;
export const DEFAULT_TRANSITION: Transition = { kind: 'fade', durationMs: 300 };

const CollectionShape = z.object({
  version: z.literal(COLLECTION_VERSION),
  canvas: CanvasSchema,
  sources: z.array(SourceSchema),
  scenes: z.array(SceneSchema).min(1),
  currentSceneId: Id,
  transition: TransitionSchema,
});

export interface CollectionProblem {
  /** Where, as a property path: `scenes[2].items[0].sourceId`. */
  path: string;
  message: string;
}

/** The whole collection, its references checked too (see collectionProblems). */
export const CollectionSchema = CollectionShape.superRefine((collection, ctx) => {
  for (const problem of referenceProblems(collection)) {
    ctx.addIssue({ code: 'custom', message: problem.message, path: parsePath(problem.path) });
  }
});
export type Collection = z.infer<typeof CollectionShape>;

export type ParseResult = { ok: true; collection: Collection } | { ok: false; problems: CollectionProblem[] };

/** Validates untrusted input (a file, a front's command) into a Collection, or the list of what is wrong. */
export function parseCollection(input: unknown): ParseResult {
  const result = CollectionSchema.safeParse(input);
  if (result.success) return { ok: true, collection: result.data };
  return {
    ok: false,
    problems: result.error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message })),
  };
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

function parsePath(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}
