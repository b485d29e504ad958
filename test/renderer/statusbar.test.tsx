// @vitest-environment happy-dom
/** The status bar's dropped frames, split by cause as OBS counts them: rendering, encoding, network. */
import { act, cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProgramStats } from '../../electron/contract.js';
import { StudioClient } from '../../renderer/src/client.js';
import { StatusBar } from '../../renderer/src/panels/StatusBar.js';
import { StoreContext, createAppStore } from '../../renderer/src/store.js';
import { FakeChannel, studioState } from './fakes.js';

afterEach(cleanup);

function stats(patch: Partial<ProgramStats> = {}): ProgramStats {
  return {
    uptimeSec: 12,
    mediaSec: 12,
    encoder: { running: true, fps: 30, speed: 1, droppedFrames: 3, duplicatedFrames: 0, bitrateKbps: 2500, restarts: 0 },
    destinations: [
      {
        id: 'd1', target: 'rtmp://a/live', state: 'live', bitrateKbps: 2500, framesSent: 300, framesDropped: 7, dropPercent: 2.3,
        dropsByReason: { congestion: 4, reconnecting: 2, 'waiting-for-keyframe': 1 }, queueMs: 0, queueBytes: 0, reconnects: 0, uptimeSec: 12,
      },
    ],
    recording: null,
    cpu: { uplinkPercent: 5, ffmpegPercent: 40, average: { uplinkPercent: 5, ffmpegPercent: 40 } },
    ...patch,
  };
}

describe('StatusBar: frames dropped by cause', () => {
  it('shows rendering, encoding and network drops, with the network ones by reason and the rendering share in the title', () => {
    const store = createAppStore(new StudioClient(new FakeChannel()));
    store.getState().applyState(studioState({ phase: 'live' }));
    render(
      <StoreContext.Provider value={store}>
        <StatusBar />
      </StoreContext.Provider>,
    );
    act(() => store.getState().pushStats(stats({ rendering: { framesLagged: 9, framesTotal: 360 } })));
    const dropped = screen.getByText(/^Dropped$/).parentElement!;
    expect(dropped.textContent).toMatch(/render 9 · enc 3 · net 7/);
    expect(dropped.textContent).toMatch(/cong 4 · reconn 2 · kf 1/);
    expect(dropped.getAttribute('title')).toContain('rendering lag (the compositor could not keep up): 9 of 360 frames (2.5 %)');
    expect(dropped.getAttribute('title')).toContain('encoding lag (the encoder could not keep up): 3');
    // Without scenes (no compositor) nothing is missed for rendering.
    act(() => store.getState().pushStats(stats()));
    expect(screen.getByText(/^Dropped$/).parentElement!.textContent).toMatch(/render 0 · enc 3 · net 7/);
  });
});
