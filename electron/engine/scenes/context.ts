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

/**
 * The picture size of a file as FFmpeg opens it: 0 x 0 for a file with sound only, null when FFmpeg
 * cannot read it (missing, not media).
 */
export async function probeFileSize(ffmpegPath: string, file: string): Promise<Size | null> {
  // With no output FFmpeg prints the streams and exits 1: the listing is what is wanted.
  const result = await runCommand(ffmpegPath, ['-hide_banner', '-nostdin', '-i', file], { timeoutMs: 10_000 });
  const video = parseVideoStreamLine(result.stderr);
  if (video) return { width: video.width, height: video.height };
  return /Stream #\d+:\d+.*?: Audio:/.test(result.stderr) ? { width: 0, height: 0 } : null;
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
  /** Sizes already known (files probed for an earlier version of the collection). */
  known?: ReadonlyMap<string, Size>;
}

export async function gatherContext(collection: Collection, options: GatherOptions): Promise<PlanContext> {
  const fileSizes = new Map<string, Size>();
  await Promise.all(
    filesOf(collection).map(async (file) => {
      const size = options.known?.get(file) ?? (await probeFileSize(options.ffmpegPath, file));
      if (size) fileSizes.set(file, size);
    }),
  );
  const devices = usesDevices(collection) ? await options.discover() : [];
  return { devices, fileSizes, ...(options.fontFile ? { fontFile: options.fontFile } : {}) };
}
