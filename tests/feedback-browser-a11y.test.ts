/**
 * The workbench UI's accessibility in Debian's Chromium (playwright-core): axe-core finds no
 * violation, of any impact, on any screen an annotator meets (sign-in and its error, "Loading…",
 * each task type, an image that failed to load, a play step and its end, "Saved", a refused label, a failed save, a failed play step, all
 * done, a trajectory pair, a workbench with no project yet, a page stale because its annotator moved on ('elsewhere'), a token
 * gone); each task type, a pair and those two notices fit a window 320 CSS pixels
 * wide (WCAG 1.4.10 reflow); each picture of a pair says which reply, turn and view it is; an ask task's interventions and
 * answers are told apart in words, not by colour alone (WCAG 1.4.1), and so is the reply a preference task marks as
 * hallucinating less; the whole flow works
 * with the keyboard alone (Tab, Enter, Space, arrow keys, each task type's shortcut keys, Ctrl+Enter from the text field)
 * with a visible focus; and messages that appear are
 * announced (role=status / role=alert regions; a play's exchange is a role=log).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { openDb } from '../src/feedback/db.js';
import { createDemoProject } from '../src/feedback/importer.js';
import type { HeartbeatResponse } from '../src/feedback/api-types.js';
import { FeedbackStore } from '../src/feedback/store.js';
import { startServer, type RunningServer } from '../src/server/workbench/workbench.js';
import { tmpDir } from '../src/testing/tmp.js';
import { CHROMIUM, requireDep } from '../src/testing/system-deps.js';
import { buildUi, chooseProject, closeWorkbench, pressShortcut, signIn, submitToken, workbenchInBrowser } from './helpers/workbench-browser.js';
import { axeViolations } from './helpers/axe.js';

const skip = requireDep(existsSync(CHROMIUM), 'Chromium (/usr/bin/chromium)');

let dir: string;
let server: RunningServer;
let browser: BrowserContext;
let flowProject: number;
let keyboardProject: number;
let pairsProject: number;
let noticesProject: number;
let uiDir: string;
const tokens: Record<string, string> = {};
const ids: Record<string, number> = {};

beforeAll(async () => {
  if (skip) return;
  dir = tmpDir('af-browser-a11y');
  // Built afresh from web/ for this file, so it never checks an old build of dist/web.
  uiDir = await buildUi(dir);
  const store = await FeedbackStore.open(await openDb());
  // The first project (opened on sign-in) holds every task type; the second, ask and play tasks.
  const { episodes } = await createDemoProject(store, 'screens', join(dir, 'images-s'), 2, 1);
  flowProject = (await createDemoProject(store, 'flow', join(dir, 'images-f'), 2, 1, { types: ['ask', 'play'] })).project.id;
  // The third: one rationale task and one preference task, labelled with the keyboard alone.
  keyboardProject = (await createDemoProject(store, 'keyboard', join(dir, 'images-k'), 1, 1, { types: ['rationale', 'preference'] })).project.id;
  // A trajectory pair (as `askfirst feedback pairs` makes them): each reply's turns, each with the view it saw.
  const ep = episodes[0];
  pairsProject = (await store.createProject('pairs', join(dir, 'images-s'), 1, [
    {
      externalId: 'pair-0',
      image: ep.views[0],
      question: ep.question,
      facts: [{ text: 'view 2 shows enough to tell what it is', holds: true }],
      tasks: [
        {
          type: 'preference',
          payload: {
            replies: ['1. I need another view.  2. It is this one.', '1. It is that one.'],
            views: ep.views.slice(0, 2),
            turns: [
              [
                { view: 0, reply: 'I need another view.' },
                { view: 1, reply: 'It is this one.' },
              ],
              [{ view: 0, reply: 'It is that one.' }],
            ],
          },
        },
      ],
    },
  ])).id;
  // The fifth: rationale tasks, on which a page goes stale ('elsewhere') and then loses its token.
  noticesProject = (await createDemoProject(store, 'notices', join(dir, 'images-n'), 1, 1, { types: ['rationale'] })).project.id;
  for (const name of ['screens', 'keys', 'keys2', 'live', 'pairs', 'notices']) {
    const a = await store.addAnnotator(name);
    tokens[name] = a.token;
    ids[name] = a.id;
  }
  ({ server, browser } = await workbenchInBrowser(dir, store, uiDir));
});

afterAll(() => closeWorkbench({ server, browser }));

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

afterAll(() => void (Object.keys(seen).length && console.log(`axe violations by screen:\n${Object.entries(seen).map(([s, v]) => `  ${s}: ${v.join(', ') || 'none'}`).join('\n')}`)));

describe.skipIf(!!skip)('workbench in Chromium: axe-core on every screen', () => {

  it('sign-in, loading, each task type, an image that failed to load, play, Saved, a refused label, a failed save, a failed play step, all done', async () => {
    const { page, problems } = await open();
    await page.locator('#token').waitFor();
    await noViolations(page, 'sign-in');
    await submitToken(page, 'af_wrong');
    await page.getByRole('alert').waitFor();
    await noViolations(page, 'sign-in refused');
    // The first task is held back: "Loading…" (grey on the page's background) stays long enough to check.
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    await page.route('**/api/projects/*/next', async (r) => {
      await held;
      await r.continue();
    });
    await submitToken(page, tokens.screens);
    await page.getByText('Loading…').waitFor();
    await noViolations(page, 'loading');
    release();
    await page.getByTestId('progress').waitFor(); // the held request answered: only then is its route let go
    await page.unroute('**/api/projects/*/next');

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
      if (first) {
        await noViolations(page, type);
        await noSidewaysScroll(page, type);
      }
      if (first && type === 'rationale') {
        // Its image fails to load (the project owner moved the folder): the error takes the picture's place, announced,
        // and says in plain words what the annotator can do; "Try again" loads it once it is back.
        await page.route('**/image', (r) => r.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'NOT_FOUND', message: 'gone' } }) }));
        await page.reload();
        await page.getByRole('alert').and(page.getByTestId('image-error')).waitFor();
        const item = (await page.locator('.task-head .muted').textContent())!.replace(/^item /, '');
        expect(await page.getByTestId('image-error').textContent()).toBe(
          `The picture for this task is missing on the server (404), so the task cannot be labelled fairly. Press "Try again" or reload the page; if it is still missing, tell the project owner (item ${item}), and do not label this task without its picture.Try again`,
        );
        await noViolations(page, 'image failed');
        await page.unroute('**/image');
        await page.getByTestId('image-retry').click();
        await page.getByTestId('task-image').waitFor();
        expect(await page.getByTestId('image-error').count()).toBe(0);
        await page.locator('div.task[data-ready=true]').waitFor();
      }
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
        if (first) await optionsToldApartWithoutColour(page, Number(shown));
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
          await page.getByRole('alert').and(page.getByTestId('stale')).waitFor();
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
          await page.getByRole('alert').and(page.getByTestId('play-error')).waitFor();
          await noViolations(page, 'play step failed');
          await page.unroute(`**/api/assignments/${aid}/play`);
          await page.getByTestId('play-retry').click();
        } else await page.getByTestId('perform').click();
        await page.getByTestId('outcome').waitFor();
        if (first) await noViolations(page, 'play over');
        expect(await page.getByTestId('outcome').getAttribute('role')).toBe('status');
        await page.getByTestId('rate-4').click();
      }
      const before = (await labels('screens')).length;
      // The status region is in the page before its message, so a screen reader announces "Saved" when it comes.
      if (step === 0) expect(await page.locator('[role=status][data-testid=flash]').textContent()).toBe('');
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

/**
 * An ask task's options say which are interventions and which are answers in words a screen reader reads too, not by
 * colour alone (WCAG 1.4.1): two lists, each named by the heading above it, lettered on from one to the next as the
 * model saw them (A, B … for the interventions, then the answers).
 */
async function optionsToldApartWithoutColour(page: Page, aid: number) {
  const [{ payload }] = await server.store.db.query<{ payload: { options: string[]; numInterventions: number } }>(
    'SELECT t.payload FROM assignments a JOIN tasks t ON t.id = a.task_id WHERE a.id = $1',
    [aid],
  );
  const { options, numInterventions: nI } = payload;
  expect(nI).toBeGreaterThan(0);
  expect(nI).toBeLessThan(options.length);
  const lists = [
    { heading: 'Interventions the model could ask for', items: options.slice(0, nI), start: '1' },
    { heading: 'Answers the model could give', items: options.slice(nI), start: String(nI + 1) },
  ];
  for (const { heading, items, start } of lists) {
    expect({ heading, count: await page.getByRole('heading', { name: heading }).count() }).toEqual({ heading, count: 1 }); // the task is on screen
    const list = page.getByRole('list', { name: heading });
    expect({ heading, items: await list.getByRole('listitem').allTextContents(), type: await list.getAttribute('type'), start: (await list.getAttribute('start')) ?? '1' }).toEqual({
      heading,
      items,
      type: 'A',
      start,
    });
  }
}

/**
 * At 320 CSS pixels wide (a 1280-pixel window at 400 % zoom, WCAG 2.1's reflow criterion 1.4.10) the
 * page needs no scrolling sideways: the task, its picture and its controls fit one column.
 */
async function noSidewaysScroll(page: Page, screen: string) {
  await page.setViewportSize({ width: 320, height: 760 });
  const sizes = (await page.evaluate('({ content: document.documentElement.scrollWidth, window: document.documentElement.clientWidth })')) as { content: number; window: number };
  // The task's badge and its "item …" text, side by side, keep a gap between them (measured before: 0 px, flush).
  const gap = (await page.evaluate(`(() => {
    const head = document.querySelector('.task-head');
    if (!head || head.children.length < 2) return null;
    const [badge, item] = [...head.children].map((e) => e.getBoundingClientRect());
    return item.top < badge.bottom ? Math.round(item.left - badge.right) : null; // on a line of its own: no gap to keep
  })()`)) as number | null;
  await page.setViewportSize({ width: 1200, height: 760 });
  expect({ screen, wide: sizes.content > sizes.window ? sizes : null }).toEqual({ screen, wide: null });
  if (gap !== null) expect(gap, `${screen}: px between the task badge and its item text`).toBeGreaterThanOrEqual(6);
}

/** What has the focus: its test id (or id, or tag), whether it is inside the task card, and whether a focus ring shows. */
async function focus(page: Page): Promise<{ id: string; inTask: boolean; ring: boolean }> {
  return (await page.evaluate(`(() => {
    const e = document.activeElement ?? document.body;
    const s = getComputedStyle(e);
    const ring = e.matches(':focus-visible') && ((s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none');
    return { id: e.getAttribute('data-testid') || e.id || e.tagName.toLowerCase(), inTask: !!e.closest('div.task'), ring };
  })()`)) as { id: string; inTask: boolean; ring: boolean };
}

/** Tab (or Shift+Tab) until `id` has the focus — at most 25 presses — and check that a focus ring shows on it. */
async function tabTo(page: Page, id: string, key: 'Tab' | 'Shift+Tab' = 'Tab') {
  const passed: string[] = [];
  for (let i = 0; i < 25; i++) {
    await page.keyboard.press(key);
    const f = await focus(page);
    if (f.id === id) {
      expect({ id, ring: f.ring }).toEqual({ id, ring: true });
      return;
    }
    passed.push(f.id);
  }
  throw new Error(`${key} never reached ${id}; it went through ${passed.join(', ')}`);
}

/**
 * After a sign-in with `key`'s token: the first project's task, or its end, takes the focus (the sign-in form is gone);
 * Shift+Tab goes up to the project list and `downs` presses of ArrowDown down to `project`, whose task comes. Then its
 * two tasks, one of each type, each labelled with the keyboard alone by `label(type, before)` (`before`: how many labels
 * `key`'s annotator had), the next task (or the end) taking the focus after each. Returns the two types, sorted.
 */
async function labelTwoTasksByKeyboard(page: Page, key: string, project: number, downs: number, label: (type: string, before: number) => Promise<void>): Promise<string[]> {
  const inTaskOrDone = async () => {
    const f = await focus(page);
    return f.inTask || f.id === 'all-done';
  };
  await page.getByTestId('progress').waitFor();
  // The first project's task, or its end (the first test labelled it all), has the focus: the sign-in form is gone.
  await page.locator('div.task[data-assignment], [data-testid=all-done]').waitFor();
  await expect.poll(inTaskOrDone).toBe(true);
  await tabTo(page, 'project', 'Shift+Tab');
  const loaded = page.waitForResponse((r) => r.url().endsWith(`/api/projects/${project}/next`));
  for (let i = 0; i < downs; i++) await page.keyboard.press('ArrowDown');
  await loaded;
  const card = page.locator('div.task[data-assignment]');
  const done: string[] = [];
  let shown = '';
  while (done.length < 2) {
    await page.locator(`div.task[data-assignment]:not([data-assignment="${shown}"])`).waitFor();
    shown = (await card.getAttribute('data-assignment'))!;
    const type = (await card.getAttribute('data-testid'))!.replace('task-', '');
    if (done.includes(type)) throw new Error(`a second ${type} task before the other type`);
    await page.locator('div.task[data-ready=true]').waitFor();
    await label(type, (await labels(key)).length);
    done.push(type);
    // The next task (or the end) has the focus: the card the label came from is gone.
    await page.locator(`div.task[data-assignment]:not([data-assignment="${shown}"]), [data-testid=all-done]`).waitFor();
    await expect.poll(inTaskOrDone).toBe(true);
  }
  return done.sort();
}

describe.skipIf(!!skip)('workbench in Chromium: the keyboard alone', () => {
  it('signs in, picks a project with the arrow keys, labels an ask task and plays a play task with Tab, Enter and Space, with a visible focus', async () => {
    const { page, problems } = await open();
    expect((await focus(page)).id).toBe('token');
    await page.keyboard.type(tokens.keys);
    await tabTo(page, 'sign-in');
    await page.keyboard.press('Enter');
    // Up to the project list, and down to the second project: its ask task and its play task.
    const done = await labelTwoTasksByKeyboard(page, 'keys', flowProject, 1, async (type, before) => {
      if (type === 'ask') {
        // Each single choice is a radio group: one tab stop, the arrow keys move and check.
        await tabTo(page, 'verdict-ask');
        await page.keyboard.press('Space');
        await page.getByRole('radio', { name: /Should have asked/, checked: true }).waitFor();
        await page.keyboard.press('ArrowRight');
        await page.getByRole('radio', { name: /Could answer/, checked: true }).waitFor();
        expect((await focus(page)).id).toBe('verdict-answer');
        expect(await page.getByTestId('verdict-ask').getAttribute('aria-checked')).toBe('false');
        await page.keyboard.press('ArrowLeft');
        await page.getByRole('radio', { name: /Should have asked/, checked: true }).waitFor();
        expect(await page.getByRole('radiogroup').count()).toBe(2); // the verdict's, and the intervention's it opened
        await tabTo(page, 'option-0'); // the group's one tab stop (none checked: its first)
        const optionCount = await page.getByRole('radiogroup').nth(1).getByRole('radio').count();
        expect(await page.getByRole('radiogroup').nth(1).locator('[role=radio][tabindex="0"]').count()).toBe(1);
        await page.keyboard.press('ArrowLeft'); // round the start: the last one
        expect((await focus(page)).id).toBe(`option-${optionCount - 1}`);
        await page.keyboard.press('ArrowRight'); // round the end: the first again
        await page.keyboard.press('Enter');
        expect(await page.getByTestId('option-0').getAttribute('aria-checked')).toBe('true');
        // The label is refused (the page is stale): the notice takes the focus; Tab and Enter load the task again.
        await page.route('**/annotation', (r) => r.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ error: { code: 'NOT_FOUND', message: 'gone' } }) }));
        await tabTo(page, 'submit');
        await page.keyboard.press('Enter');
        await page.getByTestId('stale').waitFor();
        await page.unroute('**/annotation');
        await expect.poll(async () => (await focus(page)).id).toBe('stale');
        await tabTo(page, 'load-current');
        await page.keyboard.press('Enter');
        await page.locator('div.task[data-ready=true]').waitFor();
        await expect.poll(async () => (await focus(page)).inTask).toBe(true);
        await tabTo(page, 'verdict-ask');
        await page.keyboard.press('Enter');
        await tabTo(page, 'option-0');
        await page.keyboard.press('Space');
        // W pressed on an intervention: the answers replace the interventions, and the focus goes to the verdict
        // just checked (not lost to the page with the button it was on: Tab went on from the top); Q back again.
        await pressShortcut(page, 'w');
        expect(await focus(page)).toEqual({ id: 'verdict-answer', inTask: true, ring: true });
        await pressShortcut(page, 'q');
        expect(await focus(page)).toEqual({ id: 'verdict-ask', inTask: true, ring: true });
        await page.keyboard.press('Tab');
        expect((await focus(page)).id).toBe('option-0');
        await page.keyboard.press('Space');
        // The verdict pressed again (Enter on the checked one, or its key) keeps the intervention chosen.
        await page.keyboard.press('Shift+Tab');
        expect((await focus(page)).id).toBe('verdict-ask');
        await page.keyboard.press('Enter');
        await pressShortcut(page, 'q');
        expect(await page.getByTestId('option-0').getAttribute('aria-checked')).toBe('true');
        await tabTo(page, 'submit');
        await page.keyboard.press('Enter');
        await expect.poll(async () => (await labels('keys')).length).toBe(before + 1);
        expect((await labels('keys')).at(-1)).toMatchObject({ type: 'ask', label: { verdict: 'ask', option: 0 } });
      } else {
        await page.getByTestId('perform').waitFor();
        // The exchange is a log already in the page: the model's reply after the step is announced.
        const log = page.getByRole('log', { name: 'The exchange so far' });
        const turns = await log.getByTestId('transcript').locator('li').count();
        await tabTo(page, 'perform');
        await page.keyboard.press('Enter'); // the focused button, as a click: the step is taken
        await page.getByTestId('outcome').waitFor();
        expect(await log.getByTestId('transcript').locator('li').count()).toBe(turns + 1); // the new reply, in the same log
        // The button it was on is gone: the focus stays in the task, so Tab goes on from there.
        expect((await focus(page)).inTask).toBe(true);
        await tabTo(page, 'rate-1'); // one tab stop for the five stars
        await page.keyboard.press('Space');
        await page.getByRole('radio', { name: /1 of 5/, checked: true }).waitFor();
        for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
        await page.getByRole('radio', { name: /5 of 5/, checked: true }).waitFor();
        expect((await focus(page)).id).toBe('rate-5');
        await page.keyboard.press('Tab'); // out of the group at once: no stop on the other stars
        expect((await focus(page)).id).toBe('submit');
        await page.keyboard.press('Enter');
        await expect.poll(async () => (await labels('keys')).length).toBe(before + 1);
        expect((await labels('keys')).at(-1)).toMatchObject({ type: 'play', label: { outcome: 'correct', rating: 5 } });
      }
    });
    expect(done).toEqual(['ask', 'play']);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('labels a rationale task (Tab, Space, a number key, Ctrl+Enter from the text field) and a preference task (Tab, the arrow keys, A/B and 1/2, Enter) with the keyboard alone', async () => {
    const { page, problems } = await open();
    expect((await focus(page)).id).toBe('token');
    await page.keyboard.type(tokens.keys2);
    await page.keyboard.press('Enter'); // submits the sign-in form from its field
    // Up to the project list, and down to the third project (through the second, which the test above left unfinished).
    const done = await labelTwoTasksByKeyboard(page, 'keys2', keyboardProject, 2, async (type, before) => {
      if (type === 'rationale') {
        // The first rationale by Tab and Space, the second by its number key (pressed on the first's checkbox).
        await tabTo(page, 'rationale-0');
        await page.keyboard.press('Space');
        await expect.poll(() => page.getByTestId('rationale-0').isChecked()).toBe(true);
        await pressShortcut(page, '2');
        await expect.poll(() => page.getByTestId('rationale-1').isChecked()).toBe(true);
        // One's own rationale, typed: its digits and Enter are the text's, not shortcuts; Ctrl+Enter submits from there.
        await tabTo(page, 'own-rationale');
        await page.keyboard.type('Because 1 view hides it, 3 do not');
        await page.keyboard.press('Enter');
        await page.keyboard.type('and 2 agree');
        expect(await page.getByTestId('own-rationale').inputValue()).toBe('Because 1 view hides it, 3 do not\nand 2 agree');
        expect([await page.getByTestId('rationale-0').isChecked(), await page.getByTestId('rationale-1').isChecked(), await page.getByTestId('rationale-2').isChecked()]).toEqual([true, true, false]);
        expect(await labels('keys2')).toHaveLength(before); // Enter in the text field submitted nothing
        await page.keyboard.press('Control+Enter');
        await expect.poll(async () => (await labels('keys2')).length).toBe(before + 1);
        expect((await labels('keys2')).at(-1)).toEqual({ type: 'rationale', label: { accepted: [0, 1], own: 'Because 1 view hides it, 3 do not\nand 2 agree' } });
      } else {
        // Which hallucinates less: Tab into its group, the arrow key to B, then the A key back to A.
        // The chosen reply's card says so in words a screen reader reads (its accessibility tree), not by its green ring alone.
        const cue = /chosen: hallucinates less/;
        const reads = async (i: number) => page.getByTestId(`reply-${i}`).ariaSnapshot();
        expect([await reads(0), await reads(1)].some((t) => cue.test(t))).toBe(false);
        await tabTo(page, 'less-0');
        await page.keyboard.press('ArrowRight');
        await page.getByRole('radio', { name: /^B/, checked: true }).first().waitFor();
        expect((await focus(page)).id).toBe('less-1');
        expect([cue.test(await reads(0)), cue.test(await reads(1))]).toEqual([false, true]);
        await pressShortcut(page, 'a');
        expect(await page.getByTestId('less-0').getAttribute('aria-checked')).toBe('true');
        expect(await page.getByTestId('less-1').getAttribute('aria-checked')).toBe('false');
        expect([cue.test(await reads(0)), cue.test(await reads(1))]).toEqual([true, false]);
        // Which is more helpful: Tab leaves the first group at once (one stop), Space checks A, the 2 key B.
        await page.keyboard.press('Tab');
        expect((await focus(page)).id).toBe('helpful-0');
        await page.keyboard.press('Space');
        expect(await page.getByTestId('helpful-0').getAttribute('aria-checked')).toBe('true');
        await pressShortcut(page, '2');
        expect(await page.getByTestId('helpful-1').getAttribute('aria-checked')).toBe('true');
        // The focus followed the check (left on A, the next Tab went to B: a second stop in the group).
        expect(await focus(page)).toEqual({ id: 'helpful-1', inTask: true, ring: true });
        await page.keyboard.press('Tab');
        expect((await focus(page)).id).toBe('submit');
        await page.keyboard.press('Enter');
        await expect.poll(async () => (await labels('keys2')).length).toBe(before + 1);
        expect((await labels('keys2')).at(-1)).toEqual({ type: 'preference', label: { lessHallucination: 0, moreHelpful: 1 } });
      }
    });
    expect(done).toEqual(['preference', 'rationale']);
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe.skipIf(!!skip)('workbench in Chromium: the screens the flow above does not reach', () => {
  it('a trajectory pair: axe finds nothing, and each view of each reply says which it is', async () => {
    const { page, problems } = await open();
    await signIn(page, tokens.pairs);
    await chooseProject(page, pairsProject);
    await page.getByTestId('turns-1').waitFor();
    await expect.poll(() => page.locator('[data-testid^=turns-] [data-testid=task-image]').count()).toBe(3);
    await page.locator('div.task[data-ready=true]').waitFor();
    await noViolations(page, 'trajectory pair');
    await noSidewaysScroll(page, 'trajectory pair');
    const alts = await page.locator('[data-testid=task-image]').evaluateAll((es) => es.map((e) => e.getAttribute('alt')));
    expect(alts).toEqual([
      'The picture the question is about (item pair-0), as the model saw it',
      'Reply A, turn 1: view 1 of 2 of the scene, as the model saw it',
      'Reply A, turn 2: view 2 of 2 of the scene, as the model saw it',
      'Reply B, turn 1: view 1 of 2 of the scene, as the model saw it',
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("a page stale because its annotator moved on ('elsewhere'), then one whose token is gone: axe finds nothing on either notice", async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.clock.install(); // the page's clock runs, and jumps to the next heartbeat
    await page.goto(server.url);
    await signIn(page, tokens.notices);
    await chooseProject(page, noticesProject);
    await page.getByTestId('task-rationale').waitFor();
    await page.getByTestId('task-image').waitFor();
    await page.locator('div.task[data-ready=true]').waitFor();
    const aid = await page.locator('div.task[data-assignment]').getAttribute('data-assignment');
    // The next heartbeat says the annotator has since taken another task (another tab): the 'elsewhere' notice above the task.
    const answer: HeartbeatResponse = { held: true, elsewhere: true, labelled: false, ttlSeconds: 3600 };
    await page.route(`**/api/assignments/${aid}/heartbeat`, (r) => r.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(answer) }));
    await page.clock.fastForward('01:05');
    await page.mouse.move(40, 300);
    await page.getByRole('alert').and(page.locator('[data-testid=stale][data-why=elsewhere]')).waitFor();
    expect(await page.locator('div.task[data-assignment]').count()).toBe(1); // the task stays, to finish
    await noViolations(page, 'stale elsewhere');
    await noSidewaysScroll(page, 'stale elsewhere');
    // The label sent from it is refused: the token was revoked meanwhile (401). The token-gone notice takes the page.
    await page.route('**/annotation', (r) => r.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: { code: 'UNAUTHORIZED', message: 'token revoked' } }) }));
    await page.getByTestId('rationale-0').check();
    await page.getByTestId('submit').click();
    await page.getByRole('alert').and(page.locator('[data-testid=token-gone][data-refused-what=label]')).waitFor();
    expect(await page.locator('div.task[data-assignment]').count()).toBe(0);
    await noViolations(page, 'token gone');
    await noSidewaysScroll(page, 'token gone');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a workbench with no project yet says so, with what to do, rather than "Loading…" for ever', async () => {
    const store = await FeedbackStore.open(await openDb());
    const who = await store.addAnnotator('early');
    const empty = await startServer({ store, host: '127.0.0.1', port: 0, playPolicy: 'oracle', uiDir, log: () => undefined });
    const page = await browser.newPage();
    try {
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(empty.url);
      // Without NoProjects the page went on showing "Loading…" once the server had said there is no project: the
      // test waits for that answer, then for the page to show it (saying what it shows instead), not for its own timeout.
      const listed = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/projects');
      await submitToken(page, who.token);
      expect(await (await listed).json()).toEqual([]);
      await expect.poll(() => page.locator('main').textContent(), { timeout: 5_000 }).toBe(
        'Nothing to label yetThis workbench has no project yet. Ask the project owner to import one, then reload this page.',
      );
      expect(await page.getByTestId('project').count()).toBe(0); // no empty, unnamed project list beside it
      expect((await focus(page)).id).toBe('no-projects');
      await noViolations(page, 'no project');
      expect(problems).toEqual([]);
    } finally {
      await page.close();
      await empty.close();
      await store.close();
    }
  });
});
