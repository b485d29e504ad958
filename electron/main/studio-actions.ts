import type { ControlClient } from './control-client.js';
import type { HotkeyActions } from './hotkeys.js';

/**
 * What a hotkey does, through the main process's contract session: the same commands a window sends,
 * decided from the last snapshot seen. Errors become notices for the windows, never exceptions.
 */
export function studioHotkeyActions(client: () => ControlClient | undefined, notify: (message: string) => void): HotkeyActions {
  const report = (err: unknown): void => notify(typeof err === 'object' && err !== null && 'message' in err ? String((err as { message: unknown }).message) : String(err));
  return {
    toggleStream() {
      const c = client();
      if (!c) return notify('The engine is starting: try again in a moment.');
      const live = c.phase === 'live' || c.phase === 'starting';
      (live ? c.call('stopStream') : c.call('goLive')).catch(report);
    },
    toggleRecording() {
      const c = client();
      if (!c) return notify('The engine is starting: try again in a moment.');
      if (c.state?.recording.active) c.call('stopRecording').catch(report);
      // No name: the studio names it by the date, in the folder and format of Settings > Recording.
      else c.call('startRecording').catch(report);
    },
    scene(index) {
      const c = client();
      const scene = c?.state?.scenes?.collection.scenes[index];
      if (c && scene) c.call('setProgramScene', scene.id).catch(report);
    },
  };
}
