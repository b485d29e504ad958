/**
 * The studio as an obs-websocket front sees it: every contract command behind the web remote's path
 * guard, so that a Stream Deck that has the password can name files only where a browser with the web
 * remote's token can (the profile's media and recordings folders).
 */
import { STUDIO_COMMANDS, type StudioCommands, type StudioEvents } from '../../contract.js';
import { InvalidInputError } from '../../engine/input-error.js';
import { remotePathGuard } from '../paths.js';
import type { StudioPort } from './types.js';

/** What the port needs of a Studio: its commands and its events. */
export type StudioLike = StudioCommands & {
  on<K extends keyof StudioEvents>(event: K, listener: (payload: StudioEvents[K]) => void): unknown;
  off<K extends keyof StudioEvents>(event: K, listener: (payload: StudioEvents[K]) => void): unknown;
};

export interface PortFolders {
  profileDir: string;
  mediaDir: string;
  recordingsDir: string;
}

export function guardedStudioPort(studio: StudioLike, folders: PortFolders, guard = remotePathGuard([folders.mediaDir, folders.recordingsDir])): StudioPort {
  const commands = Object.fromEntries(
    STUDIO_COMMANDS.map((name) => [
      name,
      (...args: unknown[]): Promise<unknown> => {
        const refused = guard(name, args);
        if (refused) return Promise.reject(new InvalidInputError(refused.code, refused.field ?? '', refused.message));
        return (studio[name] as (...a: unknown[]) => Promise<unknown>).apply(studio, args);
      },
    ]),
  ) as unknown as StudioCommands;
  return {
    commands,
    on(event, listener) {
      studio.on(event, listener);
      return () => void studio.off(event, listener);
    },
    profileDir: folders.profileDir,
    mediaDir: folders.mediaDir,
    recordingsDir: folders.recordingsDir,
  };
}
