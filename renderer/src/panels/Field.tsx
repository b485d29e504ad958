/** A labelled form field with its error shown beneath it and tied to the input for screen readers. */
import { type ReactElement, cloneElement, useId } from 'react';

export function Field({ label, error, hint, children }: { label: string; error?: string | undefined; hint?: string | undefined; children: ReactElement<Record<string, unknown>> }) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {cloneElement(children, { id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && !error && (
        <span id={hintId} className="field-hint">
          {hint}
        </span>
      )}
      {error && (
        <span id={errorId} className="field-error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** Errors by field, from a CommandError: `1.serverUrl` (argument 1's field) is the form's `serverUrl`. */
export function fieldOf(field: string | undefined): string {
  return (field ?? '').replace(/^\d+\./, '').replace(/^\d+$/, '');
}

export type FieldErrors = Record<string, string>;

/** A failed save as field errors; one without a known field goes under `_form`. */
export function errorsFrom(err: unknown, known: readonly string[]): FieldErrors {
  const e = err as { field?: string; message?: string };
  const message = e?.message ?? String(err);
  const field = fieldOf(e?.field);
  return known.includes(field) ? { [field]: message } : { _form: message };
}
