/**
 * The other pages askfirst writes — the feedback demo's report.html, a probe run's report.html and a multi-seed
 * aggregate.html — opened in headless Chromium (playwright-core) as report.browser.test.ts opens the demo's and eval
 * reports: each fits a 320 px phone (a wide table scrolls in its own box, the page does not), prints on A4 with no
 * cell cut off, and passes axe-core. Runs whenever Chromium is installed and always in CI (CI=true).
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fakeFeedbackResults, fakeResults } from '../testing/report-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { pageFit } from '../testing/page-fit.js';
import { writeFeedbackReport, type PolicyResult } from './feedback-section.js';
import { buildAggregate } from './aggregate.js';
import { renderAggregatePage } from './aggregate-page.js';
import { summarizeHallucination, type PresenceItemResult } from '../probes/hallucination.js';
import { summarizeInjection } from '../probes/injection.js';
import { writeProbeHtml } from '../probes/html.js';

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
      const seen: Record<string, unknown> = {};
      for (const file of files) {
        const page = await browser.newPage();
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
        const fit = await pageFit(page);
        // every chart an image named by its caption (role="img", aria-labelledby text): the feedback report's were not
        const unnamedCharts = fit.charts.filter((c) => c.role !== 'img' || c.name.length < 40).length;
        // 320 px: every table in a box that scrolls sideways, and the page itself does not; A4: no cell past the paper's edge
        seen[file.slice(dir.length + 1)] = { phone: { page: Math.max(0, fit.phone.page), loose: fit.phone.loose }, paper: fit.paper, violations: fit.violations, headingSkips: fit.headingSkips, unnamedCharts };
        await page.close();
      }
      const fits = { phone: { page: 0, loose: 0 }, paper: { page: 0, cut: 0, loose: 0 }, violations: [], headingSkips: [], unnamedCharts: 0 };
      expect(seen).toEqual({ 'report.html': fits, 'probes/report.html': fits, 'aggregate.html': fits });
    } finally {
      await browser.close();
    }
  });
});
