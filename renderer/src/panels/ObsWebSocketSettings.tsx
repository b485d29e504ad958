/**
 * Settings → Remote control (obs-websocket): lets Stream Deck plugins, Bitfocus Companion, Touch Portal
 * and other tools that speak obs-websocket 5 drive the studio. Off until turned on; the studio makes a password the first
 * time, and this tab shows it only on request (as OBS's "Show Connect Info" does) so that it is not on
 * screen during a stream. Whether the server listens, or why not, comes from the engine's state.
 */
import * as Switch from '@radix-ui/react-switch';
import { type FormEvent, useState } from 'react';
import { useApp } from '../store.js';
import { Field, errorsFrom } from './Field.js';
import { FormError, SaveRow, num, useSave } from './settings-common.js';

export function ObsWebSocketSettings() {
  const client = useApp((s) => s.client);
  const setting = useApp((s) => s.studio?.obsWebSocket);
  const [port, setPort] = useState<string | null>(null);
  const [password, setPassword] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const { errors, setErrors, saved, save } = useSave(['port']);

  if (!setting) return <p className="muted">This studio does not offer obs-websocket.</p>;
  const portText = port ?? String(setting.port);

  const toggle = (enabled: boolean): void => {
    setErrors({});
    client.call('setObsWebSocket', { enabled }).catch((err: unknown) => setErrors(errorsFrom(err, ['enabled'])));
  };

  const savePort = (e: FormEvent): void => save(e, () => client.call('setObsWebSocket', { port: num(portText) }), () => setPort(null));

  const showPassword = (): void => {
    client.call('getObsWebSocketPassword').then(setPassword, (err: unknown) => setErrors(errorsFrom(err, [])));
  };

  const copyPassword = (): void => {
    if (password === null) return;
    navigator.clipboard?.writeText(password).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  };

  const status = !setting.enabled ? 'Off' : setting.listening ? `Listening on ws://127.0.0.1:${setting.port}` : setting.error ? 'Not listening' : 'Starting…';

  return (
    <form className="form" onSubmit={savePort}>
      <p className="muted small">
        Stream Deck, Bitfocus Companion, Touch Portal and other tools that control OBS through obs-websocket 5 can control Uplink: give them this computer's address, the
        port and the password.
      </p>
      <label className="switch-label">
        <Switch.Root className="switch" checked={setting.enabled} onCheckedChange={toggle} disabled={setting.fixed} aria-label="Enable obs-websocket">
          <Switch.Thumb className="switch-thumb" />
        </Switch.Root>
        <span>Enable obs-websocket</span>
      </label>
      <p className={`health ${!setting.enabled ? 'muted' : setting.error ? 'health-error' : setting.listening ? 'health-ok' : 'health-warn'}`} role="status">
        {status}
        {setting.error ? `: ${setting.error}` : ''}
      </p>
      <FormError error={errors.enabled} />
      {setting.fixed && <p className="muted small">Set by uplink serve's --obs-websocket-port: start it without that flag to change it here.</p>}
      <Field label="Port" error={errors.port} hint="OBS uses 4455; clients try it first">
        <input inputMode="numeric" value={portText} onChange={(e) => setPort(e.target.value)} disabled={setting.fixed} />
      </Field>
      <div className="field">
        <span>Password</span>
        {password === null ? (
          <button type="button" className="btn" onClick={showPassword}>
            Show password
          </button>
        ) : (
          <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
            <code aria-label="obs-websocket password">{password}</code>
            <button type="button" className="btn" onClick={copyPassword}>
              {copied ? 'Copied' : 'Copy'}
            </button>
            <button type="button" className="btn" onClick={() => setPassword(null)}>
              Hide
            </button>
          </div>
        )}
      </div>
      {!setting.fixed && <SaveRow saved={saved} error={errors._form} label="Save port" />}
    </form>
  );
}
