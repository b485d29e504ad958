import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFlvFixture, tmpDir } from '../helpers/fixtures.js';
import { packetsOf, probeFile } from '../helpers/probe.js';
import { runUplink } from '../helpers/publish.js';
import { type RtmpTestServer, startNginxRtmp } from '../helpers/servers.js';

/** Keys nginx lets publish; any other is refused, so a wrong key would fail the run. */
const FILE_KEY = 'key-from-a-file-1';
const ENV_KEY = 'key-from-the-env-2';

describe('uplink publish with keys kept out of argv', () => {
  let nginx: RtmpTestServer;
  let fixture: string;
  let frames: number;
  let serverUrl: string;
  beforeAll(async () => {
    [nginx, fixture] = await Promise.all([startNginxRtmp({ allowedKeys: [FILE_KEY, ENV_KEY] }), makeFlvFixture({ seconds: 2, width: 320, height: 180 })]);
    frames = packetsOf(await probeFile(fixture), 'video').length;
    serverUrl = nginx.url('live', 'x').replace(/\/x$/, '');
  });
  afterAll(async () => {
    await nginx?.stop();
  });

  it('--key-file: the key read from the file reaches the server, and appears in no output', async () => {
    const keyFile = join(tmpDir('cli-keys'), 'nginx.key');
    writeFileSync(keyFile, `${FILE_KEY}\n`, { mode: 0o600 });
    const result = await runUplink(['publish', fixture, '--fast', '--to', serverUrl, '--key-file', keyFile]);
    expect(result.stderr).toContain('published 2.');
    expect(result.code).toBe(0);
    expect(`${result.stdout}${result.stderr}`).not.toContain(FILE_KEY);
    expect(packetsOf(await probeFile(await nginx.recording(FILE_KEY)), 'video')).toHaveLength(frames);
  });

  it('UPLINK_STREAM_KEY: the key of the one --to without one', async () => {
    const result = await runUplink(['publish', fixture, '--fast', '--to', serverUrl], { UPLINK_STREAM_KEY: ENV_KEY });
    expect(result.code).toBe(0);
    expect(packetsOf(await probeFile(await nginx.recording(ENV_KEY)), 'video')).toHaveLength(frames);
  });

  it('a missing key file and a duplicate --to are one line each, before any connection', async () => {
    const attempts = async (): Promise<number> => (await nginx.publishAttempts()).filter((attempt) => attempt.key === FILE_KEY).length;
    const attemptsBefore = await attempts();
    const missing = await runUplink(['publish', fixture, '--to', serverUrl, '--key-file', '/nonexistent/stream.key']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('uplink: --key-file: /nonexistent/stream.key does not exist: give --key-file the path of a file that holds only the stream key\n');
    const twice = await runUplink(['publish', fixture, '--to', nginx.url('live', FILE_KEY), '--to', nginx.url('live', FILE_KEY)]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/^uplink: --to rtmp:\/\/127\.0\.0\.1:\d+\/live\/<redacted> is given twice \(1 and 2\): give each destination once\n$/);
    expect(await attempts()).toBe(attemptsBefore);
  });

  it('--help says how to keep keys out of ps and shell history', async () => {
    const help = await runUplink(['publish', '--help']);
    expect(help.stdout).toContain('--key-file <file>');
    expect(help.stdout).toContain('--key-env <name>');
    expect(help.stdout).toContain('UPLINK_STREAM_KEY');
    expect(help.stdout).toMatch(/shows in `ps`/);
  });
});
