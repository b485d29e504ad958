/**
 * One schema per command input, shared by every front: the engine validates every command with these
 * whatever front sent it, and a front may use the same schemas to check a form before sending. A bad
 * input becomes one sentence naming the field (`fps must be a number between 1 and 240 (got 0)`), and
 * the field's path travels with the error so that a front can show it at the field, in its own words
 * (the command line says `--fps`).
 *
 * No Node types and no engine imports: the renderer imports this file.
 */
import { z } from 'zod';

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
  const rule = (issue: { input?: unknown }): string => `${name} must be ${KIND_TEXT[kind]} between ${range.min} and ${range.max} (got ${showValue(issue.input)})`;
  let schema = z.number({ error: rule });
  if (kind !== 'number') schema = schema.int({ error: rule });
  if (kind === 'even') schema = schema.multipleOf(2, { error: rule });
  return schema.min(range.min, { error: rule }).max(range.max, { error: rule });
}

function oneOf<const T extends readonly [string | number, ...(string | number)[]]>(name: string, values: T) {
  return z.literal(values, { error: (issue) => `${name} must be one of ${values.join(', ')} (got ${showValue(issue.input)})` });
}

function buildEncodingPatchSchema(label: FieldLabel) {
  const L = ENCODING_LIMITS;
  return z.strictObject(
    {
      width: rangedNumber(label('width'), L.width, 'even'),
      height: rangedNumber(label('height'), L.height, 'even'),
      fps: rangedNumber(label('fps'), L.fps, 'number'),
      videoBitrateKbps: rangedNumber(label('videoBitrateKbps'), L.videoBitrateKbps, 'integer'),
      keyframeIntervalSec: rangedNumber(label('keyframeIntervalSec'), L.keyframeIntervalSec, 'integer'),
      encoder: oneOf(label('encoder'), H264_ENCODER_NAMES),
      // Checked against the encoder's own presets once the encoder is known (settings/encoding.ts).
      preset: z.string({ error: (issue) => `${label('preset')} must be a name or null (got ${showValue(issue.input)})` }).nullable(),
      profile: oneOf(label('profile'), H264_PROFILES),
      bFrames: rangedNumber(label('bFrames'), L.bFrames, 'integer'),
      audioBitrateKbps: rangedNumber(label('audioBitrateKbps'), L.audioBitrateKbps, 'integer'),
      audioSampleRate: oneOf(label('audioSampleRate'), [44100, 48000]),
      audioChannels: oneOf(label('audioChannels'), [1, 2]),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `Unknown encoding setting '${issue.keys[0]}': the known ones are ${ENCODING_FIELDS.join(', ')}`
          : `encoding settings must be an object (got ${showValue(issue.input)})`,
    },
  ).partial();
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

// ---------------------------------------------------------------------------------------------------
// Destinations

export const SERVICE_IDS = ['twitch', 'youtube', 'facebook', 'kick', 'custom'] as const;
export type ServiceId = (typeof SERVICE_IDS)[number];

const id = z.string({ error: 'id must be a string' }).min(1, { error: 'id must not be empty' }).max(200, { error: 'id is too long' });
const text = (name: string, max: number) =>
  z.string({ error: `${name} must be text` }).max(max, { error: `${name} must be at most ${max} characters long` });

export const destinationInputSchema = z.strictObject(
  {
    name: text('name', 100),
    service: z.enum(SERVICE_IDS, { error: (issue) => `service must be one of ${SERVICE_IDS.join(', ')} (got ${showValue(issue.input)})` }),
    serverId: text('serverId', 100).optional(),
    serverUrl: text('serverUrl', 2048).optional(),
    /** Stored as a secret; never returned. */
    streamKey: text('streamKey', 2048).optional(),
    enabled: z.boolean({ error: 'enabled must be true or false' }).optional(),
  },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown destination field '${issue.keys[0]}'` : 'a destination must be an object') },
);
export type DestinationInput = z.infer<typeof destinationInputSchema>;

// ---------------------------------------------------------------------------------------------------
// Every command's arguments

const sourceArg = text('source', 4096).min(1, { error: 'source must not be empty' });
const sourcesSchema = z.strictObject(
  { video: sourceArg.optional(), audio: sourceArg.optional() },
  { error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown source field '${issue.keys[0]}': use video and audio` : 'sources must be an object') },
);
const file = text('file', 4096).min(1, { error: 'file must not be empty' });
const flag = (name: string) => z.boolean({ error: `${name} must be true or false` });

/** The arguments of each command, as a tuple: the proxies (preload, WebSocket) check them with these too. */
export const COMMAND_ARGS = {
  getState: z.tuple([]),
  setSources: z.tuple([sourcesSchema]),
  setEncoding: z.tuple([encodingPatchSchema()]),
  setDynamicBitrate: z.tuple([flag('enabled')]),
  addDestination: z.tuple([destinationInputSchema]),
  updateDestination: z.tuple([id, destinationInputSchema.partial()]),
  removeDestination: z.tuple([id]),
  setDestinationEnabled: z.tuple([id, flag('enabled')]),
  reconnectDestination: z.tuple([id]),
  goLive: z.tuple([]),
  stopStream: z.tuple([]),
  startRecording: z.tuple([file]),
  stopRecording: z.tuple([]),
  listDevices: z.tuple([]),
  listEncoders: z.tuple([flag('refresh').optional()]),
  listServices: z.tuple([]),
} as const;

export type CommandName = keyof typeof COMMAND_ARGS;
export type CommandArgs<K extends CommandName> = z.infer<(typeof COMMAND_ARGS)[K]>;

/** A rejected input: the first problem found, with the path of the field inside the command's arguments. */
export interface InputProblem {
  /** `videoBitrateKbps`, `1.serverUrl` (argument 1's field): dotted, argument index first when there are several. */
  field: string;
  message: string;
}

/** Checks a command's arguments; returns them parsed, or the first problem. */
export function checkCommandArgs<K extends CommandName>(
  name: K,
  args: readonly unknown[],
): { ok: true; args: CommandArgs<K> } | { ok: false; problem: InputProblem } {
  const tuple = COMMAND_ARGS[name] as unknown as z.ZodTuple;
  const schema = tuple as unknown as z.ZodType<CommandArgs<K>>;
  // Trailing undefined arguments are the same as absent ones (optional flags called without them).
  let given = [...args];
  while (given.length > 0 && given[given.length - 1] === undefined) given = given.slice(0, -1);
  const result = schema.safeParse(given);
  if (result.success) return { ok: true, args: result.data };
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String);
  // A single argument is addressed by its own fields: `fps`, not `0.fps`.
  const arity = tuple.def.items.length;
  const field = (arity <= 1 ? path.slice(1) : path).join('.');
  const message =
    issue.code === 'too_big' && path.length === 0
      ? `${name} takes ${arity} argument(s)`
      : issue.code === 'too_small' && path.length === 0
        ? `${name} needs its arguments`
        : issue.message;
  return { ok: false, problem: { field, message } };
}
