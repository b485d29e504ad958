/**
 * OBS does not save the size of images and media files: importing a collection reads it from the files
 * that are on this computer (with FFprobe), so that their items keep the size they had in OBS. Files
 * that are missing, unreadable, or an FFprobe that cannot be found leave those sizes out; the importer
 * then uses the canvas size.
 */
import { existsSync } from 'node:fs';
import { probeMediaSize } from '../scenes/media-size.js';
import { obsSourceFiles } from '../scenes/obs-import.js';

export async function obsFileSizes(input: unknown): Promise<Record<string, { width: number; height: number }>> {
  const files = obsSourceFiles(input).filter(({ file }) => existsSync(file));
  if (files.length === 0) return {};
  const ffprobe = await import('../ffmpeg/locate.js').then(({ locateFfprobe }) => locateFfprobe()).catch(() => null);
  if (ffprobe === null) return {};
  const sizes: Record<string, { width: number; height: number }> = {};
  for (const { name, file } of files) {
    const size = await probeMediaSize(ffprobe.path, file);
    if (size !== null) sizes[name] = size;
  }
  return sizes;
}
