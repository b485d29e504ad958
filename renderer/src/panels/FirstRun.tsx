/**
 * The first run: what the studio picked to show and play (the engine's rule for a new profile: the first
 * camera and microphone, else the test pattern and a tone), where to stream (a service preset, its
 * server and the key), and the encoder check with a bitrate the service accepts. Finishing lands in the
 * studio.
 *
 * Shown when the studio has no destination yet and the streamer has not skipped it. "Skip" is
 * remembered in this browser's localStorage, not in the profile: it is a preference of the person at
 * this screen (another computer's browser on the same studio should still be offered the tour), it needs
 * nothing from the engine, and once a destination exists the first run is not offered anywhere anyway.
 */
import { type FormEvent, useEffect, useRef, useState } from 'react';
import type { DestinationView } from '../../../electron/contract.js';
import { kindLabel } from '../sources.js';
import { selectEncoding, selectScenes, useApp } from '../store.js';
import { firstWorkingEncoder, proposeBitrate } from './bitrate.js';
import { Field, type FieldErrors, errorsFrom } from './Field.js';
import { DestinationForm, useServices } from './Settings.js';
import { FormError } from './settings-common.js';
import { useRead } from './useRead.js';
import { Modal, closeWith } from './Modal.js';

export const FIRST_RUN_DISMISSED_KEY = 'uplink.firstRun.done';

/** localStorage, where there is one (a locked-down browser may refuse it: then the first run just shows again). */
export function firstRunDone(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): boolean {
  try {
    return storage?.getItem(FIRST_RUN_DISMISSED_KEY) === '1';
  } catch {
    return false;
  }
}

function rememberFirstRunDone(storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage): void {
  try {
    storage?.setItem(FIRST_RUN_DISMISSED_KEY, '1');
  } catch {
    // Not remembered: it is offered again next time, which is harmless.
  }
}

type Step = 'sources' | 'destination' | 'encoder';
const STEPS: ReadonlyArray<{ step: Step; label: string }> = [
  { step: 'sources', label: 'Sources' },
  { step: 'destination', label: 'Destination' },
  { step: 'encoder', label: 'Encoder' },
];

export function FirstRun() {
  const loaded = useApp((s) => s.studio !== null);
  const hasDestination = useApp((s) => (s.studio?.destinations.length ?? 0) > 0);
  const [open, setOpen] = useState(false);
  const decided = useRef(false);
  // Decided once, on the first snapshot: adding the destination halfway through must not close it.
  useEffect(() => {
    if (!loaded || decided.current) return;
    decided.current = true;
    if (!hasDestination && !firstRunDone()) setOpen(true);
  }, [loaded, hasDestination]);

  const close = (): void => {
    rememberFirstRunDone();
    setOpen(false);
  };
  if (!open) return null;
  return <FirstRunDialog onClose={close} />;
}

export function FirstRunDialog({ onClose }: { onClose: () => void }) {
  const [step, setStep] = useState<Step>('sources');
  const [destination, setDestination] = useState<DestinationView | null>(null);
  const index = STEPS.findIndex((s) => s.step === step);
  return (
    <Modal onOpenChange={closeWith(onClose)} size="medium" className="first-run" title="Welcome to Uplink">
      <ol className="steps" aria-label="Setup steps">
        {STEPS.map((s, i) => (
          <li key={s.step} className={i === index ? 'step current' : i < index ? 'step done' : 'step'} aria-current={i === index ? 'step' : undefined}>
            <span className="step-n">{i + 1}</span> {s.label}
          </li>
        ))}
      </ol>
      {step === 'sources' && <SourcesStep onNext={() => setStep('destination')} onSkip={onClose} />}
      {step === 'destination' && (
        <DestinationStep
          onNext={(view) => {
            setDestination(view);
            setStep('encoder');
          }}
          onSkip={onClose}
        />
      )}
      {step === 'encoder' && <EncoderStep destination={destination} onDone={onClose} />}
    </Modal>
  );
}

function SourcesStep({ onNext, onSkip }: { onNext: () => void; onSkip: () => void }) {
  const scenes = useApp(selectScenes);
  const run = useApp((s) => s.run);
  const [loading, setLoading] = useState(false);
  const collection = scenes?.collection;
  const scene = collection?.scenes.find((s) => s.id === scenes?.programSceneId);
  const sources = (scene?.items ?? []).flatMap((item) => collection?.sources.filter((s) => s.id === item.sourceId) ?? []);
  const noCamera = sources.some((s) => s.kind === 'test-pattern') && !sources.some((s) => s.kind === 'video-device');
  const noMic = sources.some((s) => s.kind === 'tone') && !sources.some((s) => s.kind === 'audio-device');

  const useFound = (): void => {
    setLoading(true);
    void run('loadDefaultCollection').finally(() => setLoading(false));
  };

  return (
    <div className="form">
      <h3 className="section-title">What your viewers see and hear</h3>
      {scene ? (
        <>
          <p className="muted">Uplink starts with the first camera and microphone it finds on this computer. You can change them at any time in the Sources panel.</p>
          <ul className="picked" aria-label="Picked sources">
            {sources.map((s) => (
              <li key={s.id}>
                <span className="picked-kind">{kindLabel(s)}</span> <strong>{s.name}</strong>
              </li>
            ))}
          </ul>
          {(noCamera || noMic) && (
            <p className="health health-warn">
              {noCamera && noMic ? 'No camera or microphone was found: a test pattern and a tone stand in for them.' : noCamera ? 'No camera was found: a test pattern stands in for it.' : 'No microphone was found: a tone stands in for it.'}{' '}
              Plug one in and add it from the Sources panel.
            </p>
          )}
        </>
      ) : (
        <>
          <p className="muted">There is no scene yet. Uplink can make one with the first camera and microphone it finds (or a test pattern and a tone).</p>
          <button type="button" className="btn" onClick={useFound} disabled={loading}>
            {loading ? 'Looking for devices…' : 'Use the camera and microphone found'}
          </button>
        </>
      )}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={onSkip}>
          Skip
        </button>
        <button type="button" className="btn btn-primary" onClick={onNext} autoFocus>
          Next
        </button>
      </div>
    </div>
  );
}

function DestinationStep({ onNext, onSkip }: { onNext: (view: DestinationView) => void; onSkip: () => void }) {
  const services = useServices();
  return (
    <div className="stack">
      <h3 className="section-title">Where to stream</h3>
      <p className="muted">Choose your service and paste the stream key from its dashboard. The key is stored securely and never shown again.</p>
      <DestinationForm services={services} onDone={onNext} onCancel={onSkip} cancelLabel="Skip" submitLabel="Save and continue" />
    </div>
  );
}

function EncoderStep({ destination, onDone }: { destination: DestinationView | null; onDone: () => void }) {
  const client = useApp((s) => s.client);
  const encoding = useApp(selectEncoding);
  const services = useServices();
  const probe = useRead('listEncoders');
  const encoders = probe.loading ? null : (probe.value ?? []);
  const [bitrate, setBitrate] = useState<string | null>(null);
  const [errors, setErrors] = useState<FieldErrors>({});

  const service = services.find((s) => s.id === destination?.service);
  const output = encoding ?? { width: 1280, height: 720, fps: 30 };
  const proposal = proposeBitrate(output, service?.limits, service?.name);
  const shown = bitrate ?? String(proposal.kbps);
  const encoder = encoders ? firstWorkingEncoder(encoders) : null;

  const finish = (e: FormEvent): void => {
    e.preventDefault();
    setErrors({});
    const kbps = shown.trim() === '' ? Number.NaN : Number(shown);
    client.call('setEncoding', { ...(encoder ? { encoder: encoder.name } : {}), videoBitrateKbps: kbps }).then(onDone, (err: unknown) => setErrors(errorsFrom(err, ['encoder', 'videoBitrateKbps'])));
  };

  return (
    <form className="form" onSubmit={finish} aria-label="Encoder">
      <h3 className="section-title">Encoder and bitrate</h3>
      {encoders === null ? (
        <p className="muted" role="status">
          Checking which encoders work on this computer…
        </p>
      ) : encoder ? (
        <p className="health health-ok" role="status">
          {encoder.label} works on this computer{encoder.hardware ? ' (hardware: light on the processor)' : ''}.
        </p>
      ) : (
        <p className="health health-error" role="alert">
          No H.264 encoder works with this FFmpeg{probe.error ? `: ${probe.error}` : ''}. See Settings › FFmpeg for what it lacks.
        </p>
      )}
      <Field label="Video bitrate (kb/s)" error={errors.videoBitrateKbps ?? errors.encoder} hint={`Proposed: ${proposal.kbps} kb/s, ${proposal.reason}`}>
        <input inputMode="numeric" value={shown} onChange={(e) => setBitrate(e.target.value)} />
      </Field>
      <FormError error={errors._form} />
      <div className="dialog-actions">
        <button type="submit" className="btn btn-primary" disabled={encoders === null}>
          Finish
        </button>
      </div>
    </form>
  );
}
