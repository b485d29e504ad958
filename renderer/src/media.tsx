/**
 * Media files and network streams in the studio, as OBS shows them: the time left on the source's row,
 * and, for the selected one, the media controls (restart, stop or play, and a file's position to seek).
 */
import * as Slider from '@radix-ui/react-slider';
import { useEffect, useState } from 'react';
import { type MediaStatus, mediaPosition } from '../../electron/contract.js';
import { formatDuration } from './format.js';
import { Icon } from './icons.js';
import { selectRun, useApp } from './store.js';

/** The wall clock, ticking twice a second while `active`. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

/** A playing media file's time left (a stream's, or a file of unknown length's, time played). */
export function MediaTime({ media }: { media: MediaStatus }) {
  const position = mediaPosition(media, useNow(media.playingSinceMs !== null));
  if (position === null) return null;
  const left = media.durationMs === null ? null : media.durationMs - position;
  return (
    <span className="media-time" title={left === null ? 'Playing for' : 'Time left'}>
      {left === null ? formatDuration(position / 1000) : `-${formatDuration(Math.ceil(left / 1000))}`}
    </span>
  );
}

/** The selected media source's controls: restart, stop (play once it has ended or been stopped), and a file's position. */
export function MediaBar({ name, media, ended }: { name: string; media: MediaStatus; ended: boolean }) {
  const run = useApp(selectRun);
  const now = useNow(media.playingSinceMs !== null);
  // Where the thumb was let go, until the engine's new playback takes over.
  const [seeking, setSeeking] = useState<number | null>(null);
  useEffect(() => setSeeking(null), [media.playingSinceMs]);
  const position = seeking ?? mediaPosition(media, now) ?? (ended && media.durationMs !== null ? media.durationMs : 0);
  const action = (what: 'restart' | 'stop' | 'play') => () => void run('mediaAction', media.sourceId, what);
  return (
    <div className="media-bar" role="group" aria-label={`Media controls of ${name}`}>
      <button type="button" className="icon-btn" aria-label={`Restart ${name}`} title="Play from the start" onClick={action('restart')}>
        <Icon name="restart" />
      </button>
      <button type="button" className="icon-btn" aria-label={ended ? `Play ${name}` : `Stop ${name}`} title={ended ? 'Play' : 'Stop'} onClick={action(ended ? 'play' : 'stop')}>
        <Icon name={ended ? 'play' : 'stop'} />
      </button>
      {media.durationMs !== null && (
        <Slider.Root
          className="slider"
          min={0}
          max={media.durationMs}
          step={100}
          value={[Math.min(position, media.durationMs)]}
          onValueChange={([ms]) => ms !== undefined && setSeeking(ms)}
          onValueCommit={([ms]) => ms !== undefined && void run('seekMedia', media.sourceId, ms)}
        >
          <Slider.Track className="slider-track">
            <Slider.Range className="slider-range" />
          </Slider.Track>
          <Slider.Thumb className="slider-thumb" aria-label={`Position in ${name}`} aria-valuetext={formatDuration(position / 1000)} />
        </Slider.Root>
      )}
      <span className="media-time">
        {formatDuration(position / 1000)}
        {media.durationMs !== null && ` / ${formatDuration(media.durationMs / 1000)}`}
      </span>
    </div>
  );
}
