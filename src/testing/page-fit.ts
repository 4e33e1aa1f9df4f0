/**
 * How an HTML page askfirst writes sits on a phone, on paper and before a screen reader, measured in headless Chromium
 * (playwright-core) by the report browser tests (report.browser.test.ts, pages.browser.test.ts): one set of
 * measurements, so every page is held to the same checks.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** Where a page overflows: `page` px of sideways scrolling (≤ 0: none), cells cut, tables outside a sideways-scrolling box. */
export interface Layout {
  page: number;
  cut: number;
  loose: number;
}

export interface PageFit {
  /** At 320 px wide. */
  phone: Layout;
  /** Printed on A4 at Chromium's default margins: 718 CSS px. */
  paper: Layout;
  /** axe-core's violations, "id (impact, nodes)". */
  violations: string[];
  /** Each heading more than one level below the one before it ("H2 → H4: before RL"). */
  headingSkips: string[];
  /** Each chart (an svg in a figure): its role and the text of what names it (aria-labelledby). */
  charts: { role: string | null; name: string }[];
}

const require = createRequire(import.meta.url);
let axeSource: Promise<string> | undefined;

/** `page` (loaded, any viewport) measured at 320 px, on A4 and by axe-core; it is left at 1280 × 900, on screen. */
export async function pageFit(page: Page): Promise<PageFit> {
  type El = { scrollWidth: number; clientWidth: number; textContent: string | null; tagName: string; parentElement: El | null; className: string; getAttribute(a: string): string | null; getBoundingClientRect(): { right: number } };
  type Doc = { documentElement: El; querySelectorAll(s: string): ArrayLike<El>; getElementById(id: string): El | null };
  const layout = () =>
    page.evaluate((): Layout => {
      const doc = (globalThis as unknown as { document: Doc }).document;
      const w = doc.documentElement.clientWidth;
      return {
        page: doc.documentElement.scrollWidth - w,
        // a cell beyond the page's right edge (cut off on paper) or its text wider than the cell
        cut: Array.from(doc.querySelectorAll('td, th')).filter((c) => c.getBoundingClientRect().right > w + 0.5 || c.scrollWidth > c.clientWidth + 1).length,
        // a table outside a box that scrolls sideways (util/scroll-table.ts)
        loose: Array.from(doc.querySelectorAll('table')).filter((t) => !t.parentElement?.className.includes('scroll-x')).length,
      };
    });
  await page.setViewportSize({ width: 320, height: 800 });
  const phone = await layout();
  await page.emulateMedia({ media: 'print' });
  await page.setViewportSize({ width: 718, height: 1000 });
  const paper = await layout();
  await page.emulateMedia({ media: 'screen' });
  await page.setViewportSize({ width: 1280, height: 900 });
  const [headingSkips, charts] = await page.evaluate(() => {
    const doc = (globalThis as unknown as { document: Doc }).document;
    const hs = Array.from(doc.querySelectorAll('h1, h2, h3, h4, h5, h6'));
    const skips = hs.flatMap((h, i) => (i > 0 && Number(h.tagName[1]) > Number(hs[i - 1].tagName[1]) + 1 ? [`${hs[i - 1].tagName} → ${h.tagName}: ${h.textContent ?? ''}`] : []));
    const named = Array.from(doc.querySelectorAll('figure svg')).map((svg) => ({ role: svg.getAttribute('role'), name: doc.getElementById(svg.getAttribute('aria-labelledby') ?? '')?.textContent ?? '' }));
    return [skips, named] as const;
  });
  await page.addScriptTag({ content: await (axeSource ??= readFile(require.resolve('axe-core/axe.min.js'), 'utf8')) });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe;
    return (await axe.run()).violations.map((v) => `${v.id} (${v.impact}, ${v.nodes.length})`);
  });
  return { phone, paper, violations, headingSkips: [...headingSkips], charts: [...charts] };
}
