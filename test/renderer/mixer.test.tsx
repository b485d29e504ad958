// @vitest-environment happy-dom
/** The mixer's master strip: the mix's fader and mute (setMasterAudio), shown from the collection's master settings, with the mix's meter. */
import { act, cleanup, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioClient } from '../../renderer/src/client.js';
import { Mixer } from '../../renderer/src/panels/Mixer.js';
import { StoreContext, createAppStore } from '../../renderer/src/store.js';
import { FakeChannel, collection, studioState } from './fakes.js';

afterEach(cleanup);

function setup() {
  const channel = new FakeChannel();
  channel.handler = () => undefined;
  const store = createAppStore(new StudioClient(channel));
  store.getState().applyState(studioState());
  render(
    <StoreContext.Provider value={store}>
      <Mixer />
    </StoreContext.Provider>,
  );
  return { store, calls: () => channel.sent.map((c) => [c.command, ...c.args]) };
}

/** A snapshot whose collection has these master settings. */
function withMaster(revision: number, master: { volumeDb: number; muted: boolean }) {
  const base = studioState();
  return { ...base, revision, scenes: { ...base.scenes!, collection: { ...collection(), master } } };
}

describe('Mixer: the master strip', () => {
  it('a collection without master settings shows 0 dB, unmuted', () => {
    setup();
    const thumb = screen.getByRole('slider', { name: 'Master volume' });
    expect(thumb.getAttribute('aria-valuenow')).toBe('0');
    expect(screen.getByRole('button', { name: 'Mute master' }).getAttribute('aria-pressed')).toBe('false');
  });

  it('the master fader sends setMasterAudio in dB, and mute toggles the mix', async () => {
    const { calls } = setup();
    screen.getByRole('slider', { name: 'Master volume' }).focus();
    await userEvent.keyboard('{ArrowDown}{ArrowDown}');
    expect(calls()).toContainEqual(['setMasterAudio', { volumeDb: -1 }]);
    await userEvent.click(screen.getByRole('button', { name: 'Mute master' }));
    expect(calls()).toContainEqual(['setMasterAudio', { muted: true }]);
    // The sources' faders are untouched.
    expect(calls().filter(([command]) => command === 'setSourceAudio')).toEqual([]);
  });

  it('follows the engine: the saved master level and mute, and the mix meter after it', () => {
    const { store } = setup();
    act(() => store.getState().applyState(withMaster(5, { volumeDb: -12, muted: true })));
    expect(screen.getByRole('slider', { name: 'Master volume' }).getAttribute('aria-valuenow')).toBe('-12');
    expect(screen.getByRole('button', { name: 'Mute master' }).getAttribute('aria-pressed')).toBe('true');
    expect(screen.getByText('Muted')).toBeTruthy();
    act(() => store.getState().setLevels({ levels: [{ sourceId: null, peakDb: -30, rmsDb: -42 }] }));
    expect(screen.getByRole('meter', { name: 'Master level' }).getAttribute('aria-valuenow')).toBe('-42');
  });
});
