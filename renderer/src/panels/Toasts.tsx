/** Notices as toasts: the engine's sentence, and where a code says so, a button that leads to the fix. */
import * as Toast from '@radix-ui/react-toast';
import { Icon } from '../icons.js';
import { type ShownNotice, useApp } from '../store.js';

/** Codes whose fix lives in Settings: the toast offers to open it. */
const SETTINGS_CODES = new Set(['KEY_REFUSED', 'KEY_MISSING', 'NO_DESTINATION', 'ENCODER_SLOW', 'ENCODER_FAILED', 'BAD_URL', 'CERT_UNTRUSTED', 'INVALID_INPUT']);

const TITLES: Record<ShownNotice['level'], string> = { info: 'Info', warning: 'Warning', error: 'Problem' };

export function Toasts() {
  const notices = useApp((s) => s.notices);
  const dismiss = useApp((s) => s.dismissNotice);
  const openSettings = useApp((s) => s.setSettingsOpen);
  return (
    <Toast.Provider swipeDirection="right" duration={8000}>
      {notices.map((n) => (
        <Toast.Root key={n.id} className={`toast toast-${n.level}`} type={n.level === 'error' ? 'foreground' : 'background'} duration={n.level === 'error' ? 15_000 : 6000} onOpenChange={(open) => !open && dismiss(n.id)}>
          <Toast.Title className="toast-title">{TITLES[n.level]}</Toast.Title>
          <Toast.Description className="toast-body">{n.message}</Toast.Description>
          {n.code && SETTINGS_CODES.has(n.code) && (
            <Toast.Action className="btn btn-small" altText="Open Settings to fix it" onClick={() => openSettings(true)}>
              Open Settings
            </Toast.Action>
          )}
          <Toast.Close className="icon-btn toast-close" aria-label="Dismiss">
            <Icon name="close" />
          </Toast.Close>
        </Toast.Root>
      ))}
      <Toast.Viewport className="toast-viewport" />
    </Toast.Provider>
  );
}
