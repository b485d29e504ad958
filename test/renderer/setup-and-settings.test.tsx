// @vitest-environment happy-dom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaptureDevice, Collection, EncoderStatus, ObsImportReport, ServicePreset, StudioState } from '../../electron/contract.js';
import { StudioClient } from '../../renderer/src/client.js';
import { APPLIES, appliesWhen, liveHint } from '../../renderer/src/panels/applies.js';
import { firstWorkingEncoder, proposeBitrate } from '../../renderer/src/panels/bitrate.js';
import { FIRST_RUN_DISMISSED_KEY, FirstRun } from '../../renderer/src/panels/FirstRun.js';
import { ImportObsDialog, parseObsFile } from '../../renderer/src/panels/ImportObs.js';
import { OutputTab } from '../../renderer/src/panels/Settings.js';
import { AudioDevicesTab, FfmpegTab, type HotkeysApi, HotkeysTab, RecordingTab } from '../../renderer/src/panels/SettingsMore.js';
import { Sources } from '../../renderer/src/panels/Sources.js';
import { Preview } from '../../renderer/src/preview/Preview.js';
import { propertiesOf, sourcePatchFrom, transformFieldOf, transformPatch } from '../../renderer/src/sources.js';
import { StoreContext, createAppStore } from '../../renderer/src/store.js';
import { FakeChannel, collection, studioState } from './fakes.js';

afterEach(cleanup);
beforeEach(() => localStorage.clear());

function setup(handler: (command: string, args: unknown[]) => unknown = () => undefined, state: Partial<StudioState> = {}) {
  const channel = new FakeChannel();
  channel.handler = handler;
  const client = new StudioClient(channel);
  const store = createAppStore(client);
  store.getState().applyState(studioState(state));
  const wrap = (ui: ReactNode) => render(<StoreContext.Provider value={store}>{ui}</StoreContext.Provider>);
  const calls = () => channel.sent.map((c) => [c.command, ...c.args]);
  return { channel, store, wrap, calls };
}

const TWITCH: ServicePreset = {
  id: 'twitch',
  name: 'Twitch',
  servers: [{ id: 'auto', name: 'Automatic', url: 'rtmp://live.twitch.tv/app' }],
  defaultServer: 'auto',
  rtmpsOnly: false,
  streamKeyHint: 'Twitch: Creator Dashboard → Settings → Stream',
  limits: { maxVideoKbps: 6000, keyframeIntervalSec: 2 },
};
const CUSTOM: ServicePreset = { id: 'custom', name: 'Custom', servers: [], defaultServer: '', rtmpsOnly: false, streamKeyHint: '', limits: {} };
const ENCODERS: EncoderStatus[] = [
  { name: 'h264_nvenc', label: 'NVIDIA NVENC', hardware: true, listed: true, working: false, error: 'no CUDA device' },
  { name: 'libx264', label: 'x264', hardware: false, listed: true, working: true },
];
const DEVICES: CaptureDevice[] = [
  { id: 'v4l2:/dev/video0', name: 'HD Webcam', kind: 'video', api: 'v4l2' },
  { id: 'v4l2:/dev/video2', name: 'Capture Card', kind: 'video', api: 'v4l2' },
  { id: 'pulse:mic', name: 'USB Mic', kind: 'audio', api: 'pulse' },
  { id: 'pulse:monitor', name: 'Monitor of Speakers', kind: 'audio', api: 'pulse', monitor: true },
];

describe('the bitrate proposal and the encoder check', () => {
  it('proposes the services\' recommended bitrate for the size and frame rate, within the service\'s maximum', () => {
    expect(proposeBitrate({ width: 1280, height: 720, fps: 30 }).kbps).toBe(3000);
    expect(proposeBitrate({ width: 1280, height: 720, fps: 60 }).kbps).toBe(4500);
    expect(proposeBitrate({ width: 1920, height: 1080, fps: 60 }, TWITCH.limits, 'Twitch')).toMatchObject({ kbps: 6000, reason: expect.stringContaining('up to 6000') });
    const capped = proposeBitrate({ width: 2560, height: 1440, fps: 60 }, TWITCH.limits, 'Twitch');
    expect(capped).toEqual({ kbps: 6000, reason: expect.stringContaining('Twitch takes at most 6000 kb/s') });
    // Portrait is rated by its shorter side, as landscape is by its height.
    expect(proposeBitrate({ width: 720, height: 1280, fps: 30 }).kbps).toBe(3000);
    expect(proposeBitrate({ width: 3840, height: 2160, fps: 60 }).kbps).toBe(30_000);
  });

  it('takes the first encoder that works, or none', () => {
    expect(firstWorkingEncoder(ENCODERS)?.name).toBe('libx264');
    expect(firstWorkingEncoder([ENCODERS[0]!])).toBeNull();
  });
});

describe('what a setting change does while live', () => {
  it('says it under the field only while live, from one table', () => {
    expect(liveHint('videoBitrateKbps', false)).toBeUndefined();
    expect(liveHint('videoBitrateKbps', false, 'kb/s')).toBe('kb/s');
    expect(liveHint('videoBitrateKbps', true)).toBe('While live: restarts the encoder; connections are kept');
    expect(liveHint('recordingFormat', true, 'mkv')).toBe('mkv. While live: applies to the next recording');
    for (const s of ['outputSize', 'fps', 'encoder', 'videoBitrateKbps', 'keyframeIntervalSec', 'preset', 'profile'] as const) expect(appliesWhen(s)).toBe('restart');
    for (const s of ['audioDevice', 'hotkeys', 'canvas', 'destinationKey'] as const) expect(appliesWhen(s)).toBe('now');
    for (const s of ['recordingFolder', 'recordingFormat', 'ffmpegPath'] as const) expect(appliesWhen(s)).toBe('next');
    for (const { when, label } of Object.values(APPLIES)) expect(label).toMatch(when === 'now' ? /^Applies at once/ : when === 'restart' ? /^Restarts the encoder/ : /^Applies (to|from) the next/);
  });

  it('shows under the output fields while live', async () => {
    const { wrap } = setup((command) => (command === 'listEncoders' ? ENCODERS : undefined), { phase: 'live' });
    wrap(<OutputTab />);
    const bitrate = screen.getByLabelText('Video bitrate (kb/s)');
    expect(document.getElementById(bitrate.getAttribute('aria-describedby')!)!.textContent).toBe('While live: restarts the encoder; connections are kept');
  });
});

describe('source properties and transform as forms', () => {
  const sources = collection().sources;

  it('turn a text source\'s form into its settings, and refuse a font size that is not a number at the field', () => {
    const text = { id: 't', name: 'Title', kind: 'text' as const, settings: { text: 'Hi', fontFace: 'Sans', fontSizePx: 48, bold: true, italic: false, color: '#ffcc00' } };
    const form = propertiesOf(text);
    expect(form).toMatchObject({ text: 'Hi', fontSizePx: '48', color: '#ffcc00' });
    expect(sourcePatchFrom(text, { ...form, text: 'Live!', fontSizePx: '64' }, [])).toEqual({ ok: true, value: { name: 'Title', settings: { text: 'Live!', fontSizePx: 64, color: '#ffcc00' } } });
    expect(sourcePatchFrom(text, { ...form, fontSizePx: 'big' }, [])).toEqual({ ok: false, errors: { fontSizePx: 'Font size must be a number' } });
    expect(sourcePatchFrom(text, { ...form, fontSizePx: '0' }, [])).toEqual({ ok: false, errors: { fontSizePx: 'Font size must be more than 0' } });
  });

  it('pick a device by id, with its name kept for another computer', () => {
    const cam = sources.find((s) => s.id === 'cam')!;
    expect(sourcePatchFrom(cam, { ...propertiesOf(cam), device: 'v4l2:/dev/video2' }, DEVICES)).toEqual({ ok: true, value: { name: 'Webcam', settings: { device: 'v4l2:/dev/video2', deviceName: 'Capture Card' } } });
  });

  it('read the transform, whole pixels for the crop, and name engine fields as the form does', () => {
    const ok = transformPatch({ x: '10', y: '-20.5', width: '640', height: '360', cropTop: '0', cropRight: '8', cropBottom: '0', cropLeft: '4' });
    expect(ok).toEqual({ ok: true, value: { x: 10, y: -20.5, width: 640, height: 360, crop: { top: 0, right: 8, bottom: 0, left: 4 } } });
    expect(transformPatch({ x: '', y: '0', width: '-1', height: '1', cropTop: '1.5', cropRight: '0', cropBottom: '0', cropLeft: '0' })).toEqual({
      ok: false,
      errors: { x: 'X must be a number', width: 'Width must be 0 or more', cropTop: 'Crop top must be a whole number' },
    });
    expect(transformFieldOf('2.crop.left')).toBe('cropLeft');
    expect(transformFieldOf('width')).toBe('width');
  });
});

describe('Sources: properties and transform dialogs', () => {
  it('the properties button opens the device picker, and saving calls updateSource', async () => {
    const { wrap, calls } = setup((command) => (command === 'listDevices' ? DEVICES : undefined));
    wrap(<Sources />);
    await userEvent.click(screen.getByRole('button', { name: 'Properties of Webcam' }));
    const dialog = await screen.findByRole('dialog');
    const device = within(dialog).getByLabelText('Device') as HTMLSelectElement;
    await waitFor(() => expect(device.disabled).toBe(false));
    // Cameras and capture cards pick from video devices only.
    expect([...device.options].map((o) => o.textContent)).toEqual(['System default', 'HD Webcam', 'Capture Card']);
    await userEvent.selectOptions(device, 'v4l2:/dev/video0');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls()).toContainEqual(['updateSource', 'cam', { name: 'Webcam', settings: { device: 'v4l2:/dev/video0', deviceName: 'HD Webcam' } }]));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('shows the engine\'s refusal at the field it names', async () => {
    const withText: Collection = { ...collection(), sources: [...collection().sources, { id: 'txt', name: 'Title', kind: 'text', settings: { text: 'Hi', fontFace: 'Sans', fontSizePx: 48, bold: true, italic: false, color: '#ffffff' } }] };
    withText.scenes[0]!.items.push({ id: 'i3', sourceId: 'txt', x: 0, y: 0, width: 400, height: 100, crop: { top: 0, right: 0, bottom: 0, left: 0 }, visible: true, locked: false });
    const { wrap } = setup(
      (command) => {
        if (command === 'updateSource') throw { code: 'INVALID_SOURCE', field: 'settings.fontSizePx', message: 'settings.fontSizePx is not valid: too large for this canvas' };
        return undefined;
      },
      { scenes: { collection: withText, programSceneId: 's1', sources: [] } },
    );
    wrap(<Sources />);
    await userEvent.click(screen.getByRole('button', { name: 'Properties of Title' }));
    const size = within(await screen.findByRole('dialog')).getByLabelText('Font size (px)');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(size.getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByRole('alert').textContent).toContain('too large for this canvas');
  });

  it('the context menu opens the transform, which refuses a bad number at its field and saves through updateItem', async () => {
    const { wrap, calls } = setup();
    wrap(<Sources />);
    const row = screen.getAllByRole('listitem').find((li) => li.textContent?.includes('Webcam'))!;
    fireEvent.contextMenu(row);
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Transform…' }));
    const dialog = await screen.findByRole('dialog');
    const width = within(dialog).getByLabelText('Width (px)');
    await userEvent.clear(width);
    await userEvent.type(width, 'wide');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    expect(width.getAttribute('aria-invalid')).toBe('true');
    expect(within(dialog).getByRole('alert').textContent).toBe('Width must be a number');
    expect(calls().some((c) => c[0] === 'updateItem')).toBe(false);
    await userEvent.clear(width);
    await userEvent.type(width, '960');
    await userEvent.clear(within(dialog).getByLabelText('Crop left'));
    await userEvent.type(within(dialog).getByLabelText('Crop left'), '12');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls()).toContainEqual(['updateItem', 's1', 'i1', { x: 0, y: 0, width: 960, height: 1080, crop: { top: 0, right: 0, bottom: 0, left: 12 } }]));
  });

  it('the preview\'s Transform menu opens the same dialog for the selected item', async () => {
    const { wrap, store } = setup();
    wrap(
      <>
        <Preview />
        <Sources />
      </>,
    );
    act(() => store.getState().select('i1'));
    await userEvent.click(screen.getByRole('button', { name: /^Transform/ }));
    await userEvent.click(await screen.findByRole('menuitem', { name: 'Properties…' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByRole('tab', { name: 'Properties', selected: true })).toBeTruthy();
    expect(within(dialog).getByRole('heading').textContent).toContain('Webcam');
  });
});

describe('the first run', () => {
  const handler = (command: string, args: unknown[]): unknown => {
    switch (command) {
      case 'listServices':
        return [TWITCH, CUSTOM];
      case 'addDestination':
        return { id: 'd1', ...(args[0] as object), enabled: true, hasKey: true, state: 'offline', warnings: [] };
      case 'listEncoders':
        return ENCODERS;
      case 'setEncoding':
        return studioState().encoding;
      default:
        return undefined;
    }
  };

  it('shows what was picked, adds the destination, checks the encoder and proposes a bitrate within the service\'s limit', async () => {
    const { wrap, calls, store } = setup(handler, { scenes: null });
    wrap(<FirstRun />);
    const dialog = await screen.findByRole('dialog', { name: 'Welcome to Uplink' });
    // No scenes yet: the engine's rule makes them.
    await userEvent.click(within(dialog).getByRole('button', { name: 'Use the camera and microphone found' }));
    expect(calls()).toContainEqual(['loadDefaultCollection']);
    act(() => store.getState().applyState(studioState({ revision: 2 })));
    expect(within(dialog).getByRole('list', { name: 'Picked sources' }).textContent).toMatch(/Camera\s*Webcam.*Microphone\s*Mic/);
    await userEvent.click(within(dialog).getByRole('button', { name: 'Next' }));

    await waitFor(() => expect(within(dialog).getByRole('option', { name: 'Twitch' })).toBeTruthy());
    await userEvent.type(within(dialog).getByLabelText('Stream key'), 'live_123');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save and continue' }));
    await waitFor(() => expect(calls()).toContainEqual(['addDestination', { name: 'Twitch', service: 'twitch', streamKey: 'live_123' }]));
    // The destination is there now: the first run goes on all the same.
    act(() => store.getState().applyState(studioState({ revision: 3, destinations: [{ id: 'd1', name: 'Twitch', service: 'twitch', enabled: true, hasKey: true, state: 'offline', warnings: [] }] })));

    await within(dialog).findByText('x264 works on this computer.');
    const bitrate = within(dialog).getByLabelText('Video bitrate (kb/s)') as HTMLInputElement;
    expect(bitrate.value).toBe('3000'); // 1280x720 at 30 fps
    await userEvent.click(within(dialog).getByRole('button', { name: 'Finish' }));
    await waitFor(() => expect(calls()).toContainEqual(['setEncoding', { encoder: 'libx264', videoBitrateKbps: 3000 }]));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
  });

  it('Skip is remembered, and a studio with a destination never offers it', async () => {
    const first = setup(handler);
    first.wrap(<FirstRun />);
    await userEvent.click(await screen.findByRole('button', { name: 'Skip' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(localStorage.getItem(FIRST_RUN_DISMISSED_KEY)).toBe('1');
    cleanup();
    setup(handler).wrap(<FirstRun />);
    expect(screen.queryByRole('dialog')).toBeNull();

    localStorage.clear();
    cleanup();
    setup(handler, { destinations: [{ id: 'd1', name: 'Twitch', service: 'twitch', enabled: true, hasKey: true, state: 'offline', warnings: [] }] }).wrap(<FirstRun />);
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});

describe('Import from OBS', () => {
  const report: ObsImportReport = {
    sources: [
      { name: 'Cam', obsKind: 'v4l2_input', as: 'video-device', status: 'imported', notes: [] },
      { name: 'Overlay', obsKind: 'browser_source', as: 'placeholder', status: 'placeholder', notes: ['a browser source cannot be shown: kept as a labelled card'] },
    ],
    scenes: [{ name: 'Main', items: 2, notes: ['item "Cam" is rotated 5°: shown upright'] }],
    notes: [],
  };

  it('reads the picked file, sends it to the engine, and shows what was imported, approximated or left out and why', async () => {
    const { wrap, calls } = setup((command) => (command === 'importObsCollection' ? report : undefined));
    wrap(<ImportObsDialog onClose={() => undefined} />);
    const obs = { sources: [], scene_order: [{ name: 'Main' }] };
    // OBS's canvas, which the file does not say: 1920x1080 at 30 fps unless told.
    await userEvent.selectOptions(screen.getByLabelText('OBS base resolution'), '2560x1440');
    await userEvent.selectOptions(screen.getByLabelText('Frame rate'), '60');
    await userEvent.upload(screen.getByLabelText('OBS scene collection (.json)'), new File([JSON.stringify(obs)], 'show.json', { type: 'application/json' }));
    await waitFor(() => expect(calls()).toContainEqual(['importObsCollection', obs, { width: 2560, height: 1440, fps: 60 }]));
    const shown = await screen.findByRole('region', { name: 'Import report' });
    expect(shown.textContent).toContain('Imported 1 scene and 2 sources');
    expect(shown.textContent).toContain('a browser source cannot be shown');
    expect(shown.textContent).toContain('Main: item "Cam" is rotated');
  });

  it('says why a file is refused, its own or the engine\'s reason', async () => {
    expect(parseObsFile('{nope', 'x.json')).toMatchObject({ ok: false, message: expect.stringContaining('x.json is not JSON') });
    const { wrap } = setup((command) => {
      if (command === 'importObsCollection') throw { code: 'PATH_NOT_ALLOWED', field: 'obsCollection.sources[1].settings.file', message: 'a remote studio cannot use the file /etc/passwd: it must be inside /p/media' };
      return undefined;
    });
    wrap(<ImportObsDialog onClose={() => undefined} />);
    await userEvent.upload(screen.getByLabelText('OBS scene collection (.json)'), new File(['{"sources":[]}'], 'show.json'));
    expect((await screen.findByRole('alert')).textContent).toContain('cannot use the file /etc/passwd');
  });
});

describe('Settings: audio devices, recording, hotkeys, FFmpeg', () => {
  it('audio devices: replaces the microphone\'s device, and adds desktop audio to every scene', async () => {
    const { wrap, calls } = setup((command) => {
      if (command === 'listDevices') return DEVICES;
      if (command === 'addSource') return { sourceId: 'desk', itemId: 'x' };
      return undefined;
    });
    wrap(<AudioDevicesTab />);
    const mic = screen.getByLabelText('Microphone') as HTMLSelectElement;
    await waitFor(() => expect(mic.disabled).toBe(false));
    expect([...mic.options].map((o) => o.textContent)).toEqual(['No microphone', 'System default', 'USB Mic']);
    await userEvent.selectOptions(mic, 'pulse:mic');
    await userEvent.selectOptions(screen.getByLabelText('Desktop audio'), 'pulse:monitor');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls()).toContainEqual(['addItem', 's2', 'desk']));
    expect(calls()).toContainEqual(['updateSource', 'mic', { name: 'USB Mic', settings: { device: 'pulse:mic', deviceName: 'USB Mic' } }]);
    expect(calls()).toContainEqual([
      'addSource',
      { name: 'Monitor of Speakers', kind: 'audio-device', settings: { device: 'pulse:monitor', deviceName: 'Monitor of Speakers', role: 'desktop-audio' }, audio: { volumeDb: 0, muted: false } },
      's1',
    ]);
  });

  it('recording: folder and format through setRecordingSettings, a refused folder at its field', async () => {
    const { wrap, calls } = setup((command, args) => {
      if (command === 'setRecordingSettings' && (args[0] as { folder: string | null }).folder === '/etc') throw { code: 'PATH_NOT_ALLOWED', field: 'folder', message: 'a remote studio cannot use the file /etc' };
      return { folder: null, format: 'mp4' };
    });
    wrap(<RecordingTab />);
    await userEvent.selectOptions(screen.getByLabelText('Format'), 'mp4');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls()).toContainEqual(['setRecordingSettings', { folder: null, format: 'mp4' }]));
    await userEvent.type(screen.getByLabelText('Recordings folder'), '/etc');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByLabelText('Recordings folder').getAttribute('aria-invalid')).toBe('true'));
  });

  it('hotkeys: a browser says they are the desktop app\'s; the app shows and sets them, a taken one at its field', async () => {
    const { wrap } = setup();
    wrap(<HotkeysTab api={undefined} />);
    expect(screen.getByText('Hotkeys are a feature of the desktop app.')).toBeTruthy();
    cleanup();
    const sent: unknown[] = [];
    const api: HotkeysApi = {
      get: async () => ({ settings: { toggleStream: 'CommandOrControl+Shift+L', toggleRecording: null, scenes: ['F1'] }, failed: [] }),
      set: async (settings) => {
        sent.push(settings);
        return { settings, failed: ['F13'] };
      },
    };
    setup().wrap(<HotkeysTab api={api} />);
    const go = (await screen.findByLabelText('Go live / stop streaming')) as HTMLInputElement;
    expect(go.value).toBe('CommandOrControl+Shift+L');
    const second = screen.getByLabelText('Scene 2: BRB');
    await userEvent.type(second, 'F13');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(second.getAttribute('aria-invalid')).toBe('true'));
    expect(sent).toEqual([{ toggleStream: 'CommandOrControl+Shift+L', toggleRecording: null, scenes: ['F1', 'F13'] }]);
  });

  it('FFmpeg: which one runs and what it lacks; a program that cannot be used is refused at the field', async () => {
    const { wrap } = setup((command) => {
      if (command === 'getFfmpegInfo') {
        return { chosenPath: null, ffmpeg: { path: '/usr/bin/ffmpeg', foundBy: 'PATH', version: '5.1.6' }, h264Encoders: ['libx264'], missing: [], warnings: ['the zmq filter, optional: without it fades become cuts'], fix: 'install a full build' };
      }
      if (command === 'setFfmpegPath') throw { code: 'FFMPEG_NOT_FOUND', field: 'path', message: 'the FFmpeg chosen in Settings > FFmpeg (/opt/ff) does not exist' };
      return undefined;
    });
    wrap(<FfmpegTab />);
    expect((await screen.findByText('/usr/bin/ffmpeg')).tagName).toBe('DD');
    expect(screen.getByText(/the zmq filter, optional/)).toBeTruthy();
    await userEvent.type(screen.getByLabelText('FFmpeg program'), '/opt/ff');
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.getByLabelText('FFmpeg program').getAttribute('aria-invalid')).toBe('true'));
    expect(screen.getByRole('alert').textContent).toContain('does not exist');
  });
});
