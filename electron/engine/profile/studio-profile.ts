/**
 * The scene collection a studio runs (the desktop app's engine host, `uplink serve`): the profile's
 * collection.json when there is one, else a first scene made from what this computer has (the first
 * camera and microphone, or the test pattern and a tone), and every change a front makes saved back to
 * the profile.
 */
import { randomUUID } from 'node:crypto';
import type { CaptureDevice } from '../../contract.js';
import { UplinkError, errorMessage } from '../errors.js';
import { Logger } from '../log.js';
import * as edit from '../scenes/edit.js';
import { COLLECTION_VERSION, type Collection, DEFAULT_TRANSITION, type SourceInput } from '../scenes/model.js';
import type { Studio } from '../studio.js';
import { readCollection, readSettings, writeCollection, writeSettings } from './profile.js';
import { SETTINGS_VERSION } from './settings-file.js';

export const DEFAULT_CANVAS = { width: 1280, height: 720, fps: 30 } as const;

/**
 * One scene, "Scene": the first camera filling the canvas (else the test pattern) and the first
 * microphone (else a 440 Hz tone). Desktop audio (a monitor) is not a microphone.
 */
export function defaultCollection(devices: readonly CaptureDevice[], newId: () => string = randomUUID): Collection {
  const sceneId = newId();
  const empty: Collection = {
    version: COLLECTION_VERSION,
    canvas: { ...DEFAULT_CANVAS },
    sources: [],
    scenes: [{ id: sceneId, name: 'Scene', items: [] }],
    currentSceneId: sceneId,
    transition: DEFAULT_TRANSITION,
  };
  const camera = devices.find((d) => d.kind === 'video');
  const microphone = devices.find((d) => d.kind === 'audio' && !d.monitor);
  const video: SourceInput = camera
    ? { kind: 'video-device', name: camera.name, settings: { device: camera.id, deviceName: camera.name, role: 'camera' } }
    : { kind: 'test-pattern', name: 'Test pattern', settings: {} };
  const audio: SourceInput = microphone
    ? { kind: 'audio-device', name: microphone.name, settings: { device: microphone.id, deviceName: microphone.name, role: 'microphone' }, audio: { volumeDb: 0, muted: false } }
    : { kind: 'tone', name: 'Tone', settings: { frequencyHz: 440 }, audio: { volumeDb: 0, muted: false } };
  const fullCanvas = { x: 0, y: 0, width: DEFAULT_CANVAS.width, height: DEFAULT_CANVAS.height };
  const withVideo = edit.addSource(empty, video, newId, { sceneId, box: fullCanvas }).collection;
  return edit.addSource(withVideo, audio, newId, { sceneId }).collection;
}

/**
 * Loads the profile's collection into the studio, or the default one (from device discovery; a
 * discovery that fails gives the test pattern and tone). Says which it was.
 */
export async function loadProfileCollection(studio: Studio, profileDir: string): Promise<'profile' | 'default'> {
  const saved = await readCollection(profileDir);
  if (saved) {
    try {
      await studio.loadCollection(saved.value);
    } catch (err) {
      // Starting on a default instead would overwrite the streamer's scenes at the first save.
      throw new UplinkError('PROFILE_COLLECTION_FAILED', `cannot run the scenes of ${profileDir}: ${errorMessage(err)}`, { cause: err });
    }
    return 'profile';
  }
  const devices = await studio.listDevices().catch((err: unknown) => {
    new Logger('profile').warn(`no capture devices (${errorMessage(err)}): starting on the test pattern and a tone`);
    return [];
  });
  await studio.loadCollection(defaultCollection(devices));
  return 'default';
}

/**
 * Writes the collection and the studio's settings (encoding, destinations; never a key) to the profile
 * after each change, once changes stop for `delayMs` (a drag sends many), one write at a time, each
 * atomic. `flush()` writes what is pending now.
 */
export class ProfileSaver {
  private readonly log = new Logger('profile');
  private savedCollection: string | undefined;
  private savedSettings: string | undefined;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  private readonly onState = (): void => this.changed();

  constructor(
    private readonly studio: Studio,
    private readonly profileDir: string,
    /** The settings file as read, whose other fields are kept as they are. */
    private readonly settingsBase: Record<string, unknown> = {},
    private readonly delayMs = 500,
  ) {}

  /** Starts watching; `current` is the collection the profile already holds, so that it is not written again. */
  start(current: Collection | undefined): void {
    this.savedCollection = current === undefined ? undefined : JSON.stringify(current);
    this.savedSettings = JSON.stringify(this.studio.exportSettings());
    this.studio.on('onState', this.onState);
  }

  /** Stops watching and writes the last change, if any. */
  async stop(): Promise<void> {
    this.studio.off('onState', this.onState);
    await this.flush();
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dirty) {
      this.dirty = false;
      const collection = (await this.studio.getState()).scenes?.collection;
      const settings = this.studio.exportSettings();
      const collectionText = collection === undefined ? undefined : JSON.stringify(collection);
      const settingsText = JSON.stringify(settings);
      const fail = (what: string) => (err: unknown) => this.log.warn(`could not save the ${what} to ${this.profileDir}: ${errorMessage(err)}`);
      if (collection !== undefined && collectionText !== this.savedCollection) {
        this.savedCollection = collectionText;
        this.writing = this.writing.then(() => writeCollection(this.profileDir, collection).catch(fail('scenes')));
      }
      if (settingsText !== this.savedSettings) {
        this.savedSettings = settingsText;
        const file = { ...this.settingsBase, version: SETTINGS_VERSION, studio: settings };
        this.writing = this.writing.then(() => writeSettings(this.profileDir, file).catch(fail('settings')));
      }
    }
    return this.writing;
  }

  private changed(): void {
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
  }
}

/**
 * Runs the profile in the studio: its settings (encoding, destinations, whose keys the secret store keeps)
 * and its scenes (or the default ones, written at once so that the folder shows what runs), and keeps
 * saving every change; returns the saver, to flush when stopping.
 */
export async function openProfile(studio: Studio, profileDir: string): Promise<ProfileSaver> {
  const settings = (await readSettings(profileDir))?.value;
  if (settings?.studio !== undefined) await studio.restoreSettings(settings.studio);
  const from = await loadProfileCollection(studio, profileDir);
  const collection = (await studio.getState()).scenes?.collection;
  if (from === 'default' && collection) await writeCollection(profileDir, collection);
  const saver = new ProfileSaver(studio, profileDir, settings ?? {});
  saver.start(collection);
  return saver;
}
