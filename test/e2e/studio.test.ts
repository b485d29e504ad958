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
  // Runs in the page (a string: the tests compile without the DOM's types): the picture (an <img> or the
  // preview's own canvas) drawn on a canvas of ours.
  const rgb = (await page.evaluate(`(() => {
    const img = document.querySelector('.stage .preview-img');
    const width = img.naturalWidth || img.width;
    const height = img.naturalHeight || img.height;
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const context = canvas.getContext('2d');
    context.drawImage(img, 0, 0);
    const data = context.getImageData(Math.min(width - 1, Math.round(${x / W} * width)), Math.min(height - 1, Math.round(${y / H} * height)), 1, 1).data;
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

    // The first run: the profile has no destination yet. What plays, then where to stream, then the encoder.
    const firstRun = page.getByRole('dialog', { name: 'Welcome to Uplink' });
    await firstRun.getByRole('list', { name: 'Picked sources' }).waitFor();
    await shot(page, '1-first-run-sources');
    await firstRun.getByRole('button', { name: 'Next' }).click();
    const form = firstRun.getByRole('form', { name: 'New destination' });
    await form.getByLabel('Service').selectOption('custom');
    await form.getByLabel('Name').fill('Local nginx');
    await form.getByLabel('Server URL').fill(nginx.url('live', '').replace(/\/$/, ''));
    await form.getByLabel('Stream key').fill('e2e-studio-key');
    await shot(page, '2-first-run-destination');
    await form.getByRole('button', { name: 'Save and continue' }).click();
    await firstRun.getByText('works on this computer').waitFor({ timeout: 60_000 });
    // 1280x720 at 30 fps to a custom server: the recommended 3000 kb/s.
    expect(await firstRun.getByLabel('Video bitrate (kb/s)').inputValue()).toBe('3000');
    await shot(page, '2-first-run-encoder');
    await firstRun.getByRole('button', { name: 'Finish' }).click();
    await firstRun.waitFor({ state: 'detached' });

    // Source properties: the red background becomes yellow; its transform halves its width (the rest is the black canvas).
    await page.getByRole('button', { name: 'Properties of red' }).click();
    const props = page.getByRole('dialog', { name: /red/ });
    await props.getByLabel('Colour', { exact: true }).fill('#ffff00');
    await shot(page, '3-source-properties');
    await props.getByRole('button', { name: 'Save' }).click();
    await props.waitFor({ state: 'detached' });
    // A new colour is a new compositor graph beside the running one: on a loaded machine it takes a while to take over.
    await until(async () => near(await previewPixel(page, 320, 180), yuvOf(255, 255, 0), 12), 60_000);
    await page.getByRole('list', { name: 'Sources' }).getByRole('button', { name: 'red', exact: true }).click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Transform…' }).click();
    const transform = page.getByRole('dialog', { name: /red/ });
    await transform.getByLabel('Width (px)').fill(String(W / 2));
    await transform.getByLabel('Crop left').fill('-3');
    await transform.getByRole('button', { name: 'Save' }).click();
    await transform.getByText('Crop left must be 0 or more').waitFor();
    await shot(page, '3-transform-refused');
    await transform.getByLabel('Crop left').fill('0');
    await transform.getByRole('button', { name: 'Save' }).click();
    await transform.waitFor({ state: 'detached' });
    await until(async () => near(await previewPixel(page, 100, 180), yuvOf(255, 255, 0), 12) && near(await previewPixel(page, 500, 180), yuvOf(0, 0, 0), 12), 60_000);
    await shot(page, '3-transformed');

    await page.getByRole('button', { name: 'Go Live' }).click();
    await page.getByRole('button', { name: 'Stop Streaming' }).waitFor({ timeout: 30_000 });
    await page.getByText('live', { exact: false }).first().waitFor();
    await shot(page, '3-live');

    // While live, each setting says what a change would do to the stream.
    await page.getByRole('region', { name: 'Controls' }).getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('tab', { name: 'Output' }).click();
    await page.getByText('While live: restarts the encoder; connections are kept').first().waitFor();
    await shot(page, '3-settings-live');
    await page.getByRole('tab', { name: 'FFmpeg' }).click();
    await page.getByText('/usr/bin/ffmpeg').waitFor({ timeout: 20_000 });
    await shot(page, '3-settings-ffmpeg');
    await page.keyboard.press('Escape');

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
    const seen = `at (100,300) ${last(100, 300)}, (80,80) ${last(80, 80)}, (460,260) ${last(460, 260)}`;
    expect(near(last(100, 300), yuvOf(0, 0, 255)), seen).toBe(true);
    expect(near(last(80, 80), yuvOf(0, 255, 0)), seen).toBe(true);
    expect(near(last(460, 260), yuvOf(0, 0, 255)), seen).toBe(true);
  }, 240_000);

  it('imports an OBS scene collection and shows the report; the web remote refuses one that names a file outside the profile', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    // This browser has seen the first run (the test above walks it).
    await page.addInitScript(`localStorage.setItem('uplink.firstRun.done', '1')`);
    await page.goto(url);
    await page.locator('.stage .preview-img').waitFor({ timeout: 20_000 });
    await page.getByRole('button', { name: 'Import from OBS…' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Import from OBS' });
    const item = (name: string, id: number) => ({ name, id, visible: true, locked: false, pos: { x: 0, y: 0 }, scale: { x: 1, y: 1 }, rot: 0, align: 5, bounds_type: 0, bounds: { x: 0, y: 0 }, crop_left: 0, crop_top: 0, crop_right: 0, crop_bottom: 0 });
    const obs = (extra: object[]) => ({
      name: 'show',
      current_scene: 'Imported',
      scene_order: [{ name: 'Imported' }],
      sources: [
        // OBS keeps colours as ABGR: 0xffff00ff is opaque magenta.
        { id: 'color_source', versioned_id: 'color_source_v3', name: 'Magenta', settings: { color: 0xffff00ff, width: 1920, height: 1080 } },
        { id: 'browser_source', name: 'Alerts', settings: { url: 'https://example.com/alerts', width: 800, height: 600 } },
        ...extra,
        { id: 'scene', name: 'Imported', settings: { items: [item('Magenta', 1), item('Alerts', 2), ...extra.map((e, i) => item((e as { name: string }).name, 3 + i))] } },
      ],
    });
    const file = (json: object) => ({ name: 'show.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(json)) });

    await dialog.getByLabel('OBS scene collection (.json)').setInputFiles(file(obs([{ id: 'image_source', name: 'Secrets', settings: { file: '/etc/passwd' } }])));
    await dialog.getByRole('alert').filter({ hasText: 'cannot use the file /etc/passwd' }).waitFor({ timeout: 15_000 });

    await dialog.getByLabel('OBS scene collection (.json)').setInputFiles(file(obs([])));
    const report = dialog.getByRole('region', { name: 'Import report' });
    await report.waitFor({ timeout: 60_000 });
    expect(await report.textContent()).toContain('Imported 1 scene and 2 sources');
    expect(await report.getByRole('row', { name: /Alerts/ }).textContent()).toContain('Placeholder');
    await shot(page, '8-import-report');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('list', { name: 'Scenes' }).getByRole('button', { name: /^Imported/ }).waitFor();
    // The magenta background shows beside the placeholder card (800x600 at the top left of the 1920x1080 canvas).
    await until(async () => near(await previewPixel(page, 600, 300), yuvOf(255, 0, 255), 12), 60_000);
    await shot(page, '9-imported-light');

    // Settings a browser shows but cannot change, and one it can: hotkeys are the desktop app's; the recording format is kept.
    await page.getByRole('region', { name: 'Controls' }).getByRole('button', { name: 'Settings', exact: true }).click();
    await page.getByRole('tab', { name: 'Hotkeys' }).click();
    await page.getByText('Hotkeys are a feature of the desktop app.').waitFor();
    await page.getByRole('tab', { name: 'Audio' }).click();
    await page.getByLabel('Microphone').waitFor();
    await shot(page, '10-settings-audio');
    await page.getByRole('tab', { name: 'Recording' }).click();
    await page.getByLabel('Format').selectOption('mp4');
    await page.getByRole('tabpanel').getByRole('button', { name: 'Save' }).click();
    await page.getByRole('tabpanel').getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await shot(page, '11-settings-recording');
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Start Recording' }).click();
    expect(await page.getByLabel('File name').inputValue()).toMatch(/^recording-\d{8}-\d{6}\.mp4$/);
    await page.keyboard.press('Escape');
  }, 240_000);
});

/** The picture at `fromEndSec` before the end of a recording, as a pixel reader in output pixels (1280x720 scaled to 640x360). */
async function frameAt(file: string, fromEndSec: number): Promise<(x: number, y: number) => number[]> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-sseof', String(fromEndSec), '-i', file, '-frames:v', '1', '-vf', `scale=${W}:${H}`, '-f', 'rawvideo', '-pix_fmt', 'yuv444p', '-'], { encoding: 'buffer' });
  return (x, y) => [stdout[y * W + x]!, stdout[W * H + y * W + x]!, stdout[2 * W * H + y * W + x]!];
}
