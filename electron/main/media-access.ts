/**
 * macOS asks the streamer once per app for the camera and the microphone; FFmpeg (in the engine host)
 * inherits the app's answer. Asked at startup so the prompt comes from Uplink, not from a capture that
 * then fails; a denial is said plainly with the way to undo it.
 */
export type MediaKind = 'camera' | 'microphone';

export interface SystemPreferencesLike {
  getMediaAccessStatus(mediaType: MediaKind): string;
  askForMediaAccess(mediaType: MediaKind): Promise<boolean>;
}

export function mediaDeniedMessage(kind: MediaKind): string {
  const pane = kind === 'camera' ? 'Camera' : 'Microphone';
  return `Uplink cannot use the ${kind}: access was denied. Open System Settings > Privacy & Security > ${pane}, turn on Uplink, then restart Uplink.`;
}

/** Returns one sentence per kind that is denied (nothing on other systems, or when all is granted). */
export async function ensureMediaAccess(platform: NodeJS.Platform, prefs: SystemPreferencesLike): Promise<string[]> {
  if (platform !== 'darwin') return [];
  const denied: string[] = [];
  for (const kind of ['camera', 'microphone'] as const) {
    const status = prefs.getMediaAccessStatus(kind);
    const granted = status === 'granted' || (status === 'not-determined' && (await prefs.askForMediaAccess(kind)));
    if (!granted) denied.push(mediaDeniedMessage(kind));
  }
  return denied;
}
