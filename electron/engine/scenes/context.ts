/**
 * What the planner needs to know about the world outside the collection: which capture devices exist,
 * and the picture size of every image and media file. Gathered with FFmpeg itself (a bundled FFmpeg comes
 * without FFprobe).
 */
import type { CaptureDevice } from '../../contract.js';
import { runCommand } from '../capture/run.js';
import { parseVideoStreamLine } from '../capture/screens.js';
import type { Size } from './layout.js';
import type { Collection } from './model.js';
import type { PlanContext } from './plan.js';

/** A file as FFmpeg opens it: its picture size (0 x 0 for sound only) and its length when it has one. */
export interface FileFacts {
  size: Size;
  durationMs: number | null;
}

/** What FFmpeg says of a file; null when it cannot read it (missing, not media). */
export async function probeFile(ffmpegPath: string, file: string): Promise<FileFacts | null> {
  // With no output FFmpeg prints the streams and exits 1: the listing is what is wanted.
  const result = await runCommand(ffmpegPath, ['-hide_banner', '-nostdin', '-i', file], { timeoutMs: 10_000 });
  const video = parseVideoStreamLine(result.stderr);
  const size = video ? { width: video.width, height: video.height } : /Stream #\d+:\d+.*?: Audio:/.test(result.stderr) ? { width: 0, height: 0 } : null;
  return size === null ? null : { size, durationMs: parseDuration(result.stderr) };
}

/** "Duration: 00:01:02.50" of FFmpeg's listing in ms; null for "N/A" (a still image, a live stream). */
export function parseDuration(listing: string): number | null {
  const m = /Duration: (\d+):(\d{2}):(\d{2}(?:\.\d+)?)/.exec(listing);
  return m ? Math.round(((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000) : null;
}

/** Files a collection shows (images and media files), each once. */
export function filesOf(collection: Collection): string[] {
  const files = collection.sources.flatMap((s) => (s.kind === 'image' || s.kind === 'media' ? [s.settings.file] : []));
  return [...new Set(files)];
}

export function usesDevices(collection: Collection): boolean {
  return collection.sources.some((s) => s.kind === 'video-device' || s.kind === 'audio-device' || s.kind === 'screen');
}

export interface GatherOptions {
  ffmpegPath: string;
  /** Device discovery, run only when the collection has device sources. */
  discover: () => Promise<CaptureDevice[]>;
  fontFile?: string;
  /** What an earlier context knew (files probed for an earlier version of the collection). */
  known?: Pick<PlanContext, 'fileSizes' | 'fileDurations'>;
}

export async function gatherContext(collection: Collection, options: GatherOptions): Promise<PlanContext> {
  const fileSizes = new Map<string, Size>();
  const fileDurations = new Map<string, number>();
  await Promise.all(
    filesOf(collection).map(async (file) => {
      const knownSize = options.known?.fileSizes.get(file);
      const facts = knownSize ? { size: knownSize, durationMs: options.known?.fileDurations?.get(file) ?? null } : await probeFile(options.ffmpegPath, file);
      if (!facts) return;
      fileSizes.set(file, facts.size);
      if (facts.durationMs !== null) fileDurations.set(file, facts.durationMs);
    }),
  );
  const devices = usesDevices(collection) ? await options.discover() : [];
  return { devices, fileSizes, fileDurations, ...(options.fontFile ? { fontFile: options.fontFile } : {}) };
}
