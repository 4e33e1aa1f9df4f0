/**
 * The browser tests' shared workbench: the UI built afresh from web/ (so a test never checks an
 * old build of dist/web), the server on 127.0.0.1 with the oracle as play policy, and a Chromium
 * context; `close` ends them in reverse order, whatever part of the setup ran.
 */
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import type { FeedbackStore } from '../../src/feedback/store.js';
import { startServer, type RunningServer, type ServeOptions } from '../../src/server/workbench/workbench.js';
import { packageRoot } from '../../src/server/workbench/static.js';
import { launchChromium } from './system-deps.js';

/** Builds web/ into `<dir>/ui` with vite and returns that folder. */
export async function buildUi(dir: string): Promise<string> {
  const uiDir = join(dir, 'ui');
  const { build } = await import('vite');
  await build({ configFile: join(packageRoot(), 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir: uiDir, emptyOutDir: true } });
  return uiDir;
}

export interface WorkbenchInBrowser {
  server: RunningServer;
  browser: BrowserContext;
}

/** Serves `store` (with `uiDir`, or the packaged UI when omitted) and opens Chromium; `extra` adds server options (e.g. `now`). */
export async function workbenchInBrowser(dir: string, store: FeedbackStore, uiDir?: string, extra: Partial<ServeOptions> = {}): Promise<WorkbenchInBrowser> {
  const server = await startServer({ store, host: '127.0.0.1', port: 0, playPolicy: 'oracle', uiDir, log: () => undefined, ...extra });
  try {
    return { server, browser: await launchChromium(dir, { width: 1200, height: 760 }) };
  } catch (e) {
    await server.close();
    await store.close();
    throw e;
  }
}

/** Closes the browser, the server and its store (each only if it was started). */
export async function closeWorkbench(w: Partial<WorkbenchInBrowser>): Promise<void> {
  await w.browser?.close();
  if (w.server) {
    await w.server.close();
    await w.server.store.close();
  }
}
