/**
 * One schema per command input, shared by every front: the engine validates every command with these
 * whatever front sent it, and a front may use the same schemas to check a form before sending. A bad
 * input becomes one sentence naming the field (`fps must be a number between 1 and 240 (got 0)`), and
 * the field's path travels with the error so that a front can show it at the field, in its own words
 * (the command line says `--fps`).
 *
 * No Node types and no engine imports: the renderer imports this file.
 */
import * as v from 'valibot';
import { AudioPatchSchema, CanvasSchema, CollectionSchema, ItemPatchSchema, SourceInputSchema, SourcePatchSchema, TransitionSchema } from './contract-scenes.js';

// ---------------------------------------------------------------------------------------------------
// Encoding

export const H264_ENCODER_NAMES = ['libx264', 'h264_nvenc', 'h264_qsv', 'h264_amf', 'h264_videotoolbox', 'h264_vaapi'] as const;
export type H264EncoderName = (typeof H264_ENCODER_NAMES)[number];

export const H264_PROFILES = ['baseline', 'main', 'high'] as const;
export type H264Profile = (typeof H264_PROFILES)[number];

export interface EncodingSettings {
  width: number;
  height: number;
  fps: number;
  videoBitrateKbps: number;
  keyframeIntervalSec: number;
  encoder: H264EncoderName;
  /** null for encoders without presets (VideoToolbox, VA-API). */
  preset: string | null;
  profile: H264Profile;
  bFrames: number;
  audioBitrateKbps: number;
  audioSampleRate: 44100 | 48000;
  audioChannels: 1 | 2;
}

export type EncodingField = keyof EncodingSettings;

/** Inclusive ranges. Sizes are even because 4:2:0 chroma needs even dimensions. */
export const ENCODING_LIMITS = {
  width: { min: 128, max: 7680 },
  height: { min: 72, max: 4320 },
  fps: { min: 1, max: 240 },
  videoBitrateKbps: { min: 100, max: 100_000 },
  keyframeIntervalSec: { min: 1, max: 20 },
  bFrames: { min: 0, max: 4 },
  audioBitrateKbps: { min: 32, max: 320 },
} as const;

export const ENCODING_FIELDS: readonly EncodingField[] = [
  'width',
  'height',
  'fps',
  'videoBitrateKbps',
  'keyframeIntervalSec',
  'encoder',
  'preset',
  'profile',
  'bFrames',
  'audioBitrateKbps',
  'audioSampleRate',
  'audioChannels',
];

/** How a front names a field in its messages: the app says `fps`, the command line `--fps`. */
export type FieldLabel = (field: string) => string;
const asIs: FieldLabel = (field) => field;

/** A value as a message quotes it: strings in quotes, objects by their type. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return typeof value;
}

type NumberKind = 'number' | 'integer' | 'even';
const KIND_TEXT: Record<NumberKind, string> = { number: 'a number', integer: 'a whole number', even: 'an even whole number' };

function rangedNumber(name: string, range: { min: number; max: number }, kind: NumberKind) {
  const rule = (issue: { input: unknown }): string => `${name} must be ${KIND_TEXT[kind]} between ${range.min} and ${range.max} (got ${showValue(issue.input)})`;
  const whole = kind !== 'number';
  return v.pipe(
    v.number(rule),
    v.check((value) => !whole || Number.isInteger(value), rule),
    v.check((value) => kind !== 'even' || value % 2 === 0, rule),
    v.minValue(range.min, rule),
    v.maxValue(range.max, rule),
  );
}

function oneOf<const T extends readonly (string | number)[]>(name: string, values: T) {
  return v.picklist(values, (issue) => `${name} must be one of ${values.join(', ')} (got ${showValue(issue.input)})`);
}

function buildEncodingPatchSchema(label: FieldLabel) {
  const L = ENCODING_LIMITS;
  return v.partial(
    v.strictObject(
      {
        width: rangedNumber(label('width'), L.width, 'even'),
        height: rangedNumber(label('height'), L.height, 'even'),
        fps: rangedNumber(label('fps'), L.fps, 'number'),
        videoBitrateKbps: rangedNumber(label('videoBitrateKbps'), L.videoBitrateKbps, 'integer'),
        keyframeIntervalSec: rangedNumber(label('keyframeIntervalSec'), L.keyframeIntervalSec, 'integer'),
        encoder: oneOf(label('encoder'), H264_ENCODER_NAMES),
        // Checked against the encoder's own presets once the encoder is known (settings/encoding.ts).
        preset: v.nullable(v.string((issue) => `${label('preset')} must be a name or null (got ${showValue(issue.input)})`)),
        profile: oneOf(label('profile'), H264_PROFILES),
        bFrames: rangedNumber(label('bFrames'), L.bFrames, 'integer'),
        audioBitrateKbps: rangedNumber(label('audioBitrateKbps'), L.audioBitrateKbps, 'integer'),
        audioSampleRate: oneOf(label('audioSampleRate'), [44100, 48000] as const),
        audioChannels: oneOf(label('audioChannels'), [1, 2] as const),
      },
      // An unknown key is reported with the key as its input; anything that is not an object, as itself.
      (issue) =>
        issue.expected === 'never'
          ? `Unknown encoding setting '${String(issue.input)}': the known ones are ${ENCODING_FIELDS.join(', ')}`
          : `encoding settings must be an object (got ${showValue(issue.input)})`,
    ),
  );
}

export type EncodingPatch = Partial<EncodingSettings>;

const patchSchemas = new Map<FieldLabel, ReturnType<typeof buildEncodingPatchSchema>>();

/** The schema of a change to the encoding settings, its messages naming fields as `label` says. */
export function encodingPatchSchema(label: FieldLabel = asIs): ReturnType<typeof buildEncodingPatchSchema> {
  let schema = patchSchemas.get(label);
  if (!schema) {
    schema = buildEncodingPatchSchema(label);
    patchSchemas.set(label, schema);
  }
  return schema;
}

/** A rejected input: the first problem found, with the path of the field inside what was checked. */
export interface InputProblem {
  /** `videoBitrateKbps`, `1.serverUrl` (argument 1's field): dotted, argument index first when there are several. */
  field: string;
  message: string;
}

/** Checks `input` against `schema`: the parsed value, or the first problem with its dotted path. */
export function check<T>(schema: v.GenericSchema<unknown, T>, input: unknown): { ok: true; value: T } | { ok: false; problem: InputProblem } {
  const result = v.safeParse(schema, input);
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  return { ok: false, problem: { field: v.getDotPath(issue) ?? '', message: issue.message } };
}

// ---------------------------------------------------------------------------------------------------
// Destinations

export const SERVICE_IDS = ['twitch', 'youtube', 'facebook', 'kick', 'custom'] as const;
export type ServiceId = (typeof SERVICE_IDS)[number];

const id = v.pipe(v.string('id must be a string'), v.minLength(1, 'id must not be empty'), v.maxLength(200, 'id is too long'));
const text = (name: string, max: number) => v.pipe(v.string(`${name} must be text`), v.maxLength(max, `${name} must be at most ${max} characters long`));

const destinationEntries = {
  name: text('name', 100),
  service: v.picklist(SERVICE_IDS, (issue) => `service must be one of ${SERVICE_IDS.join(', ')} (got ${showValue(issue.input)})`),
  serverId: v.optional(text('serverId', 100)),
  serverUrl: v.optional(text('serverUrl', 2048)),
  /** Stored as a secret; never returned. */
  streamKey: v.optional(text('streamKey', 2048)),
  enabled: v.optional(v.boolean('enabled must be true or false')),
};
const destinationMessage = (issue: { expected: string | null; input: unknown }): string =>
  issue.expected === 'never' ? `unknown destination field '${String(issue.input)}'` : 'a destination must be an object';

export const destinationInputSchema = v.strictObject(destinationEntries, destinationMessage);
export type DestinationInput = v.InferOutput<typeof destinationInputSchema>;

// ---------------------------------------------------------------------------------------------------
// Recording

export const RECORDING_FORMATS = ['mkv', 'mp4', 'flv'] as const;
export type RecordingFormat = (typeof RECORDING_FORMATS)[number];

export interface RecordingSettings {
  /** Where recordings started without a full path go; null for the profile's recordings folder. */
  folder: string | null;
  /** mkv (default: playable after a crash), mp4 (fragmented, also playable after a crash) or flv. */
  format: RecordingFormat;
}

const recordingSettingsPatchSchema = v.strictObject(
  {
    folder: v.optional(v.nullable(v.pipe(v.string('folder must be a path or null'), v.minLength(1, 'folder must not be empty: leave it unset for the profile\'s recordings folder'), v.maxLength(4096, 'folder is too long')))),
    format: v.optional(v.picklist(RECORDING_FORMATS, (issue) => `format must be one of ${RECORDING_FORMATS.join(', ')} (got ${showValue(issue.input)})`)),
  },
  (issue) => (issue.expected === 'never' ? `unknown recording setting '${String(issue.input)}': the known ones are folder and format` : 'recording settings must be an object'),
);

// ---------------------------------------------------------------------------------------------------
// obs-websocket

const obsWebSocketPatchSchema = v.strictObject(
  {
    enabled: v.optional(v.boolean('enabled must be true or false')),
    port: v.optional(v.pipe(v.number('port must be a number'), v.integer('port must be a whole number'), v.minValue(1024, 'port must be from 1024 to 65535'), v.maxValue(65535, 'port must be from 1024 to 65535'))),
    password: v.optional(v.pipe(v.string('password must be text'), v.minLength(6, 'password must be at least 6 characters long'), v.maxLength(256, 'password must be at most 256 characters long'))),
  },
  (issue) => (issue.expected === 'never' ? `unknown obs-websocket setting '${String(issue.input)}': the known ones are enabled, port and password` : 'obs-websocket settings must be an object'),
);
/** What setObsWebSocket changes; a password left out is kept (one is made when first turned on). */
export type ObsWebSocketPatch = v.InferOutput<typeof obsWebSocketPatchSchema>;

/** What a media file or network feed can be told while it runs (mediaAction). */
export const MEDIA_ACTIONS = ['play', 'restart', 'stop'] as const;
export type MediaAction = (typeof MEDIA_ACTIONS)[number];

// ---------------------------------------------------------------------------------------------------
// Every command's arguments

const nonEmpty = (name: string) => v.pipe(text(name, 4096), v.minLength(1, `${name} must not be empty`));
const sourcesSchema = v.strictObject({ video: v.optional(nonEmpty('video')), audio: v.optional(nonEmpty('audio')) }, (issue) =>
  issue.expected === 'never' ? `unknown source field '${String(issue.input)}': use video and audio` : 'sources must be an object',
);
const flag = (name: string) => v.boolean(`${name} must be true or false`);
const index = v.pipe(v.number('index must be a number'), v.integer('index must be a whole number'));
const args = <const T extends v.TupleItems>(items: T) => v.tuple(items);

/** The arguments of each command, as a tuple: the proxies (preload, WebSocket) check them with these too. */
export const COMMAND_ARGS = {
  getState: args([]),
  setSources: args([sourcesSchema]),
  setEncoding: args([encodingPatchSchema()]),
  setDynamicBitrate: args([flag('enabled')]),
  addDestination: args([destinationInputSchema]),
  updateDestination: args([id, v.partial(v.strictObject(destinationEntries, destinationMessage))]),
  removeDestination: args([id]),
  setDestinationEnabled: args([id, flag('enabled')]),
  reconnectDestination: args([id]),
  goLive: args([]),
  stopStream: args([]),
  startRecording: args([v.optional(nonEmpty('file'))]),
  setRecordingSettings: args([recordingSettingsPatchSchema]),
  stopRecording: args([]),
  listDevices: args([]),
  listEncoders: args([v.optional(flag('refresh'))]),
  listServices: args([]),
  getFfmpegInfo: args([]),
  setFfmpegPath: args([v.nullable(v.pipe(text('path', 4096), v.minLength(1, 'path must not be empty: choose null to let Uplink find FFmpeg')))]),
  loadCollection: args([CollectionSchema]),
  loadDefaultCollection: args([]),
  importObsCollection: args([v.record(v.string(), v.unknown(), 'an OBS scene collection must be a JSON object (OBS: Scene Collection → Export)'), v.optional(CanvasSchema)]),
  setProgramScene: args([id]),
  setTransition: args([TransitionSchema]),
  addScene: args([nonEmpty('name')]),
  renameScene: args([id, nonEmpty('name')]),
  duplicateScene: args([id, v.optional(nonEmpty('name'))]),
  moveScene: args([id, index]),
  removeScene: args([id]),
  addSource: args([SourceInputSchema, v.optional(id)]),
  updateSource: args([id, SourcePatchSchema]),
  removeSource: args([id]),
  addItem: args([id, id]),
  updateItem: args([id, id, ItemPatchSchema]),
  removeItem: args([id, id]),
  moveItem: args([id, id, index]),
  setSourceAudio: args([id, AudioPatchSchema]),
  setMasterAudio: args([AudioPatchSchema]),
  mediaAction: args([id, v.picklist(MEDIA_ACTIONS, `action must be one of ${MEDIA_ACTIONS.join(', ')}`)]),
  seekMedia: args([id, v.pipe(v.number('positionMs must be a number'), v.minValue(0, 'positionMs must be 0 or more'))]),
  setObsWebSocket: args([obsWebSocketPatchSchema]),
  getObsWebSocketPassword: args([]),
} as const;

export type CommandName = keyof typeof COMMAND_ARGS;
export type CommandArgs<K extends CommandName> = v.InferOutput<(typeof COMMAND_ARGS)[K]>;

/** Checks a command's arguments; returns them parsed, or the first problem. */
export function checkCommandArgs<K extends CommandName>(
  name: K,
  args: readonly unknown[],
): { ok: true; args: CommandArgs<K> } | { ok: false; problem: InputProblem } {
  const schema = COMMAND_ARGS[name];
  // Trailing undefined arguments are the same as absent ones (optional flags called without them).
  let given = [...args];
  while (given.length > 0 && given[given.length - 1] === undefined) given = given.slice(0, -1);
  const arity = schema.items.length;
  if (given.length > arity) return { ok: false, problem: { field: '', message: `${name} takes ${arity} argument(s), not ${given.length}` } };
  const checked = check(schema as unknown as v.GenericSchema<unknown, CommandArgs<K>>, given);
  if (checked.ok) return { ok: true, args: checked.value };
  const { field, message } = checked.problem;
  // A single argument is addressed by its own fields: `fps`, not `0.fps`.
  return { ok: false, problem: { field: arity <= 1 ? field.split('.').slice(1).join('.') : field, message } };
}
