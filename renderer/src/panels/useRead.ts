/**
 * A command that only reads (listDevices, listEncoders, listServices, getFfmpegInfo), called once when a
 * panel opens: its answer, or why there is none. An answer that comes after the panel closed is dropped.
 */
import { useEffect, useState } from 'react';
import type { StudioCommands } from '../../../electron/contract.js';
import type { CommandResult } from '../client.js';
import { useApp } from '../store.js';

type ReadCommand = 'listDevices' | 'listEncoders' | 'listServices' | 'getFfmpegInfo';

export interface Read<T> {
  /** null until it answers (and after a failure). */
  value: T | null;
  loading: boolean;
  error: string | null;
}

export function useRead<K extends ReadCommand>(command: K, enabled = true, ...args: Parameters<StudioCommands[K]>): Read<CommandResult<K>> {
  const client = useApp((s) => s.client);
  const [read, setRead] = useState<Read<CommandResult<K>>>({ value: null, loading: enabled, error: null });
  useEffect(() => {
    if (!enabled) return;
    let alive = true;
    setRead((r) => ({ ...r, loading: true }));
    client.call(command, ...args).then(
      (value) => alive && setRead({ value, loading: false, error: null }),
      (err: unknown) => alive && setRead({ value: null, loading: false, error: err instanceof Error ? err.message : String(err) }),
    );
    return () => {
      alive = false;
    };
    // The arguments are constants of the caller (a refresh flag at most): a call per panel opening.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, command, enabled]);
  return read;
}
