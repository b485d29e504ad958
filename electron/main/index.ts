/** The desktop app's entry (package.json "main"): Electron's API handed to the shell, nothing else here. */
import * as electron from 'electron';
import { defaultPaths, startApp } from './app.js';

startApp(electron, defaultPaths(import.meta.dirname));
