import { afterAll, afterEach, beforeAll } from 'vitest';
import { type RtmpTestServer, startNginxRtmp } from './servers.js';

/**
 * A suite that streams to a real nginx-rtmp: the server starts before the suite and stops after it, and
 * what each test registers with `cleanup` (a studio, a compositor) stops after that test, last first.
 */
export function liveSuite(): { nginx: () => RtmpTestServer; cleanup: (stop: () => Promise<unknown>) => void } {
  let nginx: RtmpTestServer | undefined;
  const cleanups: Array<() => Promise<unknown>> = [];
  beforeAll(async () => {
    nginx = await startNginxRtmp();
  });
  afterAll(async () => {
    await nginx?.stop();
  });
  afterEach(async () => {
    for (const stop of cleanups.splice(0).reverse()) await stop();
  });
  return {
    nginx: () => {
      if (!nginx) throw new Error('nginx-rtmp is not running yet');
      return nginx;
    },
    cleanup: (stop) => void cleanups.push(stop),
  };
}
