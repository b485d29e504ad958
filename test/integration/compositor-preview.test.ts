/**
 * A slow preview must not hold the program back. FFmpeg 5.1 keeps the program's frames until the
 * preview branch has had the input for its next picture; with a 2 fps preview of a 30 fps program and
 * only 6 ticks allowed in flight, the program stopped after a few ticks and the graph was restarted as
 * stuck every 2 s. The relay's in-flight allowance now grows with the ticks per preview picture.
 */
import { describe, expect, it } from 'vitest';
import { Compositor, maxInFlight } from '../../electron/engine/scenes/compositor.js';
import { collection, color, item } from '../helpers/scenes.js';
import { isRunning, until } from '../helpers/wait.js';

describe('the compositor with a slow preview', () => {
  it('keeps the program at full rate with a 2 fps preview, and makes its pictures', async () => {
    const c = collection({ width: 320, height: 180, fps: 30 }, [color('red', '#ff0000')], [{ id: 'A', items: [item('bg', 'red', { x: 0, y: 0, width: 320, height: 180 })] }]);
    const compositor = new Compositor({ ffmpegPath: 'ffmpeg', collection: c, context: { devices: [], fileSizes: new Map() }, preview: { width: 160, height: 90, fps: 2 }, meters: false });
    const errors: string[] = [];
    let pictures = 0;
    compositor.on('error', (err) => errors.push(err.code));
    compositor.on('preview', () => pictures++);
    try {
      await compositor.start();
      const from = compositor.program.delivered;
      // Five seconds of program, with no restart on the way.
      await until(() => compositor.program.delivered >= from + 150 || errors.length > 0, 30_000);
      expect(errors).toEqual([]);
      expect(pictures).toBeGreaterThan(0);
      expect(compositor.relayStats.skipped).toBeLessThan(15);
    } finally {
      const pids = compositor.pids;
      await compositor.stop();
      for (const pid of pids) expect(isRunning(pid)).toBe(false);
    }
  }, 60_000);

  it('allows the default preview the same ticks in flight as before, and a slow one two pictures\' worth', () => {
    expect(maxInFlight(30)).toBe(6);
    expect(maxInFlight(30, 15)).toBe(6);
    expect(maxInFlight(30, 30)).toBe(6);
    expect(maxInFlight(30, 2)).toBe(32);
    expect(maxInFlight(60, 5)).toBe(26);
  });
});
