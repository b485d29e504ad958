import { type Socket, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UplinkError } from '../../electron/engine/errors.js';
import { RtmpPublisher } from '../../electron/engine/rtmp/publisher.js';
import { parseRtmpUrl } from '../../electron/engine/rtmp/url.js';
import { makeFlvFixture } from '../helpers/fixtures.js';
import { startThrottleProxy } from '../helpers/throttle-proxy.js';
import { until } from '../helpers/wait.js';
import { type ProbeResult, isMonotonic, packetsOf, probeFile } from '../helpers/probe.js';
import { makeOffsetFlv, publishFlv, runUplink, startUplink } from '../helpers/publish.js';
import { type RtmpTestServer, freePort, startFfmpegListen, startNginxRtmp, startNodeMediaServer, startStunnel } from '../helpers/servers.js';

let fixture: string;
let expected: ProbeResult;

beforeAll(async () => {
  fixture = await makeFlvFixture({ seconds: 6, width: 640, height: 360, fps: 30 });
  expected = await probeFile(fixture);
});

/** What a streamer checks on the server side: every frame, the right codecs and size, time moving forward. */
function expectSameMedia(received: ProbeResult): void {
  const video = received.streams.find((s) => s.codecType === 'video');
  const audio = received.streams.find((s) => s.codecType === 'audio');
  expect(video).toMatchObject({ codecName: 'h264', width: 640, height: 360 });
  expect(audio).toMatchObject({ codecName: 'aac', sampleRate: 48000 });
  expect(packetsOf(received, 'video')).toHaveLength(packetsOf(expected, 'video').length);
  expect(packetsOf(received, 'audio')).toHaveLength(packetsOf(expected, 'audio').length);
  expect(isMonotonic(packetsOf(received, 'video'))).toBe(true);
  expect(isMonotonic(packetsOf(received, 'audio'))).toBe(true);
  expect(packetsOf(received, 'video').filter((p) => p.key).length).toBe(packetsOf(expected, 'video').filter((p) => p.key).length);
}

describe.each([
  ['nginx-rtmp', () => startNginxRtmp()],
  ['node-media-server', () => startNodeMediaServer()],
  ['ffmpeg -listen', () => startFfmpegListen({ app: 'live', key: 'ffmpeg-listen-key' })],
])('publishing to %s', (_name, start) => {
  let server: RtmpTestServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('delivers every video and audio frame', async () => {
    const key = server.name === 'ffmpeg-listen' ? 'ffmpeg-listen-key' : 'every-frame-key';
    const [result] = await publishFlv(fixture, [server.url('live', key)]);
    expect(result?.error).toBeUndefined();
    expect(result?.ok).toBe(true);
    expectSameMedia(await probeFile(await server.recording(key)));
  });
});

describe('backpressure', () => {
  it('a file larger than the queue goes through without stalling, against a server that acknowledges', async () => {
    // nginx acknowledges every 64 KB while the kernel takes megabytes: the queue must still drain when
    // what the server has not confirmed exceeds the high-water mark (this once hung `publish --fast`).
    const big = await makeFlvFixture({ seconds: 6, width: 1280, height: 720, fps: 30, videoKbps: 8000 });
    const videoFrames = packetsOf(await probeFile(big), 'video').length;
    const nginx = await startNginxRtmp({ record: false });
    try {
      const [result] = await publishFlv(big, [nginx.url('live', 'backpressure-key')], { publisher: { highWaterBytes: 64 * 1024 } });
      expect(result?.ok).toBe(true);
      expect(result?.stats.framesSent).toBe(videoFrames);
    } finally {
      await nginx.stop();
    }
  }, 20_000);
});

describe('a file through a slow link', () => {
  it('waits for the link instead of dropping: every frame arrives', async () => {
    const nginx = await startNginxRtmp();
    const proxy = await startThrottleProxy({ targetPort: nginx.port });
    try {
      // 6 s of 1 Mbit/s media through a 0.4 Mbit/s link: a live destination would drop most inter frames.
      proxy.throttle(50_000);
      const [result] = await publishFlv(fixture, [proxy.url('live', 'slow-link-key')]);
      expect(result?.error).toBeUndefined();
      expect(result?.stats).toMatchObject({ framesDropped: 0, reconnects: 0 });
      expect(result?.ok).toBe(true);
      expectSameMedia(await probeFile(await nginx.recording('slow-link-key')));
    } finally {
      await proxy.stop();
      await nginx.stop();
    }
  }, 60_000);
});

describe('the uplink publish command', () => {
  let nginx: RtmpTestServer;
  let nms: RtmpTestServer;
  beforeAll(async () => {
    [nginx, nms] = await Promise.all([startNginxRtmp({ allowedKeys: ['good-key-1', 'good-key-2'] }), startNodeMediaServer()]);
  });
  afterAll(async () => {
    await Promise.all([nginx?.stop(), nms?.stop()]);
  });

  it('publishes one file to two servers at once and exits 0', async () => {
    const result = await runUplink(['publish', fixture, '--fast', '--to', nginx.url('live', 'good-key-1'), '--to', nms.url('live', 'cli-multi-key')]);
    expect(result.stderr).toContain('published 6.');
    expect(result.code).toBe(0);
    expectSameMedia(await probeFile(await nginx.recording('good-key-1')));
    expectSameMedia(await probeFile(await nms.recording('cli-multi-key')));
  });

  it('takes the key apart from the server URL', async () => {
    const server = nginx.url('live', 'x').replace(/\/x$/, '');
    const result = await runUplink(['publish', fixture, '--fast', '--to', server, '--key', 'good-key-2']);
    expect(result.code).toBe(0);
    expectSameMedia(await probeFile(await nginx.recording('good-key-2')));
  });

  it('paces in real time without --fast', async () => {
    const short = await makeFlvFixture({ seconds: 2, width: 320, height: 180 });
    const started = performance.now();
    const result = await runUplink(['publish', short, '--to', nms.url('live', 'paced-key')]);
    expect(result.code).toBe(0);
    // Real time cannot be beaten: the last tag is due 2 s after the first.
    expect(performance.now() - started).toBeGreaterThan(1900);
  });

  it('reports a refused key in one line without the key, keeps the other destination live, and exits 1', async () => {
    const result = await runUplink(['publish', fixture, '--fast', '--to', nginx.url('live', 'wrong-secret-key'), '--to', nms.url('live', 'still-live-key')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/rtmp:\/\/127\.0\.0\.1:\d+\/live\/<redacted>: the server refused the stream key/);
    expect(result.stderr).not.toContain('wrong-secret-key');
    expect(result.stderr).not.toContain('still-live-key');
    expectSameMedia(await probeFile(await nms.recording('still-live-key')));
  });

  it('says when nothing listens, and when the URL is wrong', async () => {
    const port = await freePort();
    const refused = await runUplink(['publish', fixture, '--to', `rtmp://127.0.0.1:${port}/live/refused-key`]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`127.0.0.1:${port} refused the connection`);
    const badUrl = await runUplink(['publish', fixture, '--to', 'http://127.0.0.1/live/key']);
    expect(badUrl.code).not.toBe(0);
    expect(badUrl.stderr.trim().split('\n')).toHaveLength(1);
    const missing = await runUplink(['publish', '/nonexistent/file.flv', '--to', nms.url('live', 'k3y-missing')]);
    expect(missing.stderr).toContain('cannot read /nonexistent/file.flv');
  });
});

describe('refusals and failures, in-process', () => {
  it('maps a refused key on nginx-rtmp to KEY_REFUSED', async () => {
    const nginx = await startNginxRtmp({ allowedKeys: ['only-this-key'] });
    try {
      const publisher = new RtmpPublisher(parseRtmpUrl(nginx.url('live', 'not-this-key')), { timeoutMs: 5000 });
      const error = await publisher.start().catch((err: unknown) => err);
      expect(error).toBeInstanceOf(UplinkError);
      expect((error as UplinkError).code).toBe('KEY_REFUSED');
    } finally {
      await nginx.stop();
    }
  });

  it('says a server that is not RTMP is not RTMP, without waiting for a timeout', async () => {
    const http = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const port = (http.address() as { port: number }).port;
    try {
      const publisher = new RtmpPublisher(parseRtmpUrl(`rtmp://127.0.0.1:${port}/live/key-http`), { timeoutMs: 20_000 });
      const error = (await publisher.start().catch((err: unknown) => err)) as UplinkError;
      expect(error.message).toMatch(/not speak RTMP|not an RTMP server|handshake/i);
    } finally {
      http.close();
    }
  });

  it('times out a server that accepts and never answers', async () => {
    const held: import('node:net').Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const publisher = new RtmpPublisher(parseRtmpUrl(`rtmp://127.0.0.1:${port}/live/key-silent`), { timeoutMs: 500 });
      const error = (await publisher.start().catch((err: unknown) => err)) as UplinkError;
      expect(error.code).toBe('TIMEOUT');
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });
});

describe('rtmps through a TLS terminator', () => {
  let nginx: RtmpTestServer;
  let tunnel: Awaited<ReturnType<typeof startStunnel>>;
  beforeAll(async () => {
    nginx = await startNginxRtmp();
    tunnel = await startStunnel({ targetPort: nginx.port });
  });
  afterAll(async () => {
    await tunnel?.stop();
    await nginx?.stop();
  });

  it('publishes when the CA is trusted through NODE_EXTRA_CA_CERTS', async () => {
    const result = await runUplink(['publish', fixture, '--fast', '--to', tunnel.url('live', 'tls-key')], { NODE_EXTRA_CA_CERTS: tunnel.caFile });
    expect(result.stderr).toContain('published');
    expect(result.code).toBe(0);
    expectSameMedia(await probeFile(await nginx.recording('tls-key')));
  });

  it('refuses an untrusted certificate with a clear reason', async () => {
    const result = await runUplink(['publish', fixture, '--fast', '--to', tunnel.url('live', 'tls-untrusted-key')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/the certificate of localhost is not trusted .*NODE_EXTRA_CA_CERTS/);
  });
});

/** Each packet's time from the first packet of its kind, in whole ms: what survives any server's rebasing. */
function relativeTimes(result: ProbeResult, kind: 'video' | 'audio'): number[] {
  const packets = packetsOf(result, kind);
  const first = packets[0]?.dtsMs ?? 0;
  return packets.map((p) => Math.round(p.dtsMs - first));
}

describe('a file whose media starts hours in (headers at 0, media from 16777 s, past 0xFFFFFF ms)', () => {
  let offsetFile: string;
  let source: ProbeResult;
  beforeAll(async () => {
    offsetFile = await makeOffsetFlv({ seconds: 8, offsetSec: 16777 });
    source = await probeFile(offsetFile);
  });

  it('--fast counts media from the first media tag, and nginx-rtmp and ffmpeg -listen get every frame at its time', async () => {
    const [nginx, listen] = await Promise.all([startNginxRtmp(), startFfmpegListen({ app: 'live', key: 'offset-listen-key' })]);
    try {
      const result = await runUplink(['publish', offsetFile, '--fast', '--to', nginx.url('live', 'offset-key'), '--to', listen.url('live', 'offset-listen-key')]);
      expect(result.stderr).toMatch(/published 8\.0 s of media to 2 destination/);
      expect(result.code).toBe(0);
      expect(packetsOf(source, 'video')[0]!.dtsMs).toBeGreaterThan(0xffffff - 1000);
      for (const received of [await probeFile(await nginx.recording('offset-key')), await probeFile(await listen.recording('offset-listen-key'))]) {
        // Extended timestamps carried right: every frame, at the same distance from the first as in the file.
        expect(relativeTimes(received, 'video')).toEqual(relativeTimes(source, 'video'));
        expect(relativeTimes(received, 'audio')).toEqual(relativeTimes(source, 'audio'));
        expect(received.streams.find((s) => s.codecType === 'video')).toMatchObject({ codecName: 'h264', width: 640, height: 360 });
      }
    } finally {
      await Promise.all([nginx.stop(), listen.stop()]);
    }
  });

  it('in real time, starts at once and takes the length of its media, not hours', async () => {
    const short = await makeOffsetFlv({ seconds: 2, offsetSec: 16777 });
    const nms = await startNodeMediaServer();
    try {
      // Before the fix this waited 16777 s for the first media tag: the test's own timeout catches that.
      const result = await runUplink(['publish', short, '--to', nms.url('live', 'offset-paced-key')]);
      expect(result.stderr).toMatch(/published 2\.0 s of media/);
      expect(result.code).toBe(0);
    } finally {
      await nms.stop();
    }
  }, 30_000);
});

describe('Ctrl-C stops uplink publish at once, in every phase, with one line', () => {
  it('while connecting to a server that accepts and never answers', async () => {
    const held: Socket[] = [];
    let accepted!: () => void;
    const connected = new Promise<void>((resolve) => (accepted = resolve));
    const silent = createServer((socket) => {
      held.push(socket);
      accepted();
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const run = startUplink(['publish', fixture, '--timeout', '60', '--to', `rtmp://127.0.0.1:${port}/live/silent-server-key`]);
      await connected;
      run.child.kill('SIGINT');
      const result = await run.exited;
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')).toEqual(['uplink: stopped before the end of the file']);
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  }, 20_000);

  it('while the link is stalled: the dead link is said, then Ctrl-C ends it', async () => {
    // 6.4 Mbit/s, sent --fast: loopback buffers fill within the first second of the stall.
    const big = await makeFlvFixture({ seconds: 20, width: 1280, height: 720, fps: 30, videoKbps: 6000 });
    const nginx = await startNginxRtmp({ record: false });
    const proxy = await startThrottleProxy({ targetPort: nginx.port });
    try {
      const run = startUplink(['publish', big, '--fast', '--to', proxy.url('live', 'stalled-cli-key')]);
      await until(() => proxy.bytesForwarded > 1_000_000);
      proxy.stall();
      await run.said(/took no data for 5 s: the connection is dead: reconnecting/);
      run.child.kill('SIGINT');
      const result = await run.exited;
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n').at(-1)).toBe('uplink: stopped before the end of the file');
      expect(result.stderr).not.toContain('stalled-cli-key');
    } finally {
      await proxy.stop();
      await nginx.stop();
    }
  }, 60_000);
});
