/**
 * axe-core (the accessibility rules engine) run inside a Playwright page. Its source goes in
 * through `page.evaluate`, which the page's Content-Security-Policy does not govern (an injected
 * <script> tag would be refused by `script-src 'self'`, and the browser tests fail on any refusal).
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
let source: string | undefined;

/** One rule broken, as axe names it, with how bad and where (CSS selectors of the offending nodes). */
export interface AxeFinding {
  id: string;
  impact: string;
  help: string;
  targets: string[];
}

/** Every violation axe finds on the page as it is now (WCAG 2.x A and AA rules, and axe's best practices). */
export async function axeViolations(page: Page): Promise<AxeFinding[]> {
  source ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(source);
  const found = (await page.evaluate(`window.axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
    id: v.id, impact: v.impact ?? 'unknown', help: v.help, targets: v.nodes.map((n) => n.target.join(' ')),
  })))`)) as AxeFinding[];
  return found;
}

