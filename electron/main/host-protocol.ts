/**
 * The main process's side of the engine host's parent channel (the host's own copy is
 * electron/host/parent-protocol.ts: fronts never import each other, and the integration test runs this
 * side against the built host, so the two copies are checked together).
 */
export type SecretOp = 'get' | 'set' | 'delete';

export type MainToHost =
  | { type: 'connect'; portId: string }
  | { type: 'port-open'; portId: string }
  | { type: 'port-data'; portId: string; data: string }
  | { type: 'port-close'; portId: string }
  | { type: 'secret-result'; id: number; ok: true; value?: string }
  | { type: 'secret-result'; id: number; ok: false; message: string }
  | { type: 'shutdown' };

export type HostToMain =
  | { type: 'ready' }
  | { type: 'port-data'; portId: string; data: string | Uint8Array }
  | { type: 'secret'; id: number; op: SecretOp; ref: string; value?: string };

/** The port id of the main process's own contract session with the host. */
export const CONTROL_PORT = 'main';

export function parseHostMessage(data: unknown): HostToMain | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as Record<string, unknown>;
  if (m.type === 'ready') return { type: 'ready' };
  if (m.type === 'port-data' && typeof m.portId === 'string' && (typeof m.data === 'string' || m.data instanceof Uint8Array)) {
    return { type: 'port-data', portId: m.portId, data: m.data };
  }
  if (m.type === 'secret' && typeof m.id === 'number' && typeof m.ref === 'string' && (m.op === 'get' || m.op === 'set' || m.op === 'delete')) {
    return m.op === 'set' && typeof m.value === 'string' ? { type: 'secret', id: m.id, op: m.op, ref: m.ref, value: m.value } : { type: 'secret', id: m.id, op: m.op, ref: m.ref };
  }
  return undefined;
}
