/**
 * While live, what a change of each setting does to the stream: it applies at once, restarts the
 * encoder with every connection kept, or waits for the next stream (or recording). A table, so that
 * every form says the same thing about the same setting, and it is checked in one test.
 */

export type AppliesWhen = 'now' | 'restart' | 'next';

export const APPLIES = {
  // Destinations: the studio reconnects a live destination whose server or key changed, alone.
  destinationName: { when: 'now', label: 'Applies at once' },
  destinationServer: { when: 'now', label: 'Applies at once: this destination reconnects, the others stay up' },
  destinationKey: { when: 'now', label: 'Applies at once: this destination reconnects, the others stay up' },
  destinationEnabled: { when: 'now', label: 'Applies at once: the others stay up' },
  // Encoding: setEncoding restarts the encoder while live; timestamps go on, connections stay.
  outputSize: { when: 'restart', label: 'Restarts the encoder; connections are kept' },
  fps: { when: 'restart', label: 'Restarts the encoder; connections are kept' },
  encoder: { when: 'restart', label: 'Restarts the encoder; connections are kept' },
  videoBitrateKbps: { when: 'restart', label: 'Restarts the encoder; connections are kept' },
  keyframeIntervalSec: { when: 'restart', label: 'Restarts the encoder; connections are kept' },
  preset: { when: 'restart', label: 'Restarts the encoder; connections are kept' },
  profile: { when: 'restart', label: 'Restarts the encoder; connections are kept' },
  // Sources and the canvas are changed live by the compositor, which the encoder never notices.
  canvas: { when: 'now', label: 'Applies at once: the scenes are redrawn, the stream goes on' },
  audioDevice: { when: 'now', label: 'Applies at once' },
  hotkeys: { when: 'now', label: 'Applies at once' },
  recordingFolder: { when: 'next', label: 'Applies to the next recording' },
  recordingFormat: { when: 'next', label: 'Applies to the next recording' },
  // The running program keeps its FFmpeg processes.
  ffmpegPath: { when: 'next', label: 'Applies from the next stream' },
} as const satisfies Record<string, { when: AppliesWhen; label: string }>;

export type SettingName = keyof typeof APPLIES;

export function appliesWhen(setting: SettingName): AppliesWhen {
  return APPLIES[setting].when;
}

/** A field's hint: while live, what a change does, after its own hint when it has one. */
export function liveHint(setting: SettingName, live: boolean, hint?: string): string | undefined {
  if (!live) return hint;
  const label = APPLIES[setting].label;
  return hint ? `${hint}. While live: ${label.toLowerCase()}` : `While live: ${label.toLowerCase()}`;
}
