/**
 * Which FFmpeg the studio uses and what it lacks for streaming and for scenes, each missing piece named
 * with what its absence costs: the report `uplink ffmpeg` prints and the studio's Settings > FFmpeg shows.
 * Pure over what locate.ts already found (no trial encode: encoders.ts does that).
 */
import { compositorSupport } from './capabilities.js';
import { type FfmpegInfo, type FfmpegSource, installHint } from './locate.js';

/** How scene changes reach the running compositor: zmq commands, or a new graph beside the old one. */
export type SceneControl = 'zmq' | 'rebuild';

/** A piece of the build scenes would use, and what its absence costs when scenes still run without it. */
interface Lack {
  what: string;
  /** What happens without it, set only for pieces scenes can run without: "text sources are not drawn". */
  cost?: string;
}

export interface FfmpegReport {
  /** True when streaming and scenes can both run (optional pieces may still be missing). */
  ok: boolean;
  ffmpeg: {
    path: string;
    source: FfmpegSource;
    /** Where it was found, in the words of the command line. */
    foundBy: string;
    version: string;
    /** Set for git builds, whose release was read from libavutil. */
    release?: string;
  };
  rejected: { path: string; foundBy: string; reason: string }[];
  /** The H.264 encoders the build lists (listed is not working: `uplink encoders` tries each). */
  h264Encoders: string[];
  streaming: { ready: boolean; missing: string[] };
  scenes: { ready: boolean; control: SceneControl; missing: string[]; warnings: string[] };
  /** What to do when anything is missing; absent when nothing is. */
  fix?: string;
}

const NO_ZMQ_COST =
  'each scene change starts the compositor again beside the running one (about half a second per change, no gap in the stream), and fades become cuts';

export const FOUND_BY: Record<FfmpegSource, string> = {
  setting: '--ffmpeg',
  env: 'FFMPEG_PATH',
  app: 'the installed app',
  'ffmpeg-static': 'ffmpeg-static',
  path: 'PATH',
};

/** What streaming itself needs: an H.264 encoder, aac and flv (locate.ts refuses builds without them; said again here to be sure). */
function streamingMissing(info: FfmpegInfo): string[] {
  const missing: string[] = [];
  if (info.features.h264Encoders.length === 0) missing.push('an H.264 encoder (libx264 or a hardware one)');
  if (!info.features.encoders.includes('aac')) missing.push('the aac encoder');
  if (!info.features.muxers.includes('flv')) missing.push('the flv muxer');
  return missing;
}

/**
 * The compositor's needs. Only zmq and drawtext are optional: the graph always holds the blend of fades,
 * the meters and (in the app) the preview, so their filters and muxers are needed to start it at all.
 */
function scenesLacks(info: FfmpegInfo): { control: SceneControl; lacks: Lack[] } {
  const support = compositorSupport(info.features);
  const lacks: Lack[] = support.missing.map((what) =>
    what.startsWith('the drawtext filter') ? { what, cost: 'text sources are not drawn' } : { what },
  );
  const control: SceneControl = support.control === 'zmq' ? 'zmq' : 'rebuild';
  if (control !== 'zmq') lacks.push({ what: 'the zmq filter', cost: NO_ZMQ_COST });
  return { control, lacks };
}

export function ffmpegReport(info: FfmpegInfo, platform: NodeJS.Platform = process.platform): FfmpegReport {
  const streaming = streamingMissing(info);
  const { control, lacks } = scenesLacks(info);
  const blocking = lacks.filter((lack) => lack.cost === undefined).map((lack) => lack.what);
  const warnings = lacks.flatMap((lack) => (lack.cost === undefined ? [] : [`${lack.what}, optional: without it ${lack.cost}`]));
  const anyMissing = streaming.length > 0 || lacks.length > 0;
  return {
    ok: streaming.length === 0 && blocking.length === 0,
    ffmpeg: {
      path: info.path,
      source: info.source,
      foundBy: FOUND_BY[info.source],
      version: info.version.text,
      ...(info.version.inferred ? { release: `${info.version.major}.${info.version.minor}` } : {}),
    },
    rejected: info.rejected.map((r) => ({ path: r.path, foundBy: FOUND_BY[r.source], reason: r.reason })),
    h264Encoders: info.features.h264Encoders,
    streaming: { ready: streaming.length === 0, missing: streaming },
    scenes: { ready: streaming.length === 0 && blocking.length === 0, control, missing: blocking, warnings },
    ...(anyMissing ? { fix: fixFor(platform) } : {}),
  };
}

function fixFor(platform: NodeJS.Platform): string {
  const example = platform === 'linux' ? "Debian's and Ubuntu's `apt install ffmpeg`" : `\`${installHint(platform)}\``;
  return `install a full build of FFmpeg (${example}), or point FFMPEG_PATH or --ffmpeg at one`;
}
