/**
 * A source's properties (its device, file, text, colour or tone, by kind) and its item's numeric
 * transform (position, size, crop per side), in one dialog with a tab each. Saving calls updateSource or
 * updateItem; a refusal, the form's own or the engine's, is shown at the field it names.
 */
import * as Tabs from '@radix-ui/react-tabs';
import { type FormEvent, useState } from 'react';
import type { CaptureDevice, SceneItem, Source } from '../../../electron/contract.js';
import {
  type FormErrors,
  type PropertiesForm,
  type TransformForm,
  devicesFor,
  editKindOf,
  formFieldOf,
  isAudioOnly,
  kindLabel,
  propertiesOf,
  sourcePatchFrom,
  transformFieldOf,
  transformOf,
  transformPatch,
} from '../sources.js';
import { type PropertiesTab, useApp } from '../store.js';
import { Field } from './Field.js';
import { FormError } from './settings-common.js';
import { useRead } from './useRead.js';
import { Modal, SubmitRow, closeWith } from './Modal.js';

/** A device picker's options: the system default ('' ), a saved device not connected now, and the devices of the kind. */
export function DeviceOptions({ loading, choices, missing }: { loading: boolean; choices: readonly CaptureDevice[]; missing?: { id: string; name: string } | undefined }) {
  return (
    <>
      <option value="">{loading ? 'Looking for devices…' : 'System default'}</option>
      {missing && <option value={missing.id}>{missing.name} (not connected)</option>}
      {choices.map((d) => (
        <option key={d.id} value={d.id}>
          {d.name}
        </option>
      ))}
    </>
  );
}

export function SourcePropertiesDialog({ source, item, sceneId, tab, onClose }: { source: Source; item: SceneItem; sceneId: string; tab: PropertiesTab; onClose: () => void }) {
  const hasTransform = !isAudioOnly(source);
  return (
    <Modal
      onOpenChange={closeWith(onClose)}
      size="medium"
      title={
        <>
          {source.name} <span className="muted">· {kindLabel(source)}</span>
        </>
      }
      closeLabel="Close properties"
      description={{ text: `Properties and transform of ${source.name}`, hidden: true }}
    >
      <Tabs.Root className="tabs-top" defaultValue={hasTransform ? tab : 'properties'}>
        <Tabs.List className="tab-row" aria-label="Source settings">
          <Tabs.Trigger className="tab" value="properties">
            Properties
          </Tabs.Trigger>
          {hasTransform && (
            <Tabs.Trigger className="tab" value="transform">
              Transform
            </Tabs.Trigger>
          )}
        </Tabs.List>
        <Tabs.Content value="properties">
          <PropertiesTabForm source={source} onSaved={onClose} />
        </Tabs.Content>
        {hasTransform && (
          <Tabs.Content value="transform">
            <TransformTabForm item={item} sceneId={sceneId} onSaved={onClose} />
          </Tabs.Content>
        )}
      </Tabs.Root>
    </Modal>
  );
}

function PropertiesTabForm({ source, onSaved }: { source: Source; onSaved: () => void }) {
  const client = useApp((s) => s.client);
  const kind = editKindOf(source);
  const needsDevice = source.kind === 'video-device' || source.kind === 'audio-device' || source.kind === 'screen';
  // Listed once the dialog opens (discovery takes a moment).
  const listed = useRead('listDevices', needsDevice);
  const devices: CaptureDevice[] = listed.value ?? [];
  const { loading, error: listError } = listed;
  const [form, setForm] = useState<PropertiesForm>(() => propertiesOf(source));
  const [errors, setErrors] = useState<FormErrors>({});
  const set = <K extends keyof PropertiesForm>(key: K, value: PropertiesForm[K]): void => setForm((f) => ({ ...f, [key]: value }));

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const patch = sourcePatchFrom(source, form, devices);
    if (!patch.ok) {
      setErrors(patch.errors);
      return;
    }
    setErrors({});
    client.call('updateSource', source.id, patch.value).then(onSaved, (err: unknown) => {
      const e = err as { field?: string; message?: string };
      const field = formFieldOf(e.field);
      setErrors({ [field in form ? field : '_form']: e.message ?? String(err) });
    });
  };

  const choices = kind ? devicesFor(kind, devices) : [];
  // A saved device that is not plugged in now stays choosable, named as it was saved.
  const saved = (source.settings as { device?: string | null; deviceName?: string }) ?? {};
  const missing = form.device !== '' && !choices.some((d) => d.id === form.device);

  return (
    <form className="form" onSubmit={submit} aria-label={`Properties of ${source.name}`} noValidate>
      <Field label="Name" error={errors.name}>
        <input value={form.name} onChange={(e) => set('name', e.target.value)} />
      </Field>
      {needsDevice && (
        <Field label="Device" error={errors.device} hint={listError ? `Devices could not be listed: ${listError}` : undefined}>
          <select value={form.device} onChange={(e) => set('device', e.target.value)} disabled={loading}>
            <DeviceOptions loading={loading} choices={choices} missing={missing ? { id: form.device, name: saved.deviceName ?? form.device } : undefined} />
          </select>
        </Field>
      )}
      {source.kind === 'screen' && (
        <label className="check">
          <input type="checkbox" checked={form.captureCursor} onChange={(e) => set('captureCursor', e.target.checked)} /> Show the mouse pointer
        </label>
      )}
      {(source.kind === 'image' || source.kind === 'media') && (
        <Field label="File" error={errors.file} hint="The file's full path on the computer that runs the studio">
          <input value={form.file} onChange={(e) => set('file', e.target.value)} spellCheck={false} placeholder={source.kind === 'image' ? '/home/me/overlay.png' : '/home/me/intro.mp4'} />
        </Field>
      )}
      {source.kind === 'text' && (
        <>
          <Field label="Text" error={errors.text}>
            <textarea rows={3} value={form.text} onChange={(e) => set('text', e.target.value)} />
          </Field>
          <div className="grid2">
            <Field label="Font size (px)" error={errors.fontSizePx}>
              <input inputMode="numeric" value={form.fontSizePx} onChange={(e) => set('fontSizePx', e.target.value)} />
            </Field>
            <Field label="Text colour" error={errors.color}>
              <input type="color" value={form.color} onChange={(e) => set('color', e.target.value)} />
            </Field>
          </div>
        </>
      )}
      {source.kind === 'color' && (
        <Field label="Colour" error={errors.color}>
          <input type="color" value={form.color} onChange={(e) => set('color', e.target.value)} />
        </Field>
      )}
      {source.kind === 'tone' && (
        <Field label="Frequency (Hz)" error={errors.frequencyHz}>
          <input inputMode="decimal" value={form.frequencyHz} onChange={(e) => set('frequencyHz', e.target.value)} />
        </Field>
      )}
      {source.kind === 'test-pattern' && <p className="muted small">Colour bars with a moving counter: nothing to set.</p>}
      {source.kind === 'placeholder' && <p className="muted small">Imported from OBS ({source.settings.obsKind}), which Uplink cannot show: it keeps its place in every scene. Replace it with a source Uplink has.</p>}
      {source.kind === 'network' && <p className="muted small">Reads {source.settings.url}.</p>}
      <FormError error={errors._form} />
      <SubmitRow label="Save" />
    </form>
  );
}

const TRANSFORM_FIELDS: ReadonlyArray<readonly [keyof TransformForm, string]> = [
  ['x', 'X (px)'],
  ['y', 'Y (px)'],
  ['width', 'Width (px)'],
  ['height', 'Height (px)'],
];
const CROP_FIELDS: ReadonlyArray<readonly [keyof TransformForm, string]> = [
  ['cropTop', 'Crop top'],
  ['cropRight', 'Crop right'],
  ['cropBottom', 'Crop bottom'],
  ['cropLeft', 'Crop left'],
];

function TransformTabForm({ item, sceneId, onSaved }: { item: SceneItem; sceneId: string; onSaved: () => void }) {
  const client = useApp((s) => s.client);
  const canvas = useApp((s) => s.studio?.scenes?.collection.canvas);
  const [form, setForm] = useState<TransformForm>(() => transformOf(item));
  const [errors, setErrors] = useState<FormErrors>({});

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const patch = transformPatch(form);
    if (!patch.ok) {
      setErrors(patch.errors);
      return;
    }
    setErrors({});
    client.call('updateItem', sceneId, item.id, patch.value).then(onSaved, (err: unknown) => {
      const e = err as { field?: string; message?: string };
      const field = transformFieldOf(e.field);
      setErrors({ [field in form ? field : '_form']: e.message ?? String(err) });
    });
  };
  const input = ([key, label]: readonly [keyof TransformForm, string]) => (
    <Field key={key} label={label} error={errors[key]}>
      <input inputMode="decimal" value={form[key]} onChange={(e) => setForm((f) => ({ ...f, [key]: e.target.value }))} />
    </Field>
  );

  return (
    <form className="form" onSubmit={submit} aria-label="Transform" noValidate>
      <p className="muted small">Position and size on the {canvas ? `${canvas.width}x${canvas.height} ` : ''}canvas, in pixels from its top-left corner.</p>
      <div className="grid4">{TRANSFORM_FIELDS.map(input)}</div>
      <h3 className="section-title">Crop</h3>
      <p className="muted small">Pixels of the source's own picture cut off each side.</p>
      <div className="grid4">{CROP_FIELDS.map(input)}</div>
      <FormError error={errors._form} />
      <SubmitRow label="Save">
        <button type="button" className="btn" onClick={() => canvas && setForm((f) => ({ ...f, x: '0', y: '0', width: String(canvas.width), height: String(canvas.height) }))}>
          Fit to canvas
        </button>
      </SubmitRow>
    </form>
  );
}
