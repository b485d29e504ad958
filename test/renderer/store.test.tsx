// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import type { ProgramStats } from '../../electron/contract.js';
import { StudioClient } from '../../renderer/src/client.js';
import { STATS_WINDOW_MS, bindClient, createAppStore, selectLatestStats } from '../../renderer/src/store.js';
import { FakeChannel, studioState } from './fakes.js';

function setup() {
  const channel = new FakeChannel();
  const client = new StudioClient(channel);
  const store = createAppStore(client);
  return { channel, client, store };
}

const stats = (uptimeSec: number): ProgramStats =>
  ({ uptimeSec, mediaSec: uptimeSec, encoder: { running: true, fps: 30, speed: 1, droppedFrames: 0, duplicatedFrames: 0, bitrateKbps: 4500, restarts: 0 }, destinations: [], recording: null, cpu: { uplinkPercent: 3, ffmpegPercent: 40, average: { uplinkPercent: 3, ffmpegPercent: 40 } } }) satisfies ProgramStats;

describe('store', () => {
  it('keeps the newest snapshot and drops one with a lower revision', () => {
    const { store } = setup();
    store.getState().applyState(studioState({ revision: 5, phase: 'live' }));
    store.getState().applyState(studioState({ revision: 4, phase: 'idle' }));
    expect(store.getState().studio?.phase).toBe('live');
    store.getState().applyState(studioState({ revision: 6, phase: 'stopping' }));
    expect(store.getState().studio?.revision).toBe(6);
  });

  it('keeps the newest preview picture, makes no object URL for it, and ignores late pictures', () => {
    const { store } = setup();
    const createObjectURL = vi.spyOn(URL, 'createObjectURL');
    store.getState().setPreview({ seq: 1, jpeg: new Uint8Array([1]) });
    store.getState().setPreview({ seq: 2, jpeg: new Uint8Array([2]) });
    expect(store.getState().preview?.jpeg).toEqual(new Uint8Array([2]));
    store.getState().setPreview({ seq: 1, jpeg: new Uint8Array([3]) });
    expect(store.getState().preview?.seq).toBe(2);
    store.getState().resetPreviewSeq();
    store.getState().setPreview({ seq: 0, jpeg: new Uint8Array([4]) });
    expect(store.getState().preview?.jpeg).toEqual(new Uint8Array([4]));
    expect(createObjectURL).not.toHaveBeenCalled();
  });

  it('queues notices with ids, caps the queue and dismisses by id', () => {
    const { store } = setup();
    for (let i = 0; i < 7; i++) store.getState().pushNotice({ level: 'warning', message: `n${i}`, at: i });
    const { notices } = store.getState();
    expect(notices.map((n) => n.message)).toEqual(['n2', 'n3', 'n4', 'n5', 'n6']);
    store.getState().dismissNotice(notices[0]!.id);
    expect(store.getState().notices).toHaveLength(4);
  });

  it('keeps five minutes of stats', () => {
    const { store } = setup();
    store.getState().pushStats(stats(1), 0);
    store.getState().pushStats(stats(2), 60_000);
    store.getState().pushStats(stats(3), STATS_WINDOW_MS + 30_000);
    expect(store.getState().statsHistory.map((s) => s.stats.uptimeSec)).toEqual([2, 3]);
    expect(selectLatestStats(store.getState())?.uptimeSec).toBe(3);
  });

  it('turns a failed action into an error toast', async () => {
    const { store, channel } = setup();
    channel.handler = () => {
      throw { code: 'NO_DESTINATION', message: 'Add a destination first.' };
    };
    await expect(store.getState().run('goLive')).resolves.toBeUndefined();
    expect(store.getState().notices[0]).toMatchObject({ level: 'error', message: 'Add a destination first.', code: 'NO_DESTINATION' });
  });

  it('is fed by the client: state, levels, notices and preview events', () => {
    const { store, channel, client } = setup();
    vi.spyOn(URL, 'createObjectURL');
    bindClient(store, client);
    expect(channel.sent[0]?.command).toBe('getState');
    channel.event('onState', studioState({ revision: 3 }));
    channel.event('onLevels', { levels: [{ sourceId: null, peakDb: -6, rmsDb: -12 }] });
    channel.event('onNotice', { level: 'info', message: 'hi', at: 1 });
    channel.preview(7, new Uint8Array([0xff, 0xd8, 0xff]));
    const s = store.getState();
    expect(s.studio?.revision).toBe(3);
    expect(s.levels?.levels[0]?.peakDb).toBe(-6);
    expect(s.notices[0]?.message).toBe('hi');
    expect(s.previewSeq).toBe(7);
    expect(s.preview?.jpeg).toEqual(new Uint8Array([0xff, 0xd8, 0xff]));
  });
});
