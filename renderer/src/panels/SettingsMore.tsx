/**
 * Settings tabs beyond the stream itself: audio devices (the microphone and desktop audio, which in
 * Uplink are sources of the collection, played in every scene), recording (folder and format of a
 * recording started without a file name), hotkeys (global ones: the desktop app's), and FFmpeg (which
 * one runs, what it lacks, and the choice of another).
 */
import { type FormEvent, useEffect, useState } from 'react';
import type { CaptureDevice, FfmpegStatus, RecordingFormat, Source } from '../../../electron/contract.js';
import { type AddKind, addKindLabel, buildSourceInput, devicesFor } from '../sources.js';
import { useApp } from '../store.js';
import { Field } from './Field.js';
import { SaveRow, useLiveHint, useSave } from './settings-common.js';
import { DeviceOptions } from './SourceProperties.js';
import { useRead } from './useRead.js';

// ---------------------------------------------------------------------------------------------------
// Audio devices

type AudioRole = Extract<AddKind, 'microphone' | 'desktop-audio'>;
const AUDIO_ROLES: ReadonlyArray<{ role: AudioRole; label: string; none: string }> = [
  { role: 'microphone', label: 'Microphone', none: 'No microphone' },
  { role: 'desktop-audio', label: 'Desktop audio', none: 'No desktop audio' },
];

/** The collection's first audio-device source of a role: the one this tab sets. */
export function audioSourceOf(sources: readonly Source[], role: AudioRole): Source | undefined {
  return sources.find((s) => s.kind === 'audio-device' && s.settings.role === role);
}

/** `none` removes the source; the system default is '' (device: null). */
const NONE = 'none';

export function AudioDevicesTab() {
  const client = useApp((s) => s.client);
  const collection = useApp((s) => s.studio?.scenes?.collection ?? null);
  const hint = useLiveHint();
  const listed = useRead('listDevices');
  const devices: CaptureDevice[] | null = listed.loading ? null : (listed.value ?? []);
  const listError = listed.error;
  const [choice, setChoice] = useState<Record<AudioRole, string> | null>(null);
  const { errors, saved, save } = useSave(['microphone', 'desktop-audio']);

  if (!collection) return <p className="muted">Audio devices are sources of the scenes: load or import a scene collection first.</p>;
  const current = (role: AudioRole): string => {
    const source = audioSourceOf(collection.sources, role);
    if (!source || source.kind !== 'audio-device') return NONE;
    return source.settings.device ?? '';
  };
  const value = (role: AudioRole): string => choice?.[role] ?? current(role);

  const change = async (): Promise<void> => {
    for (const { role } of AUDIO_ROLES) {
      const wanted = value(role);
      if (wanted === current(role)) continue;
      const source = audioSourceOf(collection.sources, role);
      const picked = devices?.find((d) => d.id === wanted);
      try {
        if (wanted === NONE) {
          if (source) await client.call('removeSource', source.id);
        } else if (source) {
          await client.call('updateSource', source.id, { name: picked?.name ?? addKindLabel(role), settings: { device: picked ? picked.id : null, ...(picked ? { deviceName: picked.name } : {}) } });
        } else {
          // Played in every scene, as OBS's global audio devices are.
          const input = buildSourceInput(role, { name: picked?.name ?? addKindLabel(role), device: wanted, file: '', text: '', color: '#000000', frequencyHz: 440 }, devices ?? [], collection.canvas);
          const [first, ...rest] = collection.scenes;
          const added = await client.call('addSource', input, first!.id);
          for (const scene of rest) await client.call('addItem', scene.id, added.sourceId);
        }
      } catch (err) {
        // Said at the device it is about, whatever the engine's field.
        throw { field: role, message: (err as { message?: string }).message ?? String(err) };
      }
    }
  };

  return (
    <form className="form" onSubmit={(e) => save(e, change, () => setChoice(null))}>
      <p className="muted small">The microphone and desktop audio play in every scene and have their own faders in the mixer.</p>
      {listError && <p className="health health-warn">Devices could not be listed: {listError}</p>}
      <div className="grid2">
        {AUDIO_ROLES.map(({ role, label, none }) => {
          const options = devicesFor(role, devices ?? []);
          const v = value(role);
          const unknown = v !== NONE && v !== '' && !options.some((d) => d.id === v);
          return (
            <Field key={role} label={label} error={errors[role]} hint={hint('audioDevice', devices && options.length === 0 ? `No ${label.toLowerCase()} was found on this computer` : undefined)}>
              <select value={v} onChange={(e) => setChoice({ microphone: value('microphone'), 'desktop-audio': value('desktop-audio'), [role]: e.target.value })} disabled={devices === null}>
                <option value={NONE}>{none}</option>
                <DeviceOptions loading={false} choices={options} missing={unknown ? { id: v, name: v } : undefined} />
              </select>
            </Field>
          );
        })}
      </div>
      <SaveRow saved={saved} error={errors._form} />
    </form>
  );
}

// ---------------------------------------------------------------------------------------------------
// Recording

const FORMATS: ReadonlyArray<{ format: RecordingFormat; label: string }> = [
  { format: 'mkv', label: 'MKV (Matroska): playable even after a crash' },
  { format: 'mp4', label: 'MP4 (fragmented): plays everywhere, also safe after a crash' },
  { format: 'flv', label: 'FLV: what the servers get, as it is' },
];

export function RecordingTab() {
  const client = useApp((s) => s.client);
  const settings = useApp((s) => s.studio?.recordingSettings);
  const hint = useLiveHint();
  const [folder, setFolder] = useState(settings?.folder ?? '');
  const [format, setFormat] = useState<RecordingFormat>(settings?.format ?? 'mkv');
  const { errors, saved, save } = useSave(['folder', 'format']);

  const submit = (e: FormEvent): void => save(e, () => client.call('setRecordingSettings', { folder: folder.trim() === '' ? null : folder.trim(), format }));

  return (
    <form className="form" onSubmit={submit}>
      <p className="muted small">Start Recording writes a new file named by the date and time, here, in this format.</p>
      <Field label="Recordings folder" error={errors.folder} hint={hint('recordingFolder', "Empty: the profile's recordings folder")}>
        <input value={folder} onChange={(e) => setFolder(e.target.value)} placeholder="The profile's recordings folder" spellCheck={false} />
      </Field>
      <Field label="Format" error={errors.format} hint={hint('recordingFormat')}>
        <select value={format} onChange={(e) => setFormat(e.target.value as RecordingFormat)}>
          {FORMATS.map((f) => (
            <option key={f.format} value={f.format}>
              {f.label}
            </option>
          ))}
        </select>
      </Field>
      <SaveRow saved={saved} error={errors._form} />
    </form>
  );
}

// ---------------------------------------------------------------------------------------------------
// Hotkeys

/** The desktop app's global hotkeys, as the preload hands them over (`window.uplinkHotkeys`). */
export interface HotkeySettings {
  toggleStream: string | null;
  toggleRecording: string | null;
  scenes: Array<string | null>;
}
export interface HotkeysView {
  settings: HotkeySettings;
  /** Accelerators that could not be registered: malformed, or taken by another app. */
  failed: string[];
}
export interface HotkeysApi {
  get(): Promise<HotkeysView>;
  set(settings: HotkeySettings): Promise<HotkeysView>;
}

export function hotkeysApi(): HotkeysApi | undefined {
  return (globalThis as { uplinkHotkeys?: HotkeysApi }).uplinkHotkeys;
}

const accel = (text: string): string | null => (text.trim() === '' ? null : text.trim());

export function HotkeysTab({ api = hotkeysApi() }: { api?: HotkeysApi | undefined }) {
  const scenes = useApp((s) => s.studio?.scenes?.collection.scenes ?? []);
  const hint = useLiveHint();
  const [view, setView] = useState<HotkeysView | null>(null);
  const [form, setForm] = useState<{ toggleStream: string; toggleRecording: string; scenes: string[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    if (!api) return;
    let alive = true;
    api.get().then(
      (v) => {
        if (!alive) return;
        setView(v);
        setForm({ toggleStream: v.settings.toggleStream ?? '', toggleRecording: v.settings.toggleRecording ?? '', scenes: v.settings.scenes.map((s) => s ?? '') });
      },
      (err: unknown) => alive && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      alive = false;
    };
  }, [api]);

  if (!api) {
    return (
      <div className="stack">
        <p>Hotkeys are a feature of the desktop app.</p>
        <p className="muted small">
          Global hotkeys (go live or stop, record, switch to scene N) work while another program, the game, has the focus, which a web page cannot do. Set them in the Uplink app on the
          streaming computer.
        </p>
      </div>
    );
  }
  if (!form) return <p className="muted">{error ?? 'Reading the hotkeys…'}</p>;

  const failed = new Set(view?.failed ?? []);
  const problem = (value: string): string | undefined => (value.trim() !== '' && failed.has(value.trim()) ? `${value.trim()} is taken by another app or is not a valid shortcut` : undefined);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    setSaved(false);
    setError(null);
    api.set({ toggleStream: accel(form.toggleStream), toggleRecording: accel(form.toggleRecording), scenes: form.scenes.map(accel) }).then(
      (v) => {
        setView(v);
        setSaved(v.failed.length === 0);
      },
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  };
  const count = Math.max(scenes.length, 1);
  const sceneKeys = Array.from({ length: Math.min(Math.max(count, form.scenes.length), 20) }, (_, i) => form.scenes[i] ?? '');

  return (
    <form className="form" onSubmit={submit}>
      <p className="muted small">They work while another app has the focus. Write them as CommandOrControl+Shift+L; leave one empty for none.</p>
      <div className="grid2">
        <Field label="Go live / stop streaming" error={problem(form.toggleStream)} hint={hint('hotkeys')}>
          <input value={form.toggleStream} onChange={(e) => setForm({ ...form, toggleStream: e.target.value })} spellCheck={false} />
        </Field>
        <Field label="Start / stop recording" error={problem(form.toggleRecording)} hint={hint('hotkeys')}>
          <input value={form.toggleRecording} onChange={(e) => setForm({ ...form, toggleRecording: e.target.value })} spellCheck={false} />
        </Field>
        {sceneKeys.map((value, i) => (
          <Field key={i} label={`Scene ${i + 1}${scenes[i] ? `: ${scenes[i]!.name}` : ''}`} error={problem(value)}>
            <input
              value={value}
              onChange={(e) => {
                const next = [...sceneKeys];
                next[i] = e.target.value;
                setForm({ ...form, scenes: next });
              }}
              spellCheck={false}
            />
          </Field>
        ))}
      </div>
      <SaveRow saved={saved} error={error ?? undefined} />
    </form>
  );
}

// ---------------------------------------------------------------------------------------------------
// FFmpeg

export function FfmpegTab() {
  const client = useApp((s) => s.client);
  const hint = useLiveHint();
  const read = useRead('getFfmpegInfo');
  const [changed, setStatus] = useState<FfmpegStatus | null>(null);
  const status = changed ?? read.value;
  /** As typed; until then the chosen path. */
  const [typed, setPath] = useState<string | null>(null);
  const path = typed ?? status?.chosenPath ?? '';
  const { errors, saved, save } = useSave(['path']);

  const submit = (e: FormEvent): void => save(e, () => client.call('setFfmpegPath', path.trim() === '' ? null : path.trim()), setStatus);

  return (
    <form className="form" onSubmit={submit}>
      {status === null ? (
        <p className="muted" role="status">
          {read.loading ? 'Looking at FFmpeg…' : ''}
        </p>
      ) : status.ffmpeg ? (
        <dl className="kv ffmpeg-info">
          <dt>In use</dt>
          <dd className="mono">{status.ffmpeg.path}</dd>
          <dt>Version</dt>
          <dd>{status.ffmpeg.version}</dd>
          <dt>Found by</dt>
          <dd>{status.ffmpeg.foundBy}</dd>
          <dt>H.264 encoders</dt>
          <dd>{status.h264Encoders.join(', ') || 'none'}</dd>
        </dl>
      ) : (
        <p className="health health-error" role="alert">
          {status.error}
        </p>
      )}
      {status && status.ffmpeg && status.missing.length === 0 && status.warnings.length === 0 && <p className="health health-ok">It has everything streaming and scenes need.</p>}
      {status && (status.missing.length > 0 || status.warnings.length > 0) && (
        <div className="card">
          <strong>What it lacks</strong>
          <ul className="lacks">
            {status.missing.map((m) => (
              <li key={m} className="lack-missing">
                {m}
              </li>
            ))}
            {status.warnings.map((w) => (
              <li key={w} className="lack-optional">
                {w}
              </li>
            ))}
          </ul>
          {status.fix && <p className="muted small">To fix: {status.fix}</p>}
        </div>
      )}
      <Field label="FFmpeg program" error={errors.path} hint={hint('ffmpegPath', 'Empty: Uplink finds one (FFMPEG_PATH, the bundled copy, then PATH)')}>
        <input value={path} onChange={(e) => setPath(e.target.value)} placeholder="/usr/bin/ffmpeg" spellCheck={false} />
      </Field>
      <SaveRow saved={saved} error={errors._form ?? read.error ?? undefined} />
    </form>
  );
}
