/**
 * `askfirst report` on three eval runs — the oracle, always-answer and a built-in checkpoint —
 * on the same suite: the McNemar figures in report.md match a hand computation from the runs'
 * results.jsonl, and report.html opens offline in headless Chromium with every chart and image
 * drawn (screenshot in .tmp/eval-report-screenshot.png for a person to look at).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../src/testing/tmp.js';
import { generateSuite } from '../src/suite/generate.js';
import { writeSuite } from '../src/suite/io.js';
import { newBuiltin, saveBuiltin } from '../src/agents/builtin/build.js';
import { runEval } from '../src/cli/eval.js';
import { EvalCommandSchema } from '../src/cli/eval-schema.js';
import { buildProgram } from '../src/cli/main.js';
import { CHROMIUM, launchChromium, requireDep } from '../src/testing/system-deps.js';

let root: string;
let runs: string[];

/** C(n, k) exactly, as a float (small n here). */
function choose(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
}

beforeAll(async () => {
  root = tmpDir('askfirst-eval-report');
  const suite = join(root, 'suite');
  const episodes = await writeSuite(suite, generateSuite({ episodes: 6, seed: 21 }));
  const ckpt = join(root, 'ckpt');
  saveBuiltin(ckpt, newBuiltin(episodes, { imageSize: 64, channels: [4, 8], hidden: 16, embedDim: 8 }));
  const out = join(root, 'runs');
  const r = (await runEval(EvalCommandSchema.parse({ policy: ['oracle', 'always-answer', `builtin:${ckpt}`], data: suite, out, json: true, progress: false }), () => {})) as { policies: { out: string }[] };
  runs = r.policies.map((p) => p.out);
  expect(runs.slice(0, 2)).toEqual([join(out, 'oracle'), join(out, 'always-answer')]);
  // the checkpoint path as a folder name: its runs of characters other than letters, digits, "." and "-" (the slashes) as
  // "_", cut at 80 characters (cli/eval.ts policyOutDirs). Spelled out from the path, not matched by a pattern of word
  // characters: that failed under a temp folder with a "-" in its name (TMPDIR=/tmp/a-b-XXXX).
  expect(runs[2]).toBe(join(out, `builtin-${ckpt.replace(/^\/+/, '').replace(/[^A-Za-z0-9.-]+/g, '_')}`.slice(0, 80)));
  for (const r of runs) expect(existsSync(join(r, 'summary.json')), r).toBe(true);
  // `askfirst report RUN… --out DIR`, as a user types it.
  const program = await buildProgram();
  await program.parseAsync(['node', 'askfirst', 'report', ...runs, '--out', join(root, 'compare')]);
}, 300_000);

describe('askfirst report', () => {
  it('its McNemar figures match a hand computation from results.jsonl', () => {
    const md = readFileSync(join(root, 'compare', 'report.md'), 'utf8');
    const read = (dir: string) => new Map(readFileSync(join(dir, 'proactive', 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; success: boolean }).map((r) => [r.id, r.success]));
    const [o, a] = [read(runs[0]), read(runs[1])];
    let b = 0;
    let c = 0;
    for (const [id, s] of o) {
      if (s && !a.get(id)) b++;
      if (!s && a.get(id)) c++;
    }
    const d = b + c;
    let tail = 0;
    for (let i = 0; i <= Math.min(b, c); i++) tail += choose(d, i) / 2 ** d;
    const p = Math.min(1, 2 * tail);
    const chi2 = d ? Math.max(0, Math.abs(b - c) - 1) ** 2 / d : 0;
    expect(b).toBeGreaterThan(10); // the oracle wins where always-answer guesses
    // The proactive section's pair table row for oracle vs always-answer.
    const section = md.slice(md.indexOf('## proactive mode'), md.indexOf('## reference mode'));
    const row = section.split('\n').find((l) => l.startsWith('| oracle | always-answer |'))!;
    const cells = row.split('|').map((s) => s.trim()).filter(Boolean);
    expect(cells.slice(2, 3)).toEqual([String(o.size)]);
    expect(Number(cells[5])).toBe(b);
    expect(Number(cells[6])).toBe(c);
    expect(cells[7]).toBe(p < 0.0001 ? p.toExponential(2) : p.toFixed(4));
    console.log(`oracle vs always-answer: n=${o.size} b=${b} c=${c} p=${p} chi2=${chi2}; report row: ${row}`);
    expect(Number(cells[8])).toBeCloseTo(chi2, 2);
    // Per-model table: every rate with an interval.
    expect(section).toMatch(/\| oracle \| 42 \| 100\.0 % \\\[91\.6, 100\.0\\\] \|/); // Wilson low at 42/42 = 42 / (42 + 1.96²) = 0.916
    // Per variant: the corruption kind's operations, one row each, every run's accuracy with its interval (the oracle's 100 %).
    const variants = new Set(readFileSync(join(root, 'suite', 'episodes.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; meta?: { corruption?: string } }).filter((e) => e.kind === 'corruption').map((e) => `corruption/${e.meta!.corruption}`));
    const vt = section.slice(section.indexOf('### Per variant: accuracy [95 % CI]'), section.indexOf('### Paired comparisons'));
    const vrows = vt.split('\n').filter((l) => l.startsWith('| corruption/'));
    expect(vrows.map((l) => l.split('|')[1].trim()).sort()).toEqual([...variants].sort());
    for (const l of vrows) expect(l.split('|')[2]).toMatch(/100\.0 % \\\[/);
  });

  const skip = requireDep(existsSync(CHROMIUM), 'chromium');
  it.skipIf(skip)('report.html opens offline in Chromium with its tables, charts and example images; screenshot saved', async () => {
    const dir = tmpDir('askfirst-eval-report-browser');
    const browser = await launchChromium(dir, { width: 1280, height: 900 });
    try {
      const page = await browser.newPage();
      const external: string[] = [];
      const errors: string[] = [];
      page.on('request', (req) => {
        if (!/^(file|data):/.test(req.url())) external.push(req.url());
      });
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(pathToFileURL(join(root, 'compare', 'report.html')).href, { waitUntil: 'load' });
      // measure the layout with the report's own fonts applied, not a fallback's
      await page.evaluate(() => (globalThis as unknown as { document: { fonts: { ready: Promise<unknown> } } }).document.fonts.ready.then(() => undefined));
      type El = { complete: boolean; naturalWidth: number; textContent: string | null; getBoundingClientRect(): { width: number; height: number }; querySelectorAll(s: string): ArrayLike<El> };
      const facts = await page.evaluate(() => {
        const doc = (globalThis as unknown as { document: El & { documentElement: { scrollWidth: number; clientWidth: number } } }).document;
        return {
          svgs: Array.from(doc.querySelectorAll('figure svg')).map((s) => ({ w: s.getBoundingClientRect().width, texts: s.querySelectorAll('text').length })),
          imgs: Array.from(doc.querySelectorAll('img')).map((i) => i.complete && i.naturalWidth > 0),
          tables: doc.querySelectorAll('table').length,
          h2: Array.from(doc.querySelectorAll('h2')).map((h) => h.textContent),
          overflow: doc.documentElement.scrollWidth > doc.documentElement.clientWidth,
        };
      });
      expect(external).toEqual([]);
      expect(errors).toEqual([]);
      expect(facts.h2).toEqual(['Runs', 'proactive mode', 'reference mode']);
      expect(facts.svgs.length).toBe(3); // per-kind accuracy ×2, ask-vs-guess ×1 (not in reference mode)
      for (const s of facts.svgs) {
        expect(s.w).toBeGreaterThan(300);
        expect(s.texts).toBeGreaterThan(10);
      }
      expect(facts.imgs.length).toBeGreaterThan(10);
      expect(facts.imgs.every(Boolean)).toBe(true);
      expect(facts.tables).toBe(8); // per model, per kind, per variant, pairs — in each mode
      expect(facts.overflow).toBe(false);
      const shotDir = resolve('.tmp');
      await mkdir(shotDir, { recursive: true });
      await page.screenshot({ path: join(shotDir, 'eval-report-screenshot.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 120_000);
});
