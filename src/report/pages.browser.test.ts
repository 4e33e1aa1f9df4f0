/**
 * The other pages askfirst writes — the feedback demo's report.html, a probe run's report.html and a multi-seed
 * aggregate.html — opened in headless Chromium (playwright-core) as report.browser.test.ts opens the demo's and eval
 * reports: each fits a 320 px phone (a wide table scrolls in its own box, the page does not), prints on A4 with no
 * cell cut off, and passes axe-core. Runs whenever Chromium is installed and always in CI (CI=true).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fakeFeedbackResults, fakeResults } from '../testing/report-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { writeFeedbackReport, type PolicyResult } from './feedback-section.js';
import { buildAggregate } from './aggregate.js';
import { renderAggregatePage } from './aggregate-page.js';
import { summarizeHallucination, type PresenceItemResult } from '../probes/hallucination.js';
import { summarizeInjection } from '../probes/injection.js';
import { writeProbeHtml } from '../probes/html.js';

const require = createRequire(import.meta.url);
const CHROMIUM = process.env.ASKFIRST_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const inCI = process.env.CI === 'true';
const haveChromium = existsSync(CHROMIUM);
const skip = !inCI && !haveChromium;

/** The feedback demo's page: two policies (its widest table, ten columns) and a routing curve. */
async function feedbackPage(dir: string): Promise<string> {
  const policy = (name: string): PolicyResult => ({ name, gapClosed: { train: 0.5, unseen: 0.4, all: 0.45 }, accuracy: 0.7, overAsking: 0.09, controlAbstain: 0.03, guessRate: 0.3, psRate: 1.2, curve: [] });
  const r = fakeFeedbackResults([policy('gold'), policy('rlhf-honest-1000')], { noise: 0.1, labels: [100], gaoLabels: 30, gaoKlCoef: 0, gaoUpdates: 80, rlUpdates: 40 });
  r.routing.points = [
    { strategy: 'all-ai', budget: 0, humanLabels: 0, aiWrongCaught: 0, aiLabelsUsed: 100, goldAccuracy: 0.7 },
    { strategy: 'uncertainty-routing', budget: 0.25, humanLabels: 25, aiWrongCaught: 7, aiLabelsUsed: 75, goldAccuracy: 0.81 },
    { strategy: 'all-human', budget: 1, humanLabels: 100, aiWrongCaught: 30, aiLabelsUsed: 0, goldAccuracy: 0.86 },
  ];
  return (await writeFeedbackReport(dir, r)).html;
}

/** A probe run's page: every POPE split, the unseen split (nine columns) and the injection probe (nine columns). */
async function probesPage(dir: string): Promise<string> {
  const items: PresenceItemResult[] = (['random', 'popular', 'adversarial', 'unseen'] as const).flatMap((split) =>
    Array.from({ length: 12 }, (_, i): PresenceItemResult => ({ id: `${split}/${i}`, split, scene: `s${i}`, condition: 'clean', category: `c${i % 3}`, truth: i % 2 ? 'yes' : 'no', reply: '', answer: i % 3 ? 'yes' : 'no' })),
  );
  await writeProbeHtml(dir, { hallucination: summarizeHallucination('builtin:runs/demo/final', items), injection: summarizeInjection('builtin:runs/demo/final', []) });
  return join(dir, 'report.html');
}

/** A three-seed aggregate.html. */
async function aggregatePage(dir: string): Promise<string> {
  const file = join(dir, 'aggregate.html');
  await writeFile(file, renderAggregatePage(buildAggregate([0, 1, 2].map((seed) => ({ seed, dir: `seed-${seed}`, results: fakeResults(seed + 1) })))));
  return file;
}

describe.skipIf(skip)(`askfirst's other HTML pages in headless Chromium${skip ? ` (skipped: no Chromium at ${CHROMIUM})` : ''}`, () => {
  it('the feedback report, the probes report and aggregate.html fit a 320 px phone and A4 paper and pass axe-core', async () => {
    expect(haveChromium, `Chromium is required in CI: ${CHROMIUM} is missing`).toBe(true);
    const { chromium } = await import('playwright-core');
    const dir = tmpDir('askfirst-pages-browser');
    const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      env: { ...process.env, TMPDIR: dir },
      viewport: { width: 320, height: 800 },
    });
    try {
      const files = [await feedbackPage(dir), await probesPage(join(dir, 'probes')), await aggregatePage(dir)];
      const axeSource = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
      const seen: Record<string, unknown> = {};
      for (const file of files) {
        const page = await browser.newPage();
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        type El = { scrollWidth: number; clientWidth: number; getBoundingClientRect(): { right: number } };
        type Doc = { documentElement: El; querySelectorAll(s: string): ArrayLike<El> };
        const layout = () =>
          page.evaluate(() => {
            const doc = (globalThis as unknown as { document: Doc }).document;
            const w = doc.documentElement.clientWidth;
            return {
              page: doc.documentElement.scrollWidth - w,
              // a cell beyond the page's right edge (cut off on paper) or its text wider than the cell
              cut: Array.from(doc.querySelectorAll('td, th')).filter((c) => c.getBoundingClientRect().right > w + 0.5 || c.scrollWidth > c.clientWidth + 1).length,
              // a table outside a box that scrolls sideways (html.ts scrollTable)
              loose: Array.from(doc.querySelectorAll('table')).filter((t) => !(t as unknown as { parentElement: { className: string } | null }).parentElement?.className.includes('scroll-x')).length,
            };
          });
        // 320 px: every table in a box that scrolls sideways, and the page itself does not
        const phone = await layout();
        // A4 at Chromium's default margins: 718 CSS px; no cell past the paper's edge or its text cut
        await page.emulateMedia({ media: 'print' });
        await page.setViewportSize({ width: 718, height: 1000 });
        const paper = await layout();
        await page.emulateMedia({ media: 'screen' });
        await page.setViewportSize({ width: 1280, height: 900 });
        await page.addScriptTag({ content: axeSource });
        const violations = await page.evaluate(async () => {
          const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe;
          return (await axe.run()).violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`);
        });
        const skips = await page.evaluate(() => {
          type H = { tagName: string };
          const hs = Array.from((globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<H> } }).document.querySelectorAll('h1, h2, h3, h4, h5, h6'));
          return hs.filter((h, i) => i > 0 && Number(h.tagName[1]) > Number(hs[i - 1].tagName[1]) + 1).length;
        });
        // every chart an image named by its caption (role="img", aria-labelledby text): the feedback report's were not
        const unnamedCharts = await page.evaluate(() => {
          type E = { getAttribute(a: string): string | null; textContent: string | null };
          const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<E>; getElementById(id: string): E | null } }).document;
          return Array.from(doc.querySelectorAll('figure svg')).filter((svg) => svg.getAttribute('role') !== 'img' || (doc.getElementById(svg.getAttribute('aria-labelledby') ?? '')?.textContent ?? '').length < 40).length;
        });
        seen[file.slice(dir.length + 1)] = { phone: { page: Math.max(0, phone.page), loose: phone.loose }, paper, violations, headingSkips: skips, unnamedCharts };
        await page.close();
      }
      const fits = { phone: { page: 0, loose: 0 }, paper: { page: 0, cut: 0, loose: 0 }, violations: [], headingSkips: 0, unnamedCharts: 0 };
      expect(seen).toEqual({ 'report.html': fits, 'probes/report.html': fits, 'aggregate.html': fits });
    } finally {
      await browser.close();
    }
  });
});
