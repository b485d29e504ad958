import type { StudioPhase } from '../contract.js';

/** What the shell uses of electron-updater's `autoUpdater` (passed in: tests use a fake). */
export interface UpdaterLike {
  autoDownload: boolean;
  autoInstallOnAppQuit: boolean;
  checkForUpdates(): Promise<unknown>;
  downloadUpdate(): Promise<unknown>;
  quitAndInstall(isSilent?: boolean, isForceRunAfter?: boolean): void;
  on(event: 'update-available' | 'update-downloaded', listener: (info: { version: string }) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** A question for the streamer (Electron's dialog.showMessageBox): resolves to the button chosen. */
export interface UpdateQuestion {
  type: 'info';
  title: string;
  message: string;
  detail: string;
  buttons: string[];
  defaultId: number;
  cancelId: number;
}

export interface UpdateOptions {
  updater: UpdaterLike;
  /** The studio's phase, from the main process's own session with the engine (undefined before it answers). */
  phase(): StudioPhase | undefined;
  ask(question: UpdateQuestion): Promise<number>;
  log?(message: string): void;
}

/** Only an idle studio is interrupted: not live, not starting or stopping, not before the engine has said. */
export function mayInterrupt(phase: StudioPhase | undefined): boolean {
  return phase === 'idle';
}

export function downloadQuestion(version: string): UpdateQuestion {
  return {
    type: 'info',
    title: 'Update available',
    message: `Uplink ${version} is available.`,
    detail: 'Download it now? You choose when to restart and install it; a stream is never interrupted.',
    buttons: ['Download', 'Later'],
    defaultId: 0,
    cancelId: 1,
  };
}

export function installQuestion(version: string): UpdateQuestion {
  return {
    type: 'info',
    title: 'Update ready',
    message: `Uplink ${version} is ready to install.`,
    detail: 'Restart Uplink now to install it, or it installs the next time you quit Uplink.',
    buttons: ['Restart and install', 'When I quit'],
    defaultId: 0,
    cancelId: 1,
  };
}

type Offer = { kind: 'none' } | { kind: 'available' | 'downloaded'; version: string } | { kind: 'downloading' | 'declined' };

/**
 * Updates from the release feed (electron-updater, configured by electron-builder.yml's `publish`):
 * checked once at start, offered in a dialog, downloaded only when the streamer says so, and installed
 * on a restart they choose or when they quit. Nothing is offered while the studio is live (or starting,
 * or stopping): an offer waits for the phase to be idle again. Offline or a feed error is only logged.
 */
export class UpdateOffer {
  private offer: Offer = { kind: 'none' };
  private asking = false;

  constructor(private readonly options: UpdateOptions) {}

  start(): void {
    const { updater } = this.options;
    updater.autoDownload = false;
    updater.autoInstallOnAppQuit = true;
    updater.on('update-available', (info) => this.hold({ kind: 'available', version: info.version }));
    updater.on('update-downloaded', (info) => this.hold({ kind: 'downloaded', version: info.version }));
    updater.on('error', (err) => this.log(`update check failed: ${err.message}`));
    updater.checkForUpdates().catch((err: unknown) => this.log(`update check failed: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** The studio's phase changed: an offer held back during a stream is made once the studio is idle. */
  phaseChanged(): void {
    void this.offerIfIdle();
  }

  /** What is waiting to be offered (for the tests and the logs). */
  get pending(): Offer['kind'] {
    return this.offer.kind;
  }

  private hold(offer: Offer): void {
    if (this.offer.kind === 'declined' && offer.kind === 'available') return;
    this.offer = offer;
    void this.offerIfIdle();
  }

  private async offerIfIdle(): Promise<void> {
    const offer = this.offer;
    if (this.asking || !mayInterrupt(this.options.phase())) return;
    if (offer.kind !== 'available' && offer.kind !== 'downloaded') return;
    this.asking = true;
    try {
      if (offer.kind === 'available') {
        const answer = await this.options.ask(downloadQuestion(offer.version));
        if (answer !== 0) {
          this.offer = { kind: 'declined' };
          return;
        }
        this.offer = { kind: 'downloading' };
        this.options.updater.downloadUpdate().catch((err: unknown) => {
          this.log(`update download failed: ${err instanceof Error ? err.message : String(err)}`);
          this.offer = { kind: 'none' };
        });
        return;
      }
      const answer = await this.options.ask(installQuestion(offer.version));
      if (answer !== 0) {
        // autoInstallOnAppQuit installs it when the streamer quits.
        this.offer = { kind: 'declined' };
        return;
      }
      // The dialog may have stayed open while a stream started (a hotkey): then ask again once it is over.
      if (!mayInterrupt(this.options.phase())) return;
      this.options.updater.quitAndInstall(false, true);
    } finally {
      this.asking = false;
    }
  }

  private log(message: string): void {
    (this.options.log ?? ((m: string) => console.warn(`uplink: ${m}`)))(message);
  }
}
