// Bundles the `uplink` command line into dist/cli/ (run by `npm run build`, after tsc).
//
// Start-up is part of the time to go live: loading ~45 ES modules from dist/ one by one (each resolved,
// read, compiled and linked) cost 70-80 ms before FFmpeg could be spawned. The bundle is one file for what
// every command needs plus one chunk per lazily loaded part (each command, device discovery, the encoder
// probe, the RTMP client...): `import()` stays lazy because ESM output is split at dynamic imports.
//
// The input is tsc's output, not the TypeScript: the bundle runs exactly the code that was type-checked
// and emitted. bin/uplink.js loads dist/cli/main.js when it is there and not older than tsc's output,
// else dist/electron/cli/main.js.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { build } from 'esbuild';

const root = join(import.meta.dirname, '..');
const outdir = join(root, 'dist', 'cli');
const entry = join(root, 'dist', 'electron', 'cli', 'main.js');

// Bundled: plain JavaScript that is loaded on every launch. Everything else the package depends on stays
// an import resolved at run time: zeromq is a native addon, ffmpeg-static is optional and locates its
// binary next to itself.
const BUNDLED = new Set(['commander', 'valibot']);
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})].filter((name) => !BUNDLED.has(name));

await rm(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { main: entry },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  external,
  chunkNames: 'chunks/[name]-[hash]',
  // commander is CommonJS: its require() of Node's built-ins needs a real require in an ES module.
  banner: { js: "import { createRequire as __uplinkCreateRequire } from 'node:module';\nconst require = __uplinkCreateRequire(import.meta.url);" },
  // Bundling renames clashing top-level names; keep the originals (class names appear in messages).
  keepNames: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});

// Said here, the format is known without looking for the package.json above (and stays right wherever dist/ goes).
await writeFile(join(outdir, 'package.json'), '{ "type": "module" }\n');

let total = 0;
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith('.map')) continue;
  total += output.bytes;
}
const files = Object.keys(result.metafile.outputs).filter((file) => !file.endsWith('.map')).length;
console.log(`bundled the CLI: ${relative(root, outdir)}/ (${files} files, ${(total / 1024).toFixed(0)} KiB; external: ${external.join(', ') || 'none'})`);
