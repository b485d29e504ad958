import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Global hotkeys work while another app (the game) has the focus. Settable in a small file beside the
 * keys file (`hotkeys.json` in the user's data folder); an accelerator that is malformed or taken by
 * another app is skipped and reported, never fatal.
 */
export interface HotkeySettings {
  /** Goes live, or stops when live. */
  toggleStream: string | null;
  /** Starts a recording, or stops the one running. */
  toggleRecording: string | null;
  /** Scene N (1-based, in the collection's order) to program. */
  scenes: Array<string | null>;
}

export const DEFAULT_HOTKEYS: HotkeySettings = {
  toggleStream: 'CommandOrControl+Shift+L',
  toggleRecording: 'CommandOrControl+Shift+R',
  scenes: Array.from({ length: 9 }, (_, i) => `CommandOrControl+Shift+${i + 1}`),
};

const MAX_SCENE_HOTKEYS = 20;

function accelerator(value: unknown): string | null | undefined {
  if (value === null) return null;
  return typeof value === 'string' && value.length > 0 && value.length <= 100 ? value : undefined;
}

/** The file's settings over the defaults; a missing or broken file means the defaults. */
export function parseHotkeys(text: string | undefined): HotkeySettings {
  if (text === undefined) return DEFAULT_HOTKEYS;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return DEFAULT_HOTKEYS;
  }
  if (typeof raw !== 'object' || raw === null) return DEFAULT_HOTKEYS;
  const r = raw as Record<string, unknown>;
  const scenes = Array.isArray(r.scenes) ? r.scenes.slice(0, MAX_SCENE_HOTKEYS).map((s) => accelerator(s) ?? null) : DEFAULT_HOTKEYS.scenes;
  return {
    toggleStream: accelerator(r.toggleStream) === undefined ? DEFAULT_HOTKEYS.toggleStream : (accelerator(r.toggleStream) as string | null),
    toggleRecording: accelerator(r.toggleRecording) === undefined ? DEFAULT_HOTKEYS.toggleRecording : (accelerator(r.toggleRecording) as string | null),
    scenes,
  };
}

export async function readHotkeys(file: string): Promise<HotkeySettings> {
  return parseHotkeys(await readFile(file, 'utf8').catch(() => undefined));
}

/** Hotkeys a window sends, checked as strictly as the file is read leniently: a bad value is refused, not replaced. */
export function checkHotkeys(input: unknown): HotkeySettings {
  if (typeof input !== 'object' || input === null) throw new Error('hotkeys must be an object with toggleStream, toggleRecording and scenes');
  const r = input as Record<string, unknown>;
  const one = (value: unknown, name: string): string | null => {
    const a = accelerator(value);
    if (a === undefined) throw new Error(`${name} must be a shortcut (at most 100 characters) or null`);
    return a;
  };
  if (!Array.isArray(r.scenes) || r.scenes.length > MAX_SCENE_HOTKEYS) throw new Error(`scenes must be a list of at most ${MAX_SCENE_HOTKEYS} shortcuts`);
  return { toggleStream: one(r.toggleStream, 'toggleStream'), toggleRecording: one(r.toggleRecording, 'toggleRecording'), scenes: r.scenes.map((s, i) => one(s, `scene ${i + 1}`)) };
}

/** Written beside, then renamed over: a crash never leaves half a file (which would read as the defaults). */
export async function writeHotkeys(file: string, settings: HotkeySettings): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(settings, null, 2)}\n`);
  await rename(temporary, file);
}

/** What the Settings > Hotkeys tab shows: the hotkeys, and those another app holds (or that are malformed). */
export interface HotkeysView {
  settings: HotkeySettings;
  failed: string[];
}

/** Renderer -> main (invoke): read the hotkeys, and set them (registered at once, saved in hotkeys.json). */
export const HOTKEYS_GET_CHANNEL = 'uplink:hotkeys-get';
export const HOTKEYS_SET_CHANNEL = 'uplink:hotkeys-set';

export interface HotkeyActions {
  toggleStream(): void;
  toggleRecording(): void;
  scene(index: number): void;
}

export interface GlobalShortcutLike {
  register(accelerator: string, callback: () => void): boolean;
  unregisterAll(): void;
}

/** Registers every hotkey; returns the accelerators that could not be registered. */
export function registerHotkeys(shortcuts: GlobalShortcutLike, settings: HotkeySettings, actions: HotkeyActions): string[] {
  shortcuts.unregisterAll();
  const failed: string[] = [];
  const bind = (accel: string | null, action: () => void): void => {
    if (accel === null) return;
    let ok = false;
    try {
      ok = shortcuts.register(accel, action);
    } catch {
      ok = false;
    }
    if (!ok) failed.push(accel);
  };
  bind(settings.toggleStream, () => actions.toggleStream());
  bind(settings.toggleRecording, () => actions.toggleRecording());
  settings.scenes.forEach((accel, i) => bind(accel, () => actions.scene(i)));
  return failed;
}
