/** A name edited in place: Enter or leaving the field saves, Escape cancels (`onDone(null)`). */
import { useState } from 'react';

export function InlineName({ label, initial, onDone }: { label: string; initial: string; onDone: (name: string | null) => void }) {
  const [value, setValue] = useState(initial);
  let finished = false;
  const finish = (name: string | null): void => {
    if (finished) return;
    finished = true;
    onDone(name === null ? null : name.trim());
  };
  return (
    <input
      className="inline-name"
      aria-label={label}
      value={value}
      autoFocus
      onFocus={(e) => e.currentTarget.select()}
      onChange={(e) => setValue(e.target.value)}
      onBlur={() => finish(value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') finish(value);
        if (e.key === 'Escape') finish(null);
      }}
    />
  );
}
