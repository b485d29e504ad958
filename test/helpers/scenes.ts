import { execFile } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Collection, SceneItem, Source } from '../../electron/engine/scenes/model.js';
import type { ProgramFeed, ProgramTick } from '../../electron/engine/scenes/program-feed.js';
import { tmpDir } from './fixtures.js';

const run = promisify(execFile);

export function item(id: string, sourceId: string, box: { x: number; y: number; width: number; height: number }, extra: Partial<SceneItem> = {}): SceneItem {
  return { id, sourceId, ...box, crop: { top: 0, right: 0, bottom: 0, left: 0 }, visible: true, locked: false, ...extra };
}

export function color(id: string, hex: string, width = 320, height = 180): Source {
  return { id, name: id, kind: 'color', settings: { color: hex, width, height } };
}

export function collection(
  canvas: { width: number; height: number; fps: number },
  sources: Source[],
  scenes: Array<{ id: string; items: SceneItem[] }>,
  currentSceneId = scenes[0]!.id,
): Collection {
  return {
    version: 2,
    canvas,
    sources,
    scenes: scenes.map((s) => ({ ...s, name: s.id })),
    currentSceneId,
    transition: { kind: 'cut', durationMs: 0 },
  };
}

/** A looping media file of testsrc2 and a 1 kHz tone, made once per suite run under test/.tmp. */
export async function makeClip(seconds = 4, width = 320, height = 180): Promise<string> {
  const file = join(tmpDir('fixtures'), `clip-${seconds}s-${width}x${height}.mp4`);
  if (existsSync(file)) return file;
  const partial = `${file}.${process.pid}.partial.mp4`;
  await run('ffmpeg', [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=30:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=1000:sample_rate=48000:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', partial,
  ]);
  renameSync(partial, file);
  return file;
}

/** Y, U, V of the pixel at (x, y) of a yuv420p picture. */
export function pixel(tick: ProgramTick, width: number, height: number, x: number, y: number): [number, number, number] {
  const luma = width * height;
  const cw = Math.ceil(width / 2);
  const ch = Math.ceil(height / 2);
  const c = Math.floor(y / 2) * cw + Math.floor(x / 2);
  return [tick.video[y * width + x]!, tick.video[luma + c]!, tick.video[luma + cw * ch + c]!];
}

/** Limited-range BT.601 YUV of an RGB colour, as FFmpeg converts it. */
export function yuvOf(r: number, g: number, b: number): [number, number, number] {
  const y = 16 + (65.481 * r + 128.553 * g + 24.966 * b) / 255;
  const u = 128 + (-37.797 * r - 74.203 * g + 112 * b) / 255;
  const v = 128 + (112 * r - 93.786 * g - 18.214 * b) / 255;
  return [Math.round(y), Math.round(u), Math.round(v)];
}

export function near(a: readonly number[], b: readonly number[], tolerance = 6): boolean {
  return a.every((value, i) => Math.abs(value - b[i]!) <= tolerance);
}

/** Resolves with the index (in program ticks) of the first tick for which `test` holds. */
export function firstTick(program: ProgramFeed, test: (tick: ProgramTick) => boolean, timeoutTicks = 300): Promise<number> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const onTick = (tick: ProgramTick): void => {
      seen++;
      if (test(tick)) {
        program.off('tick', onTick);
        resolve(program.delivered);
      } else if (seen > timeoutTicks) {
        program.off('tick', onTick);
        reject(new Error(`not seen within ${timeoutTicks} program ticks`));
      }
    };
    program.on('tick', onTick);
  });
}
