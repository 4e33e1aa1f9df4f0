/** Vite build of the feedback workbench UI: web/ → dist/web (served by src/server/workbench/static.ts). */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  build: { outDir: `${here}../dist/web`, emptyOutDir: true, sourcemap: false },
  logLevel: 'warn',
});
