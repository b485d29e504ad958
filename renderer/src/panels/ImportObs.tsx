/**
 * "Import from OBS": a scene collection JSON picked in the browser (OBS: Scene Collection → Export, or
 * basic/scenes/NAME.json), read as text here, sent to the engine, which imports and runs it; then the
 * report: what came in as it was, what was approximated and how, and what is a placeholder and why.
 */
import * as Dialog from '@radix-ui/react-dialog';
import { type ChangeEvent, useId, useState } from 'react';
import type { ObsImportReport } from '../../../electron/contract.js';
import { useApp } from '../store.js';
import { Field } from './Field.js';
import { Modal, closeWith } from './Modal.js';

/** The file's text as the JSON object the engine takes, or the one sentence that says why not. */
export function parseObsFile(text: string, fileName: string): { ok: true; value: Record<string, unknown> } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: `${fileName} is not JSON: export the scene collection from OBS with Scene Collection → Export` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, message: `${fileName} is not an OBS scene collection` };
  return { ok: true, value: value as Record<string, unknown> };
}

const STATUS_TEXT = { imported: 'Imported', approximated: 'Approximated', placeholder: 'Placeholder' } as const;

/** OBS's base resolutions streamers use (Settings → Video); the collection's positions are in its pixels. */
const OBS_CANVASES = [
  { value: '1920x1080', label: '1920×1080 (OBS’s default)' },
  { value: '1280x720', label: '1280×720' },
  { value: '2560x1440', label: '2560×1440' },
  { value: '3840x2160', label: '3840×2160' },
  { value: '1080x1920', label: '1080×1920 (vertical)' },
] as const;
const OBS_FPS = [30, 60, 25, 50, 24] as const;

export function ImportObsButton({ className = 'btn btn-small' }: { className?: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className={className} onClick={() => setOpen(true)}>
        Import from OBS…
      </button>
      {open && <ImportObsDialog onClose={() => setOpen(false)} />}
    </>
  );
}

export function ImportObsDialog({ onClose }: { onClose: () => void }) {
  const client = useApp((s) => s.client);
  const inputId = useId();
  const [size, setSize] = useState<string>(OBS_CANVASES[0].value);
  const [fps, setFps] = useState<number>(OBS_FPS[0]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [report, setReport] = useState<ObsImportReport | null>(null);

  const picked = async (e: ChangeEvent<HTMLInputElement>): Promise<void> => {
    const file = e.target.files?.[0];
    if (!file) return;
    setError(null);
    setReport(null);
    const parsed = parseObsFile(await file.text(), file.name);
    if (!parsed.ok) {
      setError(parsed.message);
      return;
    }
    setBusy(true);
    try {
      const [width, height] = size.split('x').map(Number);
      setReport(await client.call('importObsCollection', parsed.value, { width: width!, height: height!, fps }));
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
      e.target.value = '';
    }
  };

  return (
    <Modal
      onOpenChange={closeWith(onClose)}
      size="medium"
      title="Import from OBS"
      closeLabel="Close import"
      description={{ text: 'Pick a scene collection exported from OBS (Scene Collection → Export). It replaces the scenes and sources you have now.' }}
    >
      <div className="form">
        <div className="grid2">
          <Field label="OBS base resolution" hint="As in OBS’s Settings → Video: the collection’s positions are in these pixels. It becomes the studio’s canvas.">
            <select value={size} onChange={(e) => setSize(e.target.value)} disabled={busy}>
              {OBS_CANVASES.map((c) => (
                <option key={c.value} value={c.value}>
                  {c.label}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Frame rate">
            <select value={fps} onChange={(e) => setFps(Number(e.target.value))} disabled={busy}>
              {OBS_FPS.map((f) => (
                <option key={f} value={f}>
                  {f} fps
                </option>
              ))}
            </select>
          </Field>
        </div>
        <div className="field">
          <label htmlFor={inputId}>OBS scene collection (.json)</label>
          <input id={inputId} type="file" accept=".json,application/json" onChange={(e) => void picked(e)} disabled={busy} aria-describedby={error ? `${inputId}-error` : undefined} />
        </div>
        {busy && (
          <p className="muted small" role="status">
            Importing…
          </p>
        )}
        {error && (
          <p id={`${inputId}-error`} className="field-error" role="alert">
            {error}
          </p>
        )}
        {report && <ImportReportView report={report} />}
      </div>
      <div className="dialog-actions">
        <Dialog.Close className={report ? 'btn btn-primary' : 'btn'}>{report ? 'Done' : 'Cancel'}</Dialog.Close>
      </div>
    </Modal>
  );
}

export function ImportReportView({ report }: { report: ObsImportReport }) {
  const count = (status: keyof typeof STATUS_TEXT): number => report.sources.filter((s) => s.status === status).length;
  return (
    <section className="import-report" aria-label="Import report">
      <p role="status">
        <strong>
          Imported {report.scenes.length} {report.scenes.length === 1 ? 'scene' : 'scenes'} and {report.sources.length} {report.sources.length === 1 ? 'source' : 'sources'}
        </strong>
        : {count('imported')} as they were, {count('approximated')} approximated, {count('placeholder')} as placeholders.
      </p>
      {report.notes.map((note) => (
        <p key={note} className="health health-warn">
          {note}
        </p>
      ))}
      <table className="report-table">
        <thead>
          <tr>
            <th scope="col">Source</th>
            <th scope="col">In OBS</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {report.sources.map((s) => (
            <tr key={`${s.name}-${s.obsKind}`}>
              <td>{s.name}</td>
              <td className="mono">{s.obsKind}</td>
              <td>
                <span className={`badge badge-import-${s.status}`}>{STATUS_TEXT[s.status]}</span>
                {s.status !== 'placeholder' && <span className="muted small"> as {s.as}</span>}
                {s.notes.map((n) => (
                  <div key={n} className="muted small">
                    {n}
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {report.scenes.some((s) => s.notes.length > 0) && (
        <ul className="report-notes">
          {report.scenes.flatMap((scene) => scene.notes.map((n) => <li key={`${scene.name}-${n}`}>{`${scene.name}: ${n}`}</li>))}
        </ul>
      )}
    </section>
  );
}
