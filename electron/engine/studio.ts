import { randomUUID } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import { EventEmitter } from 'node:events';
import * as v from 'valibot';
import { type CommandArgs, type CommandName, type InputProblem, type MediaAction, RECORDING_FORMATS, SERVICE_IDS, checkCommandArgs } from '../contract-schema.js';
import { recordingName } from '../contract.js';
import type {
  CaptureDevice,
  DestinationInput,
  DestinationState,
  DestinationView,
  EncoderStatus,
  EncodingPatch,
  EncodingSettings,
  FfmpegStatus,
  Notice,
  ObsImportReport,
  ObsWebSocketPatch,
  ObsWebSocketView,
  ProgramEnded,
  PreviewFrame,
  ProgramStats,
  RecordingSettings,
  ServicePreset,
  StudioCommands,
  StudioEvents,
  StudioPhase,
  StudioState,
} from '../contract.js';
import type { AudioPatch, Canvas, Collection, ItemPatch, SourceInput, SourcePatch, Transition } from '../contract-scenes.js';
import { type SourceSpec, inputForSource, inputOptionsFor, isBuiltInSource, parseSourceArg } from './capture/sources.js';
import { UplinkError, errorMessage } from './errors.js';
import type { FfmpegInput } from './ffmpeg/argv.js';
import { type FfmpegInfo, locateFfmpeg } from './ffmpeg/locate.js';
import { exitError } from './ffmpeg/process.js';
import { ffmpegReport } from './ffmpeg/report.js';
import { programInputs } from './ffmpeg/program-encoder.js';
import { InvalidInputError } from './input-error.js';
import { Logger, redact, registerSecret } from './log.js';
import { Broadcast } from './outputs/broadcast.js';
import type { RecordingResult } from './outputs/recording.js';
import { cacheDir as defaultCacheDir } from './paths.js';
import type { PublisherOptions } from './rtmp/publisher.js';
import { type RtmpTarget, parseRtmpUrl } from './rtmp/url.js';
import { type SecretStore, MemorySecretStore } from './secrets.js';
import { DEFAULT_OBS_WEBSOCKET, OBS_WEBSOCKET_PASSWORD_REF, type ObsWebSocketSetting, SavedObsWebSocketSchema, generateObsPassword } from './profile/obs-websocket.js';
import { checkEncodingForService } from './services/check.js';
import { getService, listServices } from './services/presets.js';
import { targetForService } from './services/target.js';
import { DEFAULT_ENCODING, applyEncodingPatch, validateEncoding } from './settings/encoding.js';
import * as edit from './scenes/edit.js';
import type { PreviewOptions } from './scenes/preview.js';
import { StudioScenes } from './scenes/studio-scenes.js';

export interface StudioOptions {
  secrets?: SecretStore;
  /** The FFmpeg chosen in settings; else FFMPEG_PATH, ffmpeg-static, PATH. */
  ffmpegPath?: string;
  cacheDir?: string;
  video?: string;
  audio?: string;
  encoding?: Partial<EncodingSettings>;
  dynamicBitrate?: boolean;
  /** Connection options for every destination (timeouts, extra CA). */
  publisher?: PublisherOptions;
  /** End the program after this much media time (the command line's --duration). */
  durationSec?: number;
  /** Preview pictures while scenes run; false for none (the command line has no screen for them). */
  preview?: PreviewOptions | false;
  /** Audio meters while scenes run; default on. */
  meters?: boolean;
  /** Where a recording named without a folder goes (`show.mkv`); default: the working folder. */
  recordingsDir?: string;
}

/** What a profile keeps of the studio between runs; never a key (those stay in the secret store). */
export interface StudioSettings {
  encoding: EncodingSettings;
  dynamicBitrate: boolean;
  destinations: Array<DestinationRecord['view']>;
  recording: RecordingSettings;
  /** The FFmpeg chosen in Settings; null lets the studio find one. */
  ffmpegPath: string | null;
  /** On or off and the port; the password is in the secret store. */
  obsWebSocket: ObsWebSocketSetting;
}

export const DEFAULT_RECORDING_SETTINGS: RecordingSettings = { folder: null, format: 'mkv' };

const SavedDestinationSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  name: v.string(),
  service: v.picklist(SERVICE_IDS),
  serverId: v.optional(v.string()),
  serverUrl: v.optional(v.string()),
  enabled: v.boolean(),
});
const SavedSettingsSchema = v.object({
  encoding: v.unknown(),
  dynamicBitrate: v.boolean(),
  destinations: v.array(SavedDestinationSchema),
  // Absent from profiles saved before they existed.
  recording: v.optional(v.object({ folder: v.nullable(v.pipe(v.string(), v.minLength(1))), format: v.picklist(RECORDING_FORMATS) })),
  ffmpegPath: v.optional(v.nullable(v.pipe(v.string(), v.minLength(1)))),
  obsWebSocket: v.optional(SavedObsWebSocketSchema),
});

interface DestinationRecord {
  view: Omit<DestinationView, 'state' | 'error' | 'warnings' | 'hasKey'>;
  state: DestinationState;
  error?: string;
}

type StudioEventArgs = { [K in keyof StudioEvents]: [StudioEvents[K]] };

/**
 * The engine's facade: the one implementation of the contract in `contract.ts`, whatever front drives
 * it. Every command is checked against its schema and then run one at a time, in the order commands
 * arrive, so that two fronts (the app and a Stream Deck, say) can never interleave half-done changes:
 * each command sees the state the one before it left. It owns the studio's configuration (sources,
 * encoding, destinations with their keys in a SecretStore), runs the program, and tells every front
 * what happens as whole state snapshots with a revision, stats once a second, and notices.
 */
export class Studio extends EventEmitter<StudioEventArgs> implements StudioCommands {
  private revision = 0;
  private phase: StudioPhase = 'idle';
  private video: string;
  private audio: string;
  private encoding: EncodingSettings;
  private dynamicBitrate: boolean;
  private recordingSettings: RecordingSettings = { ...DEFAULT_RECORDING_SETTINGS };
  /** The FFmpeg chosen in Settings (setFfmpegPath); null leaves the choice to the options (--ffmpeg) and the search. */
  private ffmpegSetting: string | null = null;
  private obsWebSocket: ObsWebSocketSetting = { ...DEFAULT_OBS_WEBSOCKET };
  /** What the process hosting the studio says of its obs-websocket server (reportObsWebSocket). */
  private obsWebSocketStatus: { listening: boolean; error?: string } = { listening: false };
  /** The server the host runs as its flags say (fixObsWebSocket): it stands in for the setting. */
  private obsWebSocketFixed: { port: number; password: string } | undefined;
  private readonly obsWebSocketWatchers = new Set<() => void>();
  private readonly destinations = new Map<string, DestinationRecord>();
  /** Which destinations have a key, kept here so that snapshots need no await on the secret store. */
  private readonly keysKnown = new Set<string>();
  private readonly secrets: SecretStore;
  private readonly log = new Logger('studio');
  /** The program: running while streaming, recording, or both. */
  private broadcast: Broadcast | undefined;
  private streaming = false;
  private recordingFile: string | undefined;
  private ffmpegInfo: Promise<FfmpegInfo> | undefined;
  private devices: CaptureDevice[] | undefined;
  /** The tail of the command queue. */
  private queue: Promise<unknown> = Promise.resolve();
  /** The scene collection and its compositor, once one is loaded. */
  private readonly scenes: StudioScenes;
  private newestPreview: PreviewFrame | undefined;
  /** The compositor's rendering-lag counts when the program started: its stats count from there. */
  private renderingFrom = { framesLagged: 0, framesTotal: 0 };

  constructor(private readonly options: StudioOptions = {}) {
    super();
    this.secrets = options.secrets ?? new MemorySecretStore();
    this.video = options.video ?? 'test';
    this.audio = options.audio ?? 'tone';
    this.encoding = validateEncoding({ ...DEFAULT_ENCODING, ...options.encoding });
    this.dynamicBitrate = options.dynamicBitrate ?? false;
    this.scenes = new StudioScenes({
      ffmpeg: () => this.ffmpeg(),
      discover: async () => (this.devices ??= await discoverDevices((await this.ffmpeg()).path)),
      ...(options.preview === undefined ? {} : { preview: options.preview }),
      ...(options.meters === undefined ? {} : { meters: options.meters }),
    });
    this.scenes.on('changed', () => this.emitState());
    this.scenes.on('preview', (frame) => {
      this.newestPreview = frame;
      this.emit('onPreview', frame);
    });
    this.scenes.on('levels', (levels) => this.emit('onLevels', levels));
    this.scenes.on('notice', (level, message, code) => this.notice(level, message, { code }));
  }

  // ---------------------------------------------------------------------------------------------------
  // Commands

  getState(...args: []): Promise<StudioState> {
    return this.read('getState', args, async () => this.snapshot());
  }

  setSources(...args: [{ video?: string; audio?: string }]): Promise<void> {
    return this.command('setSources', args, async (sources) => {
      if (this.scenes.active) throw new UplinkError('SCENES_ACTIVE', 'the studio runs scenes: change the sources of a scene instead');
      const video = sources.video ?? this.video;
      const audio = sources.audio ?? this.audio;
      const inputs = await this.resolveInputs(video, audio, this.encoding);
      if (this.broadcast) await this.broadcast.updateSettings(this.encoding, inputs);
      this.video = video;
      this.audio = audio;
      this.emitState();
    });
  }

  setEncoding(...args: [EncodingPatch]): Promise<EncodingSettings> {
    return this.command('setEncoding', args, async (patch) => {
      const next = applyEncodingPatch(this.encoding, patch);
      if (this.broadcast) await this.broadcast.updateSettings(next, await this.programInputs(next));
      this.encoding = next;
      this.emitState();
      return next;
    });
  }

  setDynamicBitrate(...args: [boolean]): Promise<void> {
    return this.command('setDynamicBitrate', args, async (enabled) => {
      // Applies from the next program: dynamic bitrate is set up with the encoder.
      this.dynamicBitrate = enabled;
      this.emitState();
    });
  }

  addDestination(...args: [DestinationInput]): Promise<DestinationView> {
    return this.command('addDestination', args, async (input) => {
      const id = randomUUID();
      const { serverUrl, streamKey } = splitKey(input);
      const record: DestinationRecord = { view: { id, ...destinationFields({ ...input, serverUrl }), enabled: input.enabled ?? true }, state: 'offline' };
      const key = input.streamKey ?? streamKey;
      if (key) await this.storeKey(id, key);
      this.destinations.set(id, record);
      if (this.streaming && record.view.enabled) await this.startDestination(id);
      this.emitState();
      return this.viewOf(id);
    });
  }

  updateDestination(...args: [string, Partial<DestinationInput>]): Promise<DestinationView> {
    return this.command('updateDestination', args, async (id, patch) => {
      const record = this.record(id);
      const { serverUrl, streamKey } = splitKey(patch);
      const fields = destinationFields({ ...record.view, ...patch, ...(patch.serverUrl === undefined ? {} : { serverUrl }) });
      const key = patch.streamKey ?? streamKey;
      // Only where the stream goes matters to a live connection: a new name must not cut it.
      const moved =
        key !== undefined || fields.service !== record.view.service || fields.serverId !== record.view.serverId || fields.serverUrl !== record.view.serverUrl;
      record.view = { ...record.view, ...fields };
      if (key !== undefined) await this.storeKey(id, key);
      if (patch.enabled !== undefined && patch.enabled !== record.view.enabled) {
        await this.applyEnabled(id, patch.enabled);
      } else if (moved && this.broadcast?.destinations.has(id)) {
        await this.broadcast.removeDestination(id);
        await this.startDestination(id);
      }
      this.emitState();
      return this.viewOf(id);
    });
  }

  removeDestination(...args: [string]): Promise<void> {
    return this.command('removeDestination', args, async (id) => {
      this.record(id);
      await this.broadcast?.removeDestination(id);
      this.destinations.delete(id);
      this.keysKnown.delete(id);
      await this.secrets.delete(keyRef(id));
      this.emitState();
    });
  }

  setDestinationEnabled(...args: [string, boolean]): Promise<void> {
    return this.command('setDestinationEnabled', args, async (id, enabled) => {
      this.record(id);
      await this.applyEnabled(id, enabled);
      this.emitState();
    });
  }

  reconnectDestination(...args: [string]): Promise<void> {
    return this.command('reconnectDestination', args, async (id) => {
      this.record(id);
      const running = this.broadcast?.destinations.get(id);
      if (!running) throw new UplinkError('NOT_LIVE', 'this destination is not live: go live or enable it first');
      running.destination.reconnectNow();
    });
  }

  goLive(...args: []): Promise<void> {
    return this.command('goLive', args, async () => {
      if (this.phase !== 'idle') throw new UplinkError('ALREADY_LIVE', 'already live: stop the stream first');
      const enabled = [...this.destinations.values()].filter((d) => d.view.enabled);
      if (enabled.length === 0) throw new UplinkError('NO_DESTINATION', 'there is nowhere to stream: add a destination (or enable one) first');
      this.setPhase('starting');
      this.streaming = true;
      try {
        // The destinations connect while the encoder starts; each joins the program at a keyframe.
        await this.withProgram(async () => {
          for (const record of enabled) await this.startDestination(record.view.id);
        });
        this.setPhase('live');
      } catch (err) {
        this.streaming = false;
        this.setPhase('idle');
        throw err;
      }
    });
  }

  stopStream(...args: []): Promise<void> {
    return this.command('stopStream', args, () => this.stopStreaming());
  }

  startRecording(...args: [string?]): Promise<void> {
    return this.command('startRecording', args, async (given) => {
      // A bare name (what a front's "Start Recording" offers) goes to the recordings folder; no name, a dated one there.
      const name = given ?? recordingName(new Date(), this.recordingSettings.format);
      const folder = this.recordingSettings.folder ?? this.options.recordingsDir ?? '.';
      const file = isAbsolute(name) || name.includes('/') || name.includes('\\') ? name : join(folder, name);
      if (this.recordingFile) throw new UplinkError('ALREADY_RECORDING', `already recording to ${this.recordingFile}: stop that recording first`);
      // The file is created first: a path that cannot be written fails before anything starts.
      await this.withProgram((broadcast) => broadcast.startRecording(file));
      this.recordingFile = file;
      this.emitState();
    });
  }

  setRecordingSettings(...args: [Partial<RecordingSettings>]): Promise<RecordingSettings> {
    return this.command('setRecordingSettings', args, async (patch) => {
      // Used by the next recording started without a full path; one running goes on as it is.
      this.recordingSettings = { ...this.recordingSettings, ...patch };
      this.emitState();
      return { ...this.recordingSettings };
    });
  }

  stopRecording(...args: []): Promise<void> {
    return this.command('stopRecording', args, () => this.stopRecordingNow());
  }

  listDevices(...args: []): Promise<CaptureDevice[]> {
    return this.read('listDevices', args, async () => {
      const ffmpeg = await this.ffmpeg();
      this.devices = await discoverDevices(ffmpeg.path);
      return this.devices;
    });
  }

  listEncoders(...args: [boolean?]): Promise<EncoderStatus[]> {
    return this.read('listEncoders', args, async (refresh) => {
      const ffmpeg = await this.ffmpeg();
      const { probeEncoders } = await import('./ffmpeg/encoders.js');
      return probeEncoders({ ffmpegPath: ffmpeg.path, cacheDir: this.cacheDir(), listedEncoders: ffmpeg.features.encoders, refresh: refresh ?? false });
    });
  }

  listServices(...args: []): Promise<ServicePreset[]> {
    return this.read('listServices', args, async () => listServices());
  }

  getFfmpegInfo(...args: []): Promise<FfmpegStatus> {
    return this.read('getFfmpegInfo', args, () => this.ffmpegStatus());
  }

  setFfmpegPath(...args: [string | null]): Promise<FfmpegStatus> {
    return this.command('setFfmpegPath', args, async (path) => {
      // Tried before it is kept: a choice that cannot run is refused at the field, and the old one stays.
      const info = locateFfmpeg({ explicitPath: path ?? this.options.ffmpegPath, cacheDir: this.cacheDir() });
      try {
        await info;
      } catch (err) {
        if (path !== null) throw new InvalidInputError(err instanceof UplinkError ? err.code : 'FFMPEG_UNSUITABLE', 'path', errorMessage(err));
      }
      this.ffmpegSetting = path;
      this.ffmpegInfo = info;
      info.catch(() => (this.ffmpegInfo = undefined));
      // Devices are listed by FFmpeg: another build may see others.
      this.devices = undefined;
      this.emitState();
      return this.ffmpegStatus();
    });
  }

  // ---------------------------------------------------------------------------------------------------
  // Scenes: every change is applied live by the compositor; the encoder and the connections never notice.

  loadCollection(...args: [Collection]): Promise<void> {
    return this.command('loadCollection', args, async (collection) => {
      this.assertScenesCanLoad();
      await this.scenes.load(collection);
    });
  }

  private assertScenesCanLoad(): void {
    if (this.broadcast && !this.scenes.active) {
      throw new UplinkError('LIVE_WITHOUT_SCENES', 'the program is running from its sources: stop streaming and recording before loading scenes');
    }
  }

  loadDefaultCollection(...args: []): Promise<void> {
    return this.command('loadDefaultCollection', args, async () => {
      this.assertScenesCanLoad();
      const devices = await this.ffmpeg()
        .then((ffmpeg) => discoverDevices(ffmpeg.path))
        .catch((err: unknown) => {
          this.log.warn(`no capture devices (${errorMessage(err)}): starting on the test pattern and a tone`);
          return [];
        });
      const { defaultCollection } = await import('./profile/studio-profile.js');
      await this.scenes.load(defaultCollection(devices));
    });
  }

  importObsCollection(...args: [Record<string, unknown>, Canvas?]): Promise<ObsImportReport> {
    return this.command('importObsCollection', args, async (obs, canvas) => {
      this.assertScenesCanLoad();
      const [{ importObsCollection }, { obsFileSizes }] = await Promise.all([import('./scenes/obs-import.js'), import('./profile/obs-file-sizes.js')]);
      const imported = importObsCollection(obs, { sourceSizes: await obsFileSizes(obs), ...(canvas ? { canvas } : {}) });
      await this.scenes.load(imported.collection);
      return imported.report;
    });
  }

  setProgramScene(...args: [string]): Promise<void> {
    return this.command('setProgramScene', args, (sceneId) => this.scenes.setProgramScene(sceneId));
  }

  setTransition(...args: [Transition]): Promise<void> {
    return this.command('setTransition', args, (transition) => this.editScenes((c) => edit.setTransition(c, transition)));
  }

  addScene(...args: [string]): Promise<string> {
    return this.command('addScene', args, (name) => this.scenes.edit((c) => withResult(edit.addScene(c, name, randomUUID), 'sceneId')));
  }

  renameScene(...args: [string, string]): Promise<void> {
    return this.command('renameScene', args, (sceneId, name) => this.editScenes((c) => edit.renameScene(c, sceneId, name)));
  }

  duplicateScene(...args: [string, string?]): Promise<string> {
    return this.command('duplicateScene', args, (sceneId, name) => this.scenes.edit((c) => withResult(edit.duplicateScene(c, sceneId, name, randomUUID), 'sceneId')));
  }

  moveScene(...args: [string, number]): Promise<void> {
    return this.command('moveScene', args, (sceneId, toIndex) => this.editScenes((c) => edit.moveScene(c, sceneId, toIndex)));
  }

  removeScene(...args: [string]): Promise<void> {
    return this.command('removeScene', args, (sceneId) => this.editScenes((c) => edit.removeScene(c, sceneId)));
  }

  addSource(...args: [SourceInput, string?]): Promise<{ sourceId: string; itemId?: string }> {
    return this.command('addSource', args, (source, sceneId) =>
      this.scenes.edit((c) => {
        const added = edit.addSource(c, source, randomUUID, sceneId === undefined ? undefined : { sceneId });
        return { collection: added.collection, result: { sourceId: added.sourceId, ...(added.itemId ? { itemId: added.itemId } : {}) } };
      }),
    );
  }

  updateSource(...args: [string, SourcePatch]): Promise<void> {
    return this.command('updateSource', args, (sourceId, patch) => this.editScenes((c) => edit.updateSource(c, sourceId, patch)));
  }

  removeSource(...args: [string]): Promise<void> {
    return this.command('removeSource', args, (sourceId) => this.editScenes((c) => edit.removeSource(c, sourceId)));
  }

  addItem(...args: [string, string]): Promise<string> {
    return this.command('addItem', args, (sceneId, sourceId) => this.scenes.edit((c) => withResult(edit.addItem(c, sceneId, sourceId, randomUUID), 'itemId')));
  }

  updateItem(...args: [string, string, ItemPatch]): Promise<void> {
    return this.command('updateItem', args, (sceneId, itemId, patch) => this.editScenes((c) => edit.updateItem(c, sceneId, itemId, patch)));
  }

  removeItem(...args: [string, string]): Promise<void> {
    return this.command('removeItem', args, (sceneId, itemId) => this.editScenes((c) => edit.removeItem(c, sceneId, itemId)));
  }

  moveItem(...args: [string, string, number]): Promise<void> {
    return this.command('moveItem', args, (sceneId, itemId, toIndex) => this.editScenes((c) => edit.moveItem(c, sceneId, itemId, toIndex)));
  }

  setSourceAudio(...args: [string, AudioPatch]): Promise<void> {
    return this.command('setSourceAudio', args, (sourceId, patch) => this.editScenes((c) => edit.setSourceAudio(c, sourceId, patch)));
  }

  setMasterAudio(...args: [AudioPatch]): Promise<void> {
    return this.command('setMasterAudio', args, (patch) => this.editScenes((c) => edit.setMasterAudio(c, patch)));
  }

  mediaAction(...args: [string, MediaAction]): Promise<void> {
    return this.command('mediaAction', args, (sourceId, action) => this.scenes.mediaAction(sourceId, action));
  }

  seekMedia(...args: [string, number]): Promise<void> {
    return this.command('seekMedia', args, (sourceId, positionMs) => this.scenes.seekMedia(sourceId, positionMs));
  }

  setObsWebSocket(...args: [ObsWebSocketPatch]): Promise<ObsWebSocketView> {
    return this.command('setObsWebSocket', args, async (patch) => {
      if (this.obsWebSocketFixed) {
        throw new UplinkError('OBS_WEBSOCKET_FIXED', "obs-websocket runs as uplink serve's --obs-websocket-port says: start uplink serve without it to change it here");
      }
      if (patch.password !== undefined) await this.secrets.set(OBS_WEBSOCKET_PASSWORD_REF, patch.password);
      else if (patch.enabled) await this.obsWebSocketPassword();
      const before = this.obsWebSocket;
      this.obsWebSocket = { enabled: patch.enabled ?? before.enabled, port: patch.port ?? before.port };
      if (!this.obsWebSocket.enabled) this.obsWebSocketStatus = { listening: false };
      this.emitState();
      for (const watcher of this.obsWebSocketWatchers) watcher();
      return this.obsWebSocketView();
    });
  }

  getObsWebSocketPassword(...args: []): Promise<string> {
    return this.read('getObsWebSocketPassword', args, async () => this.obsWebSocketFixed?.password ?? this.obsWebSocketPassword());
  }

  /** For the process that runs the obs-websocket server: the setting, with its password when it is on. */
  async obsWebSocketConfig(): Promise<ObsWebSocketSetting & { password?: string }> {
    const setting = { ...this.obsWebSocket };
    return setting.enabled ? { ...setting, password: await this.obsWebSocketPassword() } : setting;
  }

  /** Called when the obs-websocket setting changes (on, off, port, password); returns the unsubscribe. */
  watchObsWebSocket(listener: () => void): () => void {
    this.obsWebSocketWatchers.add(listener);
    return () => void this.obsWebSocketWatchers.delete(listener);
  }

  /**
   * The host runs obs-websocket as its flags say (uplink serve --obs-websocket-port), whatever the
   * setting: the state shows that server (its port, on, not changeable) and the password is its password.
   */
  fixObsWebSocket(fixed: { port: number; password: string }): void {
    this.obsWebSocketFixed = { ...fixed };
    this.emitState();
  }

  /** What the obs-websocket server's host says of it: listening, or why not. */
  reportObsWebSocket(status: { listening: boolean; error?: string }): void {
    if (status.listening === this.obsWebSocketStatus.listening && status.error === this.obsWebSocketStatus.error) return;
    this.obsWebSocketStatus = status.error === undefined ? { listening: status.listening } : { listening: status.listening, error: status.error };
    this.emitState();
  }

  private async obsWebSocketPassword(): Promise<string> {
    const saved = await this.secrets.get(OBS_WEBSOCKET_PASSWORD_REF);
    if (saved) return saved;
    const made = generateObsPassword();
    await this.secrets.set(OBS_WEBSOCKET_PASSWORD_REF, made);
    return made;
  }

  private obsWebSocketView(): ObsWebSocketView {
    const fixed = this.obsWebSocketFixed;
    return fixed ? { enabled: true, port: fixed.port, ...this.obsWebSocketStatus, fixed: true } : { ...this.obsWebSocket, ...this.obsWebSocketStatus };
  }

  /** Stops everything, after the commands already queued: for app shutdown. */
  dispose(): Promise<void> {
    return this.enqueue(async () => {
      await this.stopRecordingNow();
      await this.stopStreaming();
      await this.endProgram({ reason: 'stopped' });
      await this.scenes.dispose();
    });
  }

  /** The studio's settings as a profile keeps them (no keys). */
  exportSettings(): StudioSettings {
    return {
      encoding: { ...this.encoding },
      dynamicBitrate: this.dynamicBitrate,
      destinations: [...this.destinations.values()].map((r) => ({ ...r.view })),
      recording: { ...this.recordingSettings },
      ffmpegPath: this.ffmpegSetting,
      obsWebSocket: { ...this.obsWebSocket },
    };
  }

  /**
   * Takes back what exportSettings gave (a profile's settings, after a restart): encoding, dynamic bitrate
   * and the destinations with their ids, so that their keys in the secret store are theirs again. Only
   * while nothing runs. An unreadable value is refused whole, in one sentence.
   */
  restoreSettings(saved: unknown): Promise<void> {
    return this.enqueue(async () => {
      if (this.broadcast) throw new UplinkError('ALREADY_LIVE', 'settings are restored before anything runs');
      const parsed = v.safeParse(SavedSettingsSchema, saved);
      if (!parsed.success) throw new UplinkError('PROFILE_INVALID', `the saved settings are not valid: ${parsed.issues[0].message}`);
      this.encoding = validateEncoding({ ...DEFAULT_ENCODING, ...(parsed.output.encoding as Partial<EncodingSettings>) });
      this.dynamicBitrate = parsed.output.dynamicBitrate;
      this.recordingSettings = parsed.output.recording ?? { ...DEFAULT_RECORDING_SETTINGS };
      const obsWebSocket = parsed.output.obsWebSocket ?? { ...DEFAULT_OBS_WEBSOCKET };
      const obsChanged = obsWebSocket.enabled !== this.obsWebSocket.enabled || obsWebSocket.port !== this.obsWebSocket.port;
      this.obsWebSocket = obsWebSocket;
      if (obsChanged) for (const watcher of this.obsWebSocketWatchers) watcher();
      if ((parsed.output.ffmpegPath ?? null) !== this.ffmpegSetting) {
        this.ffmpegSetting = parsed.output.ffmpegPath ?? null;
        this.ffmpegInfo = undefined;
        this.devices = undefined;
      }
      this.destinations.clear();
      this.keysKnown.clear();
      for (const view of parsed.output.destinations) {
        this.destinations.set(view.id, { view: { ...view, ...destinationFields(view) }, state: 'offline' });
        if (await this.secrets.get(keyRef(view.id))) this.keysKnown.add(view.id);
      }
      this.emitState();
    });
  }

  /** The newest program picture, for a front that has just connected: it shows it without waiting for the next one. */
  get latestPreview(): PreviewFrame | undefined {
    return this.newestPreview;
  }

  /** Every FFmpeg the studio runs: the encoder's and, with scenes, the compositor's and every capture process. */
  get pids(): number[] {
    return [...(this.broadcast?.encoder.pids ?? []), ...this.scenes.pids];
  }

  private editScenes(change: (collection: Collection) => Collection): Promise<void> {
    return this.scenes.edit((collection) => ({ collection: change(collection), result: undefined }));
  }

  // ---------------------------------------------------------------------------------------------------
  // The queue

  /** Checks a command's arguments, then runs it after every command before it has finished. */
  private command<K extends CommandName, R>(name: K, args: readonly unknown[], run: (...args: CommandArgs<K>) => Promise<R>): Promise<R> {
    return this.read(name, args, (...checked) => this.enqueue(() => run(...checked)));
  }

  /** A command that only reads: checked, but not queued behind slow changes (a device listing takes a second). */
  private read<K extends CommandName, R>(name: K, args: readonly unknown[], run: (...args: CommandArgs<K>) => Promise<R>): Promise<R> {
    const checked = checkCommandArgs(name, args);
    if (!checked.ok) return Promise.reject(inputError(checked.problem));
    return run(...checked.args);
  }

  private enqueue<R>(run: () => Promise<R>): Promise<R> {
    const result = this.queue.then(run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  // ---------------------------------------------------------------------------------------------------
  // The program

  private ffmpeg(): Promise<FfmpegInfo> {
    this.ffmpegInfo ??= locateFfmpeg({ explicitPath: this.ffmpegSetting ?? this.options.ffmpegPath, cacheDir: this.cacheDir() });
    this.ffmpegInfo.catch(() => (this.ffmpegInfo = undefined));
    return this.ffmpegInfo;
  }

  /** The FFmpeg in use and what it lacks, as `uplink ffmpeg` reports it; where none can be used, why. */
  private async ffmpegStatus(): Promise<FfmpegStatus> {
    const chosenPath = this.ffmpegSetting;
    let info: FfmpegInfo;
    try {
      info = await this.ffmpeg();
    } catch (err) {
      return { chosenPath, error: errorMessage(err), h264Encoders: [], missing: [], warnings: [] };
    }
    const report = ffmpegReport(info);
    // A path given to the studio came from Settings, or from --ffmpeg when Settings chose none.
    const foundBy = info.source === 'setting' ? (this.ffmpegSetting !== null ? 'Settings' : '--ffmpeg') : report.ffmpeg.foundBy;
    return {
      chosenPath,
      ffmpeg: { path: report.ffmpeg.path, foundBy, version: report.ffmpeg.version },
      h264Encoders: report.h264Encoders,
      missing: [...report.streaming.missing, ...report.scenes.missing],
      warnings: report.scenes.warnings,
      ...(report.fix === undefined ? {} : { fix: report.fix }),
    };
  }

  private cacheDir(): string {
    return this.options.cacheDir ?? defaultCacheDir();
  }

  /** What the encoder reads: the composed program when scenes run, else the two sources as they are. */
  private async programInputs(encoding: EncodingSettings): Promise<FfmpegInput[]> {
    const program = this.scenes.program;
    return program ? programInputs(program.format) : this.resolveInputs(this.video, this.audio, encoding);
  }

  private async resolveInputs(video: string, audio: string, encoding: EncodingSettings): Promise<FfmpegInput[]> {
    const ffmpeg = await this.ffmpeg();
    if (!(isBuiltInSource(video) && isBuiltInSource(audio))) this.devices ??= await discoverDevices(ffmpeg.path);
    const options = inputOptionsFor(encoding, ffmpeg.features.drawtext);
    const [videoSpec, audioSpec] = [parseSourceArg(video, this.devices ?? []), parseSourceArg(audio, this.devices ?? [])];
    if (!givesPicture(videoSpec)) throw new InvalidInputError('INVALID_SOURCE', 'video', 'video needs a picture: test, color:NAME, a camera, a screen or a media file');
    if (!givesSound(audioSpec)) throw new InvalidInputError('INVALID_SOURCE', 'audio', 'audio needs sound: tone, silence, a microphone or a media file');
    return [inputForSource(videoSpec, options), inputForSource(audioSpec, options)];
  }

  /**
   * Runs `prepare` on the program, starting it first when it is not running: then `prepare` comes
   * before the encoder (outputs attached from its first frame) and the encoder must prove it works (its
   * first keyframe) before this resolves. When either fails, a program started here is stopped again.
   */
  private async withProgram(prepare: (broadcast: Broadcast) => Promise<void>): Promise<void> {
    if (this.broadcast) return prepare(this.broadcast);
    const broadcast = await this.newBroadcast();
    this.broadcast = broadcast;
    try {
      await prepare(broadcast);
      await broadcast.start();
    } catch (err) {
      if (this.broadcast === broadcast) this.broadcast = undefined;
      await broadcast.stop();
      this.resetDestinationStates();
      this.emitState();
      throw err;
    }
    this.emitState();
  }

  private async newBroadcast(): Promise<Broadcast> {
    const ffmpeg = await this.ffmpeg();
    this.renderingFrom = this.scenes.rendering ?? { framesLagged: 0, framesTotal: 0 };
    const broadcast = new Broadcast({
      ffmpegPath: ffmpeg.path,
      settings: this.encoding,
      inputs: await this.programInputs(this.encoding),
      ...(this.scenes.program ? { program: this.scenes.program } : {}),
      encodeOptions: { ffmpegVersion: ffmpeg.version, durationSec: this.options.durationSec },
      publisher: this.options.publisher,
      dynamicBitrate: this.dynamicBitrate,
    });
    broadcast.on('destinationState', (id, state, error) => {
      const record = this.destinations.get(id);
      if (!record || this.broadcast !== broadcast) return;
      record.state = state;
      if (error) record.error = redact(error.message);
      else if (state === 'live') record.error = undefined;
      if (state === 'failed' && error) this.notice('error', `${record.view.name}: ${error.message}`, { code: error.code, destinationId: id });
      this.emitState();
    });
    broadcast.on('stats', (stats) => this.emit('onStats', this.withRendering(stats)));
    broadcast.on('encoderRestarted', (cause, why) => {
      if (cause === 'crash') this.notice('warning', `the encoder crashed (${why ?? 'no reason given'}) and was restarted`, { code: 'ENCODER_RESTARTED' });
      this.emitState();
    });
    broadcast.on('encoderSpeed', (slow, speed) =>
      slow
        ? this.notice('warning', `the encoder runs at ${speed.toFixed(2)}x real time: this computer cannot keep up with these settings; lower the size, the frame rate or the preset`, { code: 'ENCODER_SLOW' })
        : this.notice('info', `the encoder keeps up again (${speed.toFixed(2)}x)`, { code: 'ENCODER_CAUGHT_UP' }),
    );
    broadcast.on('bitrateChanged', (kbps, direction) =>
      this.notice('warning', `${direction === 'down' ? 'congested: lowered' : 'recovered: raised'} the video bitrate to ${kbps} kbit/s`, { code: 'BITRATE_CHANGED' }),
    );
    broadcast.on('error', (err) => {
      if (err.code.startsWith('RECORDING_') && this.recordingFile) {
        this.recordingFile = undefined;
        this.emitState();
      }
      this.notice('error', err.message, { code: err.code });
    });
    broadcast.on('ended', (exit) => {
      // Ended by itself (its duration reached, or a failure a restart cannot fix): tear down in turn.
      if (exit.reason === 'stopped') return;
      void this.enqueue(async () => {
        if (this.broadcast !== broadcast) return;
        if (exit.reason === 'ended') {
          await this.endProgram({ reason: 'duration' });
          return;
        }
        const error = exitError(exit);
        this.notice('error', error.message, { code: error.code });
        await this.endProgram({ reason: 'failed', message: error.message, code: error.code });
      });
    });
    return broadcast;
  }

  /** The program's figures with the frames the compositor missed for rendering lag since the program started (when scenes run). */
  private withRendering(stats: ProgramStats): ProgramStats {
    const now = this.scenes.rendering;
    if (!now) return stats;
    const from = this.renderingFrom;
    return { ...stats, rendering: { framesLagged: now.framesLagged - from.framesLagged, framesTotal: now.framesTotal - from.framesTotal } };
  }

  /** Stops the program and everything on it, and tells the fronts how it ended. */
  private async endProgram(how: Pick<ProgramEnded, 'reason' | 'message' | 'code'>): Promise<void> {
    const broadcast = this.broadcast;
    if (!broadcast) return;
    this.broadcast = undefined;
    this.streaming = false;
    this.recordingFile = undefined;
    const recording = await broadcast.stop();
    const stats = this.withRendering(await broadcast.stats());
    this.resetDestinationStates();
    this.phase = 'idle';
    this.emitState();
    const ended: ProgramEnded = { ...how, stats };
    if (recording) {
      ended.recording = { file: recording.file, bytes: recording.bytes, durationSec: recording.durationSec };
      this.recordingSaved(recording);
    }
    this.emit('onProgramEnded', ended);
  }

  private async stopStreaming(): Promise<void> {
    if (!this.streaming) return;
    this.setPhase('stopping');
    this.streaming = false;
    const broadcast = this.broadcast;
    if (broadcast) await Promise.all([...broadcast.destinations.keys()].map((id) => broadcast.removeDestination(id)));
    this.resetDestinationStates();
    if (!this.recordingFile) await this.endProgram({ reason: 'stopped' });
    this.setPhase('idle');
  }

  private async stopRecordingNow(): Promise<void> {
    if (!this.recordingFile) return;
    if (!this.streaming) {
      await this.endProgram({ reason: 'stopped' });
      return;
    }
    this.recordingFile = undefined;
    const result = await this.broadcast?.stopRecording();
    if (result) this.recordingSaved(result);
    this.emitState();
  }

  private recordingSaved(result: RecordingResult): void {
    this.notice('info', `recorded ${result.durationSec.toFixed(1)} s to ${result.file}`, { code: 'RECORDING_SAVED' });
  }

  // ---------------------------------------------------------------------------------------------------
  // Destinations

  private async applyEnabled(id: string, enabled: boolean): Promise<void> {
    const record = this.record(id);
    record.view.enabled = enabled;
    if (!enabled) {
      await this.broadcast?.removeDestination(id);
      record.state = 'offline';
      record.error = undefined;
    } else if (this.streaming && !this.broadcast?.destinations.has(id)) {
      await this.startDestination(id);
    }
  }

  private async startDestination(id: string): Promise<void> {
    const record = this.record(id);
    try {
      this.broadcast?.addDestination(await this.targetFor(record), id);
    } catch (err) {
      record.state = 'failed';
      record.error = redact(errorMessage(err));
      this.notice('error', `${record.view.name}: ${record.error}`, { code: err instanceof UplinkError ? err.code : 'FAILED', destinationId: id });
    }
  }

  private resetDestinationStates(): void {
    for (const record of this.destinations.values()) {
      if (record.state !== 'failed') record.state = 'offline';
    }
  }

  private async targetFor(record: DestinationRecord): Promise<RtmpTarget> {
    const key = (await this.secrets.get(keyRef(record.view.id))) ?? '';
    const service = getService(record.view.service);
    return targetForService(service, { serverId: record.view.serverId, customUrl: record.view.serverUrl, streamKey: key });
  }

  private async storeKey(id: string, key: string): Promise<void> {
    registerSecret(key.trim());
    await this.secrets.set(keyRef(id), key.trim());
    this.keysKnown.add(id);
  }

  private record(id: string): DestinationRecord {
    const record = this.destinations.get(id);
    if (!record) throw new UplinkError('NO_SUCH_DESTINATION', 'that destination no longer exists');
    return record;
  }

  private viewOf(id: string): DestinationView {
    return this.snapshotDestinations().find((d) => d.id === id)!;
  }

  // ---------------------------------------------------------------------------------------------------
  // State and events

  private snapshotDestinations(): DestinationView[] {
    return [...this.destinations.values()].map((record) => ({
      ...record.view,
      hasKey: this.keysKnown.has(record.view.id),
      state: record.state,
      ...(record.error ? { error: record.error } : {}),
      warnings: checkEncodingForService(this.encoding, getService(record.view.service)).map((w) => w.message),
    }));
  }

  private snapshot(): StudioState {
    return {
      revision: this.revision,
      phase: this.phase,
      recordingSettings: { ...this.recordingSettings },
      video: this.video,
      audio: this.audio,
      encoding: { ...this.encoding },
      dynamicBitrate: this.dynamicBitrate,
      destinations: this.snapshotDestinations(),
      recording: this.recordingFile ? { active: true, file: this.recordingFile } : { active: false },
      encoder: { running: this.broadcast?.encoder.running ?? false, restarts: this.broadcast?.encoderRestarts ?? 0 },
      scenes: this.scenes.view,
      obsWebSocket: this.obsWebSocketView(),
    };
  }

  private setPhase(phase: StudioPhase): void {
    this.phase = phase;
    this.emitState();
  }

  private emitState(): void {
    this.revision++;
    this.emit('onState', this.snapshot());
  }

  private notice(level: Notice['level'], message: string, about: { code?: string; destinationId?: string } = {}): void {
    const text = redact(message);
    // Fronts show notices as they see fit; the log keeps them without printing them a second time.
    this.log.info(`${level}: ${text}`);
    this.emit('onNotice', { level, message: text, ...about, at: Date.now() });
  }
}

function givesPicture(source: SourceSpec): boolean {
  return !(source.kind === 'tone' || source.kind === 'silence' || (source.kind === 'device' && source.device.kind === 'audio'));
}

function givesSound(source: SourceSpec): boolean {
  return !(source.kind === 'test-pattern' || source.kind === 'color' || source.kind === 'image' || (source.kind === 'device' && source.device.kind !== 'audio'));
}

/**
 * Device discovery and the encoder probe are loaded when first used: going live with the test pattern
 * needs neither, and start-up is part of the time to go live.
 */
async function discoverDevices(ffmpegPath: string): Promise<CaptureDevice[]> {
  const { discoverDevices: discover } = await import('./capture/discover.js');
  return discover({ ffmpegPath });
}

/** An edit's new collection, and the id it made as the command's result. */
function withResult<K extends string>(edited: { collection: Collection } & Record<K, string>, key: K): { collection: Collection; result: string } {
  return { collection: edited.collection, result: edited[key] };
}

function inputError(problem: InputProblem): InvalidInputError {
  return new InvalidInputError('INVALID_INPUT', problem.field, problem.message);
}

function keyRef(id: string): string {
  return `destination:${id}:stream-key`;
}

/** A destination's fields as kept: the service's name when it has none. */
function destinationFields(input: Partial<DestinationInput> & Pick<DestinationInput, 'name' | 'service'>): Pick<DestinationView, 'name' | 'service' | 'serverId' | 'serverUrl'> {
  const name = input.name.trim() || getService(input.service).name;
  return { name, service: input.service, serverId: input.serverId, serverUrl: input.serverUrl?.trim() || undefined };
}

/**
 * A streamer who pastes `rtmp://host/app/KEY` as the server URL gets the key moved into the key store,
 * so that it never travels in `serverUrl` to the fronts. Only a URL given without a key is split: with a
 * key given apart, the whole path is the application.
 */
function splitKey(input: Partial<DestinationInput>): { serverUrl?: string; streamKey?: string } {
  const serverUrl = input.serverUrl?.trim() || undefined;
  if (!serverUrl || input.streamKey) return { serverUrl };
  try {
    const target = parseRtmpUrl(serverUrl);
    return { serverUrl: target.tcUrl, streamKey: target.streamKey };
  } catch {
    // Not a full URL with its key: kept as typed, and going live says what is missing.
    return { serverUrl };
  }
}
