import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCollection } from '../../electron/engine/profile/profile.js';
import { tmpDir } from '../helpers/fixtures.js';
import { runUplink } from '../helpers/publish.js';
import { collection, color, item, near, yuvOf } from '../helpers/scenes.js';
import { type RtmpTestServer, startNginxRtmp } from '../helpers/servers.js';

const run = promisify(execFile);
const SMALL = ['--size', '320x180', '--fps', '30', '--bitrate', '400'];

let nginx: RtmpTestServer;
beforeAll(async () => {
  nginx = await startNginxRtmp();
});
afterAll(async () => {
  await nginx?.stop();
});

/** Y, U, V at the centre of the last picture the server recorded. */
async function lastCentre(file: string): Promise<number[]> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-sseof', '-0.5', '-i', file, '-frames:v', '1', '-vf', 'scale=2:2', '-f', 'rawvideo', '-pix_fmt', 'yuv444p', '-'], { encoding: 'buffer' });
  return [stdout[0]!, stdout[4]!, stdout[8]!];
}

describe('uplink stream --scenes', () => {
  it('streams an Uplink profile, starting on its current scene', async () => {
    const profile = join(tmpDir('cli-scenes'), `profile-${process.pid}`);
    await writeCollection(
      profile,
      collection(
        { width: 320, height: 180, fps: 30 },
        [color('red', '#ff0000'), color('green', '#00ff00')],
        [
          { id: 'scene-red', items: [item('bg', 'red', { x: 0, y: 0, width: 320, height: 180 })] },
          { id: 'scene-green', items: [item('bg', 'green', { x: 0, y: 0, width: 320, height: 180 })] },
        ],
        'scene-green',
      ),
    );
    const result = await runUplink(['stream', '--scenes', profile, ...SMALL, '--duration', '3', '--to', nginx.url('live', 'cli-scenes-uplink')]);
    expect(result.code, result.stderr).toBe(0);
    expect(near(await lastCentre(await nginx.recording('cli-scenes-uplink')), yuvOf(0, 255, 0))).toBe(true);
  });

  it('streams an OBS scene collection as OBS saved it, and says what it could not import as it is', async () => {
    const file = join(import.meta.dirname, '..', 'fixtures', 'obs', 'scenes-red-blue-tone.json');
    const result = await runUplink(['stream', '--scenes', file, ...SMALL, '--duration', '3', '--to', nginx.url('live', 'cli-scenes-obs')]);
    expect(result.code, result.stderr).toBe(0);
    // Its program scene was "Blue"; the tone's file is not on this machine.
    expect(near(await lastCentre(await nginx.recording('cli-scenes-obs')), yuvOf(0, 0, 255))).toBe(true);
    expect(result.stderr).toMatch(/Tone/);
  });

  it('a missing collection is one line and nothing goes live', async () => {
    const result = await runUplink(['stream', '--scenes', '/nonexistent/collection.json', '--to', nginx.url('live', 'cli-scenes-missing')]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/--scenes \/nonexistent\/collection.json/);
  });
});
