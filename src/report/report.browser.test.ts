/**
 * Open report.html in headless Chromium (playwright-core) and check what a reader gets: it
 * loads with no network request and no console error, every chart and example image is drawn,
 * nothing overflows sideways; a full-page screenshot is saved to `.tmp/report-screenshot.png`
 * for a person to look at. Runs whenever Chromium is installed and always in CI (CI=true),
 * where a missing browser is a failure, not a skip.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePNG } from '../scenes/codec.js';
import { fakeResults, withGapIntervals } from '../testing/report-fixture.js';
import { tmpDir } from '../testing/tmp.js';
import { pageFit } from '../testing/page-fit.js';
import { writeReport } from './report.js';
import { OraclePolicy } from '../agents/baselines/oracle.js';
import { RandomPolicy } from '../agents/baselines/random.js';
import { evaluate } from '../eval/evaluate.js';
import { chainEpisode } from '../testing/chain-episode.js';
import type { SuiteEpisode } from '../suite/types.js';
import { readEvalReport, saveEvalReport } from './eval-report.js';

const CHROMIUM = process.env.ASKFIRST_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const inCI = process.env.CI === 'true';
const haveChromium = existsSync(CHROMIUM);
const skip = !inCI && !haveChromium;
if (skip)
  console.warn(
    `report.browser.test: skipped — Chromium not found at ${CHROMIUM} (apt-get install -y chromium; set ASKFIRST_CHROMIUM to use another path)`,
  );

describe.skipIf(skip)(
  `report.html in headless Chromium${skip ? ` (skipped: no Chromium at ${CHROMIUM})` : ''}`,
  () => {
    it('renders every chart and image offline; full-page screenshot saved', async () => {
      expect(haveChromium, `Chromium is required in CI: ${CHROMIUM} is missing`).toBe(true);
      const { chromium } = await import('playwright-core');
      const dir = tmpDir('askfirst-report-browser');
      // The profile (--user-data-dir) and Chromium's own temp files go under dir, removed with it.
      const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
        executablePath: CHROMIUM,
        args: CHROMIUM_ARGS,
        env: { ...process.env, TMPDIR: dir },
        viewport: { width: 1280, height: 900 },
      });
      try {
        const results = withGapIntervals(fakeResults()); // the widest tables: intervals in brackets, ours − each baseline
        const file = await writeReport(dir, results);
        const page = await browser.newPage();
        const external: string[] = [];
        const errors: string[] = [];
        page.on('request', (req) => {
          if (!/^(file|data):/.test(req.url())) external.push(req.url());
        });
        page.on('console', (msg) => {
          if (msg.type() === 'error') errors.push(msg.text());
        });
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

        // Runs in the page (no DOM types in this Node project: a minimal structural view of them).
        type Box = { width: number; height: number };
        type El = {
          id: string;
          complete: boolean;
          naturalWidth: number;
          getBoundingClientRect(): Box;
          querySelector(s: string): El | null;
          querySelectorAll(s: string): ArrayLike<El>;
        };
        type Doc = El & {
          title: string;
          documentElement: { scrollWidth: number; clientWidth: number };
        };
        const facts = await page.evaluate(() => {
          const doc = (globalThis as unknown as { document: Doc }).document;
          const figs = Array.from(doc.querySelectorAll('figure')).map((f) => {
            const svg = f.querySelector('svg');
            const box = svg?.getBoundingClientRect();
            return {
              id: f.id,
              w: box?.width ?? 0,
              h: box?.height ?? 0,
              texts: svg?.querySelectorAll('text').length ?? 0,
            };
          });
          const imgs = Array.from(doc.querySelectorAll('img')).map((i) => ({
            ok: i.complete && i.naturalWidth > 0,
            w: i.getBoundingClientRect().width,
          }));
          // the tallest row of each table: a column squeezed to a letter's width (figures that do not wrap leaving the
          // rest no room) makes its row hundreds of pixels tall
          const rows = Array.from(doc.querySelectorAll('table')).map((t, i) => ({
            table: t.id || `table ${i}`,
            h: Math.max(0, ...Array.from(t.querySelectorAll('tr')).map((r) => r.getBoundingClientRect().height)),
          }));
          return {
            figs,
            imgs,
            rows,
            scrollWidth: doc.documentElement.scrollWidth,
            clientWidth: doc.documentElement.clientWidth,
            title: doc.title,
          };
        });
        expect(external).toEqual([]);
        expect(errors).toEqual([]);
        expect(facts.title).toBe('askfirst demo report');
        expect(facts.figs.map((f) => f.id)).toEqual([
          'fig-training',
          'fig-per-kind',
          'fig-ask-vs-guess',
          'fig-baselines',
          'fig-diagnostics',
        ]);
        for (const f of facts.figs) {
          expect(f.w, f.id).toBeGreaterThan(300);
          expect(f.h, f.id).toBeGreaterThan(150);
          expect(f.texts, f.id).toBeGreaterThan(10);
        }
        const turns = results.examples.reduce(
          (a, e) => a + e.before.turns.length + e.after.turns.length,
          0,
        );
        expect(facts.imgs.length).toBe(turns);
        for (const img of facts.imgs) {
          expect(img.ok).toBe(true);
          expect(img.w).toBeGreaterThanOrEqual(64);
        }
        for (const t of facts.rows) expect(t.h, `a row of ${t.table} is too tall: a column squeezed?`).toBeLessThan(120);
        expect(facts.scrollWidth, 'page overflows sideways at 1280 px').toBeLessThanOrEqual(
          facts.clientWidth,
        );

        const shotDir = resolve('.tmp');
        await mkdir(shotDir, { recursive: true });
        const shot = join(shotDir, 'report-screenshot.png');
        await page.screenshot({ path: shot, fullPage: true });
        const png = decodePNG(await readFile(shot));
        expect(png.width).toBe(1280);
        expect(png.height).toBeGreaterThan(3000);
        let dark = 0;
        for (let i = 0; i < png.data.length; i += 3 * 97) if (png.data[i] < 100) dark++;
        expect(dark, 'screenshot looks blank').toBeGreaterThan(500);
      } finally {
        await browser.close();
      }
    });

    it('the demo report and the eval report fit a 320 px phone and A4 paper, and every chart has a text alternative (axe-core)', async () => {
      expect(haveChromium, `Chromium is required in CI: ${CHROMIUM} is missing`).toBe(true);
      const { chromium } = await import('playwright-core');
      const dir = tmpDir('askfirst-report-narrow');
      const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
        executablePath: CHROMIUM,
        args: CHROMIUM_ARGS,
        env: { ...process.env, TMPDIR: dir },
        viewport: { width: 320, height: 800 },
      });
      try {
        // the demo's report, and `askfirst report` of two eval runs (their per-model table: ten columns)
        const demo = await writeReport(join(dir, 'demo'), withGapIntervals(fakeResults()), {});
        const eps = Array.from({ length: 6 }, (_, i) => chainEpisode(`e${i}`, 3, i % 3));
        const loader = async (ref: SuiteEpisode['views'][number]) => ('image' in ref ? ref.image : Promise.reject(new Error('path')));
        const runs = [];
        for (const [name, policy] of [['oracle', new OraclePolicy(eps)], ['random', new RandomPolicy(1)]] as const) {
          const out = join(dir, name);
          await evaluate({ episodes: eps, loader, policy, modes: ['proactive'], out, run: { policy: name, dataFingerprint: 'fp' }, batchSize: 1 });
          runs.push(out);
        }
        // its own folder: in demo/ it replaced the demo's report.html, which was then never checked
        const evalReport = (await saveEvalReport(await readEvalReport(runs), join(dir, 'eval'))).html;
        for (const file of [demo, evalReport]) {
          const page = await browser.newPage();
          await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
          const fit = await pageFit(page);
          // 320 px: a wide table scrolls in its own box; the page does not scroll sideways (it was 1184 px wide)
          expect(fit.phone.page, `${file}: the page scrolls sideways at 320 px`).toBeLessThanOrEqual(0);
          expect(fit.phone.loose, `${file}: tables outside a sideways-scrolling box`).toBe(0);
          // A4 at Chromium's default margins: 718 CSS px; no table may run past it (32 and 60 cells did)
          expect(fit.paper, `${file}: printed on A4`).toEqual({ page: 0, cut: 0, loose: 0 });
          // every chart an image named by a caption with words in it (Vega's SVG had no role and no name)
          expect(fit.charts.length, file).toBeGreaterThan(1);
          for (const c of fit.charts) {
            expect(c.role, file).toBe('img');
            expect(c.name.length, file).toBeGreaterThan(40);
          }
          // heading-order too; and no heading more than one level below the one before it: the demo's example runs
          // (h4) sat right under an h2, "Example episodes"
          expect(fit.violations, file).toEqual([]);
          expect(fit.headingSkips, file).toEqual([]);
          await page.close();
        }
      } finally {
        await browser.close();
      }
    });
  },
);
