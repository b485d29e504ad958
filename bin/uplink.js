#!/usr/bin/env node
// The `uplink` command: runs the compiled CLI (built by `npm run build`, which `npm ci` runs via `prepare`).
// The compile cache keeps V8's bytecode between runs: start-up is part of the time to go live.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('../dist/electron/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
