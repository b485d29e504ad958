/** Go live, record, settings: the buttons a streamer reaches for, with the exact names hotkeys and tests use. */
import * as Dialog from '@radix-ui/react-dialog';
import { type FormEvent, useState } from 'react';
import { defaultRecordingName } from '../format.js';
import { selectPhase, selectRecording, selectRun, useApp } from '../store.js';
import { Modal, SubmitRow } from './Modal.js';

export function Controls() {
  const phase = useApp(selectPhase);
  const recording = useApp(selectRecording);
  const run = useApp(selectRun);
  const openSettings = useApp((s) => s.setSettingsOpen);
  const streaming = phase === 'live' || phase === 'starting';

  return (
    <section className="panel controls" aria-labelledby="controls-title">
      <h2 id="controls-title" className="panel-title">
        Controls
      </h2>
      <div className="panel-body controls-body">
        {streaming ? (
          <button type="button" className="btn btn-big btn-live" onClick={() => void run('stopStream')}>
            Stop Streaming
          </button>
        ) : (
          <button type="button" className="btn btn-big btn-primary" disabled={phase === 'stopping'} onClick={() => void run('goLive')}>
            Go Live
          </button>
        )}
        {phase === 'starting' && <p className="muted small" role="status">Connecting…</p>}
        {recording?.active ? (
          <button type="button" className="btn btn-big btn-rec-on" onClick={() => void run('stopRecording')}>
            Stop Recording
          </button>
        ) : (
          <RecordButton />
        )}
        <button type="button" className="btn btn-big" onClick={() => openSettings(true)}>
          Settings
        </button>
      </div>
    </section>
  );
}

/** Start Recording asks for the file name first: recordings go to the profile's recordings folder. */
function RecordButton() {
  const [open, setOpen] = useState(false);
  const [file, setFile] = useState('');
  const [error, setError] = useState<string | null>(null);
  const client = useApp((s) => s.client);
  const format = useApp((s) => s.studio?.recordingSettings.format ?? 'mkv');

  const onOpenChange = (next: boolean): void => {
    if (next) {
      setFile(defaultRecordingName(new Date(), format));
      setError(null);
    }
    setOpen(next);
  };
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    client.call('startRecording', file.trim()).then(
      () => setOpen(false),
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  };

  return (
    <Modal
      open={open}
      onOpenChange={onOpenChange}
      size="small"
      title="Start recording"
      description={{ text: 'The file is written to the recordings folder. It must not exist yet.' }}
      trigger={<Dialog.Trigger className="btn btn-big btn-rec">Start Recording</Dialog.Trigger>}
    >
      <form onSubmit={submit} className="form">
        <label className="field">
          <span>File name</span>
          <input value={file} onChange={(e) => setFile(e.target.value)} aria-invalid={error !== null} aria-describedby={error ? 'record-error' : undefined} autoFocus />
        </label>
        {error && (
          <p id="record-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <SubmitRow label="Record" disabled={file.trim() === ''} />
      </form>
    </Modal>
  );
}
