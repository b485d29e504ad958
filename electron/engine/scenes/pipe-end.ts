import type { Readable } from 'node:stream';

/**
 * Calls `done` once when a side pipe is over, however it ends: its end, its close, or a read error (a
 * side pipe's error ends what reads it, not the studio; FFmpeg's own exit tells the story).
 */
export function onPipeEnd(pipe: Readable, done: () => void): void {
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    done();
  };
  pipe.once('end', end);
  pipe.once('close', end);
  pipe.on('error', end);
}
