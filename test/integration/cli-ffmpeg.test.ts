import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fakeFfmpeg } from '../helpers/fake-ffmpeg.js';
import { tmpDir } from '../helpers/fixtures.js';
import { type CliResult, runUplink } from '../helpers/publish.js';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'ffmpeg');
const COMPOSITOR = join(FIXTURES, 'compositor');
const SYSTEM_PATH = '/usr/bin:/bin';

let root: string;

/**
 * A stand-in FFmpeg in `dir` that prints recorded listings of Debian 12's 5.1 (-version, -encoders,
 * -formats, -muxers), with the -filters listing given: the one thing that differs between the builds here.
 */
function debianFfmpeg(dir: string, filters: string): string {
  mkdirSync(dir, { recursive: true });
  const filtersFile = join(dir, 'filters.txt');
  writeFileSync(filtersFile, filters);
  return fakeFfmpeg(dir, {
    '-version': join(FIXTURES, 'version-5.1.txt'),
    '-encoders': join(COMPOSITOR, 'encoders-5.1-debian12.txt'),
    '-filters': filtersFile,
    '-formats': join(COMPOSITOR, 'formats-5.1-debian12.txt'),
    '-muxers': join(COMPOSITOR, 'muxers-5.1-debian12.txt'),
  });
}

/** Debian's filter listing without the rows of these filters, as a build without them prints it. */
function filtersWithout(names: readonly string[]): string {
  return readFileSync(join(COMPOSITOR, 'filters-5.1-debian12.txt'), 'utf8')
    .split('\n')
    .filter((line) => !names.some((name) => new RegExp(`^ [T.][S.][C.] ${name} `).test(line)))
    .join('\n');
}

/** `uplink ...` with its own cache (a fake's assessment must not outlive the test) and no FFMPEG_PATH from outside. */
function uplink(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runUplink(args, { UPLINK_CACHE_DIR: join(root, 'cache'), FFMPEG_PATH: '', PATH: `${SYSTEM_PATH}:${process.env.PATH ?? ''}`, ...env });
}

beforeAll(() => {
  root = tmpDir('cli-ffmpeg');
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
});

describe('uplink ffmpeg', () => {
  it("reports this machine's FFmpeg 5.1 ready for streaming and scenes, with zmq", async () => {
    const result = await uplink(['--ffmpeg', '/usr/bin/ffmpeg', 'ffmpeg']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^FFmpeg 5\.1\.\S+: \/usr\/bin\/ffmpeg\n {2}found by --ffmpeg: chosen with --ffmpeg\n/);
    expect(result.stdout).toMatch(/^H\.264 encoders listed: libx264\b.*\(uplink encoders tries each one\)$/m);
    expect(result.stdout).toContain('\nstreaming: ready\n');
    expect(result.stdout).toContain('\nscenes: ready (control channel: zmq)\n');
    expect(result.stdout).not.toContain('fix:');
  });

  it('says the FFmpeg on PATH was taken when nothing was chosen', async () => {
    const result = await uplink(['ffmpeg'], { PATH: SYSTEM_PATH });
    expect(result.code).toBe(0);
    // Where ffmpeg-static is installed it comes first; this machine may or may not have it.
    expect(result.stdout).toMatch(/found by (PATH: the first ffmpeg on PATH|ffmpeg-static: the copy of the ffmpeg-static package)/);
  });

  it('prints the same as JSON', async () => {
    const result = await uplink(['--ffmpeg', '/usr/bin/ffmpeg', 'ffmpeg', '--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({
      ok: true,
      ffmpeg: { path: '/usr/bin/ffmpeg', source: 'setting', foundBy: '--ffmpeg', version: expect.stringMatching(/^5\.1\./) },
      rejected: [],
      streaming: { ready: true, missing: [] },
      scenes: { ready: true, control: 'zmq', missing: [], warnings: [] },
    });
    expect(report.h264Encoders).toContain('libx264');
    expect(report).not.toHaveProperty('fix');
  });

  it('names each missing piece on its own line when a build lacks zmq and streamselect, and fails', async () => {
    const fake = debianFfmpeg(join(root, 'no-zmq-no-streamselect'), readFileSync(join(COMPOSITOR, 'filters-5.1-no-zmq-no-streamselect.txt'), 'utf8'));
    const result = await uplink(['ffmpeg'], { FFMPEG_PATH: fake });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`: ${fake}\n  found by FFMPEG_PATH: chosen with FFMPEG_PATH (no --ffmpeg given)\n`);
    expect(result.stdout).toContain('\nstreaming: ready\n');
    const scenes = result.stdout.slice(result.stdout.indexOf('scenes:'));
    expect(scenes).toBe(
      [
        'scenes: not ready, this FFmpeg lacks:',
        '  - the streamselect filter',
        '  - the zmq filter, optional: without it each scene change starts the compositor again beside the running one (about half a second per change, no gap in the stream), and fades become cuts',
        "fix: install a full build of FFmpeg (Debian's and Ubuntu's `apt install ffmpeg`), or point FFMPEG_PATH or --ffmpeg at one",
        '',
      ].join('\n'),
    );

    const json = await uplink(['ffmpeg', '--json'], { FFMPEG_PATH: fake });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: false,
      ffmpeg: { source: 'env', foundBy: 'FFMPEG_PATH' },
      streaming: { ready: true },
      scenes: { ready: false, control: 'rebuild', missing: ['the streamselect filter'], warnings: [expect.stringMatching(/^the zmq filter, optional: without it each scene change /)] },
      fix: expect.stringContaining('apt install ffmpeg'),
    });
  });

  it('passes with warnings when only optional pieces are missing (zmq, drawtext)', async () => {
    const fake = debianFfmpeg(join(root, 'no-zmq-no-drawtext'), filtersWithout(['zmq', 'azmq', 'drawtext']));
    const result = await uplink(['--ffmpeg', fake, 'ffmpeg']);
    expect(result.code).toBe(0);
    const scenes = result.stdout.slice(result.stdout.indexOf('scenes:'));
    expect(scenes.split('\n').slice(0, 3)).toEqual([
      'scenes: ready, with warnings (control channel: none, a new compositor per change):',
      '  - the drawtext filter (text sources), optional: without it text sources are not drawn',
      expect.stringMatching(/^ {2}- the zmq filter, optional: without it each scene change starts the compositor again beside the running one \(about half a second per change, no gap in the stream\)/),
    ]);
    expect(scenes).toContain('\nfix: install a full build of FFmpeg');
  });

  it('fails in one line naming the path and the fix when --ffmpeg names nothing', async () => {
    const result = await uplink(['--ffmpeg', '/nonexistent', 'ffmpeg']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'uplink: --ffmpeg /nonexistent does not exist: give the full path of FFmpeg 4.4 or newer, or leave out --ffmpeg to let Uplink find one.\n',
    );

    const json = await uplink(['--ffmpeg', '/nonexistent', 'ffmpeg', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      error: { name: 'UplinkError', code: 'FFMPEG_NOT_FOUND', message: expect.stringMatching(/^--ffmpeg \/nonexistent does not exist: /) },
    });
  });

  it('fails in one line with the fix when no FFmpeg is found', async () => {
    const empty = join(root, 'empty-path');
    mkdirSync(empty, { recursive: true });
    const result = await uplink(['ffmpeg'], { PATH: empty });
    // ffmpeg-static, where installed, is found whatever PATH holds: the line is checked only where it is not.
    if (result.code === 0) {
      expect(result.stdout).toContain('found by ffmpeg-static');
      return;
    }
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^uplink: FFmpeg was not found \(nothing chosen .*\): install FFmpeg \(apt install ffmpeg\), set FFMPEG_PATH/)]);
  });
});
