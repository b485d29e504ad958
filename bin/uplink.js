#!/usr/bin/env node
// The `uplink` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs via `prepare`).
import { main } from '../dist/electron/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
