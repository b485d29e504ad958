/** The desktop app's entry (package.json "main"): Electron's API handed to the shell, nothing else here. */
import * as electron from 'electron';
import { defaultPaths, startApp } from './app.js';

// electron-updater is loaded only when the app is installed (startApp checks app.isPackaged first).
startApp(electron, defaultPaths(import.meta.dirname), process.platform, async () => (await import('electron-updater')).default.autoUpdater);
