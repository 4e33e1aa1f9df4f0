/**
 * The workbench UI in Debian's Chromium (playwright-core): what a hurried or unlucky annotator
 * does — browser shortcuts (Ctrl+A), a held or doubled Enter, a connection lost mid-submit —
 * must neither record a label they did not give nor lose one silently. The UI is built afresh
 * from web/ into a temp folder for this file, so it never runs an old build of dist/web.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { openDb } from '../src/feedback/db.js';
import { createDemoProject } from '../src/feedback/importer.js';
import { FeedbackStore } from '../src/feedback/store.js';
import { startServer, type RunningServer } from '../src/server/workbench/workbench.js';
import { packageRoot } from '../src/server/workbench/static.js';
import { tmpDir } from '../src/testing/tmp.js';
import { CHROMIUM, launchChromium, requireDep } from './helpers/system-deps.js';

const skip = requireDep(existsSync(CHROMIUM), 'Chromium (/usr/bin/chromium)');

let dir: string;
let server: RunningServer;
let browser: BrowserContext;
let token: string;
let annotatorId: number;
let prefProject: number;

beforeAll(async () => {
  if (skip) return;
  dir = tmpDir('af-browser-guards');
  const uiDir = join(dir, 'ui');
  const { build } = await import('vite');
  await build({ configFile: join(packageRoot(), 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir: uiDir, emptyOutDir: true } });
  const store = await FeedbackStore.open(await openDb());
  // The UI opens the first project (rationale tasks only); the second holds preference tasks only.
  await createDemoProject(store, 'rationales', join(dir, 'images-r'), 4, 1, { types: ['rationale'] });
  prefProject = (await createDemoProject(store, 'pairs', join(dir, 'images-p'), 4, 1, { types: ['preference'] })).project.id;
  const a = await store.addAnnotator('hurried');
  token = a.token;
  annotatorId = a.id;
  server = await startServer({ store, host: '127.0.0.1', port: 0, playPolicy: 'oracle', uiDir, log: () => undefined });
  browser = await launchChromium(dir, { width: 1200, height: 760 });
});

afterAll(async () => {
  await browser?.close();
  if (server) {
    await server.close();
    await server.store.close();
  }
});

async function signIn(project?: number): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(server.url);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  await page.getByTestId('progress').waitFor();
  if (project !== undefined) await page.getByLabel('Project').selectOption(String(project));
  return page;
}

const card = (page: Page) => page.locator('div.task[data-assignment]');
const assignmentShown = async (page: Page) => Number(await card(page).getAttribute('data-assignment'));
const labels = async () =>
  (
    await server.store.db.query<{ assignment_id: number; label: Record<string, unknown> }>(
      'SELECT n.assignment_id, n.label FROM annotations n JOIN tasks t ON t.id = n.task_id WHERE n.annotator_id = $1 ORDER BY n.id',
      [annotatorId],
    )
  ).map((r) => ({ assignment: r.assignment_id, label: r.label }));
const toggled = async (page: Page, testId: string) => (await page.getByTestId(testId).getAttribute('class'))!.split(' ').includes('on');

describe.skipIf(!!skip)('workbench in Chromium: no label given by accident', () => {
  it('browser shortcuts (Ctrl+A, Ctrl+1, Ctrl+2) do not pick a reply', async () => {
    const page = await signIn(prefProject);
    await card(page).waitFor();
    await page.getByTestId('task-preference').waitFor();
    for (const k of ['Control+a', 'Control+b', 'Control+1', 'Control+2']) await page.keyboard.press(k);
    for (const t of ['less-0', 'less-1', 'helpful-0', 'helpful-1']) expect(await toggled(page, t)).toBe(false);
    // The plain keys still do.
    await page.keyboard.press('b');
    await page.keyboard.press('1');
    expect([await toggled(page, 'less-1'), await toggled(page, 'helpful-0')]).toEqual([true, true]);
    await page.close();
  });

  it('a held Enter labels one task, not every task after it', async () => {
    const page = await signIn();
    await page.getByTestId('task-rationale').waitFor();
    const first = await assignmentShown(page);
    const before = (await labels()).length;
    await page.keyboard.press('2');
    await expect.poll(() => page.getByTestId('rationale-1').isChecked()).toBe(true);
    await expect.poll(() => page.getByTestId('submit').isEnabled()).toBe(true);
    // Held down: the first keydown, then the keyboard's auto-repeat.
    await page.keyboard.down('Enter');
    for (let i = 0; i < 12; i++) {
      await page.waitForTimeout(50);
      await page.keyboard.down('Enter');
    }
    await page.keyboard.up('Enter');
    await page.waitForTimeout(700);
    const now = await labels();
    expect(now.slice(before)).toEqual([{ assignment: first, label: { accepted: [1] } }]);
    await page.close();
  });
});

describe.skipIf(!!skip)('workbench in Chromium: a doubled press', () => {
  it('a double Enter or a double click labels the task on screen, not the one that replaces it', async () => {
    const page = await signIn();
    for (const how of ['enter', 'click'] as const) {
      await page.getByTestId('task-rationale').waitFor();
      await expect.poll(() => page.getByTestId('submit').isEnabled()).toBe(true);
      const shown = await assignmentShown(page);
      const before = (await labels()).length;
      await page.getByTestId('rationale-0').check();
      if (how === 'enter') {
        await page.keyboard.press('Enter');
        await page.waitForTimeout(120); // a quick second press: the next task is on screen by then
        await page.keyboard.press('Enter');
      } else {
        await page.getByTestId('submit').dblclick({ delay: 120 });
      }
      await expect.poll(assignmentShown.bind(null, page)).not.toBe(shown);
      await page.waitForTimeout(700);
      expect((await labels()).slice(before)).toEqual([{ assignment: shown, label: { accepted: [0] } }]);
    }
    await page.close();
  });
});

describe.skipIf(!!skip)('workbench in Chromium: a connection lost mid-submit', () => {
  it('says the label may not be saved and to submit again; a changed choice after a lost answer is refused out loud', async () => {
    const page = await signIn(prefProject);
    await page.getByTestId('task-preference').waitFor();
    await page.locator('div.task[data-ready=true]').waitFor();
    const first = await assignmentShown(page);
    // 1. The request never reaches the server.
    await page.route('**/annotation', (r) => r.abort('internetdisconnected'));
    await page.getByTestId('less-0').click();
    await page.getByTestId('helpful-0').click();
    await page.getByTestId('submit').click();
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/^Could not save this label \(the workbench server could not be reached\)\. It may not have been saved: check your connection and press Submit again/);
    await page.unroute('**/annotation');
    // 2. The request lands, but its answer is lost.
    await page.route('**/annotation', async (r) => {
      await r.fetch();
      await r.abort('internetdisconnected');
    });
    await page.getByTestId('submit').click();
    await expect.poll(async () => (await labels()).filter((l) => l.assignment === first).length).toBe(1);
    await expect.poll(() => alert.textContent()).toMatch(/^Could not save this label/);
    await page.unroute('**/annotation');
    expect((await labels()).filter((l) => l.assignment === first)).toEqual([{ assignment: first, label: { lessHallucination: 0, moreHelpful: 0 } }]);
    // 3. The annotator changes their mind and submits again: not "Saved" — told it did not count.
    await page.getByTestId('less-1').click();
    await page.getByTestId('helpful-1').click();
    await page.getByTestId('submit').click();
    await expect.poll(() => alert.textContent()).toMatch(/already had a label from you .* the choice you just made was not saved\. Showing your next task\./);
    expect((await labels()).filter((l) => l.assignment === first)).toEqual([{ assignment: first, label: { lessHallucination: 0, moreHelpful: 0 } }]);
    await expect.poll(assignmentShown.bind(null, page)).not.toBe(first);
    await page.close();
  });
});
