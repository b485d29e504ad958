// @vitest-environment happy-dom
/** The program canvas: painted on the studio's frame before the studio mounts, then taken into the preview as the same element. */
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { StudioClient } from '../../renderer/src/client.js';
import { Preview } from '../../renderer/src/preview/Preview.js';
import { programCanvas } from '../../renderer/src/preview/program-canvas.js';
import { StoreContext, createAppStore } from '../../renderer/src/store.js';
import { FakeChannel, studioState } from './fakes.js';

afterEach(cleanup);

describe('the program canvas', () => {
  it('moves from the frame in index.html into the preview when the studio mounts, and out when it unmounts', () => {
    const store = createAppStore(new StudioClient(new FakeChannel()));
    const frame = document.createElement('div');
    frame.className = 'stage';
    document.body.append(frame);
    const canvas = programCanvas(store);
    frame.append(canvas);
    expect(programCanvas(store)).toBe(canvas);

    store.getState().applyState(studioState());
    store.getState().setPreview({ seq: 1, jpeg: new Uint8Array([0xff, 0xd8]) });
    const scenes = store.getState().studio!.scenes!;
    const program = scenes.collection.scenes.find((s) => s.id === scenes.programSceneId)!;
    const { unmount } = render(
      <StoreContext.Provider value={store}>
        <Preview />
      </StoreContext.Provider>,
    );
    const shown = screen.getByRole('img', { name: `Program: ${program.name}` });
    expect(shown).toBe(canvas);
    expect(frame.contains(canvas)).toBe(false);
    expect(document.querySelector('section[aria-label="Preview"] .stage .preview-img')).toBe(canvas);

    unmount();
    expect(canvas.isConnected).toBe(false);
    frame.remove();
  });
});
