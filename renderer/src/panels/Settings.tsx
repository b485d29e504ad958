/**
 * Settings: destinations (service presets, server, stream key, enable, health), video (canvas and output
 * size, fps), output (encoder, bitrate, keyframe interval, preset), audio devices, recording (folder and
 * format), hotkeys (the desktop app's), FFmpeg, and remote control (obs-websocket). Forms hold what is
 * being typed; saving calls the contract, and a refusal is shown at the field it names. While live, every
 * field says what a change does to the stream (applies.ts).
 */
import * as Switch from '@radix-ui/react-switch';
import * as Tabs from '@radix-ui/react-tabs';
import { type FormEvent, type ReactElement, useState } from 'react';
import type { DestinationInput, DestinationView, EncodingPatch, ServiceId, ServicePreset } from '../../../electron/contract.js';
import { selectEncoding, selectRun, useApp } from '../store.js';
import { Field } from './Field.js';
import { FormError, SaveRow, num, useLiveHint, useSave } from './settings-common.js';
import { useRead } from './useRead.js';
import { ObsWebSocketSettings } from './ObsWebSocketSettings.js';
import { AudioDevicesTab, FfmpegTab, HotkeysTab, RecordingTab } from './SettingsMore.js';
import { Modal } from './Modal.js';

/** The tabs, in order: value, label, content. */
const TABS: ReadonlyArray<readonly [string, string, () => ReactElement]> = [
  ['destinations', 'Destinations', DestinationsTab],
  ['video', 'Video', VideoTab],
  ['output', 'Output', OutputTab],
  ['audio', 'Audio', AudioDevicesTab],
  ['recording', 'Recording', RecordingTab],
  ['hotkeys', 'Hotkeys', () => <HotkeysTab />],
  ['ffmpeg', 'FFmpeg', FfmpegTab],
  ['remote-control', 'Remote control', ObsWebSocketSettings],
];

export function SettingsDialog() {
  const open = useApp((s) => s.settingsOpen);
  const setOpen = useApp((s) => s.setSettingsOpen);
  return (
    <Modal
      open={open}
      onOpenChange={setOpen}
      size="wide"
      title="Settings"
      closeLabel="Close settings"
      description={{ text: 'Destinations, video, output, audio, recording, hotkeys, FFmpeg and remote control settings', hidden: true }}
    >
      <Tabs.Root className="tabs" defaultValue="destinations" orientation="vertical">
        <Tabs.List className="tab-list" aria-label="Settings sections">
          {TABS.map(([value, label]) => (
            <Tabs.Trigger key={value} className="tab" value={value}>
              {label}
            </Tabs.Trigger>
          ))}
        </Tabs.List>
        {TABS.map(([value, , Tab]) => (
          <Tabs.Content key={value} className="tab-panel" value={value}>
            <Tab />
          </Tabs.Content>
        ))}
      </Tabs.Root>
    </Modal>
  );
}

// ---------------------------------------------------------------------------------------------------
// Destinations

export function useServices(): ServicePreset[] {
  return useRead('listServices').value ?? [];
}

function DestinationsTab() {
  const destinations = useApp((s) => s.studio?.destinations) ?? [];
  const services = useServices();
  const [adding, setAdding] = useState(false);
  return (
    <div className="stack">
      <p className="muted small">Uplink streams to every enabled destination at once. Stream keys are stored securely and never shown again.</p>
      {destinations.map((d) => (
        <DestinationForm key={d.id} destination={d} services={services} />
      ))}
      {adding ? (
        <DestinationForm services={services} onDone={() => setAdding(false)} onCancel={() => setAdding(false)} />
      ) : (
        <button type="button" className="btn" onClick={() => setAdding(true)}>
          + Add destination
        </button>
      )}
    </div>
  );
}

const DEST_FIELDS = ['name', 'service', 'serverId', 'serverUrl', 'streamKey'] as const;

export function DestinationForm({
  destination,
  services,
  onDone,
  onCancel,
  cancelLabel = 'Cancel',
  submitLabel,
}: {
  destination?: DestinationView;
  services: ServicePreset[];
  onDone?: (view: DestinationView) => void;
  /** A new destination's form offers to give up (Cancel, or the first run's Skip). */
  onCancel?: () => void;
  cancelLabel?: string;
  submitLabel?: string;
}) {
  const client = useApp((s) => s.client);
  const run = useApp(selectRun);
  const hint = useLiveHint();
  const [name, setName] = useState(destination?.name ?? 'Twitch');
  const [service, setService] = useState<ServiceId>(destination?.service ?? 'twitch');
  const [serverId, setServerId] = useState(destination?.serverId ?? '');
  const [serverUrl, setServerUrl] = useState(destination?.serverUrl ?? '');
  const [streamKey, setStreamKey] = useState('');
  const { errors, saved, save } = useSave(DEST_FIELDS);

  const preset = services.find((s) => s.id === service);
  const isCustom = service === 'custom';

  const submit = (e: FormEvent): void => {
    const input: DestinationInput = { name: name.trim(), service };
    if (isCustom) input.serverUrl = serverUrl.trim();
    else if (serverId) input.serverId = serverId;
    // An empty key field means "keep the saved key": keys never come back to fill it.
    if (streamKey) input.streamKey = streamKey;
    save(
      e,
      () => (destination ? client.call('updateDestination', destination.id, input) : client.call('addDestination', input)),
      (view) => {
        setStreamKey('');
        onDone?.(view);
      },
    );
  };

  return (
    <form className="card form" onSubmit={submit} aria-label={destination ? `Destination ${destination.name}` : 'New destination'}>
      <div className="card-head">
        <strong>{destination?.name ?? 'New destination'}</strong>
        {destination && <span className={`badge badge-${destination.state}`}>{destination.state}</span>}
        <span className="spacer" />
        {destination && (
          <label className="switch-label">
            <span>Enabled</span>
            <Switch.Root className="switch" checked={destination.enabled} onCheckedChange={(on) => void run('setDestinationEnabled', destination.id, on)} aria-label={`Stream to ${destination.name}`}>
              <Switch.Thumb className="switch-thumb" />
            </Switch.Root>
          </label>
        )}
      </div>
      {destination?.error && (
        <p className="health health-error" role="status">
          {destination.error}
        </p>
      )}
      {destination?.warnings.map((w) => (
        <p key={w} className="health health-warn">
          {w}
        </p>
      ))}
      <div className="grid2">
        <Field label="Name" error={errors.name} hint={destination ? hint('destinationName') : undefined}>
          <input value={name} onChange={(e) => setName(e.target.value)} />
        </Field>
        <Field label="Service" error={errors.service} hint={destination ? hint('destinationServer') : undefined}>
          <select
            value={service}
            onChange={(e) => {
              const next = e.target.value as ServiceId;
              // A name that was only the old service's name follows the new service.
              if (!destination && name === (services.find((x) => x.id === service)?.name ?? 'Twitch')) setName(services.find((x) => x.id === next)?.name ?? name);
              setService(next);
              setServerId('');
            }}
          >
            {(services.length ? services : [{ id: service, name: service }]).map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </Field>
        {isCustom ? (
          <Field label="Server URL" error={errors.serverUrl} hint={hint('destinationServer', preset?.rtmpsOnly ? 'rtmps:// only' : 'rtmp:// or rtmps://host/app')}>
            <input value={serverUrl} onChange={(e) => setServerUrl(e.target.value)} placeholder="rtmp://live.example.com/app" spellCheck={false} />
          </Field>
        ) : (
          <Field label="Server" error={errors.serverId} hint={destination ? hint('destinationServer') : undefined}>
            <select value={serverId} onChange={(e) => setServerId(e.target.value)}>
              <option value="">Default{preset ? ` (${preset.servers.find((s) => s.id === preset.defaultServer)?.name ?? preset.defaultServer})` : ''}</option>
              {preset?.servers.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field label="Stream key" error={errors.streamKey} hint={hint('destinationKey', destination?.hasKey ? 'Key saved. Type a new one to replace it' : preset?.streamKeyHint)}>
          <input type="password" value={streamKey} onChange={(e) => setStreamKey(e.target.value)} placeholder={destination?.hasKey ? '•••••••• key saved' : 'Paste your stream key'} autoComplete="off" spellCheck={false} />
        </Field>
      </div>
      <FormError error={errors._form} />
      <div className="dialog-actions">
        {saved && (
          <span className="muted small" role="status">
            Saved
          </span>
        )}
        {destination ? (
          <button type="button" className="btn btn-danger-quiet" onClick={() => void run('removeDestination', destination.id)}>
            Remove
          </button>
        ) : (
          onCancel && (
            <button type="button" className="btn" onClick={onCancel}>
              {cancelLabel}
            </button>
          )
        )}
        <button type="submit" className="btn btn-primary">
          {submitLabel ?? (destination ? 'Save' : 'Add destination')}
        </button>
      </div>
    </form>
  );
}

// ---------------------------------------------------------------------------------------------------
// Video and output

function VideoTab() {
  const encoding = useApp(selectEncoding);
  const collection = useApp((s) => s.studio?.scenes?.collection ?? null);
  const client = useApp((s) => s.client);
  const hint = useLiveHint();
  const [canvasW, setCanvasW] = useState(String(collection?.canvas.width ?? 1920));
  const [canvasH, setCanvasH] = useState(String(collection?.canvas.height ?? 1080));
  const [width, setWidth] = useState(String(encoding?.width ?? 1280));
  const [height, setHeight] = useState(String(encoding?.height ?? 720));
  const [fps, setFps] = useState(String(encoding?.fps ?? 30));
  const { errors, saved, save } = useSave(['width', 'height', 'fps', 'canvas']);

  const submit = (e: FormEvent): void =>
    save(e, async () => {
      await client.call('setEncoding', { width: num(width), height: num(height), fps: num(fps) });
      if (collection && (collection.canvas.width !== num(canvasW) || collection.canvas.height !== num(canvasH))) {
        // Any refusal of the new canvas is about the canvas, whichever of its fields the collection names.
        await client.call('loadCollection', { ...collection, canvas: { ...collection.canvas, width: num(canvasW), height: num(canvasH) } }).catch((err: unknown) => {
          throw { field: 'canvas', message: err instanceof Error ? err.message : String(err) };
        });
      }
    });

  return (
    <form className="form" onSubmit={submit}>
      <h3 className="section-title">Canvas</h3>
      <p className="muted small">The size scenes are composed at.</p>
      <div className="grid3">
        <Field label="Canvas width" error={errors.canvas} hint={hint('canvas')}>
          <input inputMode="numeric" value={canvasW} onChange={(e) => setCanvasW(e.target.value)} disabled={!collection} />
        </Field>
        <Field label="Canvas height">
          <input inputMode="numeric" value={canvasH} onChange={(e) => setCanvasH(e.target.value)} disabled={!collection} />
        </Field>
      </div>
      <h3 className="section-title">Output</h3>
      <p className="muted small">What viewers receive. While live, a change restarts the encoder and keeps every connection.</p>
      <div className="grid3">
        <Field label="Output width" error={errors.width} hint={hint('outputSize')}>
          <input inputMode="numeric" value={width} onChange={(e) => setWidth(e.target.value)} />
        </Field>
        <Field label="Output height" error={errors.height} hint={hint('outputSize')}>
          <input inputMode="numeric" value={height} onChange={(e) => setHeight(e.target.value)} />
        </Field>
        <Field label="Frame rate (fps)" error={errors.fps} hint={hint('fps')}>
          <input inputMode="decimal" value={fps} onChange={(e) => setFps(e.target.value)} />
        </Field>
      </div>
      <SaveRow saved={saved} error={errors._form} />
    </form>
  );
}

const OUTPUT_FIELDS = ['encoder', 'videoBitrateKbps', 'keyframeIntervalSec', 'preset', 'profile'] as const;

export function OutputTab() {
  const encoding = useApp(selectEncoding);
  const client = useApp((s) => s.client);
  const hint = useLiveHint();
  const encoders = useRead('listEncoders').value;
  const [encoder, setEncoder] = useState<string>(encoding?.encoder ?? 'libx264');
  const [bitrate, setBitrate] = useState(String(encoding?.videoBitrateKbps ?? 4500));
  const [keyframe, setKeyframe] = useState(String(encoding?.keyframeIntervalSec ?? 2));
  const [preset, setPreset] = useState(encoding?.preset ?? '');
  const [profile, setProfile] = useState<string>(encoding?.profile ?? 'high');
  const { errors, saved, save } = useSave(OUTPUT_FIELDS);

  const submit = (e: FormEvent): void => {
    const patch: EncodingPatch = {
      encoder: encoder as EncodingPatch['encoder'],
      videoBitrateKbps: num(bitrate),
      keyframeIntervalSec: num(keyframe),
      preset: preset.trim() === '' ? null : preset.trim(),
      profile: profile as EncodingPatch['profile'],
    };
    save(e, () => client.call('setEncoding', patch), (settings) => setPreset(settings.preset ?? ''));
  };

  const chosen = encoders?.find((x) => x.name === encoder);
  return (
    <form className="form" onSubmit={submit}>
      <div className="grid2">
        <Field label="Encoder" error={errors.encoder} hint={hint('encoder', chosen && !chosen.working ? `Does not work on this computer: ${chosen.error ?? 'trial encode failed'}` : undefined)}>
          <select value={encoder} onChange={(e) => setEncoder(e.target.value)}>
            {(encoders ?? [{ name: encoder, label: encoder, working: true, hardware: false, listed: true }]).map((x) => (
              <option key={x.name} value={x.name}>
                {x.label} — {x.working ? 'works on this computer' : 'not available here'}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Video bitrate (kb/s)" error={errors.videoBitrateKbps} hint={hint('videoBitrateKbps')}>
          <input inputMode="numeric" value={bitrate} onChange={(e) => setBitrate(e.target.value)} />
        </Field>
        <Field label="Keyframe interval (s)" error={errors.keyframeIntervalSec} hint={hint('keyframeIntervalSec')}>
          <input inputMode="numeric" value={keyframe} onChange={(e) => setKeyframe(e.target.value)} />
        </Field>
        <Field label="Preset" error={errors.preset} hint={hint('preset', "x264: ultrafast … veryslow; empty for the encoder's default")}>
          <input value={preset} onChange={(e) => setPreset(e.target.value)} spellCheck={false} />
        </Field>
        <Field label="Profile" error={errors.profile} hint={hint('profile')}>
          <select value={profile} onChange={(e) => setProfile(e.target.value)}>
            <option value="baseline">baseline</option>
            <option value="main">main</option>
            <option value="high">high</option>
          </select>
        </Field>
      </div>
      <SaveRow saved={saved} error={errors._form} />
    </form>
  );
}
