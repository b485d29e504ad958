import { afterEach, describe, expect, it } from 'vitest';
import { inputForSource } from '../../electron/engine/capture/sources.js';
import type { Writable } from 'node:stream';
import { type ProgramSource, programInputs } from '../../electron/engine/ffmpeg/program-encoder.js';
import { Broadcast } from '../../electron/engine/outputs/broadcast.js';
import { MessageType } from '../../electron/engine/rtmp/messages.js';
import { parseRtmpUrl } from '../../electron/engine/rtmp/url.js';
import { validateEncoding } from '../../electron/engine/settings/encoding.js';
import { join } from 'node:path';
import { tmpDir } from '../helpers/fixtures.js';
import { packetsOf, probeFile } from '../helpers/probe.js';
import { ScriptedRtmpServer, type ScriptedConnection } from '../helpers/scripted-server.js';
import { startNginxRtmp } from '../helpers/servers.js';
import { startThrottleProxy } from '../helpers/throttle-proxy.js';
import { until } from '../helpers/wait.js';

const settings = validateEncoding({ width: 320, height: 180, fps: 15, videoBitrateKbps: 300, preset: 'ultrafast' });
const opts = { width: 320, height: 180, fps: 15, sampleRate: 48000, clock: false };
const inputs = [inputForSource({ kind: 'test-pattern' }, opts), inputForSource({ kind: 'tone' }, opts)];

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function scripted(): Promise<{ server: ScriptedRtmpServer; url: string }> {
  const server = new ScriptedRtmpServer();
  const port = await server.listen();
  cleanups.push(() => server.close());
  return { server, url: `rtmp://127.0.0.1:${port}/live/broadcast-key` };
}

function broadcastOf(extra: Partial<ConstructorParameters<typeof Broadcast>[0]> = {}): Broadcast {
  const broadcast = new Broadcast({ ffmpegPath: 'ffmpeg', settings, inputs, ...extra });
  cleanups.push(() => broadcast.stop());
  return broadcast;
}


/** Video pictures (not sequence headers) a scripted server received, with their timestamps. */
const videoFrames = (c: ScriptedConnection | undefined) => (c?.received ?? []).filter((m) => m.typeId === MessageType.Video && m.payload[1] === 1);
const videoHeaders = (c: ScriptedConnection | undefined) => (c?.received ?? []).filter((m) => m.typeId === MessageType.Video && m.payload[1] === 0);
const isKey = (payload: Buffer): boolean => payload[0] === 0x17;

describe('a live broadcast', () => {
  it('changes its settings while live: one connection, time going on, the new sequence header, a short gap', async () => {
    const { server, url } = await scripted();
    const broadcast = broadcastOf();
    broadcast.addDestination(parseRtmpUrl(url));
    broadcast.start();
    const connection = () => server.connections[0];
    await until(() => videoFrames(connection()).length >= 30);
    await broadcast.updateSettings({ ...settings, width: 480, height: 270, videoBitrateKbps: 500 });
    const before = videoFrames(connection()).length;
    await until(() => videoFrames(connection()).length >= before + 30);

    expect(server.connections).toHaveLength(1);
    const frames = videoFrames(connection());
    const stamps = frames.map((m) => m.timestamp);
    expect(stamps.every((ts, i) => i === 0 || ts >= stamps[i - 1]!)).toBe(true);
    const gaps = stamps.slice(1).map((ts, i) => ts - stamps[i]!);
    const gap = Math.max(...gaps);
    console.log(`settings change while live: largest gap between frames ${gap} ms (target < 1000 ms)`);
    expect(gap).toBeLessThan(5000);
    // The size changed, so the new sequence header went out, followed by a keyframe.
    expect(videoHeaders(connection())).toHaveLength(2);
    const secondHeaderAt = connection()!.received.indexOf(videoHeaders(connection())[1]!);
    const next = connection()!.received.slice(secondHeaderAt + 1).find((m) => m.typeId === MessageType.Video)!;
    expect(isKey(next.payload)).toBe(true);
  });

  it('does not resend sequence headers that did not change', async () => {
    const { server, url } = await scripted();
    const broadcast = broadcastOf();
    broadcast.addDestination(parseRtmpUrl(url));
    broadcast.start();
    await until(() => videoFrames(server.connections[0]).length >= 15);
    await broadcast.updateSettings(settings);
    const before = videoFrames(server.connections[0]).length;
    await until(() => videoFrames(server.connections[0]).length >= before + 15);
    expect(videoHeaders(server.connections[0])).toHaveLength(1);
  });

  it('adds and removes destinations while the others stay live', async () => {
    const first = await scripted();
    const second = await scripted();
    const broadcast = broadcastOf();
    const firstId = broadcast.addDestination(parseRtmpUrl(first.url));
    broadcast.start();
    await until(() => videoFrames(first.server.connections[0]).length >= 20);
    broadcast.addDestination(parseRtmpUrl(second.url));
    await until(() => videoFrames(second.server.connections[0]).length >= 20);
    await broadcast.removeDestination(firstId);
    const firstCount = videoFrames(first.server.connections[0]).length;
    const secondCount = videoFrames(second.server.connections[0]).length;
    await until(() => videoFrames(second.server.connections[0]).length >= secondCount + 20);

    // The late one joined with the headers and a keyframe; the removed one unpublished and got no more.
    const joined = second.server.connections[0]!.received.filter((m) => m.typeId === MessageType.Video);
    expect(joined[0]!.payload[1]).toBe(0);
    expect(isKey(joined[1]!.payload)).toBe(true);
    expect(first.server.connections[0]!.commands.map((c) => c.name)).toContain('deleteStream');
    expect(videoFrames(first.server.connections[0]).length).toBe(firstCount);
    expect(second.server.connections).toHaveLength(1);
  });

  it('stops a destination with the pictures the program showed until then (the encoder holds a second of them)', async () => {
    // A composed program, one picture and its sound every tick, as the compositor writes them.
    const format = { width: 320, height: 180, fps: 15, sampleRate: 48000, channels: 2 };
    let written = 0;
    const program: ProgramSource = {
      format,
      attach(video: Writable, audio: Writable) {
        const picture = Buffer.alloc((format.width * format.height * 3) / 2, 0x80);
        const sound = Buffer.alloc((format.sampleRate / format.fps) * format.channels * 2);
        const timer = setInterval(() => {
          video.write(picture);
          audio.write(sound);
          written++;
        }, 1000 / format.fps);
        return () => clearInterval(timer);
      },
    };
    const first = await scripted();
    const second = await scripted();
    // veryfast looks 10 pictures ahead and holds up to 3 B-frames: the encoder is most of a second behind.
    const broadcast = broadcastOf({ settings: { ...settings, preset: 'veryfast' }, inputs: programInputs(format), program });
    const firstId = broadcast.addDestination(parseRtmpUrl(first.url));
    broadcast.addDestination(parseRtmpUrl(second.url));
    broadcast.start();
    await until(() => videoFrames(first.server.connections[0]).length >= 30);
    const shown = written;
    await broadcast.removeDestination(firstId);
    await until(() => first.server.connections[0]!.commands.some((c) => c.name === 'deleteStream'));

    const last = videoFrames(first.server.connections[0]).at(-1)!;
    const frameMs = 1000 / format.fps;
    // The last picture written may still be in the pipe; with B-frames it is sent up to two pictures early.
    expect(last.timestamp, `shown ${shown} pictures, the server's last one at ${last.timestamp} ms`).toBeGreaterThanOrEqual((shown - 4) * frameMs);
  });

  it('restarts a crashed encoder, says why, and keeps the connection', async () => {
    const { server, url } = await scripted();
    const broadcast = broadcastOf();
    broadcast.addDestination(parseRtmpUrl(url));
    const restarted = new Promise<string | undefined>((resolve) => broadcast.once('encoderRestarted', (_cause, why) => resolve(why)));
    broadcast.start();
    await until(() => videoFrames(server.connections[0]).length >= 15);
    process.kill(broadcast.encoder.pid!, 'SIGKILL');
    expect(await restarted).toMatch(/kill|signal/i);
    const before = videoFrames(server.connections[0]).length;
    await until(() => videoFrames(server.connections[0]).length >= before + 15);
    expect(server.connections).toHaveLength(1);
    const stamps = videoFrames(server.connections[0]).map((m) => m.timestamp);
    expect(stamps.every((ts, i) => i === 0 || ts >= stamps[i - 1]!)).toBe(true);
  });

  it('starts and stops a recording on its own while live', async () => {
    const { server, url } = await scripted();
    const broadcast = broadcastOf();
    broadcast.addDestination(parseRtmpUrl(url));
    broadcast.start();
    await until(() => videoFrames(server.connections[0]).length >= 10);
    const file = join(tmpDir('broadcast'), `live-recording-${process.pid}-${Date.now()}.mkv`);
    await broadcast.startRecording(file);
    const at = videoFrames(server.connections[0]).length;
    await until(() => videoFrames(server.connections[0]).length >= at + 45);
    const result = await broadcast.stopRecording();
    expect(result?.file).toBe(file);
    const recorded = await probeFile(file);
    const frames = packetsOf(recorded, 'video');
    expect(frames[0]?.key).toBe(true);
    expect(frames.length).toBeGreaterThan(20);
    expect(recorded.streams.map((s) => s.codecName).sort()).toEqual(['aac', 'h264']);
    // The stream went on after the recording stopped.
    const after = videoFrames(server.connections[0]).length;
    await until(() => videoFrames(server.connections[0]).length >= after + 10);
  });

  it('lowers the bitrate while the only destination is congested (dynamic bitrate)', async () => {
    const nginx = await startNginxRtmp({ record: false });
    cleanups.push(() => nginx.stop());
    const proxy = await startThrottleProxy({ targetPort: nginx.port });
    cleanups.push(() => proxy.stop());
    const fast = validateEncoding({ ...settings, videoBitrateKbps: 1200 });
    const broadcast = broadcastOf({ settings: fast, dynamicBitrate: true });
    const changes: Array<[number, string]> = [];
    broadcast.on('bitrateChanged', (kbps, direction) => changes.push([kbps, direction]));
    broadcast.addDestination(parseRtmpUrl(proxy.url('live', 'dynamic-key')));
    broadcast.start();
    await until(() => [...broadcast.destinations.values()].every(({ destination }) => destination.state === 'live'));
    proxy.throttle(40_000); // 320 kbit/s for a 1200 kbit/s stream
    await until(() => changes.length > 0, 30_000);
    expect(changes[0]![1]).toBe('down');
    expect(changes[0]![0]).toBeLessThan(1200);
    expect(broadcast.encoder.currentSettings.videoBitrateKbps).toBe(changes[0]![0]);
  });
});
