// @vitest-environment happy-dom
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import type { ObsWebSocketView, StudioState } from '../../electron/contract.js';
import { StudioClient } from '../../renderer/src/client.js';
import { ObsWebSocketSettings } from '../../renderer/src/panels/ObsWebSocketSettings.js';
import { StoreContext, createAppStore } from '../../renderer/src/store.js';
import { FakeChannel, studioState } from './fakes.js';

afterEach(cleanup);

function setup(obsWebSocket: ObsWebSocketView | undefined, handler: (command: string, args: unknown[]) => unknown = () => undefined) {
  const channel = new FakeChannel();
  channel.handler = handler;
  const store = createAppStore(new StudioClient(channel));
  const state: Partial<StudioState> = obsWebSocket === undefined ? {} : { obsWebSocket };
  store.getState().applyState(studioState(state));
  render(
    <StoreContext.Provider value={store}>
      <ObsWebSocketSettings />
    </StoreContext.Provider>,
  );
  const calls = () => channel.sent.map((c) => [c.command, ...c.args]);
  const update = (view: ObsWebSocketView, revision: number) => store.getState().applyState(studioState({ revision, obsWebSocket: view }));
  return { calls, update };
}

describe('obs-websocket settings', () => {
  it('turns obs-websocket on with the switch and shows where it listens once the engine says so', async () => {
    const { calls, update } = setup({ enabled: false, port: 4455, listening: false });
    expect(screen.getByRole('status').textContent).toBe('Off');
    await userEvent.click(screen.getByRole('switch', { name: 'Enable obs-websocket' }));
    await waitFor(() => expect(calls()).toContainEqual(['setObsWebSocket', { enabled: true }]));
    update({ enabled: true, port: 4455, listening: true }, 2);
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Listening on ws://127.0.0.1:4455'));
    expect(screen.getByRole('switch', { name: 'Enable obs-websocket' }).getAttribute('aria-checked')).toBe('true');
  });

  it('shows why it does not listen', () => {
    setup({ enabled: true, port: 4455, listening: false, error: 'obs-websocket cannot listen on port 4455 of 127.0.0.1: it is in use' });
    expect(screen.getByRole('status').textContent).toBe('Not listening: obs-websocket cannot listen on port 4455 of 127.0.0.1: it is in use');
  });

  it('shows the password only on request', async () => {
    const { calls } = setup({ enabled: true, port: 4455, listening: true }, (command) => (command === 'getObsWebSocketPassword' ? 'Pw4Stream5Deck23' : undefined));
    expect(screen.queryByText('Pw4Stream5Deck23')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Show password' }));
    expect((await screen.findByLabelText('obs-websocket password')).textContent).toBe('Pw4Stream5Deck23');
    expect(calls()).toEqual([['getObsWebSocketPassword']]);
    await userEvent.click(screen.getByRole('button', { name: 'Hide' }));
    expect(screen.queryByText('Pw4Stream5Deck23')).toBeNull();
  });

  it('saves a port, and shows a refused one at its field', async () => {
    const { calls } = setup({ enabled: true, port: 4455, listening: true }, (command, args) => {
      if (command === 'setObsWebSocket' && (args[0] as { port: number }).port === 80) throw { code: 'INVALID_INPUT', field: '0.port', message: 'port must be from 1024 to 65535' };
      return { enabled: true, port: 4460, listening: false };
    });
    const port = screen.getByLabelText('Port');
    await userEvent.clear(port);
    await userEvent.type(port, '4460');
    await userEvent.click(screen.getByRole('button', { name: 'Save port' }));
    await waitFor(() => expect(calls()).toContainEqual(['setObsWebSocket', { port: 4460 }]));
    await userEvent.clear(port);
    await userEvent.type(port, '80');
    await userEvent.click(screen.getByRole('button', { name: 'Save port' }));
    await waitFor(() => expect(port.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByText('port must be from 1024 to 65535')).toBeTruthy();
  });

  it('shows a server set by uplink serve\'s flags as it runs, and offers no change', () => {
    setup({ enabled: true, port: 40519, listening: true, fixed: true });
    expect(screen.getByRole('status').textContent).toBe('Listening on ws://127.0.0.1:40519');
    expect(screen.getByRole('switch', { name: 'Enable obs-websocket' }).hasAttribute('disabled')).toBe(true);
    expect((screen.getByLabelText('Port') as HTMLInputElement).disabled).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save port' })).toBeNull();
    expect(screen.getByText(/Set by uplink serve's --obs-websocket-port/)).toBeTruthy();
  });

  it('says so when the studio has no obs-websocket (an older engine)', () => {
    setup(undefined);
    expect(screen.getByText('This studio does not offer obs-websocket.')).toBeTruthy();
  });
});
