/**
 * The desktop app's build (`electron-vite build`), laid out where tsc puts the same modules so that
 * package.json's "main" (dist/electron/main/index.js) is the entry either way:
 *   dist/electron/main/index.js         main process (ESM)
 *   dist/electron/host/engine-host.js   the engine host, forked by the main process as a utilityProcess
 *   dist/electron/preload/index.cjs     the preload: one CommonJS file, as a sandboxed preload must be
 *   dist/renderer/                      the renderer, built by its own config (renderer/vite.config.ts)
 * Nothing is emptied: tsc's output for the CLI and the tests shares dist/electron.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import rendererConfig from './renderer/vite.config.js';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  main: {
    build: {
      outDir: here('dist/electron'),
      emptyOutDir: false,
      target: 'node22',
      sourcemap: true,
      rollupOptions: {
        input: {
          'main/index': here('electron/main/index.ts'),
          'host/engine-host': here('electron/host/engine-host.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: 'shared/[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: here('dist/electron/preload'),
      emptyOutDir: false,
      sourcemap: true,
      // A sandboxed preload cannot load modules: everything but `electron` is in the one file.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: here('electron/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  // The renderer's own Vite config (root renderer/, output dist/renderer/), owned with the renderer;
  // electron-vite wants the entry named.
  renderer: {
    ...rendererConfig,
    root: here('renderer'),
    build: { ...rendererConfig.build, rollupOptions: { input: here('renderer/index.html') } },
  },
});
