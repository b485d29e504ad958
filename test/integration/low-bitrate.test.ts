import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ProgramStats } from '../../electron/contract.js';
import { Studio } from '../../electron/engine/studio.js';
import { tmpDir } from '../helpers/fixtures.js';
import { type RtmpTestServer, startNginxRtmp } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';

let nginx: RtmpTestServer;
beforeAll(async () => {
  nginx = await startNginxRtmp({ record: false });
});
afterAll(async () => {
  await nginx?.stop();
});

// nginx-rtmp acknowledges every 64 KB as asked; at 400 kbit/s that is most of a second of media, all of it
// "unacknowledged" just before each acknowledgement. Counted as queue, it read as congestion and a healthy
// loopback server lost a third of the frames.
it('a healthy server at a low bitrate loses no frame: the bytes of one acknowledgement window are not a queue', async () => {
  const studio = new Studio({ encoding: { width: 320, height: 180, fps: 30, videoBitrateKbps: 400, preset: 'ultrafast', keyframeIntervalSec: 1 }, cacheDir: tmpDir('studio-cache') });
  let stats: ProgramStats | undefined;
  studio.on('onStats', (s) => (stats = s));
  try {
    await studio.addDestination({ name: 'nginx', service: 'custom', serverUrl: nginx.url('live', 'low-bitrate') });
    await studio.goLive();
    await until(() => (stats?.mediaSec ?? 0) >= 6, 30_000);
    const destination = stats!.destinations[0]!;
    expect(destination.framesSent).toBeGreaterThan(150);
    expect(destination.dropsByReason).toEqual({ congestion: 0, reconnecting: 0, 'waiting-for-keyframe': 0 });
  } finally {
    await studio.dispose();
  }
});
