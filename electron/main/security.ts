/**
 * The window's security, point by point from Electron's security checklist
 * (https://www.electronjs.org/docs/latest/tutorial/security), each a small function taking the Electron
 * API it needs, so that it is tested under Node:
 *  1-2 only local content (app://), no Node in it;   3 contextIsolation;   4 sandbox;
 *  5 permission handlers;   6 webSecurity kept;   7 a strict CSP (protocol.ts sends it with every file);
 *  8-10 no insecure content, experimental or Blink features;   11-12 no <webview>;
 *  13 navigation denied;   14 new windows denied;   15 openExternal for https only;
 *  17 every IPC sender checked (ipc.ts);   18 a custom protocol, not file://;
 *  20 the preload exposes one channel, no Electron API. (16: Electron is current; 19: fuses are set by
 *  the packager.)
 */
import type { BrowserWindowConstructorOptions } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'uplink';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_URL = `${APP_ORIGIN}/index.html`;

/**
 * Scripts only from the app itself; no eval, no inline script, nothing remote. Inline styles are
 * allowed: the dialog and menu primitives set them at run time, and a style cannot run code. Preview
 * pictures are blob: URLs made from the port's binary messages.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' blob: data:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob: mediastream:",
  "worker-src 'self' blob:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "object-src 'none'",
].join('; ');

export function windowOptions(preloadPath: string, icon?: string): BrowserWindowConstructorOptions {
  return {
    ...(icon === undefined ? {} : { icon }),
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    title: 'Uplink',
    show: false,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  };
}

/** Is this URL the app's own page (app://uplink/...)? Anything else is foreign content. */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Only https links leave the app, and only to the default browser. */
export function isExternalLink(url: string): boolean {
  try {
    return new URL(url).protocol === 'https:';
  } catch {
    return false;
  }
}

export interface ShellLike {
  openExternal(url: string): Promise<void>;
}

interface PreventableEvent {
  preventDefault(): void;
}

/** The parts of WebContents hardened here. */
export interface WebContentsLike {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: PreventableEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' } | { action: 'allow' }): void;
}

function openIfHttps(shell: ShellLike, url: string): void {
  if (isExternalLink(url)) void shell.openExternal(url).catch(() => undefined);
}

/** The studio is one page: it never navigates, never opens windows, never hosts a <webview>. */
export function hardenWebContents(contents: WebContentsLike, shell: ShellLike): void {
  contents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openIfHttps(shell, url);
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    openIfHttps(shell, url);
    return { action: 'deny' };
  });
}

export interface SessionLike {
  setPermissionRequestHandler(
    handler: (contents: { getURL(): string }, permission: string, callback: (granted: boolean) => void, details: { requestingUrl?: string; mediaTypes?: string[] }) => void,
  ): void;
  setPermissionCheckHandler(handler: (contents: { getURL(): string } | null, permission: string, requestingOrigin: string) => boolean): void;
  setDevicePermissionHandler?(handler: () => boolean): void;
}

/** Camera and microphone for the app's own page; nothing else for anyone. */
export function mediaPermissionGranted(permission: string, requestingUrl: string | undefined, mediaTypes: readonly string[] = []): boolean {
  return permission === 'media' && isAppUrl(requestingUrl) && mediaTypes.every((t) => t === 'video' || t === 'audio');
}

export function restrictPermissions(session: SessionLike): void {
  session.setPermissionRequestHandler((contents, permission, callback, details) => {
    callback(mediaPermissionGranted(permission, details.requestingUrl ?? contents.getURL(), details.mediaTypes ?? []));
  });
  session.setPermissionCheckHandler((contents, permission, origin) => mediaPermissionGranted(permission, origin || contents?.getURL()));
  // WebHID, WebUSB, Web Serial: the studio uses none.
  session.setDevicePermissionHandler?.(() => false);
}
