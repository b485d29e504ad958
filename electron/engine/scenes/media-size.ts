import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The picture size of an image or media file as FFprobe reads it: 0 x 0 for a file without video (an
 * audio file), null when FFprobe cannot read it.
 */
export async function probeMediaSize(ffprobePath: string, file: string): Promise<{ width: number; height: number } | null> {
  try {
    const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_entries', 'stream=codec_type,width,height', '-of', 'json', file], { timeout: 10_000 });
    const streams = (JSON.parse(stdout) as { streams?: { codec_type?: string; width?: number; height?: number }[] }).streams ?? [];
    const video = streams.find((s) => s.codec_type === 'video' && (s.width ?? 0) > 0);
    if (video !== undefined) return { width: video.width!, height: video.height! };
    return streams.length > 0 ? { width: 0, height: 0 } : null;
  } catch {
    return null;
  }
}
