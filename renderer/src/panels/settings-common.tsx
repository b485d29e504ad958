/** What the settings tabs share: the live hint of a field, the save row, numbers as typed. */
import { selectPhase, useApp } from '../store.js';
import { type SettingName, liveHint } from './applies.js';

/** While live, a field's hint says what a change does to the stream. */
export function useLiveHint(): (setting: SettingName, hint?: string) => string | undefined {
  const phase = useApp(selectPhase);
  const live = phase === 'live' || phase === 'starting';
  return (setting, hint) => liveHint(setting, live, hint);
}

/** A number as typed; an empty or half-typed field is sent as NaN so the engine names the problem. */
export function num(text: string): number {
  return text.trim() === '' ? Number.NaN : Number(text);
}

/** A refusal that names no field of the form: under the form, read out when it appears. */
export function FormError({ error }: { error?: string | null | undefined }) {
  return error ? (
    <p className="field-error" role="alert">
      {error}
    </p>
  ) : null;
}

export function SaveRow({ saved, error, label = 'Save' }: { saved: boolean; error?: string | undefined; label?: string }) {
  return (
    <>
      <FormError error={error} />
      <div className="dialog-actions">
        {saved && (
          <span className="muted small" role="status">
            Saved
          </span>
        )}
        <button type="submit" className="btn btn-primary">
          {label}
        </button>
      </div>
    </>
  );
}
