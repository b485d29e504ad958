/**
 * `uplink ffmpeg`: which FFmpeg Uplink uses and why, and what it lacks for streaming and for scenes, each
 * missing piece on a line of its own with what to do. It reads only the listings locate.ts already ran
 * (no trial encode: `uplink encoders` does that), so it answers in the time of a start-up.
 */
import type { Command } from 'commander';
import { asUplinkError } from '../../engine/errors.js';
import type { FfmpegInfo, FfmpegSource } from '../../engine/ffmpeg/locate.js';
import { type FfmpegReport, type SceneControl, ffmpegReport } from '../../engine/ffmpeg/report.js';
import { cliContext, printJson } from '../context.js';

export { type FfmpegReport, ffmpegReport } from '../../engine/ffmpeg/report.js';

/** Why this one, in the search order of locate.ts: a choice is used as given, a search takes the first that fits. */
function whyThisOne(source: FfmpegSource): string {
  switch (source) {
    case 'setting':
      return 'chosen with --ffmpeg';
    case 'env':
      return 'chosen with FFMPEG_PATH (no --ffmpeg given)';
    case 'app':
      return "the installed app's own copy (no --ffmpeg, FFMPEG_PATH unset)";
    case 'ffmpeg-static':
      return 'the copy of the ffmpeg-static package (no --ffmpeg, FFMPEG_PATH unset)';
    case 'path':
      return 'the first ffmpeg on PATH (no --ffmpeg, FFMPEG_PATH unset, no usable ffmpeg-static)';
  }
}

export function formatReport(report: FfmpegReport): string {
  const { ffmpeg } = report;
  const release = ffmpeg.release === undefined ? '' : ` (a development build of about ${ffmpeg.release})`;
  const lines = [`FFmpeg ${ffmpeg.version}${release}: ${ffmpeg.path}`, `  found by ${ffmpeg.foundBy}: ${whyThisOne(ffmpeg.source)}`];
  for (const skipped of report.rejected) lines.push(`  skipped ${skipped.path} (${skipped.foundBy}): ${skipped.reason}`);
  const encoders = report.h264Encoders.length > 0 ? report.h264Encoders.join(', ') : 'none';
  lines.push(`H.264 encoders listed: ${encoders} (uplink encoders tries each one)`);

  const { streaming, scenes } = report;
  if (streaming.ready) lines.push('streaming: ready');
  else lines.push('streaming: not ready, this FFmpeg lacks:', ...streaming.missing.map((what) => `  - ${what}`));

  if (scenes.ready && scenes.warnings.length === 0) {
    lines.push(`scenes: ready (control channel: ${scenes.control})`);
  } else {
    lines.push(
      scenes.ready ? `scenes: ready, with warnings (control channel: ${controlWords(scenes.control)}):` : 'scenes: not ready, this FFmpeg lacks:',
      ...scenes.missing.map((what) => `  - ${what}`),
      ...scenes.warnings.map((warning) => `  - ${warning}`),
    );
  }
  if (report.fix !== undefined) lines.push(`fix: ${report.fix}`);
  return `${lines.join('\n')}\n`;
}

function controlWords(control: SceneControl): string {
  return control === 'zmq' ? 'zmq' : 'none, a new compositor per change';
}

export function registerFfmpeg(program: Command, setExitCode: (code: number) => void): void {
  program
    .command('ffmpeg')
    .description('show which FFmpeg Uplink uses and why, and what it lacks for streaming and scenes')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      let info: FfmpegInfo;
      try {
        info = await cliContext(command).ffmpeg();
      } catch (err) {
        // Not found or refused: locate's one line already says where it looked and how to fix it.
        if (!options.json) throw err;
        printJson({ ok: false, error: asUplinkError(err, 'FFMPEG_NOT_FOUND') });
        setExitCode(1);
        return;
      }
      const report = ffmpegReport(info);
      if (options.json) printJson(report);
      else process.stdout.write(formatReport(report));
      setExitCode(report.ok ? 0 : 1);
    });
}
