import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installed, startPulse, startXvfb } from '../helpers/capture-env.js';
import { tmpDir } from '../helpers/fixtures.js';
import { type ProbeResult, keyframeIntervalsSec, packetsOf, probeFile } from '../helpers/probe.js';
import { UPLINK_BIN, runUplink } from '../helpers/publish.js';
import { type RtmpTestServer, freePort, startNginxRtmp, startNodeMediaServer } from '../helpers/servers.js';

const SMALL = ['--size', '640x360', '--fps', '30', '--bitrate', '800'];

/** What a streamer checks on the platform: picture size and rate, keyframes every 2 s, sound, in sync. */
function expectLiveProgram(received: ProbeResult, seconds: number): void {
  const video = received.streams.find((s) => s.codecType === 'video');
  const audio = received.streams.find((s) => s.codecType === 'audio');
  expect(video).toMatchObject({ codecName: 'h264', width: 640, height: 360 });
  expect(video?.frameRate).toBeCloseTo(30, 0);
  expect(audio).toMatchObject({ codecName: 'aac', sampleRate: 48000, channels: 2 });
  const frames = packetsOf(received, 'video');
  expect(frames.length).toBeGreaterThanOrEqual(seconds * 30 * 0.9);
  for (const interval of keyframeIntervalsSec(frames)) expect(interval).toBeCloseTo(2, 1);
  const firstVideo = frames[0]!.ptsMs;
  const firstAudio = packetsOf(received, 'audio')[0]!.ptsMs;
  expect(Math.abs(firstVideo - firstAudio)).toBeLessThan(100);
}

describe('uplink stream', () => {
  let nginx: RtmpTestServer;
  let nms: RtmpTestServer;
  beforeAll(async () => {
    [nginx, nms] = await Promise.all([startNginxRtmp({ allowedKeys: ['stream-key-a', 'stream-key-b', 'stream-key-c', 'stream-key-int', 'stream-key-devices'] }), startNodeMediaServer()]);
  });
  afterAll(async () => {
    await Promise.all([nginx?.stop(), nms?.stop()]);
  });

  it('goes live with the test pattern and a tone to two servers, records, and ends after --duration', async () => {
    const record = join(tmpDir('stream'), `program-${process.pid}.mkv`);
    const result = await runUplink(['stream', '--video', 'test', '--audio', 'tone', ...SMALL, '--duration', '6', '--to', nginx.url('live', 'stream-key-a'), '--to', nms.url('live', 'stream-key-nms'), '--record', record, '--json']);
    expect(result.stderr).not.toContain('stream-key');
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      ok: boolean;
      destinations: Array<{ state: string; framesSent: number; framesDropped: number }>;
      cpu: { average: { uplinkPercent: number; ffmpegPercent: number | null } };
    };
    expect(summary.ok).toBe(true);
    // The CPU of both processes over the run (Linux tells FFmpeg's through /proc).
    expect(summary.cpu.average.uplinkPercent).toBeGreaterThan(0);
    expect(summary.cpu.average.ffmpegPercent).toBeGreaterThan(0);
    expect(summary.destinations).toHaveLength(2);
    for (const d of summary.destinations) expect(d.framesDropped).toBe(0);
    expectLiveProgram(await probeFile(await nginx.recording('stream-key-a')), 6);
    expectLiveProgram(await probeFile(await nms.recording('stream-key-nms')), 6);
    expect(existsSync(record)).toBe(true);
    const recorded = await probeFile(record);
    expect(recorded.streams.map((s) => s.codecName).sort()).toEqual(['aac', 'h264']);
    expect(recorded.durationSec).toBeGreaterThan(5);
  });

  it('stops cleanly on Ctrl-C: FFmpeg ends, the destination unpublishes, exit 0, and says how much it streamed', async () => {
    const run = startUplink(['stream', ...SMALL, '--to', nginx.url('live', 'stream-key-int')]);
    await run.waitFor(/: live\n/);
    run.child.kill('SIGINT');
    const code = await run.exited;
    expect(code, run.stderr()).toBe(0);
    const received = await probeFile(await nginx.recording('stream-key-int'));
    const video = packetsOf(received, 'video');
    expect(video.length).toBeGreaterThan(0);
    // The summary counts the media made, not a wrapped or stale timestamp.
    const streamed = Number(/streamed ([\d.]+) s to 1\/1 destination/.exec(run.stderr())?.[1]);
    expect(streamed).toBeGreaterThanOrEqual(0);
    expect(streamed).toBeLessThan(video.at(-1)!.ptsMs / 1000 + 2);
    expect(run.stderr()).not.toMatch(/LIVE/);
  });

  it('Ctrl-C before a destination is live names it: it never went live', async () => {
    const silent = await silentServer();
    const run = startUplink(['stream', ...SMALL, '--to', `rtmp://127.0.0.1:${silent.port}/live/silent-key`]);
    await silent.connected;
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain(`uplink: rtmp://127.0.0.1:${silent.port}/live/<redacted>: never went live`);
    expect(run.stderr()).not.toContain('[object Object]');
    silent.close();
  });

  it.each([
    ['a folder that does not exist', () => join(tmpDir('stream'), 'no-such-folder', 'show.mkv'), /the folder does not exist/],
    ['a folder', () => tmpDir('stream'), /that is a folder, not a file name/],
    ['a file that exists', () => join(tmpDir('stream'), 'existing.mkv'), /a file with that name exists/],
  ])('--record to %s fails in one line before anything goes live', async (_, file, message) => {
    const path = file();
    if (path.endsWith('existing.mkv')) writeFileSync(path, 'an earlier recording');
    const key = `stream-key-rec-${Math.random().toString(36).slice(2)}`;
    const result = await runUplink(['stream', ...SMALL, '--duration', '2', '--record', path, '--to', nginx.url('live', key)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect((await nginx.publishAttempts()).some((a) => a.key === key)).toBe(false);
    if (path.endsWith('existing.mkv')) expect(readFileSync(path, 'utf8')).toBe('an earlier recording');
  });

  it('a refused key fails that destination in one line while the other stays live', async () => {
    const result = await runUplink(['stream', ...SMALL, '--duration', '4', '--to', nginx.url('live', 'refused-secret'), '--to', nginx.url('live', 'stream-key-b')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/<redacted>: the server refused the stream key/);
    expect(result.stderr).not.toContain('refused-secret');
    expect(packetsOf(await probeFile(await nginx.recording('stream-key-b')), 'video').length).toBeGreaterThan(60);
  });

  it('a server that is not there fails the run quickly, in one line, instead of retrying for minutes', async () => {
    const port = await freePort();
    const started = performance.now();
    const result = await runUplink(['stream', ...SMALL, '--to', `rtmp://127.0.0.1:${port}/live/nobody-key`]);
    expect(result.code).toBe(1);
    expect(result.stderr.match(/refused the connection/g)).toHaveLength(1);
    // No --duration: only giving up on the destination can have ended the run.
    expect(performance.now() - started).toBeLessThan(30_000);
  });

  it.each([
    [['--fps', '0'], /fps must be/],
    [['--size', 'big'], /--size must look like 1280x720/],
    [['--encoder', 'h264_nosuch'], /encoder/i],
    [['--video', 'v4l2:/dev/video99'], /No device "v4l2:\/dev\/video99"/],
    [['--video', 'tone'], /--video needs a picture/],
    [['--bitrate', '50'], /--bitrate must be a whole number between 100 and 100000 \(got 50\)/],
  ])('refuses %j with one clear line', async (args, message) => {
    const result = await runUplink(['stream', ...SMALL, '--duration', '2', '--to', nginx.url('live', 'stream-key-c'), ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n').filter((l) => l.startsWith('uplink:')).length).toBeLessThanOrEqual(2);
  });

  it('reports an encoder that is listed but cannot run here', async () => {
    const result = await runUplink(['stream', ...SMALL, '--duration', '2', '--encoder', 'h264_nvenc', '--to', nginx.url('live', 'stream-key-c')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/NVENC|encoder/i);
  });

  it.skipIf(!installed('pulseaudio') || !installed('pactl') || !installed('Xvfb'))(
    'goes live from a real screen (x11grab) and real desktop audio (PulseAudio), picked by the ids `uplink devices` lists',
    async () => {
      const [pulse, x] = await Promise.all([startPulse('stream-pulse'), startXvfb('800x600')]);
      try {
        const env = { ...pulse.env, DISPLAY: x.display };
        const listed = await runUplink(['devices', '--json'], env);
        const { devices } = JSON.parse(listed.stdout) as { devices: Array<{ id: string; kind: string }> };
        const screen = devices.find((d) => d.kind === 'screen')!.id;
        const desktopAudio = devices.find((d) => d.id === `pulse:${pulse.sink}.monitor`)!.id;
        const result = await runUplink(['stream', '--video', screen, '--audio', desktopAudio, ...SMALL, '--duration', '4', '--to', nginx.url('live', 'stream-key-devices')], env);
        expect(result.code, result.stderr).toBe(0);
        const received = await probeFile(await nginx.recording('stream-key-devices'));
        // The 800x600 screen is fitted into the 640x360 canvas; audio comes from the sink's monitor.
        expect(received.streams.find((s) => s.codecType === 'video')).toMatchObject({ codecName: 'h264', width: 640, height: 360 });
        expect(received.streams.find((s) => s.codecType === 'audio')).toMatchObject({ codecName: 'aac', sampleRate: 48000 });
        expect(packetsOf(received, 'video').length).toBeGreaterThan(60);
        expect(packetsOf(received, 'audio').length).toBeGreaterThan(100);
        // Two live devices, each on its own clock, start together: wall-clock timestamps line them up.
        const offset = Math.abs(packetsOf(received, 'video')[0]!.ptsMs - packetsOf(received, 'audio')[0]!.ptsMs);
        console.log(`screen + desktop audio: A/V start offset ${offset.toFixed(0)} ms (target < 100 ms)`);
        expect(offset).toBeLessThan(100);
      } finally {
        await Promise.all([pulse.stop(), x.stop()]);
      }
    },
  );
});

/** `uplink` running in the background, for tests that act while it runs (Ctrl-C). */
function startUplink(args: string[]): { child: ReturnType<typeof spawn>; stderr: () => string; exited: Promise<number | null>; waitFor: (pattern: RegExp) => Promise<void> } {
  const child = spawn(process.execPath, [UPLINK_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const waiters: Array<{ pattern: RegExp; resolve: () => void }> = [];
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(stderr)) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    child,
    stderr: () => stderr,
    exited,
    waitFor: (pattern) => (pattern.test(stderr) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ pattern, resolve }))),
  };
}

/** A server that takes the TCP connection and never answers the handshake. */
async function silentServer(): Promise<{ port: number; connected: Promise<void>; close: () => void }> {
  const sockets: import('node:net').Socket[] = [];
  let onConnection = (): void => undefined;
  const connected = new Promise<void>((resolve) => (onConnection = resolve));
  const server = createServer((socket) => {
    sockets.push(socket);
    onConnection();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as import('node:net').AddressInfo).port;
  return { port, connected, close: () => (sockets.forEach((s) => s.destroy()), server.close()) };
}
