import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../util/package-root.js';
import { describe, expect, it, vi } from 'vitest';
import { openDb } from '../feedback/db.js';
import { FeedbackStore } from '../feedback/store.js';
import type { AskPayload, Fact, PreferencePayload, RationalePayload } from '../feedback/tasks.js';
import { rationaleText } from '../feedback/facts.js';
import { SceneRng } from '../util/rng.js';
import { tmpDir } from '../testing/tmp.js';
import { captureConsole } from '../testing/console.js';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { runAgreement, runAnnotator, runExport, runIllumeCommand, runImport } from './feedback.js';

const dir = tmpDir('af-cli-fb');

/** Three simulated annotators who are right ~90 % of the time label every task of the project. */
async function simulateAnnotators(dbDir: string, project: string) {
  const store = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
  try {
    const p = await store.project(project);
    const rng = new SceneRng(42);
    const people = await Promise.all(['sim-a', 'sim-b', 'sim-c'].map((n) => store.addAnnotator(n)));
    let s = 0;
    for (const who of people) {
      for (let a = await store.next(p.id, who.id); a; a = await store.next(p.id, who.id)) {
        const facts = a.item.facts as Fact[];
        const holds = (t: string) => facts.some((f) => f.holds && rationaleText(f.text) === t);
        const ok = () => rng.next() < 0.9;
        let label: unknown;
        if (a.task.type === 'rationale') {
          const r = (a.task.payload as RationalePayload).rationales;
          label = { accepted: r.flatMap((t, i) => ((holds(t) ? ok() : !ok()) ? [i] : [])) };
        } else if (a.task.type === 'ask') {
          const pl = a.task.payload as AskPayload;
          label = ok() ? { verdict: 'ask', option: 0 } : { verdict: 'answer', option: pl.numInterventions };
        } else if (a.task.type === 'preference') {
          const [r0, r1] = (a.task.payload as PreferencePayload).replies;
          const faithful = r0.length < r1.length ? 0 : 1; // the hallucinating reply adds a false fact
          const pick = ok() ? faithful : 1 - faithful;
          label = { lessHallucination: pick, moreHelpful: pick };
        } else {
          label = { transcript: [], outcome: 'correct', rating: ok() ? 5 : 3 };
        }
        await store.submit(who.id, a.id, `sim-sub-${s++}-${a.id}`, label);
      }
    }
  } finally {
    await store.close();
  }
}

describe('askfirst feedback (import → label → agreement → export)', () => {
  it('imports demo items, reports κ per task and exports SFT/DPO JSONL', async () => {
    const dbDir = join(dir, 'db');
    const out: string[] = [];
    await runImport({ dbDir, project: 'cli', demo: '8', labelsPerItem: '3', seed: '3' }, (s) => out.push(s));
    expect(out.join('\n')).toMatch(/8 new demo items, 32 tasks × 3 labels/);
    await simulateAnnotators(dbDir, 'cli');
    const rep = await runAgreement({ dbDir, project: 'cli', json: true }, () => undefined);
    const by = Object.fromEntries(rep.map((r) => [r.task, r]));
    console.log(`[agreement] ${rep.map((r) => `${r.task}: ${r.measure} κ=${r.kappa.toFixed(3)} (units ${r.units}, raters ${r.raters})`).join('; ')}`);
    expect(Object.keys(by).sort()).toEqual(['ask', 'play/rating', 'preference/hallucination', 'preference/helpful', 'rationale']);
    expect(by.rationale.measure).toBe('fleiss');
    expect(by.rationale.units).toBe(8 * 4);
    expect(by.rationale.kappa).toBeGreaterThan(0.3); // ~90 %-accurate raters agree well beyond chance
    const sft = join(dir, 'sft.jsonl');
    const dpo = join(dir, 'dpo.jsonl');
    const nSft = await runExport({ dbDir, project: 'cli', format: 'sft', out: sft }, () => undefined);
    const nDpo = await runExport({ dbDir, project: 'cli', format: 'dpo', out: dpo, images: 'base64' }, () => undefined);
    expect(nDpo).toBe(8 * 3);
    const dpoRows = (await readFile(dpo, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(dpoRows).toHaveLength(nDpo);
    expect(dpoRows[0].images[0]).toMatch(/^data:image\/png;base64,iVBOR/);
    expect((await readFile(sft, 'utf8')).trim().split('\n')).toHaveLength(nSft);
    expect(nSft).toBeGreaterThanOrEqual(6); // one supporting rationale per item, accepted by most of 3 raters
  });
});

/**
 * Reads `path` on every turn of the event loop while `work` runs and returns every content seen
 * that was neither `before` nor what the file holds at the end (a reader would have seen a
 * half-written file).
 */
async function partialContents(path: string, before: string, work: () => Promise<unknown>): Promise<string[]> {
  const seen = new Set<string>();
  let running = true;
  const look = () => {
    try {
      seen.add(readFileSync(path, 'utf8'));
    } catch {
      seen.add('<missing>');
    }
    if (running) setImmediate(look);
  };
  look();
  try {
    await work();
  } finally {
    running = false;
  }
  const after = readFileSync(path, 'utf8');
  return [...seen].filter((s) => s !== before && s !== after).map((s) => `${s.length} characters: ${JSON.stringify(s.slice(0, 40))}`);
}

describe('askfirst feedback export: the output file', () => {
  it('replaces an earlier export atomically: a reader sees the old file or the new one, never a part', async () => {
    const d = tmpDir('af-cli-fb-atomic');
    const dbDir = join(d, 'db');
    await runImport({ dbDir, project: 'atomic', demo: '6', labelsPerItem: '3', seed: '5', tasks: ['preference'] }, () => undefined);
    await simulateAnnotators(dbDir, 'atomic');
    const out = join(d, 'dpo.jsonl');
    writeFileSync(out, 'an earlier export\n');
    const partial = await partialContents(out, 'an earlier export\n', () => runExport({ dbDir, project: 'atomic', format: 'dpo', out, images: 'base64', overwrite: true }, () => undefined));
    expect(partial).toEqual([]);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(6 * 3);
    expect(readdirSync(d).sort()).toEqual(['db', 'dpo.jsonl', 'images']); // no temporary file left
  });

  it('an existing --out file is refused before the database is opened, and left as it was, unless --overwrite', async () => {
    const d = tmpDir('af-cli-fb-overwrite');
    const out = join(d, 'prefs.jsonl');
    writeFileSync(out, 'labels exported last week\n');
    const dbDir = join(d, 'db');
    await runImport({ dbDir, project: 'p', demo: '2', seed: '1' }, () => undefined); // it was replaced by an empty export
    await expect(runExport({ dbDir, project: 'p', format: 'dpo', out }, () => undefined)).rejects.toThrow(`${out} already exists: add --overwrite to replace it, or give another --out`);
    expect(readFileSync(out, 'utf8')).toBe('labels exported last week\n');
    await expect(runExport({ dbDir: join(d, 'no-db-here'), project: 'p', format: 'dpo', out }, () => undefined)).rejects.toThrow(/already exists/); // before the database is opened
    expect(readdirSync(d).sort()).toEqual(['db', 'images', 'prefs.jsonl']);
  });
});

describe('askfirst feedback export of a project nobody has labelled', () => {
  it('is refused (exit 1) saying why nothing was written and what to do', async () => {
    const d = tmpDir('af-cli-fb-empty');
    const dbDir = join(d, 'db');
    await runImport({ dbDir, project: 'fresh', demo: '2', seed: '1' }, () => undefined);
    for (const [format, tasks] of [['dpo', 'preference'], ['sft', 'rationale']]) {
      const said: string[] = [];
      const out = join(d, `${format}.jsonl`);
      // refused (exit 1), so `export && trainer` stops here: was "0 DPO rows: nothing written" and exit 0, the trainer failing on the missing file
      const refused = `0 ${format.toUpperCase()} rows: nothing written to ${out}; no labelled ${tasks} tasks in project "fresh" yet: label them in the workbench (askfirst feedback serve)`;
      await expect(runExport({ dbDir, project: 'fresh', format, out }, (s) => said.push(s))).rejects.toThrow(refused);
      expect(said).toEqual([]);
      expect(existsSync(out)).toBe(false); // an empty file made the next export, once labelled, need --overwrite
      await expect(runExport({ dbDir, project: 'fresh', format, out }, () => undefined)).rejects.toThrow(refused); // the same command again is refused alike, not for the file
    }
  });

  it('with --overwrite, an earlier export is left as it was, and the output says so', async () => {
    const d = tmpDir('af-cli-fb-empty-over');
    const dbDir = join(d, 'db');
    await runImport({ dbDir, project: 'fresh', demo: '2', seed: '1' }, () => undefined);
    const out = join(d, 'prefs.jsonl');
    writeFileSync(out, 'labels exported last week\n');
    await expect(runExport({ dbDir, project: 'fresh', format: 'dpo', out, overwrite: true }, () => undefined)).rejects.toThrow(
      `0 DPO rows: nothing written to ${out} (the file there is an earlier export, left as it was); no labelled preference tasks`,
    );
    expect(readFileSync(out, 'utf8')).toBe('labels exported last week\n');
  });
});

describe('askfirst feedback export and illume: an --out that is a folder or under a file', () => {
  it('is refused when the options are read, in one line, before the database is opened or any round runs', async () => {
    const d = tmpDir('af-cli-fb-out-folder');
    writeFileSync(join(d, 'a-file'), 'x');
    const under = join(d, 'a-file', 'prefs.jsonl');
    const noDb = join(d, 'no-db-here');
    await expect(runExport({ dbDir: noDb, project: 'p', format: 'dpo', out: d, overwrite: true }, () => undefined)).rejects.toThrow(`${d} is a folder; give a file name`);
    await expect(runExport({ dbDir: noDb, project: 'p', format: 'dpo', out: under }, () => undefined)).rejects.toThrow(`${join(d, 'a-file')} is a file, not a folder`);
    const said: string[] = [];
    await expect(runIllumeCommand({ demo: '6', rounds: '1', epochs: '1', out: `${d}/`, overwrite: true }, (s) => said.push(s))).rejects.toThrow('names a folder');
    expect(said).toEqual([]);
    expect(readdirSync(d)).toEqual(['a-file']); // no database, nothing written
  });
});

describe('askfirst feedback illume --out', () => {
  it('refuses an existing --out file before any round unless --overwrite (it replaced it silently)', async () => {
    const d = tmpDir('af-cli-illume-exists');
    const out = join(d, 'illume.json');
    writeFileSync(out, '{"an earlier": "report"}');
    const said: string[] = [];
    await expect(runIllumeCommand({ demo: '6', rounds: '1', epochs: '1', out, json: true }, (s) => said.push(s))).rejects.toThrow(`${out} already exists: add --overwrite to replace it, or give another --out`);
    expect(said).toEqual([]); // no round ran
    expect(readFileSync(out, 'utf8')).toBe('{"an earlier": "report"}');
  });

  it('replaces an earlier report atomically with --overwrite', async () => {
    const d = tmpDir('af-cli-illume-atomic');
    const out = join(d, 'illume.json');
    writeFileSync(out, '{"an earlier": "report"}');
    const partial = await partialContents(out, '{"an earlier": "report"}', () => runIllumeCommand({ demo: '6', rounds: '1', epochs: '1', out, json: true, overwrite: true }, () => undefined));
    expect(partial).toEqual([]);
    expect(JSON.parse(readFileSync(out, 'utf8')).rounds).toHaveLength(1);
    expect(readdirSync(d)).toEqual(['illume.json']);
  });
});

describe('askfirst feedback import --demo into an existing project', () => {
  it('run again, it adds what is missing; with another image folder it is refused, saying what to give', async () => {
    const d = tmpDir('af-cli-fb-again');
    const dbDir = join(d, 'db');
    const out: string[] = [];
    await runImport({ dbDir, project: 'again', demo: '2', labelsPerItem: '1', tasks: ['ask'] }, (s) => out.push(s));
    // a second run (e.g. after the first stopped part-way) completes the project
    await runImport({ dbDir, project: 'again', demo: '3', labelsPerItem: '1', tasks: ['ask'] }, (s) => out.push(s));
    expect(out[1]).toMatch(/^project again: 1 new demo items \(2 already there\), 3 tasks/);
    const images = join(d, 'images', 'again');
    await expect(runImport({ dbDir, project: 'again', demo: '2', images: join(d, 'elsewhere'), tasks: ['ask'] }, () => undefined)).rejects.toThrow(
      `project "again" takes its images from ${images}, not ${join(d, 'elsewhere')} (its items' image paths are relative to that folder): give --images ${images} to add to it, or use another --project for these episodes`,
    );
  });
});

describe('askfirst feedback import --demo run again', () => {
  it('never leaves an image of an item already there half-written', async () => {
    const d = tmpDir('af-cli-fb-images');
    const dbDir = join(d, 'db');
    await runImport({ dbDir, project: 'imgs', demo: '2', labelsPerItem: '1', tasks: ['ask'] }, () => undefined);
    const dirImages = join(d, 'images', 'imgs');
    const image = join(dirImages, readdirSync(dirImages).sort()[0]);
    const before = readFileSync(image, 'utf8');
    const partial = await partialContents(image, before, () => runImport({ dbDir, project: 'imgs', demo: '2', labelsPerItem: '1', tasks: ['ask'] }, () => undefined));
    expect(partial).toEqual([]);
    expect(readFileSync(image, 'utf8')).toBe(before);
    expect(readdirSync(dirImages).filter((f) => !f.endsWith('.png'))).toEqual([]);
  });
});

describe('askfirst feedback illume --suite with --demo', () => {
  it('is refused, saying which to drop (--demo was ignored)', async () => {
    await expect(runIllumeCommand({ suite: 'some/suite', demo: '6', rounds: '1', json: true }, () => undefined)).rejects.toThrow(
      'give one of --suite DIR (items from that suite) or --demo N (N demo episodes), not both: drop --demo to use some/suite, or --suite to use demo episodes',
    );
  });
});

describe('askfirst feedback illume: a split that holds out every episode', () => {
  it('is refused, saying what to change, instead of training on nothing and printing coverage "NaN%"', async () => {
    const lines: string[] = [];
    await expect(runIllumeCommand({ demo: '2', heldOut: '0.9', rounds: '1', epochs: '1' }, (l) => lines.push(l))).rejects.toThrow(
      '--held-out 0.9 of the 2 episodes of --demo 2 holds out 2, leaving none to train on: lower --held-out or use more episodes (at least 2)',
    );
    expect(lines).toEqual([]);
    // one held out of two: trained and reported, every share a percentage
    await runIllumeCommand({ demo: '2', heldOut: '0.5', rounds: '1', epochs: '1' }, (l) => lines.push(l));
    expect(lines[0]).toMatch(/^ILLUME: 2 training items, 2 held-out/);
    expect(lines[1]).toMatch(/^round 1: coverage \d+\.\d% \(cumulative \d+\.\d%\)/);
  });
});

describe('askfirst feedback illume: a round in which the critic accepted nothing', () => {
  it('fits nothing and says so, where it printed "loss NaN" (JSON: loss null); later rounds fit and print their loss', async () => {
    const lines: string[] = [];
    await runIllumeCommand({ demo: '2', heldOut: '0.5', rounds: '2', epochs: '1' }, (l) => lines.push(l));
    // seed 1's first round accepts none of the two training items' rationales, its second one
    expect(lines[1]).toMatch(/^round 1: coverage 0\.0% \(cumulative 0\.0%\), accepted 0, held-out rationale accuracy \d+\.\d%, no accepted rationale: nothing fitted$/);
    expect(lines[2]).toMatch(/^round 2: .*accepted [1-9]\d*, .*, loss \d+\.\d{3}$/);
    expect(lines.join('\n')).not.toContain('NaN');
    const json: string[] = [];
    await runIllumeCommand({ demo: '2', heldOut: '0.5', rounds: '1', epochs: '1', json: true }, (l) => json.push(l));
    expect(JSON.parse(json[1]).rounds[0]).toMatchObject({ accepted: 0, loss: null });
  });
});

describe('askfirst feedback import and illume: options the chosen mode does not read', () => {
  it('are refused by name before any database is opened (they were ignored)', async () => {
    const d = tmpDir('askfirst-fb-unread');
    const dbDir = join(d, 'db');
    await expect(runImport({ dbDir, project: 'p', suite: join(d, 'nosuite'), images: join(d, 'imgs') }, () => undefined)).rejects.toThrow(
      "--images does not apply with --suite: it is read with --demo only (a suite's own folder is its image folder); leave it out",
    );
    await expect(runImport({ dbDir, project: 'p', demo: '2', policy: 'oracle', limit: '1' }, () => undefined)).rejects.toThrow(
      '--policy, --limit do not apply with --demo: they are read with --suite only (demo items come with scripted first replies, and --demo N is their number); leave them out',
    );
    await expect(runIllumeCommand({ demo: '6', port: '9999', rounds: '1', json: true }, () => undefined)).rejects.toThrow(
      '--port does not apply with --critic auto (the default): it is read by --critic workbench only (the automatic critic needs no workbench); leave it out, or add --critic workbench',
    );
    expect(readdirSync(d)).toEqual([]);
  });
});

describe('feedback commands on PGlite say which database they open (it takes seconds)', () => {
  it('one line on stderr, before opening; stdout keeps only the output (--json parses)', async () => {
    const { buildProgram } = await import('./main.js');
    const { vi } = await import('vitest');
    const dbDir = join(tmpDir('askfirst-fb-opening'), 'db');
    const err: { line: string; dbThere: boolean }[] = [];
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push({ line: String(s), dbThere: existsSync(dbDir) }), true));
    const o = captureConsole('log');
    const out = o.lines;
    try {
      const program = (await buildProgram()).exitOverride();
      await program.parseAsync(['node', 'askfirst', 'feedback', 'import', '--db-dir', dbDir, '--project', 'p', '--demo', '2', '--tasks', 'ask']);
      await program.parseAsync(['node', 'askfirst', 'feedback', 'agreement', '--db-dir', dbDir, '--project', 'p', '--json']);
    } finally {
      e.mockRestore();
      o.restore();
    }
    expect(err).toEqual([
      { line: `feedback import: creating a new feedback database in ${dbDir}: it does not exist yet; to open an existing one, check the path\n`, dbThere: false },
      { line: `feedback import: opening the feedback database in ${dbDir} (PGlite: a few seconds)\n`, dbThere: false },
      { line: `feedback agreement: opening the feedback database in ${dbDir} (PGlite: a few seconds)\n`, dbThere: true },
    ]);
    expect(out[0]).toMatch(/^project p: 2 new demo items/);
    expect(JSON.parse(out[1])).toEqual([]);
    expect(out).toHaveLength(2);
  }, 180_000);
});

describe('askfirst feedback import --suite with view paths eval reads', () => {
  it('"./images/…" imports as "images/…"; images linked from outside the suite are refused, naming the episode, before any database is made', async () => {
    const d = tmpDir('af-cli-fb-paths');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    const lines = readFileSync(join(suite, 'episodes.jsonl'), 'utf8').trim().split('\n');
    const dotted = lines.map((l) => {
      const ep = JSON.parse(l) as { views: { path: string }[] };
      ep.views = ep.views.map((v) => ({ path: `./${v.path}` }));
      return JSON.stringify(ep);
    });
    writeFileSync(join(suite, 'episodes.jsonl'), dotted.join('\n') + '\n');
    const out: string[] = [];
    // was "image path "./images/camera-00000_v0.png" is not a plain relative path inside the project's image folder", after the database was made
    await runImport({ dbDir: join(d, 'db'), project: 'dots', suite, labelsPerItem: '1', tasks: ['ask'] }, (s) => out.push(s));
    expect(out[0]).toMatch(/^project dots: 1 new items from /);

    const linked = join(d, 'linked');
    mkdirSync(linked);
    writeFileSync(join(linked, 'episodes.jsonl'), lines.join('\n') + '\n');
    symlinkSync(join(suite, 'images'), join(linked, 'images'));
    const first = (JSON.parse(lines[0]) as { id: string; views: { path: string }[] });
    await expect(runImport({ dbDir: join(d, 'db2'), project: 'linked', suite: linked, tasks: ['ask'] }, () => undefined)).rejects.toThrow(
      `--suite ${linked}: episode ${first.id} view 0: image path ${JSON.stringify(first.views[0].path)} leads outside the image folder (symlink); the workbench serves only images inside the suite folder: copy them in instead of linking`,
    );
    expect(existsSync(join(d, 'db2'))).toBe(false);
  });
});

describe('askfirst feedback import --suite --limit', () => {
  it('reads the suite only up to its limit: the same first episodes, the lines after them not read (it read and held the whole suite first)', async () => {
    const d = tmpDir('af-cli-fb-limit');
    const suite = join(d, 'suite');
    const eps = generateSuite({ episodes: 2, seed: 3, kinds: ['camera', 'sketch'] });
    await writeSuite(suite, eps);
    appendFileSync(join(suite, 'episodes.jsonl'), '{"a line --limit 3 does not get to"\n');
    const out: string[] = [];
    await runImport({ dbDir: join(d, 'db'), project: 'lim', suite, labelsPerItem: '1', tasks: ['ask'], limit: '3', progress: false }, (s) => out.push(s));
    expect(out[0]).toMatch(/^project lim: 3 new items from /);
    const store = await FeedbackStore.open(await openDb({ dataDir: join(d, 'db') }));
    try {
      const rows = await store.db.query<{ external_id: string }>('SELECT external_id FROM items ORDER BY id');
      expect(rows.map((r) => r.external_id)).toEqual(eps.slice(0, 3).map((e) => e.id));
    } finally {
      await store.close();
    }
  });
});

describe('askfirst feedback import --suite, progress', () => {
  it('shows a bar over the episodes replied to and added, after the one reading the suite (20,000 took minutes without a word); --no-progress keeps quiet', async () => {
    const d = tmpDir('af-cli-fb-import-progress');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 2, seed: 3, kinds: ['camera', 'sketch'] }));
    const said: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    try {
      const run = (project: string, extra: Record<string, unknown>) => runImport({ dbDir: join(d, 'db'), project, suite, labelsPerItem: '1', tasks: ['ask'], ...extra }, () => undefined);
      await run('shown', {});
      // piped (not a terminal): each bar's first line, then the one saying it finished (a line every 5 s between them,
      // if a loaded machine takes that long)
      const bar = (name: string) => said.filter((l) => l.startsWith(`${name}: `));
      expect(said).toEqual([...bar('reading suite'), ...bar('importing')]);
      for (const [name, unit] of [['reading suite', 'lines'], ['importing', 'episodes']]) {
        expect(bar(name)[0]).toBe(`${name}: 1/4 ${unit}\n`);
        expect(bar(name).at(-1)).toMatch(new RegExp(`^${name}: 4/4 ${unit} in [0-9.]+s\n$`));
      }
      said.length = 0;
      await run('quiet', { progress: false });
      expect(said).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('askfirst feedback import --suite, a large suite', () => {
  it('reads the episodes again as they go in, not held: 128 MB of episodes go through a 64 MB heap', async () => {
    const d = tmpDir('af-cli-fb-import-heap');
    const suite = join(d, 'suite');
    const eps = await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera', 'sketch'] }));
    // 128 copies under new ids with 1 MB in their meta (not in the items: --tasks ask): holding the suite, as import did, needs 128 MB
    const pad = 'x'.repeat(2 ** 20);
    for (let i = 0; i < 128; i++) appendFileSync(join(suite, 'episodes.jsonl'), JSON.stringify({ ...eps[i % 2], id: `copy-${i}`, meta: { ...eps[i % 2].meta, padding: pad } }) + '\n');
    const args = ['feedback', 'import', '--db-dir', join(d, 'db'), '--project', 'big', '--suite', suite, '--tasks', 'ask', '--no-progress'];
    const { stdout } = await promisify(execFile)(process.execPath, ['--max-old-space-size=64', join(packageRoot(), 'bin', 'askfirst.js'), ...args]);
    expect(stdout).toMatch(/^project big: 130 new items from .* \(0 already there\), replies by random/);
  }, 120_000);
});

describe('askfirst feedback illume --suite --limit', () => {
  it('takes the first N episodes, as import --limit does (the same reader), reading no further: the report of a suite of just those (it had no --limit, and read and decoded every episode)', async () => {
    const d = tmpDir('af-cli-illume-limit');
    const eps = generateSuite({ episodes: 3, seed: 3, kinds: ['camera', 'sketch'] });
    const suite = join(d, 'suite');
    const first = join(d, 'first');
    await writeSuite(suite, eps);
    await writeSuite(first, eps.slice(0, 4));
    appendFileSync(join(suite, 'episodes.jsonl'), '{"a line --limit 4 does not get to"\n');
    const opts = { rounds: '2', epochs: '2', heldOut: '0.25', json: true, progress: false };
    const report = async (o: Record<string, unknown>) => {
      const out: string[] = [];
      await runIllumeCommand({ ...opts, ...o }, (l) => out.push(l));
      return (JSON.parse(out.at(-1)!) as { rounds: { seconds?: number }[] }).rounds.map(({ seconds, ...r }) => (void seconds, r));
    };
    const limited = await report({ suite, limit: '4' });
    expect(limited).toEqual(await report({ suite: first }));
    expect(limited.length).toBe(2);
    await expect(runIllumeCommand({ ...opts, suite, limit: '1' }, () => undefined)).rejects.toThrow(
      `--held-out 0.25 of the 1 episode of --suite ${suite} --limit 1 holds out 1, leaving none to train on: lower --held-out or use more episodes (at least 2)`,
    );
  });

  it('is refused without --suite, saying it is read with --suite only', async () => {
    await expect(runIllumeCommand({ demo: '6', limit: '3', rounds: '1', json: true }, () => undefined)).rejects.toThrow(
      '--limit does not apply without --suite: it is read with --suite only (--demo N is the number of demo episodes); leave it out',
    );
  });
});

describe('askfirst feedback import --project with a name the store refuses', () => {
  it('is refused with the options, before any database is made (it made an empty one first)', async () => {
    const d = tmpDir('af-cli-fb-name');
    const suite = join(d, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, seed: 3, kinds: ['camera'] }));
    await expect(runImport({ dbDir: join(d, 'db'), project: 'proj é', suite }, () => undefined)).rejects.toThrow(`project: must be 1–64 letters, digits, '.', '_' or '-' (got "proj é")`);
    expect(readdirSync(d)).toEqual(['suite']);
  });
});

describe('askfirst feedback annotator: add, --list, --revoke, --new-token', () => {
  it('lists annotators with their labels and state, revokes (labels kept, open assignments released), replaces a token; one-line errors', async () => {
    const d = tmpDir('af-cli-fb-annot');
    const dbDir = join(d, 'db');
    const out: string[] = [];
    const print = (s: string) => out.push(s);
    // refused before any database is touched
    await expect(runAnnotator(undefined, { dbDir })).rejects.toThrow('give an annotator NAME (to add one, or with --revoke or --new-token), or --list to see them all');
    await expect(runAnnotator('ann', { dbDir, revoke: true, newToken: true })).rejects.toThrow(
      "give one of --revoke (ann's token stops working) or --new-token (a new token replaces theirs), not both: --new-token alone already stops the old token",
    );
    await expect(runAnnotator('ann', { dbDir, list: true })).rejects.toThrow('give an annotator NAME or --list, not both: --list shows every annotator (drop "ann")');
    await expect(runAnnotator(undefined, { dbDir, list: true, revoke: true })).rejects.toThrow('--revoke does not apply with --list: it is read with an annotator NAME only; leave it out');
    await expect(runAnnotator('ann', { dbDir, json: true })).rejects.toThrow('--json does not apply without --list: it is read with --list only; leave it out, or add --list');
    await expect(runAnnotator(undefined, { dbDir, list: true })).rejects.toThrow(/no feedback database|does not exist|not there/i); // a typo makes no empty database
    expect(existsSync(dbDir)).toBe(false);

    await runImport({ dbDir, project: 'annot', demo: '2', labelsPerItem: '1', tasks: ['ask'] }, () => undefined);
    await runAnnotator('ann', { dbDir }, print);
    await runAnnotator('bo', { dbDir }, print);
    const token = (name: string) => out.find((l) => l.startsWith(`annotator ${name} `))!.split('\n')[1];
    const annToken = token('ann');
    expect(annToken).toMatch(/^af_[\w-]{32}$/);
    // ann labels one task and holds the other
    const store = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
    let annId: number;
    try {
      const p = await store.project('annot');
      const who = (await store.authenticate(annToken))!;
      annId = who.id;
      const first = (await store.next(p.id, who.id))!;
      await store.submit(who.id, first.id, 'annot-sub-0001', { verdict: 'ask', option: 0 });
      await store.next(p.id, who.id);
    } finally {
      await store.close();
    }
    out.length = 0;
    const listed = (await runAnnotator(undefined, { dbDir, list: true }, print)) as { name: string }[];
    expect(listed.map((a) => a.name)).toEqual(['ann', 'bo']);
    expect(out[0]).toBe('  id  name  created            last active        labels  open  status');
    expect(out[1]).toMatch(/^ {3}\d {2}ann {3}\d{4}-\d\d-\d\d \d\d:\d\dZ {2}\d{4}-\d\d-\d\d \d\d:\d\dZ {7}1 {5}1 {2}active$/);
    expect(out[2]).toMatch(/^ {3}\d {2}bo {4}\d{4}-\d\d-\d\d \d\d:\d\dZ {2}– {23}0 {5}0 {2}active$/); // never active: the placeholder every table prints for a missing value

    out.length = 0;
    await runAnnotator('ann', { dbDir, revoke: true }, print);
    expect(out).toEqual([`annotator ann (id ${annId}) revoked: a running workbench refuses their labels and play steps at once, and their token within 5 s; 1 open assignment went back to the queue; their 1 label stays`]);
    await expect(runAnnotator('nobody', { dbDir, revoke: true })).rejects.toThrow('no annotator "nobody": `askfirst feedback annotator --list` lists them; `askfirst feedback annotator nobody` adds one');
    out.length = 0;
    await runAnnotator(undefined, { dbDir, list: true, json: true }, print);
    const rows = JSON.parse(out[0]) as { name: string; labels: number; open: number; revokedAt: string | null }[];
    expect(rows[0]).toMatchObject({ name: 'ann', labels: 1, open: 0 });
    expect(rows[0].revokedAt).not.toBeNull();
    expect(rows[1]).toMatchObject({ name: 'bo', revokedAt: null });

    out.length = 0;
    await runAnnotator('ann', { dbDir, newToken: true }, print);
    const [said, newToken] = out[0].split('\n');
    expect(said).toBe(`annotator ann (id ${annId}); reinstated (was revoked): new token (keep it secret, it is not stored); a running workbench refuses labels and play steps sent with the old one at once, and the old one within 5 s:`);
    const store2 = await FeedbackStore.open(await openDb({ dataDir: dbDir }));
    try {
      expect(await store2.authenticate(annToken)).toBeNull();
      expect(await store2.authenticate(newToken)).toEqual({ id: annId, name: 'ann' });
    } finally {
      await store2.close();
    }
  });
});
