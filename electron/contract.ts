/**
 * The contract every front drives the engine through: the desktop app (over a MessagePort, via the
 * preload), the `uplink` command line (in-process), the web remote (over WebSocket) and obs-websocket.
 * Commands are async methods, checked against one schema each (`contract-schema.ts`) and run one at a
 * time in the order they arrive, whatever front sent them. State comes as whole snapshots with a
 * revision that grows by one at each change, so a front that (re)connects needs one `getState()` and then
 * the `onState` events, and can drop a snapshot older than the one it has. Nothing here ever carries a
 * stream key back out: keys go in, `hasKey` comes back.
 *
 * Every type a front sees is defined here or in `contract-schema.ts`, which import nothing from the
 * engine and no Node types: the renderer type-checks against these two files alone.
 */
import type { CommandArgs, DestinationInput, MediaAction, ObsWebSocketPatch, EncodingPatch, EncodingSettings, H264EncoderName, RecordingFormat, RecordingSettings, ServiceId } from './contract-schema.js';

import type { AudioPatch, Canvas, Collection, ItemPatch, SourceInput, SourceKind, SourcePatch, Transition } from './contract-scenes.js';

export type { MediaAction, ObsWebSocketPatch } from './contract-schema.js';
export { MEDIA_ACTIONS } from './contract-schema.js';
export type { DestinationInput, EncodingPatch, EncodingSettings, H264EncoderName, H264Profile, RecordingFormat, RecordingSettings, ServiceId } from './contract-schema.js';
export type { AudioPatch, AudioSettings, Canvas, Collection, Crop, ItemPatch, Scene, SceneItem, Source, SourceInput, SourceKind, SourcePatch, Transition } from './contract-scenes.js';

// ---------------------------------------------------------------------------------------------------
// Data

export type DeviceKind = 'video' | 'audio' | 'screen';
export type CaptureApi = 'dshow' | 'avfoundation' | 'v4l2' | 'pulse' | 'alsa' | 'x11grab' | 'gdigrab';

export interface VideoFormat {
  /** Raw pixel format in FFmpeg's name (yuyv422, nv12, ...); absent for compressed formats. */
  pixelFormat?: string;
  /** Compressed format in FFmpeg's codec name (mjpeg, h264, ...); absent for raw formats. */
  codec?: string;
  width: number;
  height: number;
  /**
   * The frame-rate range the device reports for this format, ascending: its two ends, or one value when
   * they are equal. DirectShow takes any rate inside; AVFoundation only the upper end.
   * Absent when the listing does not say (V4L2, screens).
   */
  fps?: number[];
}

export interface CaptureDevice {
  /**
   * Stable id usable on the command line, `<api>:<what FFmpeg is given>`, e.g.
   * 'dshow:video=@device_pnp_...', 'v4l2:/dev/video0', 'avfoundation:video:1', 'pulse:alsa_input.usb-...'.
   */
  id: string;
  /** Human name, as the OS shows it. Two devices may share one. */
  name: string;
  kind: DeviceKind;
  api: CaptureApi;
  /** DirectShow's unique "Alternative name"; unlike `name` it tells two identical webcams apart. */
  alternativeName?: string;
  /** Sizes, frame rates and pixel formats, where the listing tells them. */
  formats?: VideoFormat[];
  /** An audio source that records what a sink plays (PulseAudio "Monitor of ..."): desktop audio, not a mic. */
  monitor?: boolean;
}

export interface EncoderStatus {
  name: H264EncoderName;
  label: string;
  hardware: boolean;
  /** The build includes it (`ffmpeg -encoders`). */
  listed: boolean;
  /** A one-frame trial encode succeeded. */
  working: boolean;
  /** Why it does not work, in one line. */
  error?: string;
}

export interface ServiceServer {
  id: string;
  name: string;
  /** Server URL without the key: `rtmp[s]://host[:port]/app`. */
  url: string;
}

export interface ServiceLimits {
  /** The keyframe interval the service expects, in seconds. */
  keyframeIntervalSec?: number;
  maxVideoKbps?: number;
  maxAudioKbps?: number;
  audioSampleRates?: number[];
  /** H.264 profiles the service accepts. */
  profiles?: string[];
  /** The largest picture, landscape; portrait pictures are checked with the sides swapped. */
  maxWidth?: number;
  maxHeight?: number;
  maxFps?: number;
}

export interface ServicePreset {
  id: ServiceId;
  name: string;
  servers: ServiceServer[];
  /** Id of the server used when none is chosen; '' for custom, which has none. */
  defaultServer: string;
  /** The service refuses plain rtmp://: a custom URL must be rtmps:// too. */
  rtmpsOnly: boolean;
  /** Where the streamer finds the key, and what it looks like. */
  streamKeyHint: string;
  limits: ServiceLimits;
}

export type DestinationState = 'offline' | 'connecting' | 'live' | 'reconnecting' | 'stopping' | 'failed';
export type DropReason = 'congestion' | 'reconnecting' | 'waiting-for-keyframe';

export interface DestinationStats {
  state: DestinationState;
  /** Media bits handed to the connection over the last second. */
  bitrateKbps: number;
  /** Video frames (pictures, not headers) queued for a server since start. */
  framesSent: number;
  /**
   * Video frames this destination did not send: dropped for congestion, while reconnecting, or while
   * waiting for a keyframe. Frames still queued when a connection died are lost with it and not counted.
   */
  framesDropped: number;
  /** framesDropped out of all video frames pushed, in percent. */
  dropPercent: number;
  /** Dropped video frames by reason. */
  dropsByReason: Record<DropReason, number>;
  /** Media time and bytes waiting for this destination's connection. */
  queueMs: number;
  queueBytes: number;
  /** Times a live connection was lost (or replaced on command) and a new one sought. */
  reconnects: number;
  /** While reconnecting: seconds until the next attempt (a front counts down; "Reconnect now" skips it). */
  nextAttemptInSec?: number;
  /** Seconds the current connection has been live; 0 when not live. */
  uptimeSec: number;
  lastError?: string;
}

export interface CpuFigures {
  /** Over the last interval, in percent of one core. */
  uplinkPercent: number;
  /** null where the OS does not tell (outside Linux) or FFmpeg is not running. */
  ffmpegPercent: number | null;
  /** Over the whole run, FFmpeg processes replaced by restarts included. */
  average: { uplinkPercent: number; ffmpegPercent: number | null };
}

export interface EncoderStats {
  running: boolean;
  fps: number | null;
  /** Media time made per wall-clock second: below 1 the machine cannot keep up. */
  speed: number | null;
  /** Frames FFmpeg dropped or duplicated to hold the frame rate: the sign of an overloaded machine. */
  droppedFrames: number;
  duplicatedFrames: number;
  bitrateKbps: number | null;
  restarts: number;
}

/** Once a second while the program runs (streaming, recording or both). */
export interface ProgramStats {
  uptimeSec: number;
  /** Media time made so far, in seconds. */
  mediaSec: number;
  encoder: EncoderStats;
  /** `target` is the server URL with the key redacted. */
  destinations: Array<{ id: string; target: string } & DestinationStats>;
  recording: { file: string; bytes: number } | null;
  cpu: CpuFigures;
  /**
   * Program frames since the program started, and those the compositor could not make in time (OBS's
   * "frames missed due to rendering lag"); present when scenes run.
   */
  rendering?: RenderingStats;
}

export interface RenderingStats {
  /** Program ticks skipped because the compositor had not taken the ones before (or Uplink's clock ran late). */
  framesLagged: number;
  /** Program ticks due: made plus lagged. */
  framesTotal: number;
}

/** A destination as the fronts see it: everything but the key. */
export interface DestinationView {
  id: string;
  name: string;
  service: ServiceId;
  /** One of the service's servers; the service's default when absent. */
  serverId?: string;
  /** Custom server URL (required for 'custom'), never with the key: a key typed at its end is moved to the key store. */
  serverUrl?: string;
  enabled: boolean;
  hasKey: boolean;
  state: DestinationState;
  /** Why it failed or is reconnecting. */
  error?: string;
  /** Settings outside the service's limits, one sentence each. */
  warnings: string[];
}

export type StudioPhase = 'idle' | 'starting' | 'live' | 'stopping';

/** How a live source (its own capture process) is doing; sources drawn by the compositor itself are always live. */
export type SourceState = 'opening' | 'live' | 'stalled' | 'lost' | 'ended';

export interface SourceStatus {
  sourceId: string;
  state: SourceState;
  /** Why it stalled, was lost or ended, in one sentence. */
  reason?: string;
}

/** A media file or network feed's playback: its position is now - playingSinceMs (modulo the length when it loops). */
export interface MediaStatus {
  sourceId: string;
  /** The file's length; null for a network feed or a file FFmpeg gives none. */
  durationMs: number | null;
  loop: boolean;
  /** When the current playback began (epoch ms); null while it is not playing (opening, ended, stopped, lost). */
  playingSinceMs: number | null;
  /** Stopped by the streamer (mediaAction 'stop'), as opposed to having reached its end. */
  stopped: boolean;
}

/** The scene collection as the studio runs it. */
export interface ScenesView {
  collection: Collection;
  /** The scene on air (the one being faded to during a transition). */
  programSceneId: string;
  /** Live sources that are not plainly live. */
  sources: SourceStatus[];
  /**
   * The picture size of the sources whose size the studio learns by opening their file (images, media
   * files): the pixels their items' crops are counted in. Other sources' sizes are in their settings, or
   * the canvas stands for them.
   */
  sourceSizes?: Array<{ sourceId: string; width: number; height: number }>;
  /** Every media file and network feed: where its playback is. */
  media?: MediaStatus[];
}

/** A picture of the program for the preview: JPEG, newest wins (a slow front drops frames, never the program). */
export interface PreviewFrame {
  seq: number;
  jpeg: Uint8Array;
}

/** Peak and RMS in dBFS (-Infinity for silence) per audio source after its fader, and of the mix (`sourceId: null`). */
export interface AudioLevels {
  levels: Array<{ sourceId: string | null; peakDb: number; rmsDb: number }>;
}

/** Which FFmpeg the studio uses and what it lacks (what `uplink ffmpeg` prints). */
export interface FfmpegStatus {
  /** The program chosen in Settings; null lets Uplink find one (FFMPEG_PATH, the bundled copy, PATH). */
  chosenPath: string | null;
  /** The FFmpeg in use; absent when none was found or the chosen one cannot be used (`error` says why). */
  ffmpeg?: { path: string; foundBy: string; version: string };
  error?: string;
  /** The H.264 encoders the build lists. */
  h264Encoders: string[];
  /** What streaming or scenes cannot do without, one piece a line. */
  missing: string[];
  /** Optional pieces missing, each with what their absence costs. */
  warnings: string[];
  /** What to do when anything is missing. */
  fix?: string;
}

/** What an OBS import made of each source and scene: imported as it is, approximated (and how), or a placeholder. */
export interface ObsImportReport {
  sources: Array<{ name: string; obsKind: string; as: SourceKind; status: 'imported' | 'approximated' | 'placeholder'; notes: string[] }>;
  scenes: Array<{ name: string; items: number; notes: string[] }>;
  notes: string[];
}

/** obs-websocket as the studio's settings show it (the password only on request: getObsWebSocketPassword). */
export interface ObsWebSocketView {
  enabled: boolean;
  port: number;
  /** The server is up (whoever hosts the studio runs it: the engine host, uplink serve). */
  listening: boolean;
  /** Why it is not listening although enabled (a port in use), in one sentence. */
  error?: string;
  /** Set by `uplink serve --obs-websocket-port`: it runs as the flags say, and cannot be changed here. */
  fixed?: boolean;
}

export interface StudioState {
  /** Grows by one with every change; a snapshot with a lower revision than one already seen is stale. */
  revision: number;
  phase: StudioPhase;
  /** Where a recording started without a file name goes, and its format. */
  recordingSettings: RecordingSettings;
  /** Sources as the CLI takes them: `test`, `tone`, `silence`, `color:NAME`, a device id or a media file. */
  video: string;
  audio: string;
  encoding: EncodingSettings;
  dynamicBitrate: boolean;
  destinations: DestinationView[];
  recording: { active: boolean; file?: string };
  encoder: { running: boolean; restarts: number };
  /** The scene collection when the studio runs scenes; null when it streams `video` and `audio` as they are. */
  scenes: ScenesView | null;
  /** obs-websocket, for Stream Deck plugins, Companion and the like (absent from a snapshot of an engine older than it). */
  obsWebSocket?: ObsWebSocketView;
}

export interface Notice {
  level: 'info' | 'warning' | 'error';
  message: string;
  /** What happened, for a front to offer the right action (`KEY_REFUSED`, `ENCODER_SLOW`, ...). */
  code?: string;
  /** The destination the notice is about, when there is one. */
  destinationId?: string;
  /** Milliseconds since the epoch. */
  at: number;
}

/** Why the program stopped when nobody asked it to, or `stopped` when a front did. */
export interface ProgramEnded {
  reason: 'stopped' | 'duration' | 'failed';
  /** For `failed`: the sentence, and its code. */
  message?: string;
  code?: string;
  /** The recording made, if any. */
  recording?: { file: string; bytes: number; durationSec: number };
  /** The last figures (media time made included), taken once every output had finished. */
  stats: ProgramStats;
}

/**
 * How a failed command reaches a front: the sentence to show, a stable code to act on, and for a bad
 * input the field it is about (`videoBitrateKbps`, `serverUrl`), so a form can show it there.
 */
export interface CommandError {
  code: string;
  message: string;
  field?: string;
}

const two = (n: number): string => String(n).padStart(2, '0');

/**
 * `recording-YYYYMMDD-HHMMSS.mkv` in local time: sorts by date and never collides within a second. The
 * name the studio gives a recording started without one, and the one a front offers.
 */
export function recordingName(date: Date, format: RecordingFormat = 'mkv'): string {
  const day = `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}`;
  const time = `${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
  return `recording-${day}-${time}.${format}`;
}

/**
 * A media source's position at `nowMs` (epoch): the time since its playback began, wrapped when it
 * loops, at most its length; null while it is not playing.
 */
export function mediaPosition(media: MediaStatus, nowMs: number): number | null {
  if (media.playingSinceMs === null) return null;
  const elapsed = Math.max(0, nowMs - media.playingSinceMs);
  if (media.durationMs === null || media.durationMs <= 0) return elapsed;
  return media.loop ? elapsed % media.durationMs : Math.min(elapsed, media.durationMs);
}

// ---------------------------------------------------------------------------------------------------
// Commands and events

export interface StudioCommands {
  getState(): Promise<StudioState>;
  /** Changes the sources; while live the encoder restarts and every connection stays up. */
  setSources(sources: { video?: string; audio?: string }): Promise<void>;
  /**
   * Changes encoding settings; fields left out keep their values, except those that belong to the old
   * encoder or profile (a preset, B-frames with baseline), which follow the new one. While live the
   * encoder restarts and every connection stays up.
   */
  setEncoding(patch: EncodingPatch): Promise<EncodingSettings>;
  setDynamicBitrate(enabled: boolean): Promise<void>;
  addDestination(input: DestinationInput): Promise<DestinationView>;
  /** A change of server or key reconnects a live destination; a new name or `enabled` alone does not. */
  updateDestination(id: string, patch: Partial<DestinationInput>): Promise<DestinationView>;
  removeDestination(id: string): Promise<void>;
  /** Starts or stops one destination, live or not, while the others go on. */
  setDestinationEnabled(id: string, enabled: boolean): Promise<void>;
  reconnectDestination(id: string): Promise<void>;
  /** Resolves once the encoder makes pictures and every enabled destination is connecting; rejects (and goes back to idle) when the encoder cannot work. */
  goLive(): Promise<void>;
  stopStream(): Promise<void>;
  /**
   * Checks that `file` can be written (new, in an existing folder) before anything starts. A bare name
   * goes to the recordings folder; without a name the file is `recording-YYYYMMDD-HHMMSS` there, in the
   * format of the recording settings.
   */
  startRecording(file?: string): Promise<void>;
  /** The folder (null: the profile's recordings folder) and format of recordings started without a file name. */
  setRecordingSettings(patch: Partial<RecordingSettings>): Promise<RecordingSettings>;
  stopRecording(): Promise<void>;
  listDevices(): Promise<CaptureDevice[]>;
  listEncoders(refresh?: boolean): Promise<EncoderStatus[]>;
  listServices(): Promise<ServicePreset[]>;
  /** Which FFmpeg is in use and what it lacks. */
  getFfmpegInfo(): Promise<FfmpegStatus>;
  /**
   * Chooses the FFmpeg program (null: let Uplink find one); one that cannot be used is refused with the
   * reason. Processes started from now on use it: a running program keeps its FFmpeg until it stops.
   */
  setFfmpegPath(path: string | null): Promise<FfmpegStatus>;

  // Scenes: each command is one change of the collection, applied live (no encoder restart, no gap).
  /** Runs this collection (checked whole: shape and references); the preview and meters start. */
  loadCollection(collection: Collection): Promise<void>;
  /** Runs the collection a new profile starts with: the first camera and microphone found, else the test pattern and a tone. */
  loadDefaultCollection(): Promise<void>;
  /**
   * Imports an OBS scene collection (the JSON OBS saves, as parsed) and runs it in place of the current
   * one; the report says what was imported as it is, approximated, or left as a placeholder, and why.
   * `canvas` is OBS's (Settings → Video: base resolution, frame rate), which the positions are in: the
   * collection file does not say it (default 1920x1080 at 30 fps, OBS's own default).
   */
  importObsCollection(obsCollection: Record<string, unknown>, canvas?: Canvas): Promise<ObsImportReport>;
  /** Puts a scene on air with the collection's transition. */
  setProgramScene(sceneId: string): Promise<void>;
  setTransition(transition: Transition): Promise<void>;
  /** Returns the new scene's id. */
  addScene(name: string): Promise<string>;
  renameScene(sceneId: string, name: string): Promise<void>;
  /** A copy of the scene right after it (its items showing the same sources), named `name`, or "NAME 2" (the next free number); returns its id. */
  duplicateScene(sceneId: string, name?: string): Promise<string>;
  /** Where the scene goes in the scene list: 0 is the top. */
  moveScene(sceneId: string, toIndex: number): Promise<void>;
  /** The last scene cannot be removed. */
  removeScene(sceneId: string): Promise<void>;
  /** Adds a source, and with `sceneId` an item showing it on top of that scene. */
  addSource(source: SourceInput, sceneId?: string): Promise<{ sourceId: string; itemId?: string }>;
  updateSource(sourceId: string, patch: SourcePatch): Promise<void>;
  /** Removes the source and every item showing it. */
  removeSource(sourceId: string): Promise<void>;
  /** Places a source (or another scene) on a scene; returns the item's id. */
  addItem(sceneId: string, sourceId: string): Promise<string>;
  updateItem(sceneId: string, itemId: string, patch: ItemPatch): Promise<void>;
  removeItem(sceneId: string, itemId: string): Promise<void>;
  /** Drawing order: 0 is the bottom. */
  moveItem(sceneId: string, itemId: string, toIndex: number): Promise<void>;
  setSourceAudio(sourceId: string, patch: AudioPatch): Promise<void>;
  /** The master fader and mute: the whole mix, after the sources' faders (saved with the collection). */
  setMasterAudio(patch: AudioPatch): Promise<void>;
  /**
   * A media file or network feed, live: 'restart' plays it from its start (a feed reconnects), 'play' does
   * the same once it has ended or been stopped (nothing while it plays), 'stop' ends it, its item keeping
   * the last picture.
   */
  mediaAction(sourceId: string, action: MediaAction): Promise<void>;
  /** Plays a media file from `positionMs` in (past its end: from its end), whether it was playing, ended or stopped. */
  seekMedia(sourceId: string, positionMs: number): Promise<void>;
  /**
   * obs-websocket (off until turned on): on or off, its port, its password (one is made the first time it
   * is turned on). Whoever hosts the studio starts or stops the server and reports `listening` in the state.
   */
  setObsWebSocket(patch: ObsWebSocketPatch): Promise<ObsWebSocketView>;
  /** The password obs-websocket clients need (made now if there is none yet), shown on request as OBS's "Show Connect Info" does. */
  getObsWebSocketPassword(): Promise<string>;
}

export interface StudioEvents {
  onState: StudioState;
  onStats: ProgramStats;
  onNotice: Notice;
  onProgramEnded: ProgramEnded;
  /** Program preview pictures, up to 30 a second, whenever scenes run (live or not). */
  onPreview: PreviewFrame;
  /** Audio levels, 20 a second, whenever scenes run. */
  onLevels: AudioLevels;
}

/** The command names, for the proxies (preload, WebSocket) that expose exactly these and nothing else. */
export const STUDIO_COMMANDS = [
  'getState',
  'setSources',
  'setEncoding',
  'setDynamicBitrate',
  'addDestination',
  'updateDestination',
  'removeDestination',
  'setDestinationEnabled',
  'reconnectDestination',
  'goLive',
  'stopStream',
  'startRecording',
  'setRecordingSettings',
  'stopRecording',
  'listDevices',
  'listEncoders',
  'listServices',
  'getFfmpegInfo',
  'setFfmpegPath',
  'loadCollection',
  'loadDefaultCollection',
  'importObsCollection',
  'setProgramScene',
  'setTransition',
  'addScene',
  'renameScene',
  'duplicateScene',
  'moveScene',
  'removeScene',
  'addSource',
  'updateSource',
  'removeSource',
  'addItem',
  'updateItem',
  'removeItem',
  'moveItem',
  'setSourceAudio',
  'setMasterAudio',
  'mediaAction',
  'seekMedia',
  'setObsWebSocket',
  'getObsWebSocketPassword',
] as const satisfies ReadonlyArray<keyof StudioCommands>;

export const STUDIO_EVENTS = ['onState', 'onStats', 'onNotice', 'onProgramEnded', 'onPreview', 'onLevels'] as const satisfies ReadonlyArray<keyof StudioEvents>;

// Every command is listed: a command added to the interface but not to the list fails to compile here.
type Unlisted = Exclude<keyof StudioCommands, (typeof STUDIO_COMMANDS)[number]>;
export const EVERY_COMMAND_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;

// Every command has a schema for its arguments (contract-schema.ts), and what the schema lets through is
// what the method takes: a command whose schema and signature disagree fails to compile here.
type ArgsChecked = { [K in keyof StudioCommands]: CommandArgs<K> extends Parameters<StudioCommands[K]> ? true : K }[keyof StudioCommands];
export const EVERY_COMMAND_CHECKED: [ArgsChecked] extends [true] ? true : ArgsChecked = true;
