/**
 * The browser tests' shared workbench: the UI built afresh from web/ (so a test never checks an
 * old build of dist/web), the server on 127.0.0.1 with the oracle as play policy, and a Chromium
 * context; `close` ends them in reverse order, whatever part of the setup ran.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { NextResponse } from '../../src/feedback/api-types.js';
import type { FeedbackStore } from '../../src/feedback/store.js';
import { startServer, type RunningServer, type ServeOptions } from '../../src/server/workbench/workbench.js';
import { packageRoot } from '../../src/util/package-root.js';
import { launchChromium } from '../../src/testing/system-deps.js';

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

/** Sends the sign-in form `page` shows with `token` typed into it (by the mouse; the keyboard tests type and press their own). */
export async function submitToken(page: Page, token: string): Promise<void> {
  await page.fill('#token', token);
  await page.click('button[type=submit]');
}

/** Signs `page` in with `token` and waits until it is signed in: the first project's progress shows. */
export async function signIn(page: Page, token: string): Promise<void> {
  await submitToken(page, token);
  await page.getByTestId('progress').waitFor();
}

/**
 * Switches a signed-in `page` to project `project` from the project list and waits for that project's task (or its
 * "all done"); returns the server's answer. The first project's task (or end) is waited for first, so a test never
 * reads the first project's task as its own.
 */
export async function chooseProject(page: Page, project: number): Promise<NextResponse> {
  await page.locator('div.task[data-assignment], [data-testid=all-done]').waitFor();
  const loaded = page.waitForResponse((r) => r.url().endsWith(`/api/projects/${project}/next`));
  await page.getByLabel('Project').selectOption(String(project));
  const next = (await (await loaded).json()) as NextResponse;
  await page.locator(next.assignment ? `div.task[data-assignment="${next.assignment.id}"]` : '[data-testid=all-done]').waitFor();
  return next;
}

/**
 * Presses a task's key shortcut (web/src/tasks.tsx `useKeys`, a keydown listener on the window) once the page is in the
 * state the shortcut acts in, as far as the page shows it: the page has the focus, and the focus is not in a text field
 * or a select (keys typed there are the field's, by design). The caller has waited for what the key acts on (the
 * Perform button: the play step awaits an intervention). Then it checks that the keydown reached the window, so a
 * press lost on its way (seen once in about five whole-file runs on a loaded machine, cause not found: the focus was
 * on the task title) fails here saying so and where the focus was, rather than as a 30 s wait for what the key does.
 * It never presses twice: a second press would hide a lost one.
 */
export async function pressShortcut(page: Page, key: string): Promise<void> {
  // Page-side code as text (this project's tests are compiled without the DOM's types), run by page.evaluate: the
  // workbench's CSP forbids eval, so page.waitForFunction's string form fails as soon as it has to wait.
  const until = async (check: string, timeoutMs = 10_000) => {
    for (const end = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 20))) {
      if (await page.evaluate(check)) return true;
      if (Date.now() > end) return false;
    }
  };
  const state = () =>
    page.evaluate(`(() => {
      const t = document.activeElement;
      return { hasFocus: document.hasFocus(), visibility: document.visibilityState, active: t ? t.tagName.toLowerCase() + (t.dataset.testid ? '[data-testid=' + t.dataset.testid + ']' : '') : 'none' };
    })()`);
  const ready = `(() => {
    const t = document.activeElement;
    const field = !!t && (['TEXTAREA', 'SELECT'].includes(t.tagName) || t.isContentEditable || (t.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes(t.type)));
    return document.hasFocus() && !field;
  })()`;
  if (!(await until(ready))) throw new Error(`pressShortcut('${key}'): the page never reached a state where the shortcut acts: ${JSON.stringify(await state())}`);
  await page.evaluate(`(() => {
    window.__shortcutSeen = null;
    const seen = (e) => {
      if (e.key !== ${JSON.stringify(key)}) return;
      window.__shortcutSeen = e.target && e.target.tagName ? e.target.tagName.toLowerCase() : 'window';
      window.removeEventListener('keydown', seen, true);
    };
    window.addEventListener('keydown', seen, true);
  })()`);
  await page.keyboard.press(key);
  if (!(await until('window.__shortcutSeen != null'))) {
    throw new Error(`pressShortcut('${key}'): the keydown never reached the page's window (lost before the shortcut's handler): ${JSON.stringify(await state())}`);
  }
}
