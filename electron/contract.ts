/**
 * The contract every front drives the engine through: the desktop app (over IPC, via the preload), the
 * `uplink` command line (in-process) and the web remote (over WebSocket). Commands are async methods;
 * state comes as whole snapshots, so a front that (re)connects needs one `getState()` and then the
 * `onState` events. Nothing here ever carries a stream key back out: keys go in, `hasKey` comes back.
 *
 * The renderer imports types only from this file.
 */
import type { CaptureDevice } from './engine/capture/types.js';
import type { EncoderStatus } from './engine/ffmpeg/encoders.js';
import type { BroadcastStats } from './engine/outputs/broadcast.js';
import type { DestinationState } from './engine/outputs/destination.js';
import type { ServiceId, ServicePreset } from './engine/services/presets.js';
import type { EncodingSettings } from './engine/settings/encoding.js';

export type { BroadcastStats, CaptureDevice, DestinationState, EncoderStatus, EncodingSettings, ServiceId, ServicePreset };

/** A destination as the fronts see it: everything but the key. */
export interface DestinationView {
  id: string;
  name: string;
  service: ServiceId;
  /** One of the service's servers; the service's default when absent. */
  serverId?: string;
  /** Custom server URL (required for 'custom'), without the key. */
  serverUrl?: string;
  enabled: boolean;
  hasKey: boolean;
  state: DestinationState;
  /** Why it failed or is reconnecting. */
  error?: string;
  /** Settings outside the service's limits, one sentence each. */
  warnings: string[];
}

export interface DestinationInput {
  name: string;
  service: ServiceId;
  serverId?: string;
  serverUrl?: string;
  /** Stored as a secret; never returned. */
  streamKey?: string;
  enabled?: boolean;
}

export type StudioPhase = 'idle' | 'starting' | 'live' | 'stopping';

export interface StudioState {
  phase: StudioPhase;
  /** Sources as the CLI takes them: `test`, `tone`, `silence`, `color:NAME`, a device id or a media file. */
  video: string;
  audio: string;
  encoding: EncodingSettings;
  dynamicBitrate: boolean;
  destinations: DestinationView[];
  recording: { active: boolean; file?: string };
  encoder: { running: boolean; restarts: number };
}

export interface Notice {
  level: 'info' | 'warning' | 'error';
  message: string;
  /** Milliseconds since the epoch. */
  at: number;
}

export interface StudioCommands {
  getState(): Promise<StudioState>;
  /** Changes the sources; while live the encoder restarts and every connection stays up. */
  setSources(sources: { video?: string; audio?: string }): Promise<void>;
  /** Changes encoding settings (validated); while live the encoder restarts and every connection stays up. */
  setEncoding(patch: Partial<EncodingSettings>): Promise<EncodingSettings>;
  setDynamicBitrate(enabled: boolean): Promise<void>;
  addDestination(input: DestinationInput): Promise<DestinationView>;
  updateDestination(id: string, patch: Partial<DestinationInput>): Promise<DestinationView>;
  removeDestination(id: string): Promise<void>;
  /** Starts or stops one destination, live or not, while the others go on. */
  setDestinationEnabled(id: string, enabled: boolean): Promise<void>;
  reconnectDestination(id: string): Promise<void>;
  goLive(): Promise<void>;
  stopStream(): Promise<void>;
  startRecording(file: string): Promise<void>;
  stopRecording(): Promise<void>;
  listDevices(): Promise<CaptureDevice[]>;
  listEncoders(refresh?: boolean): Promise<EncoderStatus[]>;
  listServices(): Promise<ServicePreset[]>;
}

export interface StudioEvents {
  onState: StudioState;
  onStats: BroadcastStats;
  onNotice: Notice;
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
  'stopRecording',
  'listDevices',
  'listEncoders',
  'listServices',
] as const satisfies ReadonlyArray<keyof StudioCommands>;

export const STUDIO_EVENTS = ['onState', 'onStats', 'onNotice'] as const satisfies ReadonlyArray<keyof StudioEvents>;

// Every command is listed: a command added to the interface but not to the list fails to compile here.
type Unlisted = Exclude<keyof StudioCommands, (typeof STUDIO_COMMANDS)[number]>;
export const EVERY_COMMAND_LISTED: [Unlisted] extends [never] ? true : Unlisted = true;
