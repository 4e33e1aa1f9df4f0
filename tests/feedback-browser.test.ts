/**
 * End-to-end: the workbench UI in Debian's Chromium (playwright-core). Logs in with a token,
 * labels every task type — some with the keyboard, some with the mouse — watches the progress
 * counter, checks a model reply containing <script> shows as text and runs nothing, and checks
 * every label landed in the database. Screenshots go to $ASKFIRST_SHOTS (default
 * .tmp/feedback-shots in the working directory, like the report screenshot) for a person to look at.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { openDb } from '../src/feedback/db.js';
import { createDemoProject } from '../src/feedback/importer.js';
import { FeedbackStore } from '../src/feedback/store.js';
import type { AskPayload } from '../src/feedback/tasks.js';
import type { RunningServer } from '../src/server/workbench/workbench.js';
import { findUiDir } from '../src/server/workbench/static.js';
import { tmpDir } from '../src/testing/tmp.js';
import { CHROMIUM, requireDep } from '../src/testing/system-deps.js';
import { closeWorkbench, pressShortcut, signIn, submitToken, workbenchInBrowser } from './helpers/workbench-browser.js';

const skip = requireDep(existsSync(CHROMIUM), 'Chromium (/usr/bin/chromium)');
const SHOTS = process.env.ASKFIRST_SHOTS ?? resolve('.tmp', 'feedback-shots');
const XSS = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';

let dir: string;
let server: RunningServer;
let browser: BrowserContext;
let token: string;
let annotatorId: number;

beforeAll(async () => {
  if (skip) return;
  const uiDir = findUiDir();
  if (!existsSync(join(uiDir, 'index.html'))) {
    const { build } = await import('vite');
    await build({ configFile: join(uiDir, '..', '..', 'web', 'vite.config.ts'), logLevel: 'warn' });
  }
  dir = tmpDir('af-browser');
  await mkdir(SHOTS, { recursive: true });
  const store = await FeedbackStore.open(await openDb());
  const { project, episodes } = await createDemoProject(store, 'browser', join(dir, 'images'), 2, 1);
  const ep = episodes[0];
  const ivs = ep.steps[0].offered.map((i) => ep.interventions[i]);
  // A category name from a user's suite is shown as text too.
  const payload: AskPayload = { options: [...ivs, ...ep.categories, XSS], numInterventions: ivs.length, reply: XSS };
  await store.addItems(project.id, [{ externalId: 'xss', image: ep.views[0], question: 'Which shape is <b>this</b>?', modelOutput: XSS, tasks: [{ type: 'ask', payload }] }]);
  const a = await store.addAnnotator('alice');
  token = a.token;
  annotatorId = a.id;
  ({ server, browser } = await workbenchInBrowser(dir, store));
});

afterAll(() => closeWorkbench({ server, browser }));

async function mine(page: Page): Promise<number> {
  return Number(await page.getByTestId('mine').textContent());
}

async function waitMine(page: Page, n: number) {
  // (waitForFunction with a string would need eval, which the workbench's CSP forbids — good.)
  await page.locator('[data-testid=mine]', { hasText: new RegExp(`^${n}$`) }).waitFor();
}

/** Sends the task's label: Enter once the task takes a submission (not in its first moments), or a click on Submit. */
async function submitLabel(page: Page, useKeys: boolean) {
  if (useKeys) {
    await page.locator('div.task[data-ready=true]').waitFor();
    await page.keyboard.press('Enter');
  } else await page.getByTestId('submit').click();
}

describe.skipIf(!!skip)('workbench in Chromium', () => {
  it('logs in, labels every task type with keyboard and mouse, shows progress, renders <script> as text', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // The CSP (no inline script or style) must not break the page: Chromium reports each refusal on the console.
    const refused: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) refused.push(m.text());
    });
    await page.goto(server.url);

    // A wrong token is refused with a message; the right one signs in.
    await submitToken(page, 'af_wrong');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^That token does not work: .*Check that you pasted all of it/);
    await page.screenshot({ path: join(SHOTS, '0-login.png') });
    await signIn(page, token);
    expect(await page.getByTestId('progress').textContent()).toMatch(/0 \/ 9 tasks complete/);

    const seen: Record<string, number> = {};
    let xssChecked = false;
    for (let step = 0; step < 9; step++) {
      const card = page.locator('div.task[data-testid^=task-]');
      await card.waitFor();
      const type = (await card.getAttribute('data-testid'))!.replace('task-', '');
      const n = (seen[type] = (seen[type] ?? 0) + 1);
      const useKeys = n % 2 === 1;
      const before = await mine(page);
      if (type !== 'play') await page.getByTestId('task-image').waitFor();
      if (n === 1) await page.screenshot({ path: join(SHOTS, `${step + 1}-${type}.png`) });

      if (type === 'rationale') {
        if (useKeys) {
          await page.keyboard.press('1');
          await page.keyboard.press('3');
          await expect.poll(() => page.getByTestId('rationale-2').isChecked()).toBe(true);
        } else {
          await page.getByTestId('rationale-0').click();
          await page.getByTestId('own-rationale').fill('Because the shape has three corners.');
        }
      } else if (type === 'ask') {
        const text = await page.getByTestId('model-text').textContent();
        if (text === XSS) {
          // The reply is shown verbatim as text: no script or img element was created, nothing ran.
          expect(await page.locator('.model-text script, .model-text img').count()).toBe(0);
          expect(await page.locator('img[src=x]').count()).toBe(0); // nor from the option that carries it
          expect(await page.locator('ol.options li').last().textContent()).toBe(XSS); // the option, as text
          expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
          expect(await page.locator('.question').textContent()).toBe('Which shape is <b>this</b>?');
          await page.screenshot({ path: join(SHOTS, `${step + 1}-ask-script-as-text.png`) });
          xssChecked = true;
        }
        if (useKeys) {
          await page.keyboard.press('q');
          await page.keyboard.press('1');
        } else {
          await page.getByTestId('verdict-answer').click();
          await page.locator('[data-testid^=option-]').first().click();
        }
      } else if (type === 'preference') {
        expect((await page.getByTestId('facts').textContent())!.length).toBeGreaterThan(20);
        if (useKeys) {
          await page.keyboard.press('a');
          await page.keyboard.press('2');
        } else {
          await page.getByTestId('less-1').click();
          await page.getByTestId('helpful-0').click();
        }
      } else {
        await page.getByTestId('perform').waitFor();
        await page.screenshot({ path: join(SHOTS, `${step + 1}-play-asking.png`) });
        if (useKeys) await pressShortcut(page, 'p');
        else await page.getByTestId('perform').click();
        await page.getByTestId('outcome').waitFor();
        expect(await page.getByTestId('outcome').textContent()).toMatch(/answered correctly/);
        await page.getByTestId('task-image').waitFor();
        await page.screenshot({ path: join(SHOTS, `${step + 1}-play-done.png`) });
        if (useKeys) await page.keyboard.press('5');
        else await page.getByTestId('rate-4').click();
      }
      await submitLabel(page, useKeys);
      await waitMine(page, before + 1);
    }
    await page.getByTestId('all-done').waitFor();
    expect(await page.getByTestId('progress').textContent()).toMatch(/9 \/ 9 tasks complete/);
    expect(await page.locator('.progress .fill').evaluate((e) => (e as unknown as { style: { width: string } }).style.width)).toBe('100%'); // its one style, set under the CSP
    await page.screenshot({ path: join(SHOTS, '99-all-done.png') });
    expect(seen).toEqual({ rationale: 2, ask: 3, preference: 2, play: 2 });
    expect(xssChecked).toBe(true);
    expect(pageErrors).toEqual([]);
    expect(refused).toEqual([]);

    // Every label is in the database, once, with what was pressed or clicked.
    const rows = await server.store.db.query<{ type: string; label: Record<string, unknown> }>(
      'SELECT t.type, n.label FROM annotations n JOIN tasks t ON t.id = n.task_id WHERE n.annotator_id = $1 ORDER BY n.id',
      [annotatorId],
    );
    expect(rows).toHaveLength(9);
    const labels = (t: string) => rows.filter((r) => r.type === t).map((r) => r.label);
    expect(labels('rationale')).toEqual([{ accepted: [0, 2] }, { accepted: [0], own: 'Because the shape has three corners.' }]);
    expect(labels('preference')).toEqual([{ lessHallucination: 0, moreHelpful: 1 }, { lessHallucination: 1, moreHelpful: 0 }]);
    expect(labels('play').map((l) => [l.rating, l.outcome])).toEqual([[5, 'correct'], [4, 'correct']]);
    expect(labels('ask').map((l) => l.verdict)).toEqual(['ask', 'answer', 'ask']);
    await page.close();
  });
});
