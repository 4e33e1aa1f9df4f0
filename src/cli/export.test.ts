import { Command } from 'commander';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateSuite } from '../suite/generate.js';
import { writeSuite } from '../suite/io.js';
import { tmpDir } from '../testing/tmp.js';
import { register } from './export-command.js';

// process.exit is mocked in these tests: exit at once, as exitAfterOutput does when no output waits (its waiting is
// tested in util/exit-after-output.test.ts and, with the real command, interrupt.test.ts "its pipe full")
vi.mock('../util/exit-after-output.js', async (original) => ({ ...(await original<typeof import('../util/exit-after-output.js')>()), exitAfterOutput: (code: number) => process.exit(code) }));

afterEach(() => vi.restoreAllMocks());

describe('askfirst export --help', () => {
  it('says what each trainer reads of a trl export: OpenRLHF its train.jsonl as it is (it said "after a small conversion"), verl by its converter', async () => {
    const program = new Command().exitOverride();
    register(program);
    let help = '';
    program.commands.find((c) => c.name() === 'export')!.configureOutput({ writeOut: (s) => (help += s) });
    await expect(program.parseAsync(['node', 'askfirst', 'export', '--help'])).rejects.toThrow();
    const flat = help.replace(/\s+/g, ' ');
    expect(flat).toContain('OpenRLHF reads its train.jsonl as it is, exported with --absolute-paths');
    expect(flat).not.toContain('small conversion');
    expect(flat).toContain('--absolute-paths');
    // --out's earlier export is replaced with --overwrite only: the option, --out's help and an example say so
    expect(flat).toContain('--overwrite replace an earlier export in --out (without it, one there is refused)');
    expect(flat).toContain('an earlier export with --overwrite (replaced as a whole');
    expect(flat).toContain('--out datasets/askfirst-trl --overwrite');
    // the converter it names is there, and the OpenRLHF launchers take train.jsonl itself
    const root = join(import.meta.dirname, '..', '..');
    expect(flat).toContain('integrations/verl/make_verl_data.py');
    expect(existsSync(join(root, 'integrations/verl/make_verl_data.py'))).toBe(true);
    expect(readFileSync(join(root, 'integrations/openrlhf/launch.sh'), 'utf8')).toMatch(/train\.jsonl from askfirst export --format trl --absolute-paths/);
  });
});

describe('askfirst export --format a trainer', () => {
  it('--format verl or openrlhf says in one line what that trainer reads and how to make it (it said "Did you mean trl?")', async () => {
    const root = join(import.meta.dirname, '..', '..');
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true); // commander's own line
    const run = (format: string) => {
      const program = new Command().exitOverride();
      register(program);
      return program.parseAsync(['node', 'askfirst', 'export', '--format', format, '--data', 'x', '--out', 'y']).then(
        () => '',
        (e: Error) => e.message,
      );
    };
    const verl = await run('verl');
    expect(verl).toContain('askfirst export --format trl --turns first, then python integrations/verl/make_verl_data.py');
    expect(verl).not.toMatch(/Did you mean|\n/);
    expect(verl).toMatch(/; --format takes trl or lmms-eval$/); // the valid ones, as any other bad --format says them
    const openrlhf = await run('OpenRLHF');
    expect(openrlhf).toContain("OpenRLHF reads a trl export's train.jsonl as it is: askfirst export --format trl --absolute-paths");
    expect(openrlhf).toMatch(/; --format takes trl or lmms-eval$/);
    for (const path of ['integrations/verl/make_verl_data.py', 'integrations/verl/README.md', 'integrations/openrlhf/README.md']) expect(existsSync(join(root, path)), path).toBe(true);
    expect(await run('trll')).toContain('Allowed choices are trl, lmms-eval (Did you mean trl?)');
  });
});

describe('askfirst export, stopped by Ctrl-C', () => {
  it('says an export appears in --out only once complete and how to continue, and exits 130', async () => {
    const dir = tmpDir('askfirst-cli-export-int');
    const suite = join(dir, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, kinds: ['sketch'], size: 32 }));
    const program = new Command().exitOverride();
    register(program);
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => (said.push(String(s)), true));
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const before = process.listenerCount('SIGINT');
    // Ctrl-C once the export is under way (its module loads when the action runs, then it listens for signals)
    const ctrlC = (): unknown => (process.listenerCount('SIGINT') > before ? process.emit('SIGINT') : setImmediate(ctrlC));
    setImmediate(ctrlC);
    await program.parseAsync(['node', 'askfirst', 'export', '--data', suite, '--out', join(dir, 'out'), '--no-parquet', '--no-progress']);
    expect(exit.mock.calls.map((c) => c[0])).toEqual([130]);
    expect(said.join('')).toContain(`askfirst: interrupted; an export appears in ${join(dir, 'out')} only once it is complete, and an earlier one there stays until then`);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});

describe('askfirst export, stopped by Ctrl-C part-way', () => {
  it('leaves nothing beside --out: the folder it was filling is removed (a hidden .out.tmp-PID-HEX of the images so far was left for the next run)', async () => {
    const dir = tmpDir('askfirst-cli-export-int-mid');
    const suite = join(dir, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 4, kinds: ['sketch', 'camera'], size: 32 }));
    const program = new Command().exitOverride();
    register(program);
    const said: string[] = [];
    let partial: string[] = [];
    let stopped = false;
    vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
      said.push(String(s));
      // Ctrl-C once the first episode is written into the folder being filled (once: the bar's own stopped line,
      // "exporting: 1/8 episodes, stopped after …", starts the same way)
      if (String(s).startsWith('exporting: 1/') && !stopped) {
        stopped = true;
        partial = readdirSync(dir).filter((n) => n.startsWith('.out.tmp-'));
        process.emit('SIGINT');
      }
      return true;
    });
    let left: string[] = [];
    // what is left when the process exits (exit is mocked here: the export's promise would go on in the background)
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => void (left = readdirSync(dir))) as never);
    await program.parseAsync(['node', 'askfirst', 'export', '--data', suite, '--out', join(dir, 'out')]).catch(() => undefined);
    expect(exit.mock.calls.map((c) => c[0])).toEqual([130]);
    expect(said.join('')).toContain('(the partial one is removed)');
    expect(partial).toHaveLength(1); // it was there when stopped
    expect(left).toEqual(['suite']);
  });
});

describe('askfirst export, progress', () => {
  it('reading the suite is a bar on both paths, then exporting (which writes as it goes); --no-progress keeps quiet', async () => {
    const { runExport } = await import('./export.js');
    const { ExportSchema } = await import('./export-schema.js');
    const d = tmpDir('askfirst-export-progress');
    await writeSuite(join(d, 's'), generateSuite({ episodes: 1, seed: 1, kinds: ['camera', 'sketch'] }));
    const said: string[] = [];
    const inPlace: boolean[] = []; // per line: whether the export was in --out when it was said
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (inPlace.push(existsSync(join(d, 'out', 'README.md'))), said.push(String(s)) > 0));
    const run = (extra: Record<string, unknown>) => runExport(ExportSchema.parse({ data: join(d, 's'), out: join(d, 'out'), overwrite: true, ...extra })); // three runs into one --out
    await run({});
    // piped: each bar's first line and the one saying it finished, in phase order (a first line that comes late, on a
    // loaded machine, carries the rate and ETA: "exporting: 1/2 episodes (0.9/s, ETA 1s)"); after the last episode a
    // 'saving' bar covers the last Parquet row group, syncing the images and the rename into place, so its last line
    // comes once the export is in --out (the bar stopped at the last episode, and the command went on ~0.8 s at 560)
    const first = (what: string) => expect.stringMatching(new RegExp(`^${what}: 1/2 (lines|episodes)( \\([^)]*\\))?\n$`));
    const saving = [expect.stringMatching(/^saving: 1\/4 steps( \([^)]*\))?\n$/), expect.stringMatching(/^saving: 4\/4 steps in [0-9.]+s\n$/)];
    expect(said).toEqual([
      first('reading suite'),
      expect.stringMatching(/^reading suite: 2\/2 lines in [0-9.]+s\n$/),
      first('exporting'),
      expect.stringMatching(/^exporting: 2\/2 episodes in [0-9.]+s\n$/),
      ...saving,
    ]);
    expect(inPlace.at(-1)).toBe(true);
    expect(inPlace.slice(0, -1).every((x) => !x)).toBe(true);
    said.length = 0;
    await run({ parquet: false });
    expect(said.slice(0, 2)).toEqual([first('reading suite'), expect.stringMatching(/^reading suite: 2\/2 lines in [0-9.]+s\n$/)]);
    expect(said.slice(-2)).toEqual(saving);
    said.length = 0;
    await run({ progress: false });
    expect(said).toEqual([]);
  });
});

describe('askfirst export, a view that does not load', () => {
  it('says what --out holds: nothing when it was new (the lock on it made the folder: it said "holds the earlier export"), else the earlier export', async () => {
    const dir = tmpDir('askfirst-cli-export-badview');
    const suite = join(dir, 'suite');
    const written = await writeSuite(suite, generateSuite({ episodes: 2, kinds: ['sketch'], size: 32 }));
    const out = join(dir, 'out');
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true); // its closing line
    const run = (...extra: string[]) => {
      const program = new Command().exitOverride();
      register(program);
      return program.parseAsync(['node', 'askfirst', 'export', '--data', suite, '--no-progress', ...extra]);
    };
    const said: string[] = [];
    vi.mocked(process.stderr.write).mockImplementation((s) => said.push(String(s)) > 0);
    await run('--out', out, '--limit', '1'); // an earlier export of the first episode
    expect(said.at(-1)).toMatch(new RegExp(`^wrote \\d+ rows \\(\\d+ images\\) to ${out}: train.jsonl`)); // a new --out: nothing replaced
    await run('--out', out, '--limit', '1', '--overwrite');
    // the earlier export there is replaced as a whole, and the last line says so (it said nothing)
    expect(said.at(-1)).toMatch(new RegExp(`^wrote \\d+ rows \\(\\d+ images\\) to ${out}, replacing the earlier export there: train.jsonl`));
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    const view = join(suite, (written[1].views[0] as { path: string }).path);
    writeFileSync(view, readFileSync(view).subarray(0, 60)); // the second episode's first view cut short
    await expect(run('--out', out, '--overwrite')).rejects.toThrow(`Nothing was exported (${out} holds the earlier export as it was)`);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe(card);
    const fresh = join(dir, 'fresh');
    await expect(run('--out', fresh, '--overwrite')).rejects.toThrow(`Nothing was exported (${fresh} was not created)`); // --overwrite with nothing there: a new folder
    expect(existsSync(fresh)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['out', 'suite']);
  });
});

describe('askfirst export, options and --out refused before the data is read', () => {
  it('a --turns the --format does not take, and an --out holding other files: one line each, no suite read, nothing written', async () => {
    const dir = tmpDir('askfirst-cli-export-early');
    const suite = join(dir, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 1, kinds: ['sketch'], size: 32 }));
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'mine');
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const run = (...args: string[]) => {
      const program = new Command().exitOverride();
      register(program);
      return program.parseAsync(['node', 'askfirst', 'export', '--data', suite, ...args]);
    };
    // the suite was read first (a bar, seconds on a large suite), and only then were these refused
    await expect(run('--out', join(dir, 'l'), '--format', 'lmms-eval', '--turns', 'path')).rejects.toThrow(/^--format lmms-eval exports the first turn of each episode/);
    await expect(run('--out', join(dir, 't'), '--turns', 'episode')).rejects.toThrow(/^--turns episode is for --format lmms-eval/);
    await expect(run('--out', other)).rejects.toThrow(`--out ${other} is not empty and is not an earlier \`askfirst export\` (it holds notes.txt)`);
    expect(said.join('')).not.toContain('reading suite');
    expect(readdirSync(dir).sort()).toEqual(['other', 'suite']);
    expect(readdirSync(other)).toEqual(['notes.txt']);
  });
});

describe('askfirst export over an earlier export', () => {
  it('is refused without --overwrite, in one line naming it, before the data is read (it replaced it, as feedback export and suite show do not); with --overwrite it is replaced', async () => {
    const dir = tmpDir('askfirst-cli-export-overwrite');
    const suite = join(dir, 'suite');
    await writeSuite(suite, generateSuite({ episodes: 2, kinds: ['sketch'], size: 32 }));
    const out = join(dir, 'out');
    const said: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => said.push(String(s)) > 0);
    const run = (...extra: string[]) => {
      const program = new Command().exitOverride();
      register(program);
      return program.parseAsync(['node', 'askfirst', 'export', '--data', suite, '--out', out, '--no-parquet', ...extra]);
    };
    await run('--limit', '1', '--no-progress'); // the earlier export: one episode
    const card = readFileSync(join(out, 'README.md'), 'utf8');
    const rows = readFileSync(join(out, 'train.jsonl'), 'utf8');
    said.length = 0;
    const refused = await run().then(
      () => 'exported',
      (e: Error) => e.message,
    );
    expect(refused).toBe(`--out ${out} holds an earlier export: add --overwrite to replace it (as a whole), or give another --out`);
    expect(said.join('')).not.toContain('reading suite'); // refused before the data is read (the bar is on)
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe(card);
    expect(readFileSync(join(out, 'train.jsonl'), 'utf8')).toBe(rows);
    expect(readdirSync(dir).sort()).toEqual(['out', 'suite']); // nothing beside it
    // the library asks again once the data is read (under the lock on --out): refused there too
    const { exportTrl } = await import('../environment/trl-export.js');
    await expect(exportTrl([], async () => ({ width: 1, height: 1, data: new Uint8Array(3) }), { out, turns: 'path', overwrite: false })).rejects.toThrow(/holds an earlier export: add --overwrite/);
    await run('--overwrite', '--no-progress');
    expect(said.at(-1)).toMatch(new RegExp(`^wrote \\d+ rows \\(\\d+ images\\) to ${out}, replacing the earlier export there: train.jsonl`));
    expect(readFileSync(join(out, 'train.jsonl'), 'utf8').split('\n').length).toBeGreaterThan(rows.split('\n').length); // two episodes now
  });
});
