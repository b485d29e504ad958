/** What the settings tabs share: the live hint of a field, saving a form, the save row, numbers as typed. */
import { type FormEvent, useState } from 'react';
import { selectPhase, useApp } from '../store.js';
import { type SettingName, liveHint } from './applies.js';
import { type FieldErrors, errorsFrom } from './Field.js';

/** While live, a field's hint says what a change does to the stream. */
export function useLiveHint(): (setting: SettingName, hint?: string) => string | undefined {
  const phase = useApp(selectPhase);
  const live = phase === 'live' || phase === 'starting';
  return (setting, hint) => liveHint(setting, live, hint);
}

/**
 * A form's save: the old errors and "Saved" go, the call runs, and then "Saved" shows, or the refusal
 * at the field it names (one of `fields`; another goes under the form).
 */
export function useSave(fields: readonly string[]) {
  const [errors, setErrors] = useState<FieldErrors>({});
  const [saved, setSaved] = useState(false);
  const save = <T,>(e: FormEvent, call: () => Promise<T>, then?: (value: T) => void): void => {
    e.preventDefault();
    setErrors({});
    setSaved(false);
    call().then(
      (value) => {
        setSaved(true);
        then?.(value);
      },
      (err: unknown) => setErrors(errorsFrom(err, fields)),
    );
  };
  return { errors, setErrors, saved, save };
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
