/**
 * obs-websocket v5 end to end: `uplink serve --obs-websocket-port 0` as a process, a real nginx-rtmp,
 * and the npm client obs-websocket-js 5.0.8 as Stream Deck plugins and Companion use it: under Node
 * (MessagePack) and its browser build in Debian's Chromium (JSON). A Companion-like connect in which no
 * request fails; scenes and colour inputs created, scenes switched, an item hidden, an input muted, the
 * stream started and stopped, each with its event, while ten more clients take the meters; and what
 * nginx received, read back with FFmpeg: the scene switch is in the frames, and no frame is missing.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import OBSWebSocket, { EventSubscription } from 'obs-websocket-js';
import OBSWebSocketJson from 'obs-websocket-js/json';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collection } from '../../electron/contract.js';
import { writeCollection, writeSettings } from '../../electron/engine/profile/profile.js';
import { tmpDir } from '../helpers/fixtures.js';
import { packetsOf, probeFile } from '../helpers/probe.js';
import { startUplink } from '../helpers/publish.js';
import { near, yuvOf } from '../helpers/scenes.js';
import { type RtmpTestServer, startNginxRtmp } from '../helpers/servers.js';
import { startThrottleProxy } from '../helpers/throttle-proxy.js';
import { until } from '../helpers/wait.js';

const run = promisify(execFile);
const W = 320;
const H = 180;
const PASSWORD = 'obs-test-password';
const KEY = 'obskey';
const GLOBAL_BUILD = join(import.meta.dirname, '..', '..', 'node_modules', 'obs-websocket-js', 'dist', 'obs-ws.global.js');

type Data = Record<string, unknown>;
type Call = (requestType: string, requestData?: Data) => Promise<Data>;
interface BatchResult {
  requestType: string;
  requestStatus: { result: boolean; code: number; comment?: string };
  responseData?: Data;
}
type Batch = (requests: Array<{ requestType: string; requestData?: Data }>) => Promise<BatchResult[]>;

/**
 * What Companion asks at connect (its obs-websocket module's order), then of every scene and input it
 * found. Returns the requests made; a request that fails throws.
 */
async function companionConnect(call: Call, batch: Batch): Promise<string[]> {
  const made: string[] = [];
  const ask = async (type: string, data?: Data): Promise<Data> => {
    made.push(type);
    return call(type, data);
  };
  for (const type of [
    'GetVersion', 'GetStats', 'GetStudioModeEnabled', 'GetHotkeyList', 'GetOutputList', 'GetMonitorList', 'GetVideoSettings',
    'GetReplayBufferStatus', 'GetInputKindList', 'GetRecordStatus', 'GetRecordDirectory', 'GetStreamStatus', 'GetStreamServiceSettings',
    'GetProfileList', 'GetSceneCollectionList', 'GetSceneTransitionList', 'GetCurrentSceneTransition', 'GetSpecialInputs',
  ]) {
    await ask(type);
  }
  const kinds = (await ask('GetInputKindList')).inputKinds as string[];
  for (const inputKind of kinds) await ask('GetInputDefaultSettings', { inputKind });
  for (const output of (await ask('GetOutputList')).outputs as Data[]) await ask('GetOutputStatus', { outputName: output.outputName as string });
  const scenes = (await ask('GetSceneList')).scenes as Data[];
  for (const scene of scenes) {
    const sceneName = scene.sceneName as string;
    await ask('GetSourceActive', { sourceName: sceneName });
    await ask('GetSourceFilterList', { sourceName: sceneName });
    for (const item of (await ask('GetSceneItemList', { sceneName })).sceneItems as Data[]) {
      if (item.isGroup === true) await ask('GetGroupSceneItemList', { sceneName: item.sourceName as string });
    }
  }
  for (const input of (await ask('GetInputList')).inputs as Data[]) {
    const inputName = input.inputName as string;
    await ask('GetInputSettings', { inputName });
    await ask('GetSourceActive', { sourceName: inputName });
    await ask('GetSourceFilterList', { sourceName: inputName });
    if ((Number(input.inputKindCaps) & 2) !== 0) {
      for (const type of ['GetInputAudioTracks', 'GetInputMute', 'GetInputVolume', 'GetInputAudioBalance', 'GetInputAudioSyncOffset', 'GetInputAudioMonitorType']) {
        await ask(type, { inputName });
      }
    }
    if (input.inputKind === 'ffmpeg_source') await ask('GetMediaInputStatus', { inputName });
  }
  // Companion's first-scene group check, asked of a scene (Uplink has no groups: an empty list).
  await ask('GetGroupSceneItemList', { sceneName: scenes[0]!.sceneName as string });

  // Then Companion's own batches, by uuid: every scene's items, then every source's state, with the audio
  // requests sent optimistically for every input (it drops only "does not support audio" answers).
  const itemLists = await batch(scenes.map((scene) => ({ requestType: 'GetSceneItemList', requestData: { sceneUuid: scene.sceneUuid } })));
  const sources = new Map<string, boolean>();
  for (const list of itemLists) {
    expect(list.requestStatus, list.requestType).toMatchObject({ result: true });
    for (const item of list.responseData!.sceneItems as Data[]) sources.set(item.sourceUuid as string, item.inputKind !== null);
  }
  const perSource = [...sources].flatMap(([uuid, isInput]) => [
    { requestType: 'GetSourceActive', requestData: { sourceUuid: uuid } },
    { requestType: 'GetSourceFilterList', requestData: { sourceUuid: uuid } },
    ...(isInput
      ? ['GetInputSettings', 'GetInputMute', 'GetInputVolume', 'GetInputAudioBalance', 'GetInputAudioSyncOffset', 'GetInputAudioMonitorType', 'GetInputAudioTracks'].map((requestType) => ({
          requestType,
          requestData: { inputUuid: uuid },
        }))
      : []),
  ]);
  const answers = await batch(perSource);
  expect(answers).toHaveLength(perSource.length);
  for (const answer of answers) {
    if (!answer.requestStatus.result) expect(answer.requestStatus.comment, answer.requestType).toBe('The specified input does not support audio.');
  }
  made.push(...perSource.map((r) => r.requestType));
  return made;
}

/** A studio with a tone in its one scene, at a small size so that the machine keeps up. */
function profile(): string {
  const dir = tmpDir(`obs-ws-${randomBytes(4).toString('hex')}`);
  for (const folder of ['media', 'recordings']) mkdirSync(join(dir, folder), { recursive: true });
  return dir;
}

async function writeProfile(dir: string): Promise<void> {
  const collection: Collection = {
    version: 2,
    canvas: { width: W, height: H, fps: 15 },
    sources: [{ id: 'tone', name: 'Tone', kind: 'tone', settings: { frequencyHz: 440 }, audio: { volumeDb: 0, muted: false } }],
    scenes: [{ id: 'start', name: 'Start', items: [{ id: 'item-1', sourceId: 'tone', x: 0, y: 0, width: 0, height: 0, crop: { top: 0, right: 0, bottom: 0, left: 0 }, visible: true, locked: false }] }],
    currentSceneId: 'start',
    transition: { kind: 'cut', durationMs: 0 },
  };
  await writeCollection(dir, collection);
  await writeSettings(dir, {
    version: 1,
    studio: { encoding: { width: W, height: H, fps: 15, videoBitrateKbps: 400, preset: 'ultrafast', bFrames: 0, keyframeIntervalSec: 1 }, dynamicBitrate: false, destinations: [] },
  });
}

interface Serve {
  obsUrl: string;
  stop(): Promise<number>;
}

/** `uplink serve` with obs-websocket on a free port; the address is read off what it prints. */
async function serve(dir: string): Promise<Serve> {
  const running = startUplink(['serve', '--port', '0', '--profile', dir, '--obs-websocket-port', '0', '--obs-websocket-password', PASSWORD], { UPLINK_CACHE_DIR: tmpDir('serve-cache') });
  let stdout = '';
  running.child.stdout!.on('data', (text: string) => (stdout += text));
  await until(() => /Uplink studio: http/.test(stdout) || running.child.exitCode !== null, 60_000);
  const obsUrl = /obs-websocket: (ws:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
  if (obsUrl === undefined) throw new Error(`uplink serve did not start obs-websocket:\n${stdout}\n${running.stderr()}`);
  return {
    obsUrl,
    async stop() {
      if (running.child.exitCode === null) running.child.kill('SIGINT');
      return (await running.exited).code;
    },
  };
}

/** The OBS events a client received, in order, and a way to wait for one. */
class Heard {
  readonly events: Array<{ type: string; data: Data }> = [];

  constructor(obs: OBSWebSocket, types: string[]) {
    for (const type of types) obs.on(type as never, ((data: Data) => this.events.push({ type, data: data ?? {} })) as never);
  }

  async next(type: string, test: (data: Data) => boolean = () => true, since = 0): Promise<Data> {
    let found: Data | undefined;
    await until(() => {
      found = this.events.slice(since).find((e) => e.type === type && test(e.data))?.data;
      return found !== undefined;
    }, 30_000);
    return found!;
  }
}

const RED = yuvOf(255, 0, 0);
const BLUE = yuvOf(0, 0, 255);

/** The centre pixel of every received picture, as red, blue or other. */
async function centreColours(file: string): Promise<string[]> {
  const { stdout } = await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', file, '-vf', `scale=${W}:${H}`, '-f', 'rawvideo', '-pix_fmt', 'yuv444p', '-'], {
    encoding: 'buffer',
    maxBuffer: 512 * 1024 * 1024,
  });
  const size = W * H * 3;
  const at = (H / 2) * W + W / 2;
  const colours: string[] = [];
  for (let offset = 0; offset + size <= stdout.length; offset += size) {
    const yuv = [stdout[offset + at]!, stdout[offset + W * H + at]!, stdout[offset + 2 * W * H + at]!];
    colours.push(near(yuv, RED, 12) ? 'red' : near(yuv, BLUE, 12) ? 'blue' : 'other');
  }
  return colours;
}

/** Runs of the same value: [red x40, blue x30] -> ['red', 'blue']. */
function runs(values: string[]): string[] {
  return values.filter((value, i) => i === 0 || values[i - 1] !== value);
}

/** A loopback page that can load the browser build, as a control panel served on this computer would. */
async function servePage(): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.url === '/obs-ws.global.js') {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      res.end(readFileSync(GLOBAL_BUILD));
    } else {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end('<!doctype html><title>obs-websocket client</title>');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

let nginx: RtmpTestServer;
let dir: string;
let uplink: Serve;

beforeAll(async () => {
  nginx = await startNginxRtmp();
  dir = profile();
  await writeProfile(dir);
  uplink = await serve(dir);
}, 120_000);

afterAll(async () => {
  if (uplink) expect(await uplink.stop()).toBe(0);
  await nginx?.stop();
}, 60_000);

describe('obs-websocket against uplink serve', () => {
  it('under Node (MessagePack): connects as Companion does, drives scenes, inputs, audio and the stream, and the switch reaches the server', async () => {
    const obs = new OBSWebSocket();
    const heard = new Heard(obs, [
      'CurrentProgramSceneChanged', 'SceneListChanged', 'SceneCreated', 'InputCreated', 'SceneItemCreated', 'SceneItemEnableStateChanged',
      'InputMuteStateChanged', 'StreamStateChanged', 'ExitStarted',
    ]);
    const hello = await obs.connect(uplink.obsUrl, PASSWORD, { eventSubscriptions: EventSubscription.All, rpcVersion: 1 });
    expect(hello.negotiatedRpcVersion).toBe(1);
    try {
      const call: Call = (type, data) => obs.call(type as never, data as never) as Promise<Data>;
      const batch: Batch = (requests) => obs.callBatch(requests as never) as unknown as Promise<BatchResult[]>;
      const made = await companionConnect(call, batch);
      expect(made.length).toBeGreaterThan(30);

      // Two scenes, each filled by a colour input; the second created last is at the top of OBS's list.
      await call('CreateScene', { sceneName: 'Red' });
      await call('CreateScene', { sceneName: 'Blue' });
      await heard.next('SceneCreated', (d) => d.sceneName === 'Blue');
      await heard.next('SceneListChanged', (d) => (d.scenes as Data[]).length === 3);
      const red = await call('CreateInput', { sceneName: 'Red', inputName: 'Red colour', inputKind: 'color_source_v3', inputSettings: { color: 0xff0000ff } });
      const blue = await call('CreateInput', { sceneName: 'Blue', inputName: 'Blue colour', inputKind: 'color_source_v3', inputSettings: { color: 0xffff0000 } });
      await heard.next('InputCreated', (d) => d.inputName === 'Blue colour' && d.inputKind === 'color_source_v3');
      await heard.next('SceneItemCreated', (d) => d.sceneName === 'Blue' && d.sceneItemId === blue.sceneItemId);
      for (const sceneName of ['Red', 'Blue']) await call('CreateSceneItem', { sceneName, sourceName: 'Tone' });
      expect((await call('GetInputSettings', { inputUuid: red.inputUuid as string })).inputSettings).toMatchObject({ color: 0xff0000ff, width: W, height: H });
      await call('SetCurrentProgramScene', { sceneName: 'Red' });
      await heard.next('CurrentProgramSceneChanged', (d) => d.sceneName === 'Red');
      // A screenshot of the scene on air is the program picture.
      await until(async () => String((await obs.call('GetSourceScreenshot', { sourceName: 'Red', imageFormat: 'jpg' }).catch(() => ({ imageData: '' }))).imageData).startsWith('data:image/jpeg;base64,'));

      // Ten more clients on the meters (half MessagePack, half JSON) while live: the stream must lose nothing.
      const meters = Array.from({ length: 10 }, (_, i) => ({ client: i % 2 === 0 ? new OBSWebSocket() : new OBSWebSocketJson(), tone: 0 }));
      await Promise.all(
        meters.map(async (m) => {
          m.client.on('InputVolumeMeters', ({ inputs }) => {
            if (inputs.some((input) => input.inputName === 'Tone' && Array.isArray(input.inputLevelsMul))) m.tone++;
          });
          await m.client.connect(uplink.obsUrl, PASSWORD, { eventSubscriptions: EventSubscription.InputVolumeMeters });
        }),
      );

      // The stream goes to nginx as Uplink's first destination.
      await call('SetStreamServiceSettings', { streamServiceType: 'rtmp_custom', streamServiceSettings: { server: nginx.url('live', '').replace(/\/$/, ''), key: KEY } });
      expect(JSON.stringify(await call('GetStreamServiceSettings'))).not.toContain(KEY);
      await call('StartStream');
      await heard.next('StreamStateChanged', (d) => d.outputState === 'OBS_WEBSOCKET_OUTPUT_STARTED' && d.outputActive === true);
      const framesSent = async (): Promise<number> => Number((await call('GetStreamStatus')).outputTotalFrames);
      await until(async () => (await framesSent()) >= 30, 60_000);

      const since = heard.events.length;
      const blueScene = ((await call('GetSceneList')).scenes as Data[]).find((s) => s.sceneName === 'Blue')!;
      await call('SetCurrentProgramScene', { sceneUuid: blueScene.sceneUuid as string });
      await heard.next('CurrentProgramSceneChanged', (d) => d.sceneName === 'Blue', since);
      const atSwitch = await framesSent();
      await until(async () => (await framesSent()) >= atSwitch + 30, 60_000);

      await call('SetSceneItemEnabled', { sceneName: 'Blue', sceneItemId: blue.sceneItemId as number, sceneItemEnabled: false });
      expect(await heard.next('SceneItemEnableStateChanged', () => true, since)).toMatchObject({ sceneName: 'Blue', sceneItemEnabled: false });
      await call('ToggleInputMute', { inputName: 'Tone' });
      expect(await heard.next('InputMuteStateChanged', () => true, since)).toMatchObject({ inputName: 'Tone', inputMuted: true });
      const atHide = await framesSent();
      await until(async () => (await framesSent()) >= atHide + 15, 60_000);

      for (const m of meters) await m.client.disconnect();
      // 20 a second each: every client heard the tone's meter all along.
      expect(Math.min(...meters.map((m) => m.tone))).toBeGreaterThan(20);
      await call('StopStream');
      await heard.next('StreamStateChanged', (d) => d.outputState === 'OBS_WEBSOCKET_OUTPUT_STOPPED' && d.outputActive === false);

      const received = await nginx.recording(KEY);
      const probe = await probeFile(received);
      expect(probe.streams.map((s) => s.codecType).sort()).toEqual(['audio', 'video']);
      const video = packetsOf(probe, 'video');
      expect(video.length).toBeGreaterThan(60);
      // No hole in what nginx received: scene switches, a hidden item, a mute and ten meter clients cost no frame.
      const gaps = video.slice(1).map((p, i) => p.dtsMs - video[i]!.dtsMs);
      expect(Math.max(...gaps), 'the longest gap between two received frames (ms)').toBeLessThan(140);
      const spanSec = (video.at(-1)!.dtsMs - video[0]!.dtsMs) / 1000;
      expect(video.length).toBeGreaterThanOrEqual(Math.floor(spanSec * 15 * 0.98));
      // Red, then the cut to blue, then the hidden item (the canvas's black): never blue before red.
      const colours = runs(await centreColours(received));
      expect(runs(colours.filter((c) => c !== 'other'))).toEqual(['red', 'blue']);
      expect(colours.at(-1)).toBe('other');
    } finally {
      await obs.disconnect();
    }
  }, 240_000);

  it("says a lost connection as OBS's RECONNECTING, then RECONNECTED once the destination is live again", async () => {
    const proxy = await startThrottleProxy({ targetPort: nginx.port });
    const obs = new OBSWebSocket();
    const heard = new Heard(obs, ['StreamStateChanged']);
    try {
      await obs.connect(uplink.obsUrl, PASSWORD, { eventSubscriptions: EventSubscription.Outputs, rpcVersion: 1 });
      await obs.call('SetStreamServiceSettings', { streamServiceType: 'rtmp_custom', streamServiceSettings: { server: proxy.url('live', '').replace(/\/$/, ''), key: 'obsreconnect' } });
      await obs.call('StartStream');
      await heard.next('StreamStateChanged', (d) => d.outputState === 'OBS_WEBSOCKET_OUTPUT_STARTED');
      proxy.cut();
      expect(await heard.next('StreamStateChanged', (d) => d.outputState === 'OBS_WEBSOCKET_OUTPUT_RECONNECTING')).toEqual({ outputActive: true, outputState: 'OBS_WEBSOCKET_OUTPUT_RECONNECTING' });
      expect(await heard.next('StreamStateChanged', (d) => d.outputState === 'OBS_WEBSOCKET_OUTPUT_RECONNECTED')).toEqual({ outputActive: true, outputState: 'OBS_WEBSOCKET_OUTPUT_RECONNECTED' });
      expect(await obs.call('GetStreamStatus')).toMatchObject({ outputActive: true, outputReconnecting: false });
      await obs.call('StopStream');
      await heard.next('StreamStateChanged', (d) => d.outputState === 'OBS_WEBSOCKET_OUTPUT_STOPPED');
      expect(heard.events.map((e) => e.data.outputState)).toEqual([
        'OBS_WEBSOCKET_OUTPUT_STARTING',
        'OBS_WEBSOCKET_OUTPUT_STARTED',
        'OBS_WEBSOCKET_OUTPUT_RECONNECTING',
        'OBS_WEBSOCKET_OUTPUT_RECONNECTED',
        'OBS_WEBSOCKET_OUTPUT_STOPPING',
        'OBS_WEBSOCKET_OUTPUT_STOPPED',
      ]);
    } finally {
      await obs.disconnect();
      await proxy.stop();
    }
  }, 120_000);

  it('in Chromium, with the browser build (JSON): the same connect, no request fails', async () => {
    let browser: Browser | undefined;
    const pages = await servePage();
    try {
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
      const page = await browser.newPage();
      // From a page on this computer: Chromium keeps pages of other origins (about:blank included) off loopback.
      await page.goto(pages.url);
      await page.addScriptTag({ url: `${pages.url}obs-ws.global.js` });
      const negotiated = await page.evaluate(
        async ({ url, password }) => {
          // The browser build's global is the client class itself.
          const Client = (globalThis as unknown as { OBSWebSocket: new () => { connect(u: string, p: string): Promise<{ negotiatedRpcVersion: number }> } }).OBSWebSocket;
          const obs = new Client();
          (globalThis as unknown as { obs: unknown }).obs = obs;
          return (await obs.connect(url, password)).negotiatedRpcVersion;
        },
        { url: uplink.obsUrl, password: PASSWORD },
      );
      expect(negotiated).toBe(1);
      const subprotocol = await page.evaluate(() => ((globalThis as unknown as { obs: { socket?: { protocol: string } } }).obs.socket?.protocol ?? ''));
      expect(subprotocol).toBe('obswebsocket.json');
      const call: Call = (requestType, requestData) =>
        page.evaluate(([t, d]) => (globalThis as unknown as { obs: { call(t: string, d?: unknown): Promise<Data> } }).obs.call(t as string, d), [requestType, requestData] as const);
      const batch: Batch = (requests) =>
        page.evaluate((r) => (globalThis as unknown as { obs: { callBatch(r: unknown): Promise<BatchResult[]> } }).obs.callBatch(r), requests);
      const made = await companionConnect(call, batch);
      expect(made).toContain('GetSceneItemList');
      expect((await call('GetVersion')).availableRequests).toContain('SetCurrentProgramScene');
    } finally {
      await browser?.close();
      await pages.stop();
    }
  }, 120_000);
});
