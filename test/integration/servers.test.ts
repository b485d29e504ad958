// The test servers themselves, exercised with FFmpeg as the publisher: whatever the RTMP client's tests
// later conclude from these servers rests on them recording exactly what a known-good client sent.

import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFlvFixture } from '../helpers/fixtures.js';
import { isMonotonic, keyframeIntervalsSec, packetsOf, probeFile, type ProbeResult } from '../helpers/probe.js';
import {
  startFfmpegListen,
  startNginxRtmp,
  startNodeMediaServer,
  startStunnel,
  type RtmpTestServer,
  type TlsTunnel,
} from '../helpers/servers.js';

let fixture: string;
let expected: ProbeResult;

/** Publishes the fixture as fast as FFmpeg can (no -re); resolves with FFmpeg's exit code and stderr. */
function publish(url: string, extraOutputArgs: string[] = []): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', fixture, '-c', 'copy', ...extraOutputArgs, '-f', 'flv', url];
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

async function expectSameAsFixture(recording: string): Promise<void> {
  const got = await probeFile(recording);
  expect(got.format).toBe('flv');
  const video = got.streams.find((s) => s.codecType === 'video');
  const audio = got.streams.find((s) => s.codecType === 'audio');
  expect(video).toMatchObject({ codecName: 'h264', width: 640, height: 360 });
  expect(audio).toMatchObject({ codecName: 'aac', sampleRate: 48000, channels: 2 });
  expect(packetsOf(got, 'video')).toHaveLength(packetsOf(expected, 'video').length);
  expect(packetsOf(got, 'audio')).toHaveLength(packetsOf(expected, 'audio').length);
  expect(isMonotonic(packetsOf(got, 'video'))).toBe(true);
  expect(isMonotonic(packetsOf(got, 'audio'))).toBe(true);
}

beforeAll(async () => {
  fixture = await makeFlvFixture({ seconds: 3 });
  expected = await probeFile(fixture);
  // The fixture itself, so that a count mismatch below is about the servers.
  expect(packetsOf(expected, 'video')).toHaveLength(90);
  expect(packetsOf(expected, 'audio').length).toBeGreaterThan(130);
});

describe('probeFile', () => {
  it('reads the fixture: streams, packets, keyframes every 2 s', () => {
    expect(expected.format).toBe('flv');
    expect(expected.durationSec).toBeCloseTo(3, 0);
    expect(expected.streams).toEqual([
      { index: 0, codecType: 'video', codecName: 'h264', width: 640, height: 360, frameRate: 30 },
      { index: 1, codecType: 'audio', codecName: 'aac', sampleRate: 48000, channels: 2 },
    ]);
    const video = packetsOf(expected, 'video');
    expect(isMonotonic(video)).toBe(true);
    expect(keyframeIntervalsSec(video)).toEqual([2]);
    expect(video[0]).toMatchObject({ streamIndex: 0, codecType: 'video', key: true });
    expect(video.every((packet) => packet.size > 0)).toBe(true);
  });
});

describe('nginx-rtmp', () => {
  let nginx: RtmpTestServer;
  let tunnel: TlsTunnel;

  beforeAll(async () => {
    nginx = await startNginxRtmp({ allowedKeys: ['uplink_ok'] });
    tunnel = await startStunnel({ targetPort: nginx.port });
  });
  afterAll(async () => {
    await tunnel?.stop();
    await nginx?.stop();
  });

  it('records what an allowed key published', async () => {
    const result = await publish(nginx.url('app', 'uplink_ok'));
    expect(result.code, result.stderr).toBe(0);
    await expectSameAsFixture(await nginx.recording('uplink_ok'));
  });

  it('refuses a key that on_publish does not allow: the publish fails', async () => {
    const result = await publish(nginx.url('app', 'wrong_key'));
    expect(result.code).not.toBe(0);
    const attempts = await nginx.publishAttempts();
    expect(attempts).toContainEqual({ app: 'app', key: 'wrong_key', accepted: false });
    expect(attempts).toContainEqual({ app: 'app', key: 'uplink_ok', accepted: true });
  });

  it('records through stunnel over RTMPS, with FFmpeg verifying the test CA', async () => {
    const result = await publish(tunnel.url('live', 'uplink_ok'), ['-tls_verify', '1', '-ca_file', tunnel.caFile]);
    expect(result.code, result.stderr).toBe(0);
    const recording = await nginx.recording('uplink_ok');
    expect(recording).toMatch(/\/live\/uplink_ok\.flv$/);
    await expectSameAsFixture(recording);
  });

  it('FFmpeg verifying against the system CAs refuses the tunnel certificate', async () => {
    const result = await publish(tunnel.url('live', 'uplink_ok'), ['-tls_verify', '1']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/certificate|verif/i);
  });
});

describe('node-media-server', () => {
  let nms: RtmpTestServer;

  beforeAll(async () => {
    nms = await startNodeMediaServer({ allowedKeys: ['uplink_ok'] });
  });
  afterAll(async () => {
    await nms?.stop();
  });

  it('records what an allowed key published', async () => {
    const result = await publish(nms.url('live', 'uplink_ok'));
    expect(result.code, result.stderr).toBe(0);
    await expectSameAsFixture(await nms.recording('uplink_ok'));
  });

  it('reports a refused key', async () => {
    await publish(nms.url('live', 'wrong_key'));
    expect(await nms.publishAttempts()).toContainEqual({ app: 'live', key: 'wrong_key', accepted: false });
  });
});

describe('ffmpeg -listen', () => {
  let listener: RtmpTestServer;

  beforeAll(async () => {
    listener = await startFfmpegListen({ app: 'app', key: 'uplink_ok' });
  });
  afterAll(async () => {
    await listener?.stop();
  });

  it('records the single connection it accepts', async () => {
    const result = await publish(listener.url('app', 'uplink_ok'));
    expect(result.code, result.stderr).toBe(0);
    await expectSameAsFixture(await listener.recording('uplink_ok'));
  });
});
