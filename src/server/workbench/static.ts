/**
 * Serves the built workbench UI (Vite output: index.html + assets/) for every non-API GET, with
 * the same no-escape path resolution as images; unknown paths fall back to index.html (one-page
 * app). `findUiDir()` locates the build (dist/web under the package root).
 */
import type { Hono } from 'hono';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { resolveImage } from '../../feedback/paths.js';
import { NotFoundError } from '../../util/errors.js';
import { packageRoot } from '../../util/package-root.js';
import { errorResponse } from '../errors.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** dist/web under the package root, where `npm run build` puts the UI. */
export function findUiDir(): string {
  return join(packageRoot(), 'dist', 'web');
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function serveUi(app: Hono<any>, uiDir: string): void {
  app.get('*', async (c) => {
    if (c.req.path.startsWith('/api/')) {
      const { status, body } = errorResponse(new NotFoundError(`no route GET ${c.req.path}`));
      return c.json(body, status as 404);
    }
    const rel = c.req.path.replace(/^\/+/, '');
    let file: string | null = null;
    if (rel && rel !== 'index.html') {
      try {
        file = await resolveImage(uiDir, decodeURIComponent(rel));
      } catch {
        file = null;
      }
    }
    if (!file) {
      if (!existsSync(join(uiDir, 'index.html'))) {
        return c.text(`The workbench UI is not built (${uiDir}/index.html missing). Run \`npm run build\`.`, 503);
      }
      file = join(uiDir, 'index.html');
    }
    const body = await readFile(file);
    const immutable = file.includes(`${'/'}assets${'/'}`);
    return c.body(new Uint8Array(body), 200, {
      'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  });
}
