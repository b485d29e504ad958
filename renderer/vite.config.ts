import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { type Plugin, type Rollup, defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * main.tsx loads the studio's code with a dynamic import (so the connection opens before it has
 * loaded); a modulepreload link for that chunk and its stylesheet lets the browser fetch and compile
 * them while main.tsx runs, instead of after.
 */
function preloadStudioChunk(): Plugin {
  return {
    name: 'uplink-preload-studio-chunk',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(_html, ctx) {
        // Only the studio's own chunk: others (uPlot, for the charts) load when they are needed.
        const chunks = Object.values(ctx.bundle ?? {}).filter((c): c is Rollup.OutputChunk => c.type === 'chunk' && c.isDynamicEntry && c.facadeModuleId?.endsWith('/studio-root.tsx') === true);
        return chunks.flatMap((chunk) => [
          { tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `./${chunk.fileName}` }, injectTo: 'head' as const },
          ...[...(chunk.viteMetadata?.importedCss ?? [])].map((css) => ({ tag: 'link', attrs: { rel: 'stylesheet', crossorigin: true, href: `./${css}` }, injectTo: 'head' as const })),
        ]);
      },
    },
  };
}

// The renderer is one static page: the desktop app loads it from disk and `uplink serve` from any path,
// so every asset URL is relative (`base: './'`).
export default defineConfig({
  root,
  base: './',
  plugins: [react(), preloadStudioChunk()],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    target: 'es2023',
    chunkSizeWarningLimit: 800,
  },
});
