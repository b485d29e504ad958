/**
 * What the engine host and its parent (Electron's main process, or any Node process that forks it) say
 * to each other over the parent channel. Windows' traffic does not pass here in the desktop app: each
 * window gets its own MessagePort straight to the host (`connect`). The parent's own contract session,
 * and every session of a host forked as a plain Node child (which cannot receive ports), travel as
 * "virtual ports" multiplexed over this channel (`port-open` / `port-data` / `port-close`).
 *
 * The main process keeps its own copy of these shapes (fronts never import each other); the integration
 * test drives the built host with the main process's supervisor, so the two copies are checked together.
 */

export type ParentToHost =
  /** A real MessagePort comes with this message (`ports[0]`): one contract session for a window. */
  | { type: 'connect'; portId: string }
  | { type: 'port-open'; portId: string }
  | { type: 'port-data'; portId: string; data: string }
  | { type: 'port-close'; portId: string }
  | { type: 'secret-result'; id: number; ok: true; value?: string }
  | { type: 'secret-result'; id: number; ok: false; message: string }
  /** The app quits: stop the stream, recording and obs-websocket cleanly, save, then exit. */
  | { type: 'shutdown' };

export type SecretOp = 'get' | 'set' | 'delete';

export type HostToParent =
  | { type: 'ready' }
  | { type: 'port-data'; portId: string; data: string | Uint8Array }
  | { type: 'secret'; id: number; op: SecretOp; ref: string; value?: string };

const PORT_ID = /^[\w:.-]{1,64}$/;

/** The parent is trusted, but a malformed message is still dropped rather than thrown on. */
export function parseParentMessage(data: unknown): ParentToHost | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as Record<string, unknown>;
  switch (m.type) {
    case 'connect':
    case 'port-open':
    case 'port-close':
      return typeof m.portId === 'string' && PORT_ID.test(m.portId) ? ({ type: m.type, portId: m.portId } as ParentToHost) : undefined;
    case 'port-data':
      return typeof m.portId === 'string' && typeof m.data === 'string' ? { type: 'port-data', portId: m.portId, data: m.data } : undefined;
    case 'shutdown':
      return { type: 'shutdown' };
    case 'secret-result':
      if (typeof m.id !== 'number') return undefined;
      if (m.ok === true) return typeof m.value === 'string' ? { type: 'secret-result', id: m.id, ok: true, value: m.value } : { type: 'secret-result', id: m.id, ok: true };
      return { type: 'secret-result', id: m.id, ok: false, message: typeof m.message === 'string' ? m.message : 'the key store failed' };
    default:
      return undefined;
  }
}
