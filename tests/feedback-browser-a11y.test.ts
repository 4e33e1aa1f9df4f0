/**
 * The workbench UI's accessibility in Debian's Chromium (playwright-core): axe-core finds no
 * serious or critical violation on any screen an annotator meets (sign-in and its error, each task
 * type, a play step and its end, "Saved", a refused label, a failed save, a failed play step, all
 * done); the whole flow works with the keyboard alone (Tab, Enter, Space, arrow keys) with a visible
 * focus; and messages that appear are announced (role=status / role=alert regions).
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
import { axeViolations } from './helpers/axe.js';

const skip = requireDep(existsSync(CHROMIUM), 'Chromium (/usr/bin/chromium)');

let dir: string;
let server: RunningServer;
let browser: BrowserContext;
const tokens: Record<string, string> = {};
const ids: Record<string, number> = {};

beforeAll(async () => {
  if (skip) return;
  dir = tmpDir('af-browser-a11y');
  // Built afresh from web/ for this file, so it never checks an old build of dist/web.
  const uiDir = join(dir, 'ui');
  const { build } = await import('vite');
  await build({ configFile: join(packageRoot(), 'web', 'vite.config.ts'), logLevel: 'warn', build: { outDir: uiDir, emptyOutDir: true } });
  const store = await FeedbackStore.open(await openDb());
  // The first project (opened on sign-in) holds every task type; the second, ask and play tasks.
  await createDemoProject(store, 'screens', join(dir, 'images-s'), 2, 1);
  await createDemoProject(store, 'flow', join(dir, 'images-f'), 2, 1, { types: ['ask', 'play'] });
  for (const name of ['screens', 'keys', 'live']) {
    const a = await store.addAnnotator(name);
    tokens[name] = a.token;
    ids[name] = a.id;
  }
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

/** A new tab whose CSP refusals and page errors are collected (both must stay empty). */
async function open(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(e.message));
  page.on('console', (m) => void (/Content Security Policy/i.test(m.text()) && problems.push(m.text())));
  await page.goto(server.url);
  return { page, problems };
}

const labels = async (who: string) =>
  server.store.db.query<{ type: string; label: Record<string, unknown> }>(
    'SELECT t.type, n.label FROM annotations n JOIN tasks t ON t.id = n.task_id WHERE n.annotator_id = $1 ORDER BY n.id',
    [ids[who]],
  );

/** Every axe violation seen, by screen, printed at the end for a person to read. */
const seen: Record<string, string[]> = {};
/**
 * axe finds nothing on the page as it is: no serious or critical violation (contrast, names, …),
 * nor a moderate one (landmarks, headings) — each was fixed once and stays fixed.
 */
async function noViolations(page: Page, screen: string) {
  const found = await axeViolations(page);
  seen[screen] = found.map((v) => `${v.impact} ${v.id} (${v.targets.join(' | ')})`);
  expect({ screen, violations: found.flatMap((v) => v.targets.map((t) => `${v.impact} ${v.id}: ${t}`)) }).toEqual({ screen, violations: [] });
}

describe.skipIf(!!skip)('workbench in Chromium: axe-core on every screen', () => {
  afterAll(() => console.log(`axe violations by screen:\n${Object.entries(seen).map(([s, v]) => `  ${s}: ${v.join(', ') || 'none'}`).join('\n')}`));

  it('sign-in, each task type, play, Saved, a refused label, a failed save, a failed play step, all done', async () => {
    const { page, problems } = await open();
    await page.locator('#token').waitFor();
    await noViolations(page, 'sign-in');
    await page.fill('#token', 'af_wrong');
    await page.click('button[type=submit]');
    await page.getByRole('alert').waitFor();
    await noViolations(page, 'sign-in refused');
    await page.fill('#token', tokens.screens);
    await page.click('button[type=submit]');
    await page.getByTestId('progress').waitFor();

    const done = new Set<string>();
    const card = page.locator('div.task[data-assignment]');
    let shown = '';
    for (let step = 0; ; step++) {
      // The next task (not the one just labelled, still on screen until the next arrives), or the end.
      await page.locator(`div.task[data-assignment]:not([data-assignment="${shown}"]), [data-testid=all-done]`).waitFor();
      if (!(await card.count())) break;
      shown = (await card.getAttribute('data-assignment'))!;
      const type = (await card.getAttribute('data-testid'))!.replace('task-', '');
      if (type !== 'play') await page.getByTestId('task-image').waitFor();
      await page.locator('div.task[data-ready=true]').waitFor();
      const first = !done.has(type);
      done.add(type);
      if (first) await noViolations(page, type);
      if (type === 'rationale') {
        await page.getByTestId('rationale-0').check();
        if (first) {
          // The save fails on the network: the error says so.
          await page.route('**/annotation', (r) => r.abort('internetdisconnected'));
          await page.getByTestId('submit').click();
          await page.getByRole('alert').filter({ hasText: /Could not save this label/ }).waitFor();
          await noViolations(page, 'save failed');
          await page.unroute('**/annotation');
        }
      } else if (type === 'ask') {
        await page.getByTestId('verdict-ask').click();
        await page.getByTestId('option-0').click();
        if (first) await noViolations(page, 'ask with options');
      } else if (type === 'preference') {
        await page.getByTestId('less-0').click();
        await page.getByTestId('helpful-1').click();
        if (first) {
          // The server refuses the label (taken by others meanwhile): the stale notice.
          await page.route('**/annotation', (r) => r.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'NOT_FOUND', message: 'gone' } }) }));
          await page.getByTestId('submit').click();
          await page.getByTestId('stale').waitFor();
          await noViolations(page, 'stale notice');
          await page.unroute('**/annotation');
          await page.getByTestId('load-current').click();
          await card.waitFor();
          await page.locator('div.task[data-ready=true]').waitFor();
          await page.getByTestId('less-0').click();
          await page.getByTestId('helpful-1').click();
        }
      } else {
        await page.getByTestId('perform').waitFor();
        if (first) {
          const aid = await card.getAttribute('data-assignment');
          await page.route(`**/api/assignments/${aid}/play`, (r) => r.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'busy, try later' } }) }));
          await page.getByTestId('perform').click();
          await page.getByTestId('play-error').waitFor();
          await noViolations(page, 'play step failed');
          await page.unroute(`**/api/assignments/${aid}/play`);
          await page.getByTestId('play-retry').click();
        } else await page.getByTestId('perform').click();
        await page.getByTestId('outcome').waitFor();
        if (first) await noViolations(page, 'play over');
        await page.getByTestId('rate-4').click();
      }
      const before = (await labels('screens')).length;
      await page.getByTestId('submit').click();
      await expect.poll(async () => (await labels('screens')).length).toBe(before + 1);
      if (step === 0) {
        await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
        await noViolations(page, 'saved');
      }
    }
    expect([...done].sort()).toEqual(['ask', 'play', 'preference', 'rationale']);
    await noViolations(page, 'all done');
    expect(problems).toEqual([]);
    await page.close();
  });
});
