import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverDevicesWithWarnings } from '../../electron/engine/capture/discover.js';
import type { CommandRunner, RunResult } from '../../electron/engine/capture/run.js';
import { tmpDir } from '../helpers/fixtures.js';

/**
 * Discovery on Windows and macOS cannot run here, and this machine has no camera: these tests replay
 * recorded listings through a stand-in for the command runner and check what discovery makes of them.
 */
const fixture = (name: string): string => readFileSync(join(import.meta.dirname, '../fixtures/devices', name), 'utf8');

type Reply = Partial<RunResult> | undefined;

function replay(answer: (command: string, args: readonly string[]) => Reply): { run: CommandRunner; calls: string[] } {
  const calls: string[] = [];
  const run: CommandRunner = async (command, args, options) => {
    calls.push([command, ...args].join(' '));
    expect(options.timeoutMs).toBeGreaterThan(0);
    const reply = answer(command, args) ?? { code: 1, stderr: `${command}: no such listing in this test\n` };
    return { code: reply.code ?? 1, stdout: reply.stdout ?? '', stderr: reply.stderr ?? '', ...(reply.failure ? { failure: reply.failure } : {}) };
  };
  return { run, calls };
}

const NOT_INSTALLED = (command: string): Reply => ({ code: null, failure: `${command} is not installed` } as Reply);

describe('discoverDevices on Windows', () => {
  it('lists DirectShow devices, their formats when asked, and the desktop', async () => {
    const { run, calls } = replay((_command, args) => {
      if (args.includes('-list_devices')) return { stderr: fixture('dshow-list-6.1.txt') };
      if (args.includes('-list_options') && args.at(-1)?.includes('vid_0fd9')) return { stderr: fixture('dshow-options-6.1.txt') };
      return undefined;
    });
    const { devices, warnings } = await discoverDevicesWithWarnings({ ffmpegPath: 'ffmpeg.exe', platform: 'win32', run, probeFormats: true });
    expect(warnings).toEqual([]);
    expect(devices.map((d) => `${d.kind}:${d.name}`)).toEqual([
      'video:HD Pro Webcam C920',
      'video:Game Capture HD60 S+',
      'audio:Digital Audio Interface (Game Capture HD60 S+)',
      'audio:Microphone (Yeti Stereo Microphone)',
      'screen:Desktop',
    ]);
    expect(devices[1]?.formats?.[0]).toEqual({ codec: 'mjpeg', width: 1920, height: 1080, fps: [5, 60] });
    expect(devices[0]?.formats).toBeUndefined();
    expect(calls[0]).toBe('ffmpeg.exe -hide_banner -nostdin -list_devices true -f dshow -i dummy');
    expect(calls.slice(1)).toEqual([
      `ffmpeg.exe -hide_banner -nostdin -f dshow -list_options true -i video=${devices[0]?.alternativeName ?? ''}`,
      `ffmpeg.exe -hide_banner -nostdin -f dshow -list_options true -i video=${devices[1]?.alternativeName ?? ''}`,
    ]);
  });

  it('keeps the desktop and warns when FFmpeg cannot run', async () => {
    const { run } = replay((command) => NOT_INSTALLED(command));
    const { devices, warnings } = await discoverDevicesWithWarnings({ ffmpegPath: 'ffmpeg.exe', platform: 'win32', run });
    expect(devices.map((d) => d.id)).toEqual(['gdigrab:desktop']);
    expect(warnings).toEqual(['Could not list cameras and microphones: ffmpeg.exe is not installed.']);
  });
});

describe('discoverDevices on macOS', () => {
  it('lists cameras, screens and microphones, and camera modes when asked', async () => {
    const { run, calls } = replay((_command, args) => {
      if (args.includes('-list_devices')) return { stderr: fixture('avfoundation-list-7.1.txt') };
      if (args.includes('-framerate') && args[args.indexOf('-i') + 1] === '1') return { stderr: fixture('avfoundation-framerate-6.1.txt') };
      return undefined;
    });
    const { devices, warnings } = await discoverDevicesWithWarnings({ ffmpegPath: 'ffmpeg', platform: 'darwin', run, probeFormats: true });
    expect(warnings).toEqual([]);
    expect(devices.map((d) => `${d.id} ${d.kind}`)).toEqual([
      'avfoundation:video:0 video',
      'avfoundation:video:1 video',
      'avfoundation:video:2 screen',
      'avfoundation:video:3 screen',
      'avfoundation:audio:0 audio',
      'avfoundation:audio:1 audio',
    ]);
    expect(devices[1]?.formats).toHaveLength(9);
    expect(devices[0]?.formats).toBeUndefined();
    expect(calls).toContain('ffmpeg -hide_banner -nostdin -f avfoundation -framerate 1000 -i 1 -frames:v 1 -f null -');
    expect(calls.filter((c) => c.includes('-framerate'))).toHaveLength(2);
  });

  it('warns when this FFmpeg has no AVFoundation', async () => {
    const { run } = replay(() => ({ code: 1, stderr: "Unknown input format: 'avfoundation'\n" }));
    const { devices, warnings } = await discoverDevicesWithWarnings({ ffmpegPath: 'ffmpeg', platform: 'darwin', run });
    expect(devices).toEqual([]);
    expect(warnings[0]).toMatch(/cannot capture AVFoundation devices/);
  });
});

describe('discoverDevices on Linux', () => {
  function sysfs(nodes: Record<string, string>): string {
    const root = join(tmpDir('capture-discover-sysfs'), 'video4linux');
    rmSync(root, { recursive: true, force: true });
    for (const [node, name] of Object.entries(nodes)) {
      mkdirSync(join(root, node), { recursive: true });
      writeFileSync(join(root, node, 'name'), `${name}\n`);
    }
    return root;
  }

  it('lists capture nodes, the X11 screen and PulseAudio sources; skips metadata nodes; warns on locked ones', async () => {
    const root = sysfs({ video0: 'HD Pro Webcam C920', video1: 'HD Pro Webcam C920', video2: 'USB Capture HDMI' });
    const { run, calls } = replay((command, args) => {
      if (command === 'pactl' && args[0] === '-f') return { code: 0, stdout: fixture('pactl-16.1-sources.json') };
      if (args.includes('x11grab')) return { code: 0, stderr: fixture('x11grab-probe-5.1.txt') };
      const node = args.at(-1);
      if (node === '/dev/video0') return { stderr: fixture('v4l2-formats-c920-4.4.txt') };
      if (node === '/dev/video1') return { stderr: fixture('v4l2-metadata-node-7.1.txt') };
      if (node === '/dev/video2') return { stderr: fixture('v4l2-permission-5.1.txt') };
      return undefined;
    });
    const { devices, warnings } = await discoverDevicesWithWarnings({
      ffmpegPath: '/usr/bin/ffmpeg',
      platform: 'linux',
      run,
      env: { DISPLAY: ':0' },
      v4l2SysfsRoot: root,
    });
    expect(devices.map((d) => `${d.id} | ${d.kind} | ${d.name}`)).toEqual([
      'v4l2:/dev/video0 | video | HD Pro Webcam C920',
      'x11grab::0 | screen | Screen :0',
      'pulse:uplink_test.monitor | audio | Monitor of Null Output',
      'pulse:uplink_mic | audio | Null Input',
    ]);
    expect(devices[0]?.formats?.length).toBeGreaterThan(30);
    expect(devices[1]?.formats).toEqual([{ pixelFormat: 'bgr0', width: 640, height: 480 }]);
    expect(warnings).toEqual([
      'Cannot open USB Capture HDMI (/dev/video2): Permission denied: add your user to the "video" group, then log in again.',
    ]);
    expect(calls).toContain('/usr/bin/ffmpeg -hide_banner -nostdin -f v4l2 -list_formats all -i /dev/video1');
    expect(calls).toContain('/usr/bin/ffmpeg -hide_banner -nostdin -f x11grab -i :0 -frames:v 1 -f null -');
  });

  it('falls back to the pactl text listing when pactl has no JSON, then to FFmpeg, then to ALSA', async () => {
    const base = { ffmpegPath: 'ffmpeg', platform: 'linux' as const, env: {}, v4l2SysfsRoot: sysfs({}) };

    const oldPactl = replay((command, args) => {
      if (command === 'pactl' && args[0] === '-f') return { code: 1, stderr: "pactl: invalid option -- 'f'\n" };
      if (command === 'pactl') return { code: 0, stdout: fixture('pactl-15.0-desktop-sources.txt') };
      return undefined;
    });
    const text = await discoverDevicesWithWarnings({ ...base, run: oldPactl.run });
    expect(text.devices.map((d) => d.monitor)).toEqual([true, false, false]);
    expect(text.warnings).toEqual([]);

    const noPactl = replay((command, args) => {
      if (command === 'pactl') return NOT_INSTALLED(command);
      if (args.includes('-sources')) return { code: 0, stdout: fixture('ffmpeg-4.4-sources-pulse.txt') };
      return undefined;
    });
    const viaFfmpeg = await discoverDevicesWithWarnings({ ...base, run: noPactl.run });
    expect(viaFfmpeg.devices).toHaveLength(3);
    expect(viaFfmpeg.warnings).toEqual([]);
    expect(noPactl.calls).not.toContain('pactl list sources');

    const noServer = replay((command, args) => {
      if (command === 'pactl') return { code: 1, stderr: 'Connection failure: Connection refused\npa_context_connect() failed: Connection refused\n' };
      if (args.includes('-sources'))
        return { code: 0, stdout: 'Auto-detected sources for pulse:\n', stderr: 'Cannot list sources: Generic error in an external library\n' };
      if (command === 'arecord') return { code: 0, stdout: fixture('arecord-l.txt') };
      return undefined;
    });
    const alsa = await discoverDevicesWithWarnings({ ...base, run: noServer.run });
    expect(alsa.devices.map((d) => d.api)).toEqual(['alsa', 'alsa', 'alsa']);
    expect(alsa.warnings).toEqual([
      'No PulseAudio or PipeWire sound server answered (pactl: pa_context_connect() failed: Connection refused; ' +
        'ffmpeg: Cannot list sources: Generic error in an external library), so only ALSA devices are listed: ' +
        'desktop audio needs one of those servers running.',
    ]);
  });

  it('finds no microphones but still answers when no audio listing works, and explains Wayland', async () => {
    const { run } = replay((command) => (command === 'ffmpeg' ? { code: 0, stdout: 'Auto-detected sources for pulse:\n' } : NOT_INSTALLED(command)));
    const { devices, warnings } = await discoverDevicesWithWarnings({
      ffmpegPath: 'ffmpeg',
      platform: 'linux',
      run,
      env: { WAYLAND_DISPLAY: 'wayland-0' },
      v4l2SysfsRoot: sysfs({}),
    });
    expect(devices).toEqual([]);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/^Screen capture needs an X11 session/);
    expect(warnings[1]).toMatch(/^Could not list microphones \(pactl: pactl is not installed; ffmpeg: .*; arecord: arecord is not installed\): start PulseAudio or PipeWire, or install alsa-utils\.$/);
  });
});
