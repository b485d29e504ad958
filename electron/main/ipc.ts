import { isAppUrl } from './security.js';

/** Checklist point 17: an IPC message counts only if it comes from the app's own page, in its top frame. */
export interface SenderFrameLike {
  url: string;
  parent: unknown;
}

export function isTrustedSender(frame: SenderFrameLike | null | undefined): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}

/** The one IPC channel: the preload asks for a port to the engine host when its page loads. */
export const PORT_REQUEST_CHANNEL = 'uplink:port-request';
/** Main -> preload: the port (in `ports`), and host notices when no port can carry them. */
export const PORT_CHANNEL = 'port';
export const NOTICE_CHANNEL = 'notice';

export interface IpcMainLike {
  on(channel: string, listener: (event: { senderFrame: SenderFrameLike | null; sender: unknown }) => void): unknown;
}

/** Registers `handler` for a channel, refusing (and ignoring) every message from a foreign frame. */
export function onTrusted<S>(ipcMain: IpcMainLike, channel: string, handler: (sender: S) => void, refused?: (url: string | undefined) => void): void {
  ipcMain.on(channel, (event) => {
    if (!isTrustedSender(event.senderFrame)) {
      refused?.(event.senderFrame?.url);
      return;
    }
    handler(event.sender as S);
  });
}

export interface IpcMainHandleLike {
  handle(channel: string, listener: (event: { senderFrame: SenderFrameLike | null }, ...args: unknown[]) => unknown): unknown;
}

/** An invoke channel (a request with an answer) that answers only the app's own page; a foreign frame gets a refusal. */
export function handleTrusted(ipcMain: IpcMainHandleLike, channel: string, handler: (...args: unknown[]) => unknown, refused?: (url: string | undefined) => void): void {
  ipcMain.handle(channel, (event, ...args) => {
    if (!isTrustedSender(event.senderFrame)) {
      refused?.(event.senderFrame?.url);
      throw new Error('refused: not the studio page');
    }
    return handler(...args);
  });
}
