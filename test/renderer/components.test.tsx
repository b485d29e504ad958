// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioClient } from '../../renderer/src/client.js';
import { Controls } from '../../renderer/src/panels/Controls.js';
import { Mixer } from '../../renderer/src/panels/Mixer.js';
import { Scenes } from '../../renderer/src/panels/Scenes.js';
import { OutputTab } from '../../renderer/src/panels/Settings.js';
import { Sources } from '../../renderer/src/panels/Sources.js';
import { Preview } from '../../renderer/src/preview/Preview.js';
import { StoreContext, createAppStore } from '../../renderer/src/store.js';
import { FakeChannel, collection, studioState } from './fakes.js';

afterEach(cleanup);

function setup(handler: (command: string, args: unknown[]) => unknown = () => undefined) {
  const channel = new FakeChannel();
  channel.handler = handler;
  const client = new StudioClient(channel);
  const store = createAppStore(client);
  store.getState().applyState(studioState());
  const wrap = (ui: ReactNode) => render(<StoreContext.Provider value={store}>{ui}</StoreContext.Provider>);
  const calls = () => channel.sent.map((c) => [c.command, ...c.args]);
  return { channel, store, wrap, calls };
}

describe('Controls', () => {
  it('Go Live calls goLive, and the button becomes Stop Streaming once the phase is live', async () => {
    const { store, wrap, calls } = setup();
    wrap(<Controls />);
    await userEvent.click(screen.getByRole('button', { name: 'Go Live' }));
    expect(calls()).toContainEqual(['goLive']);
    act(() => store.getState().applyState(studioState({ revision: 2, phase: 'live' })));
    expect(screen.queryByRole('button', { name: 'Go Live' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Stop Streaming' }));
    expect(calls()).toContainEqual(['stopStream']);
  });

  it('Start Recording asks for a file name and starts; then offers Stop Recording', async () => {
    const { store, wrap, calls } = setup();
    wrap(<Controls />);
    await userEvent.click(screen.getByRole('button', { name: 'Start Recording' }));
    const input = screen.getByLabelText('File name') as HTMLInputElement;
    expect(input.value).toMatch(/^recording-\d{8}-\d{6}\.mkv$/);
    await userEvent.click(screen.getByRole('button', { name: 'Record' }));
    expect(calls()).toContainEqual(['startRecording', input.value]);
    act(() => store.getState().applyState(studioState({ revision: 2, recording: { active: true, file: input.value } })));
    expect(screen.getByRole('button', { name: 'Stop Recording' })).toBeTruthy();
  });
});

describe('Mixer', () => {
  it('the fader sends setSourceAudio in dB, and mute toggles', async () => {
    const { wrap, calls } = setup();
    wrap(<Mixer />);
    const thumb = screen.getByRole('slider', { name: 'Volume of Mic' });
    thumb.focus();
    await userEvent.keyboard('{ArrowDown}');
    expect(calls()).toContainEqual(['setSourceAudio', 'mic', { volumeDb: -0.5 }]);
    await userEvent.click(screen.getByRole('button', { name: 'Mute Mic' }));
    expect(calls()).toContainEqual(['setSourceAudio', 'mic', { muted: true }]);
  });

  it('the transition picker sets cut or fade and the fade length', async () => {
    const { wrap, calls } = setup();
    wrap(<Scenes />);
    const before = (await import('./fakes.js')).studioState().scenes!.collection.transition;
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Transition' }), before.kind === 'cut' ? 'fade' : 'cut');
    expect(calls()).toContainEqual(['setTransition', { ...before, kind: before.kind === 'cut' ? 'fade' : 'cut' }]);
  });

  it('draws the levels from the store as meters', () => {
    const { store, wrap } = setup();
    wrap(<Mixer />);
    act(() => store.getState().setLevels({ levels: [{ sourceId: 'mic', peakDb: -3, rmsDb: -18 }, { sourceId: null, peakDb: -6, rmsDb: -20 }] }));
    expect(screen.getByRole('meter', { name: 'Mic level' }).getAttribute('aria-valuenow')).toBe('-18');
    expect(screen.getByRole('meter', { name: 'Master level' }).getAttribute('aria-valuenow')).toBe('-20');
  });
});

describe('Settings: output', () => {
  it('shows a refused bitrate at its field, with the engine\'s reason', async () => {
    const { wrap } = setup((command) => {
      if (command === 'listEncoders') return [{ name: 'libx264', label: 'x264', hardware: false, listed: true, working: true }];
      if (command === 'setEncoding') throw { code: 'INVALID_INPUT', field: 'videoBitrateKbps', message: 'videoBitrateKbps must be a whole number between 100 and 100000 (got 5)' };
      return undefined;
    });
    wrap(<OutputTab />);
    const bitrate = screen.getByLabelText('Video bitrate (kb/s)');
    await userEvent.clear(bitrate);
    await userEvent.type(bitrate, '5');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(bitrate.getAttribute('aria-invalid')).toBe('true'));
    const error = screen.getByRole('alert');
    expect(error.textContent).toContain('between 100 and 100000');
    expect(bitrate.getAttribute('aria-describedby')).toContain(error.id);
  });
});

describe('Scenes', () => {
  it('reorders scenes with their arrows, and duplicates and renames one from its context menu', async () => {
    const { wrap, calls } = setup();
    wrap(<Scenes />);
    // Main is first, BRB last: the ends cannot move further.
    expect((screen.getByRole('button', { name: 'Move Main up' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Move BRB down' }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.click(screen.getByRole('button', { name: 'Move Main down' }));
    expect(calls()).toContainEqual(['moveScene', 's1', 1]);
    const row = (name: string) => screen.getAllByRole('listitem').find((li) => li.textContent?.includes(name))!;
    fireEvent.contextMenu(row('BRB'));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Duplicate' }));
    expect(calls()).toContainEqual(['duplicateScene', 's2']);
    fireEvent.contextMenu(row('BRB'));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Rename' }));
    const name = await screen.findByRole('textbox', { name: 'New name for BRB' });
    await userEvent.clear(name);
    await userEvent.type(name, 'Be right back{Enter}');
    expect(calls()).toContainEqual(['renameScene', 's2', 'Be right back']);
  });
});

describe('Media controls', () => {
  it('the selected media file gets restart, stop or play, and a position to seek to, in the preview bar', async () => {
    const { wrap, calls, store } = setup();
    const c = collection();
    c.sources.push({ id: 'clip', name: 'Intro', kind: 'media', settings: { file: '/videos/intro.mp4', loop: false } });
    c.scenes[0]!.items.push({ id: 'i3', sourceId: 'clip', x: 0, y: 0, width: 640, height: 360, crop: { top: 0, right: 0, bottom: 0, left: 0 }, visible: true, locked: false });
    const playing = { sourceId: 'clip', durationMs: 4000, loop: false, playingSinceMs: Date.now() - 1500, stopped: false };
    act(() => store.getState().applyState(studioState({ revision: 2, scenes: { collection: c, programSceneId: 's1', sources: [], media: [playing] } })));
    wrap(<Preview />);
    // Nothing selected, or a camera: the bar shows the hints.
    expect(screen.queryByRole('group', { name: 'Media controls of Intro' })).toBeNull();
    act(() => store.getState().select('i3'));
    const bar = screen.getByRole('group', { name: 'Media controls of Intro' });
    expect(bar.textContent).toContain('00:01 / 00:04');
    await userEvent.click(screen.getByRole('button', { name: 'Stop Intro' }));
    expect(calls()).toContainEqual(['mediaAction', 'clip', 'stop']);
    const thumb = screen.getByRole('slider', { name: 'Position in Intro' });
    thumb.focus();
    await userEvent.keyboard('{ArrowRight}');
    const seek = calls().find((call) => call[0] === 'seekMedia');
    expect(seek?.[1]).toBe('clip');
    expect(seek?.[2]).toBeGreaterThan(1500);

    act(() => store.getState().applyState(studioState({ revision: 3, scenes: { collection: c, programSceneId: 's1', sources: [{ sourceId: 'clip', state: 'ended' }], media: [{ ...playing, playingSinceMs: null, stopped: true }] } })));
    await userEvent.click(screen.getByRole('button', { name: 'Play Intro' }));
    expect(calls()).toContainEqual(['mediaAction', 'clip', 'play']);
  });
});

describe('Sources', () => {
  it('lists the scene top first and hides, locks and reorders through updateItem / moveItem', async () => {
    const { wrap, calls } = setup();
    wrap(<Sources />);
    const names = screen.getAllByRole('listitem').map((li) => li.textContent);
    expect(names[0]).toContain('Mic');
    await userEvent.click(screen.getByRole('button', { name: 'Hide Webcam' }));
    expect(calls()).toContainEqual(['updateItem', 's1', 'i1', { visible: false }]);
    await userEvent.click(screen.getByRole('button', { name: 'Lock Webcam' }));
    expect(calls()).toContainEqual(['updateItem', 's1', 'i1', { locked: true }]);
    await userEvent.click(screen.getByRole('button', { name: 'Move Webcam up' }));
    expect(calls()).toContainEqual(['moveItem', 's1', 'i1', 1]);
  });

  it('restarts a media file from its row, and its menu plays it once it has ended (stops it while it plays)', async () => {
    const { wrap, calls, store } = setup();
    const c = collection();
    c.sources.push({ id: 'clip', name: 'Intro', kind: 'media', settings: { file: '/videos/intro.mp4', loop: false } });
    c.scenes[0]!.items.push({ id: 'i3', sourceId: 'clip', x: 0, y: 0, width: 640, height: 360, crop: { top: 0, right: 0, bottom: 0, left: 0 }, visible: true, locked: false });
    // Playing for 1.5 s of its 4 s: the row shows the time left.
    const media = [{ sourceId: 'clip', durationMs: 4000, loop: false, playingSinceMs: Date.now() - 1500, stopped: false }];
    act(() => store.getState().applyState(studioState({ revision: 2, scenes: { collection: c, programSceneId: 's1', sources: [], media } })));
    wrap(<Sources />);
    expect(screen.getByTitle('Time left').textContent).toBe('-00:03');
    expect(screen.queryByRole('button', { name: 'Restart Webcam' })).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: 'Restart Intro' }));
    expect(calls()).toContainEqual(['mediaAction', 'clip', 'restart']);
    const row = () => screen.getAllByRole('listitem').find((li) => li.textContent?.includes('Intro'))!;
    fireEvent.contextMenu(row());
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Stop' }));
    expect(calls()).toContainEqual(['mediaAction', 'clip', 'stop']);

    const stopped = [{ ...media[0]!, playingSinceMs: null, stopped: true }];
    act(() => store.getState().applyState(studioState({ revision: 3, scenes: { collection: c, programSceneId: 's1', sources: [{ sourceId: 'clip', state: 'ended', reason: '"Intro" was stopped.' }], media: stopped } })));
    expect(row().textContent).toContain('ended');
    expect(screen.queryByTitle('Time left')).toBeNull();
    fireEvent.contextMenu(row());
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Play' }));
    expect(calls()).toContainEqual(['mediaAction', 'clip', 'play']);
  });
});
