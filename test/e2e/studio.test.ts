import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeCollection } from '../../electron/engine/profile/profile.js';
import { tmpDir } from '../helpers/fixtures.js';
import { packetsOf, probeFile } from '../helpers/probe.js';
import { type RunningUplink, startUplink } from '../helpers/publish.js';
import { collection, color, item, near, yuvOf } from '../helpers/scenes.js';
import { type RtmpTestServer, startNginxRtmp } from '../helpers/servers.js';
import { until } from '../helpers/wait.js';

const run = promisify(execFile);
const W = 640;
const H = 360;
const SHOTS = tmpDir('e2e-studio');

let nginx: RtmpTestServer;
let serve: RunningUplink;
let browser: Browser;
let url: string;

beforeAll(async () => {
  nginx = await startNginxRtmp();
  // A profile with two scenes the test can tell apart by colour, and a tone to meter.
  const profile = join(tmpDir('e2e-studio-profile'), `profile-${process.pid}`);
  mkdirSync(profile, { recursive: true });
  await writeCollection(
    profile,
    collection(
      { width: W, height: H, fps: 30 },
      [color('red', '#ff0000', 16, 9), color('blue', '#0000ff', 16, 9), color('green', '#00ff00', 16, 16), { id: 'tone', name: 'Tone', kind: 'tone', settings: { frequencyHz: 440 }, audio: { volumeDb: 0, muted: false } }],
      [
        { id: 'scene-red', items: [item('bg', 'red', { x: 0, y: 0, width: W, height: H }), item('tone', 'tone', { x: 0, y: 0, width: 0, height: 0 })] },
        { id: 'scene-blue', items: [item('bg', 'blue', { x: 0, y: 0, width: W, height: H }), item('box', 'green', { x: 400, y: 200, width: 120, height: 120 }), item('tone', 'tone', { x: 0, y: 0, width: 0, height: 0 })] },
      ],
    ),
  );
  serve = startUplink(['serve', '--port', '0', '--profile', profile]);
  let printed = '';
  serve.child.stdout!.on('data', (text: string) => (printed += text));
  await until(() => /https?:\/\/\S+token=\S+/.test(printed), 30_000);
  url = /https?:\/\/\S+token=\S+/.exec(printed)![0];
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  serve?.child.kill('SIGINT');
  await serve?.exited;
  await nginx?.stop();
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Y, U, V of the preview picture the page shows, at (x, y) of the program canvas. */
async function previewPixel(page: Page, x: number, y: number): Promise<number[]> {
  // Runs in the page (a string: the tests compile without the DOM's types): the picture drawn on a canvas.
  const rgb = (await page.evaluate(`(() => {
    const img = document.querySelector('.stage .preview-img');
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const data = context.getImageData(Math.round(${x / W} * img.naturalWidth), Math.round(${y / H} * img.naturalHeight), 1, 1).data;
    return [data[0], data[1], data[2]];
  })()`)) as number[];
  return yuvOf(rgb[0]!, rgb[1]!, rgb[2]!);
}

describe('the studio in a browser (uplink serve, Debian Chromium)', () => {
  it('go live, switch scene, drag an item, mute, stop: what the page shows and what the server got', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.locator('.stage .preview-img').waitFor({ timeout: 20_000 });
    await until(async () => near(await previewPixel(page, 320, 180), yuvOf(255, 0, 0), 12), 20_000);
    await shot(page, '1-first-picture');

    // A destination at the local nginx-rtmp, typed in the settings as a streamer would.
    await page.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: '+ Add destination' }).click();
    const form = page.getByRole('form', { name: 'New destination' });
    await form.getByLabel('Name').fill('Local nginx');
    await form.getByLabel('Service').selectOption('custom');
    await form.getByLabel('Server URL').fill(nginx.url('live', '').replace(/\/$/, ''));
    await form.getByLabel('Stream key').fill('e2e-studio-key');
    await form.getByRole('button', { name: 'Add destination' }).click();
    await shot(page, '2-destination');
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Go Live' }).click();
    await page.getByRole('button', { name: 'Stop Streaming' }).waitFor({ timeout: 30_000 });
    await page.getByText('live', { exact: false }).first().waitFor();
    await shot(page, '3-live');

    // Switch scene: the preview turns blue with the green box.
    await page.getByRole('list', { name: 'Scenes' }).getByRole('button', { name: 'scene-blue', exact: true }).click();
    await until(async () => near(await previewPixel(page, 100, 100), yuvOf(0, 0, 255), 12) && near(await previewPixel(page, 460, 260), yuvOf(0, 255, 0), 12), 15_000);
    await shot(page, '4-scene-blue');

    // Drag the green box to the top-left: the preview follows, and so does the stream.
    const box = page.locator('.stage .item-box').and(page.getByRole('button', { name: 'green', exact: true }));
    const from = (await box.boundingBox())!;
    const stage = (await page.locator('.stage').boundingBox())!;
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(stage.x + from.width / 2 + 20, stage.y + from.height / 2 + 20, { steps: 10 });
    await page.mouse.up();
    await until(async () => near(await previewPixel(page, 80, 80), yuvOf(0, 255, 0), 12), 15_000);
    await shot(page, '5-dragged');

    // Mute the tone: its meter falls to the floor.
    const meter = page.getByRole('meter', { name: /Tone/ }).first();
    await until(async () => Number(await meter.getAttribute('aria-valuenow')) > -40, 15_000);
    await page.getByRole('button', { name: 'Mute Tone' }).click();
    await until(async () => Number(await meter.getAttribute('aria-valuenow')) <= -60, 15_000);
    await shot(page, '6-muted');

    await page.getByRole('button', { name: 'Stop Streaming' }).click();
    await page.getByRole('button', { name: 'Go Live' }).waitFor({ timeout: 30_000 });
    await shot(page, '7-stopped');
    expect(errors).toEqual([]);

    // The stream arrived whole: no hole in its frames, red then blue, and the box where it was dragged.
    const file = await nginx.recording('e2e-studio-key');
    const video = packetsOf(await probeFile(file), 'video');
    const gaps = video.slice(1).map((p, i) => p.dtsMs - video[i]!.dtsMs);
    expect(Math.max(...gaps)).toBeLessThan(70);
    const last = await frameAt(file, -0.3);
    expect(near(last(100, 300), yuvOf(0, 0, 255))).toBe(true);
    expect(near(last(80, 80), yuvOf(0, 255, 0))).toBe(true);
    expect(near(last(460, 260), yuvOf(0, 0, 255))).toBe(true);
  });
});

/** The picture at `fromEndSec` before the end of a recording, as a pixel reader in output pixels (1280x720 scaled to 640x360). */
async function frameAt(file: string, fromEndSec: number): Promise<(x: number, y: number) => number[]> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-sseof', String(fromEndSec), '-i', file, '-frames:v', '1', '-vf', `scale=${W}:${H}`, '-f', 'rawvideo', '-pix_fmt', 'yuv444p', '-'], { encoding: 'buffer' });
  return (x, y) => [stdout[y * W + x]!, stdout[W * H + y * W + x]!, stdout[2 * W * H + y * W + x]!];
}
