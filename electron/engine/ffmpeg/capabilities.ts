/**
 * What the live compositor needs from an FFmpeg build, and which control channel it offers. The zmq
 * filter is optional (libzmq is a build option: Debian's 5.1 has it; without it every change builds a
 * new graph beside the running one); everything else missing is named for the streamer, with what it serves when that
 * is not the whole compositor (the FFmpeg check prints these).
 */
import { UplinkError } from '../errors.js';
import { runCommand, type CommandRunner } from '../capture/run.js';
import { H264_ENCODER_NAMES } from '../settings/encoding.js';
import { parseEncoders, parseFilters, parseFormats } from './locate.js';

export interface CompositorSupport {
  /** zmq commands, or (without libzmq) a new graph per change: FFmpeg reads no stdin when its inputs are pipes. */
  control: 'zmq' | 'rebuild';
  /** What the compositor needs and this FFmpeg lacks, each named for the user ("the streamselect filter"). */
  missing: string[];
  /** Those of `missing` without which there is no composition at all (not a preview, meters, text...). */
  essential: string[];
}

/** The names of what a build has, as FfmpegFeatures (locate.ts) already holds them. */
export interface ListedNames {
  filters: readonly string[];
  muxers: readonly string[];
  encoders: readonly string[];
}

/** Filters of the compositor graph, with what each serves when it is not the composition itself. */
const FILTERS: readonly (readonly [string, string?])[] = [
  ['streamselect'],
  ['astreamselect'],
  ['overlay'],
  ['crop'],
  ['scale'],
  ['pad'],
  ['split'],
  ['asplit'],
  ['amix'],
  ['volume'],
  ['aresample'],
  ['astats', 'audio meters'],
  ['ametadata', 'audio meters'],
  // Transitions are part of the graph whether or not a fade ever runs.
  ['blend'],
  ['fps'],
  ['format'],
  ['color'],
  ['anullsrc'],
  ['drawtext', 'text sources'],
];

const ENCODERS: readonly (readonly [string, string?])[] = [
  ['mjpeg', 'preview'],
  ['aac'],
];

const MUXERS: readonly (readonly [string, string?])[] = [
  ['fifo', 'preview'],
  ['mjpeg', 'preview'],
  ['flv'],
  ['rawvideo'],
  ['s16le'],
  ['nut'],
];

function named(kind: string, [name, purpose]: readonly [string, string?]): string {
  return purpose === undefined ? `the ${name} ${kind}` : `the ${name} ${kind} (${purpose})`;
}

function lacking(kind: string, wanted: readonly (readonly [string, string?])[], have: readonly string[]): string[] {
  const set = new Set(have);
  return wanted.filter(([name]) => !set.has(name)).map((entry) => named(kind, entry));
}

/** What a build with these filters, muxers and encoders lacks for the compositor. */
export function compositorSupport(names: ListedNames): CompositorSupport {
  const missing = [...lacking('filter', FILTERS, names.filters)];
  if (!names.encoders.includes('libx264')) {
    const hardware = H264_ENCODER_NAMES.filter((name) => name !== 'libx264' && names.encoders.includes(name));
    missing.push(
      hardware.length > 0
        ? `the libx264 encoder (a working hardware H.264 encoder is needed instead: ${hardware.join(', ')})`
        : 'the libx264 encoder (and it lists no hardware H.264 encoder)',
    );
  }
  missing.push(...lacking('encoder', ENCODERS, names.encoders), ...lacking('muxer', MUXERS, names.muxers));
  const essential = [
    ...lacking('filter', FILTERS.filter(([, purpose]) => purpose === undefined), names.filters),
    ...lacking('muxer', MUXERS.filter(([name, purpose]) => purpose === undefined && name !== 'flv' && name !== 'nut'), names.muxers),
  ];
  return { control: names.filters.includes('zmq') ? 'zmq' : 'rebuild', missing, essential };
}

/** Pure: from `ffmpeg -hide_banner -filters`, `-muxers` (or `-formats`) and `-encoders` output. */
export function parseCompositorSupport(filters: string, muxers: string, encoders: string): CompositorSupport {
  return compositorSupport({
    filters: parseFilters(filters).map((filter) => filter.name),
    muxers: parseFormats(muxers)
      .filter((format) => format.mux)
      .flatMap((format) => format.names),
    encoders: parseEncoders(encoders).map((encoder) => encoder.name),
  });
}

const LISTING_TIMEOUT_MS = 10_000;

/** Runs the three listings (in parallel: FFmpeg answers one per launch) and reads them. */
export async function probeCompositorSupport(ffmpegPath: string, run: CommandRunner = runCommand): Promise<CompositorSupport> {
  const listings = await Promise.all(
    ['-filters', '-muxers', '-encoders'].map(async (listing) => {
      const result = await run(ffmpegPath, ['-hide_banner', listing], { timeoutMs: LISTING_TIMEOUT_MS });
      if (result.code !== 0) {
        const why = result.failure ?? `it exited with code ${result.code ?? 'none'}`;
        throw new UplinkError(
          'FFMPEG_PROBE_FAILED',
          `FFmpeg could not list its ${listing.slice(1)} (${why}): check the FFmpeg path in Settings > FFmpeg.`,
        );
      }
      return result.stdout;
    }),
  );
  const [filters = '', muxers = '', encoders = ''] = listings;
  return parseCompositorSupport(filters, muxers, encoders);
}
