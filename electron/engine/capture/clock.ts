import { filter } from './filtergraph.js';
import { runCommand, type CommandRunner } from './run.js';

/**
 * The running clock on the test pattern: local wall-clock time with milliseconds, stamped when the frame
 * is made, so the delay to a viewer can be read off a frame (compare with a clock beside the player).
 *
 * drawtext has no millisecond wall clock of its own (`%{localtime}` stops at seconds), so the frame's pts
 * is set to the wall clock (RTCTIME, microseconds since the epoch) in a millisecond time base, drawtext
 * prints it as local time plus `mod(t*1000, 1000)` milliseconds (both truncate, so they agree), and the pts
 * is then put back to frame numbers so the rest of the pipeline sees an ordinary 0-based stream.
 */
export interface ClockOptions {
  width: number;
  height: number;
  fps: number;
  /** A font file for builds of FFmpeg without fontconfig, where drawtext cannot find a font by itself. */
  fontFile?: string;
}

/** Text for drawtext's expander: ':' separates a function's arguments, so the strftime colons are escaped. */
export const CLOCK_TEXT = String.raw`%{pts:localtime:0:%H\:%M\:%S}.%{eif:mod(t*1000,1000):d:3}`;

export function clockFilters(opts: ClockOptions): string[] {
  const fontSize = Math.max(12, Math.round(opts.height / 12));
  const drawtext: Array<readonly [string, string | number]> = [];
  if (opts.fontFile) drawtext.push(['fontfile', opts.fontFile]);
  drawtext.push(
    ['text', CLOCK_TEXT],
    ['fontsize', fontSize],
    ['fontcolor', 'white'],
    ['box', 1],
    ['boxcolor', 'black@0.6'],
    ['boxborderw', Math.round(fontSize / 4)],
    ['x', '(w-tw)/2'],
    ['y', 'h-th-h/12'],
  );
  return [
    'settb=1/1000',
    'setpts=RTCTIME/1000',
    filter('drawtext', drawtext),
    `settb=1/${opts.fps}`,
    'setpts=N',
  ];
}

/**
 * Whether this FFmpeg can draw the clock: drawtext exists only in builds with libfreetype, and without
 * fontconfig it needs a font file. Rendering one frame answers both questions at once, which listing
 * `ffmpeg -filters` would not.
 */
export async function probeClockOverlay(
  ffmpegPath: string,
  opts: { fontFile?: string; timeoutMs?: number; run?: CommandRunner } = {},
): Promise<boolean> {
  const run = opts.run ?? runCommand;
  const clock: ClockOptions = { width: 160, height: 90, fps: 10 };
  if (opts.fontFile) clock.fontFile = opts.fontFile;
  const graph = [`color=c=black:s=160x90:r=10`, ...clockFilters(clock)].join(',');
  const result = await run(
    ffmpegPath,
    ['-hide_banner', '-nostdin', '-loglevel', 'error', '-f', 'lavfi', '-i', graph, '-frames:v', '1', '-f', 'null', '-'],
    { timeoutMs: opts.timeoutMs ?? 10_000 },
  );
  return result.code === 0;
}
