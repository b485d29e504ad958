import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type {
  DestinationInput,
  DestinationView,
  Notice,
  StudioCommands,
  StudioEvents,
  StudioPhase,
  StudioState,
} from '../contract.js';
import { discoverDevices } from './capture/discover.js';
import { inputForSource, inputOptionsFor, isBuiltInSource, parseSourceArg } from './capture/sources.js';
import type { CaptureDevice } from './capture/types.js';
import { UplinkError, errorMessage } from './errors.js';
import type { FfmpegInput } from './ffmpeg/argv.js';
import { type EncoderStatus, probeEncoders } from './ffmpeg/encoders.js';
import { type FfmpegInfo, locateFfmpeg } from './ffmpeg/locate.js';
import { Logger, registerSecret } from './log.js';
import { Broadcast } from './outputs/broadcast.js';
import type { DestinationState } from './outputs/destination.js';
import { cacheDir as defaultCacheDir } from './paths.js';
import type { PublisherOptions } from './rtmp/publisher.js';
import type { RtmpTarget } from './rtmp/url.js';
import { type SecretStore, MemorySecretStore } from './secrets.js';
import { checkEncodingForService } from './services/check.js';
import { type ServicePreset, getService, isServiceId, listServices } from './services/presets.js';
import { targetForService } from './services/target.js';
import { DEFAULT_ENCODING, type EncodingSettings, validateEncoding } from './settings/encoding.js';

export interface StudioOptions {
  secrets?: SecretStore;
  /** The FFmpeg chosen in settings; else FFMPEG_PATH, ffmpeg-static, PATH. */
  ffmpegPath?: string;
  cacheDir?: string;
  video?: string;
  audio?: string;
  encoding?: Partial<EncodingSettings>;
  /** Connection options for every destination (timeouts, extra CA). */
  publisher?: PublisherOptions;
}

interface DestinationRecord {
  view: Omit<DestinationView, 'state' | 'error' | 'warnings' | 'hasKey'>;
  state: DestinationState;
  error?: string;
}

type StudioEventArgs = { [K in keyof StudioEvents]: [StudioEvents[K]] };

/**
 * The engine's facade: the one implementation of the contract in `contract.ts`. It owns the studio's
 * configuration (sources, encoding, destinations with their keys in a SecretStore), runs the broadcast,
 * and tells every front what happens as whole state snapshots, stats once a second, and notices.
 */
export class Studio extends EventEmitter<StudioEventArgs> implements StudioCommands {
  private phase: StudioPhase = 'idle';
  private video: string;
  private audio: string;
  private encoding: EncodingSettings;
  private dynamicBitrate = false;
  private readonly destinations = new Map<string, DestinationRecord>();
  /** Which destinations have a key, kept here so that snapshots need no await on the secret store. */
  private readonly keysKnown = new Set<string>();
  private readonly secrets: SecretStore;
  private readonly log = new Logger('studio');
  private broadcast: Broadcast | undefined;
  private streaming = false;
  private recordingFile: string | undefined;
  private ffmpegInfo: Promise<FfmpegInfo> | undefined;
  private devices: CaptureDevice[] | undefined;

  constructor(private readonly options: StudioOptions = {}) {
    super();
    this.secrets = options.secrets ?? new MemorySecretStore();
    this.video = options.video ?? 'test';
    this.audio = options.audio ?? 'tone';
    this.encoding = validateEncoding({ ...DEFAULT_ENCODING, ...options.encoding });
  }

  async getState(): Promise<StudioState> {
    return this.snapshot();
  }

  async setSources(sources: { video?: string; audio?: string }): Promise<void> {
    const video = sources.video ?? this.video;
    const audio = sources.audio ?? this.audio;
    const inputs = await this.resolveInputs(video, audio, this.encoding);
    if (this.broadcast) await this.broadcast.updateSettings(this.encoding, inputs);
    this.video = video;
    this.audio = audio;
    this.emitState();
  }

  async setEncoding(patch: Partial<EncodingSettings>): Promise<EncodingSettings> {
    const next = validateEncoding({ ...this.encoding, ...patch });
    if (this.broadcast) await this.broadcast.updateSettings(next, await this.resolveInputs(this.video, this.audio, next));
    this.encoding = next;
    this.emitState();
    return next;
  }

  async setDynamicBitrate(enabled: boolean): Promise<void> {
    // Applies from the next broadcast: the advisor is set up with the encoder.
    this.dynamicBitrate = enabled;
    this.emitState();
  }

  async addDestination(input: DestinationInput): Promise<DestinationView> {
    const id = randomUUID();
    const record: DestinationRecord = { view: { id, ...destinationFields(input), enabled: input.enabled ?? true }, state: 'offline' };
    if (input.streamKey) await this.storeKey(id, input.streamKey);
    this.destinations.set(id, record);
    if (this.streaming && record.view.enabled) await this.startDestination(id);
    this.emitState();
    return this.viewOf(id);
  }

  async updateDestination(id: string, patch: Partial<DestinationInput>): Promise<DestinationView> {
    const record = this.record(id);
    const wasRunning = this.broadcast?.destinations.has(id) === true;
    if (wasRunning) await this.broadcast?.removeDestination(id);
    record.view = { ...record.view, ...destinationFields({ ...record.view, ...patch }), enabled: patch.enabled ?? record.view.enabled };
    if (patch.streamKey) await this.storeKey(id, patch.streamKey);
    if (this.streaming && record.view.enabled) await this.startDestination(id);
    this.emitState();
    return this.viewOf(id);
  }

  async removeDestination(id: string): Promise<void> {
    this.record(id);
    await this.broadcast?.removeDestination(id);
    this.destinations.delete(id);
    this.keysKnown.delete(id);
    await this.secrets.delete(keyRef(id));
    this.emitState();
  }

  async setDestinationEnabled(id: string, enabled: boolean): Promise<void> {
    const record = this.record(id);
    record.view.enabled = enabled;
    if (!enabled) {
      await this.broadcast?.removeDestination(id);
      record.state = 'offline';
      record.error = undefined;
    } else if (this.streaming && !this.broadcast?.destinations.has(id)) {
      await this.startDestination(id);
    }
    this.emitState();
  }

  async reconnectDestination(id: string): Promise<void> {
    this.record(id);
    const running = this.broadcast?.destinations.get(id);
    if (!running) throw new UplinkError('NOT_LIVE', 'this destination is not live: go live or enable it first');
    running.destination.reconnectNow();
  }

  async goLive(): Promise<void> {
    if (this.phase !== 'idle') throw new UplinkError('ALREADY_LIVE', 'already live: stop the stream first');
    const enabled = [...this.destinations.values()].filter((d) => d.view.enabled);
    if (enabled.length === 0) throw new UplinkError('NO_DESTINATION', 'there is nowhere to stream: add a destination (or enable one) first');
    this.setPhase('starting');
    try {
      await this.ensureProgram();
      this.streaming = true;
      for (const record of enabled) await this.startDestination(record.view.id);
      this.setPhase('live');
    } catch (err) {
      this.streaming = false;
      if (!this.recordingFile) await this.stopProgram();
      this.setPhase('idle');
      throw err;
    }
  }

  async stopStream(): Promise<void> {
    if (!this.streaming) return;
    this.setPhase('stopping');
    this.streaming = false;
    const broadcast = this.broadcast;
    if (broadcast) await Promise.all([...broadcast.destinations.keys()].map((id) => broadcast.removeDestination(id)));
    for (const record of this.destinations.values()) record.state = 'offline';
    if (!this.recordingFile) await this.stopProgram();
    this.setPhase('idle');
  }

  /** Records the program, while streaming or alone. */
  async startRecording(file: string): Promise<void> {
    if (this.recordingFile) throw new UplinkError('ALREADY_RECORDING', `already recording to ${this.recordingFile}: stop that recording first`);
    await this.ensureProgram();
    try {
      await this.broadcast!.startRecording(file);
    } catch (err) {
      if (!this.streaming) await this.stopProgram();
      throw err;
    }
    this.recordingFile = file;
    this.emitState();
  }

  async stopRecording(): Promise<void> {
    if (!this.recordingFile) return;
    this.recordingFile = undefined;
    const result = await this.broadcast?.stopRecording();
    if (result) this.notice('info', `recorded ${result.durationSec.toFixed(1)} s to ${result.file}`);
    if (!this.streaming) await this.stopProgram();
    this.emitState();
  }

  async listDevices(): Promise<CaptureDevice[]> {
    const ffmpeg = await this.ffmpeg();
    this.devices = await discoverDevices({ ffmpegPath: ffmpeg.path });
    return this.devices;
  }

  async listEncoders(refresh = false): Promise<EncoderStatus[]> {
    const ffmpeg = await this.ffmpeg();
    return probeEncoders({ ffmpegPath: ffmpeg.path, cacheDir: this.options.cacheDir ?? defaultCacheDir(), listedEncoders: ffmpeg.features.encoders, refresh });
  }

  async listServices(): Promise<ServicePreset[]> {
    return listServices();
  }

  /** Stops everything: for app shutdown. */
  async dispose(): Promise<void> {
    await this.stopRecording().catch(() => undefined);
    await this.stopStream();
    await this.stopProgram();
  }

  // ---------------------------------------------------------------------------------------------------

  private ffmpeg(): Promise<FfmpegInfo> {
    this.ffmpegInfo ??= locateFfmpeg({ explicitPath: this.options.ffmpegPath, cacheDir: this.options.cacheDir ?? defaultCacheDir() });
    this.ffmpegInfo.catch(() => (this.ffmpegInfo = undefined));
    return this.ffmpegInfo;
  }

  private async resolveInputs(video: string, audio: string, encoding: EncodingSettings): Promise<FfmpegInput[]> {
    const ffmpeg = await this.ffmpeg();
    if (!(isBuiltInSource(video) && isBuiltInSource(audio))) this.devices ??= await discoverDevices({ ffmpegPath: ffmpeg.path });
    const options = inputOptionsFor(encoding, ffmpeg.features.drawtext);
    return [inputForSource(parseSourceArg(video, this.devices ?? []), options), inputForSource(parseSourceArg(audio, this.devices ?? []), options)];
  }

  /** Starts the encoder if it is not running: streaming and recording share it. */
  private async ensureProgram(): Promise<Broadcast> {
    if (this.broadcast) return this.broadcast;
    const ffmpeg = await this.ffmpeg();
    const broadcast = new Broadcast({
      ffmpegPath: ffmpeg.path,
      settings: this.encoding,
      inputs: await this.resolveInputs(this.video, this.audio, this.encoding),
      encodeOptions: { ffmpegVersion: ffmpeg.version },
      publisher: this.options.publisher,
      dynamicBitrate: this.dynamicBitrate,
    });
    broadcast.on('destinationState', (id, state, error) => {
      const record = this.destinations.get(id);
      if (!record) return;
      record.state = state;
      if (error) record.error = error.message;
      else if (state === 'live') record.error = undefined;
      if (state === 'failed' && error) this.notice('error', `${record.view.name}: ${error.message}`);
      this.emitState();
    });
    broadcast.on('stats', (stats) => this.emit('onStats', stats));
    broadcast.on('encoderRestarted', (cause, why) => {
      if (cause === 'crash') this.notice('warning', `the encoder crashed (${why ?? 'no reason given'}) and was restarted`);
      this.emitState();
    });
    broadcast.on('bitrateChanged', (kbps, direction) =>
      this.notice('warning', `${direction === 'down' ? 'congested: lowered' : 'recovered: raised'} the video bitrate to ${kbps} kbit/s`),
    );
    broadcast.on('error', (err) => this.notice('error', err.message));
    broadcast.on('ended', (exit) => {
      if (this.broadcast !== broadcast || exit.reason === 'stopped') return;
      this.notice('error', exit.detail ? `${exit.message} (${exit.detail})` : exit.message);
      void this.dispose();
    });
    this.broadcast = broadcast;
    broadcast.start();
    return broadcast;
  }

  private async stopProgram(): Promise<void> {
    const broadcast = this.broadcast;
    this.broadcast = undefined;
    this.recordingFile = undefined;
    await broadcast?.stop();
    this.emitState();
  }

  private async startDestination(id: string): Promise<void> {
    const record = this.record(id);
    try {
      this.broadcast?.addDestination(await this.targetFor(record), id);
    } catch (err) {
      record.state = 'failed';
      record.error = errorMessage(err);
      this.notice('error', `${record.view.name}: ${record.error}`);
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

  private snapshotDestinations(): DestinationView[] {
    return [...this.destinations.values()].map((record) => ({
      ...record.view,
      hasKey: this.keysKnown.has(record.view.id),
      state: record.state,
      ...(record.error ? { error: record.error } : {}),
      warnings: isServiceId(record.view.service) ? checkEncodingForService(this.encoding, getService(record.view.service)).map((w) => w.message) : [],
    }));
  }

  private snapshot(): StudioState {
    return {
      phase: this.phase,
      video: this.video,
      audio: this.audio,
      encoding: { ...this.encoding },
      dynamicBitrate: this.dynamicBitrate,
      destinations: this.snapshotDestinations(),
      recording: this.recordingFile ? { active: true, file: this.recordingFile } : { active: false },
      encoder: { running: this.broadcast?.encoder.running ?? false, restarts: this.broadcast?.encoderRestarts ?? 0 },
    };
  }

  private setPhase(phase: StudioPhase): void {
    this.phase = phase;
    this.emitState();
  }

  private emitState(): void {
    this.emit('onState', this.snapshot());
  }

  private notice(level: Notice['level'], message: string): void {
    this.log[level === 'warning' ? 'warn' : level](message);
    this.emit('onNotice', { level, message, at: Date.now() });
  }
}

function keyRef(id: string): string {
  return `destination:${id}:stream-key`;
}

function destinationFields(input: Partial<DestinationInput> & Pick<DestinationInput, 'name' | 'service'>): Pick<DestinationView, 'name' | 'service' | 'serverId' | 'serverUrl'> {
  if (!isServiceId(input.service)) throw new UplinkError('UNKNOWN_SERVICE', `unknown service "${String(input.service)}": use twitch, youtube, facebook, kick or custom`);
  const name = input.name.trim() || getService(input.service).name;
  return { name, service: input.service, serverId: input.serverId, serverUrl: input.serverUrl?.trim() || undefined };
}
