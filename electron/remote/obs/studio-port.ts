/**
 * The studio as an obs-websocket front sees it: every contract command behind the web remote's path
 * guard, so that a Stream Deck that has the password can name files only where a browser with the web
 * remote's token can (the profile's media and recordings folders).
 */
import { STUDIO_COMMANDS, type StudioCommands } from '../../contract.js';
import { InvalidInputError } from '../../engine/input-error.js';
import type { Studio } from '../../engine/studio.js';
import { remotePathGuard } from '../paths.js';
import type { StudioPort } from './types.js';

export interface PortFolders {
  profileDir: string;
  mediaDir: string;
  recordingsDir: string;
}

export function guardedStudioPort(studio: Studio, folders: PortFolders, guard = remotePathGuard([folders.mediaDir, folders.recordingsDir])): StudioPort {
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
      studio.on(event, listener as never);
      return () => void studio.off(event, listener as never);
    },
    profileDir: folders.profileDir,
    mediaDir: folders.mediaDir,
    recordingsDir: folders.recordingsDir,
  };
}
