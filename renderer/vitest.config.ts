import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The renderer's own tests (`npx vitest run --config renderer/vitest.config.ts`): the root config only
// picks up `*.test.ts`, and these are `.tsx` with a DOM environment chosen per file.
export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  plugins: [react()],
  test: {
    include: ['test/renderer/**/*.test.tsx'],
  },
});
