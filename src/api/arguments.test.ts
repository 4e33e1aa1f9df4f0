/**
 * Bad arguments to the library's calls (api/arguments.ts) are refused before any work, in one line naming the call, the
 * option and what to give (an AskfirstError with a `code`), not dropped unread or failed deep inside with a TypeError.
 * Before: `evaluate({ modes: ['proactiv'] })` played and summarised a mode "proactiv", `modes: 'proactive'` one mode per
 * letter, `evaluate({ outdir })` and `generateSuite({ episode: 2 })` dropped the option unread (70 episodes per kind),
 * `createPolicy('oracle')` and `loadData()` failed with a TypeError from inside the package.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as askfirst from './index.js';
import { tmpDir } from '../testing/tmp.js';

const { createPolicy, evaluate, generateSuite, loadData, memoryLoader, writeSuite } = askfirst;

/** The call's refusal: an AskfirstError of `code` whose message is one line and is `message`. */
async function refusal(call: () => unknown, code: string): Promise<string> {
  try {
    await call();
  } catch (e) {
    expect(e).toBeInstanceOf(askfirst.AskfirstError);
    expect((e as askfirst.AskfirstError).code).toBe(code);
    const message = (e as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('not refused');
}

describe("the library's calls check their arguments first", () => {
  it('evaluate refuses an unknown option, a mode that is none, modes as a string, a spec for a policy, a missing loader', async () => {
    const episodes = generateSuite({ episodes: 1, seed: 0, kinds: ['camera'], size: 32 });
    const policy = await createPolicy('oracle', { episodes, seed: 0 });
    const good = { episodes, loader: memoryLoader, policy, modes: ['proactive'] as const };
    const bad = (o: Record<string, unknown>) => () => evaluate({ ...good, ...o } as unknown as Parameters<typeof evaluate>[0]);
    expect(await refusal(bad({ outdir: 'x' }), 'BAD_INPUT')).toMatch(/^evaluate\(\): unknown option "outdir"; the options: episodes, loader, policy, modes, out, /);
    expect(await refusal(bad({ modes: ['proactiv'] }), 'BAD_INPUT')).toBe('evaluate(): unknown mode "proactiv" (Did you mean proactive?); the modes: proactive, hint, reference');
    expect(await refusal(bad({ modes: 'proactive' }), 'BAD_INPUT')).toBe(`evaluate(): modes must be a non-empty list of proactive, hint, reference (a list: ['proactive']) (got "proactive")`);
    expect(await refusal(bad({ modes: [] }), 'BAD_INPUT')).toMatch(/^evaluate\(\): modes must be a non-empty list/);
    expect(await refusal(bad({ modes: ['hint', 'hint'] }), 'BAD_INPUT')).toBe('evaluate(): modes names "hint" twice: give each mode once');
    expect(await refusal(bad({ policy: 'oracle' }), 'BAD_INPUT')).toBe(`evaluate(): policy must be a Policy object ({ name, act }): await createPolicy("oracle", { episodes, seed: 0 }) makes one from a spec (got "oracle")`);
    expect(await refusal(bad({ loader: undefined }), 'BAD_INPUT')).toMatch(/^evaluate\(\): loader must be the episodes' view loader .* \(got undefined\)$/);
    expect(await refusal(bad({ episodes: 3 }), 'BAD_INPUT')).toMatch(/^evaluate\(\): episodes must be a list of episodes .* \(got 3\)$/);
    expect(await refusal(bad({ out: 5 }), 'BAD_INPUT')).toBe('evaluate(): out must be a non-empty string (got 5)');
    expect(await refusal(bad({ batchSize: 0 }), 'BAD_INPUT')).toBe('evaluate(): batchSize must be a whole number, at least 1 (got 0)');
    expect(await refusal(bad({ notice: 'stderr' }), 'BAD_INPUT')).toMatch(/^evaluate\(\): notice must be a function .* \(got "stderr"\)$/);
    expect(await refusal(() => evaluate(undefined as never), 'BAD_INPUT')).toMatch(/^evaluate\(\): give one options object, \{ episodes, loader, policy, modes, out\? \} \(got undefined\)$/);
    // the options it knows, as before
    expect((await evaluate({ ...good, batchSize: 4, showProgress: false })).summaries.proactive?.accuracy).toBe(1);
  });

  it('generateSuite refuses an unknown option and names a bad one as the call spells it', async () => {
    expect(await refusal(() => generateSuite({ episode: 2 } as never), 'BAD_INPUT')).toBe('generateSuite(): unknown option "episode" (Did you mean episodes?); the options: episodes, kinds, seed, size, controlShare');
    expect(await refusal(() => generateSuite({ episodes: 1, controlShare: 2 }), 'BAD_CONFIG')).toBe('generateSuite(): controlShare: must be at most 1 (got 2)'); // was "control-share", the CLI's setting
    // was "give at least one value, comma-separated", the command line's words
    expect(await refusal(() => generateSuite({ kinds: 'camera' } as never), 'BAD_CONFIG')).toBe('generateSuite(): kinds: must be a list, not one string: pass ["camera"] (got "camera")');
    expect(await refusal(() => generateSuite({ kinds: 'camera, hidden' } as never), 'BAD_CONFIG')).toBe('generateSuite(): kinds: must be a list, not one string: pass ["camera", "hidden"] (got "camera, hidden")');
    expect(generateSuite({ episodes: 1, kinds: ['camera'], size: 32 })).toHaveLength(1);
  });

  it('createPolicy, loadData and writeSuite refuse arguments of the wrong type in one line', async () => {
    expect(await refusal(() => createPolicy('oracle', undefined as never), 'BAD_INPUT')).toMatch(/^createPolicy\(\): give one options object, its second argument \{ episodes, seed \}/);
    expect(await refusal(() => createPolicy(5 as never, { episodes: [], seed: 0 }), 'BAD_INPUT')).toBe('createPolicy(): spec must be a non-empty string (got 5)');
    expect(await refusal(() => createPolicy('oracle', { episodes: [], seed: 0, epsiodes: [] } as never), 'BAD_INPUT')).toMatch(/^createPolicy\(\): unknown option "epsiodes" \(Did you mean episodes\?\)/);
    expect(await refusal(() => createPolicy('oracle', { episodes: [], seed: -1 }), 'BAD_INPUT')).toBe('createPolicy(): seed must be a whole number, at least 0 (got -1)');
    expect(await refusal(() => loadData(undefined as never), 'BAD_INPUT')).toBe('loadData(): spec (a folder: DIR, suite:DIR or proactivebench:DIR) must be a non-empty string (got undefined)');
    expect(await refusal(() => loadData('x', { limt: 2 } as never), 'BAD_INPUT')).toMatch(/^loadData\(\): unknown option "limt" \(Did you mean limit\?\)/);
    const root = tmpDir('askfirst-api-arguments');
    expect(await refusal(() => writeSuite(5 as never, []), 'BAD_INPUT')).toBe('writeSuite(): dir must be a non-empty string (got 5)');
    expect(await refusal(() => writeSuite(join(root, 's'), 5 as never), 'BAD_INPUT')).toMatch(/^writeSuite\(\): episodes must be the episodes to write .* \(got 5\)$/);
    expect(readdirSync(root)).toEqual([]); // nothing written
  });

  it("loadData's errors about the data name its spec and options, not the CLI's --data and --kinds", async () => {
    const root = tmpDir('askfirst-api-load-data');
    const missing = join(root, 'none');
    // before: "--data: no directory at …", a flag the library has none of
    expect(await refusal(() => loadData(missing), 'NOT_FOUND')).toBe(`loadData(): no directory at ${missing}`);
    writeFileSync(join(root, 'f.txt'), 'x');
    expect(await refusal(() => loadData(join(root, 'f.txt')), 'BAD_INPUT')).toBe(`loadData(): spec ${JSON.stringify(join(root, 'f.txt'))} is a file; give the folder that holds it (here: ${root})`);
    expect(await refusal(() => loadData('suite:'), 'BAD_INPUT')).toBe('loadData(): spec "suite:" names no folder; give suite:DIR (the folder of the data)');
    mkdirSync(join(root, 'up'));
    await writeSuite(join(root, 'up', 'test'), generateSuite({ episodes: 1, seed: 0, kinds: ['camera'], size: 32 }));
    expect(await refusal(() => loadData(join(root, 'up')), 'BAD_INPUT')).toMatch(/^loadData\(\): spec ".*up": found neither .* \(it holds test\/, which does\): call loadData\(".*test"\)$/);
    expect(await refusal(() => loadData(join(root, 'up', 'test'), { kinds: ['cammera'] }), 'BAD_INPUT')).toBe(`loadData(): kinds: cammera not in ${join(root, 'up', 'test')} (it has: camera)`);
    expect((await loadData(join(root, 'up', 'test'))).episodes).toHaveLength(1);
  });

  it("loadData tells a library caller to write a suite with writeSuite(), not with askfirst suite generate", async () => {
    // before: each said "generate one with `askfirst suite generate --out DIR`", a command the caller never ran
    const root = tmpDir('askfirst-api-load-data-write');
    const write = (d: string) => `\`writeSuite(${JSON.stringify(d)}, generateSuite())\``;
    const empty = join(root, 'empty');
    mkdirSync(empty);
    expect(await refusal(() => loadData(empty), 'BAD_INPUT')).toBe(
      `loadData(): spec ${JSON.stringify(empty)}: found neither episodes.jsonl (askfirst suite) nor *_preprocessed.jsonl (ProactiveBench); generate one with ${write(empty)}`,
    );
    const other = join(root, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'x');
    expect(await refusal(() => loadData(other), 'BAD_INPUT')).toBe(
      `loadData(): spec ${JSON.stringify(other)}: found neither episodes.jsonl (askfirst suite) nor *_preprocessed.jsonl (ProactiveBench) (it holds notes.txt); give the folder of a suite (writeSuite()'s dir) or of ProactiveBench's data`,
    );
    const none = join(root, 'no-episodes');
    mkdirSync(none);
    writeFileSync(join(none, 'episodes.jsonl'), '');
    expect(await refusal(() => loadData(none), 'BAD_DATA')).toBe(`loadData(): spec ${JSON.stringify(none)}: it holds no episodes (episodes.jsonl is empty); generate some with ${write(none)}`);
    // the suite reader's own refusals (suite:DIR with no episodes.jsonl; a suite.json of a newer askfirst)
    expect(await refusal(() => loadData(`suite:${other}`), 'NOT_FOUND')).toBe(`no suite at ${other}: ${join(other, 'episodes.jsonl')} does not exist (write one with ${write(other)})`);
    writeFileSync(join(none, 'suite.json'), JSON.stringify({ format: 'askfirst-suite', version: 99 }));
    expect(await refusal(() => loadData(none), 'BAD_DATA')).toMatch(/: written by a newer askfirst .*: upgrade askfirst to read it, or generate one with this askfirst \(writeSuite\(\)\) into another folder$/);
  });

  it('writeSuite refuses an episode that is none in one line, writing nothing', async () => {
    const root = tmpDir('askfirst-api-write-bad');
    const [ep] = generateSuite({ episodes: 1, seed: 0, kinds: ['camera'], size: 32 });
    // before: "Cannot read properties of undefined (reading 'replace')" from inside the package
    expect(await refusal(() => writeSuite(join(root, 'a'), [{} as never]), 'BAD_INPUT')).toMatch(/^writeSuite\(\): episodes\[0\] is not an episode: id must be a non-empty string; kind must be/);
    expect(await refusal(() => writeSuite(join(root, 'b'), [ep, 5 as never]), 'BAD_INPUT')).toBe('writeSuite(): episodes[1] must be an episode, an object (got 5)');
    // before: written, for loadData to refuse later
    const { answer: _, ...noAnswer } = ep;
    expect(await refusal(() => writeSuite(join(root, 'c'), [noAnswer as never]), 'BAD_INPUT')).toBe(`writeSuite(): episodes[0] ("${ep.id}") is not an episode: answer is missing (it must be a category index (0..${ep.categories.length - 1}))`);
    expect(await refusal(() => writeSuite(join(root, 'd'), [{ ...ep, views: [5 as never, ...ep.views.slice(1)] }]), 'BAD_INPUT')).toBe(`writeSuite(): episodes[0] ("${ep.id}") is not an episode: views[0] must be { image } (its pixels) or { path } (a file inside dir)`);
    expect(readdirSync(root)).toEqual([]);
    // what it wrote before, still
    expect((await writeSuite(join(root, 'ok'), [ep])).map((e) => e.id)).toEqual([ep.id]);
  });

  it('gapClosed refuses an accuracy or an episode count that is none in one line (it threw a TypeError, or gave NaN)', async () => {
    const { gapClosed } = askfirst;
    // before: a TypeError (a three-argument call from JavaScript), NaN (a summary object, undefined), or a string read as its number
    expect(await refusal(() => (gapClosed as (...a: unknown[]) => number)(0.5, 0.2, 0.8), 'BAD_INPUT')).toBe(
      "gapClosed(): episodes must be the number of episodes the accuracies are over, a whole number ≥ 0 (a summary's .episodes) (got undefined)",
    );
    expect(await refusal(() => gapClosed(0.5, 0.2, 0.8, 2.5), 'BAD_INPUT')).toMatch(/^gapClosed\(\): episodes must be .* \(got 2\.5\)$/);
    expect(await refusal(() => gapClosed({ accuracy: 0.5 } as never, 0.2, 0.8, 100), 'BAD_INPUT')).toBe("gapClosed(): acc must be an accuracy, a number from 0 to 1 (a summary's .accuracy) (got an object)");
    expect(await refusal(() => gapClosed(0.5, '0.2' as never, 0.8, 100), 'BAD_INPUT')).toMatch(/^gapClosed\(\): untrained must be an accuracy, .* \(got "0\.2"\)$/);
    expect(await refusal(() => gapClosed(0.5, 0.2, 80, 100), 'BAD_INPUT')).toMatch(/^gapClosed\(\): reference must be an accuracy, a number from 0 to 1 .* \(got 80\)$/);
    // what it gave before, still
    expect(gapClosed(0.5, 0.2, 0.8, 100)).toBeCloseTo(0.5, 12);
    expect(gapClosed(0.5, 0.8, 0.8, 100)).toBeNaN();
    expect(gapClosed(Number.NaN, 0.2, 0.8, 100)).toBeNaN(); // a summary of no episodes
  });

  it('summarize, intervalSummary and pngDataUrl refuse an argument of the wrong shape in one line', async () => {
    // before: "records is not iterable" and Node's RangeError, from inside the package
    expect(await refusal(() => askfirst.summarize(5 as never), 'BAD_INPUT')).toBe("summarize(): records must be a list of episode records (evaluate()'s records, or the lines of a results.jsonl) (got 5)");
    expect(await refusal(() => askfirst.intervalSummary({} as never), 'BAD_INPUT')).toMatch(/^intervalSummary\(\): records must be a list of episode records .* \(got an object\)$/);
    expect(await refusal(() => askfirst.summarize([null] as never), 'BAD_INPUT')).toBe('summarize(): records[0] must be an episode record, an object (got null)');
    // before: summarised as a kind "undefined" at 0 % accuracy
    expect(await refusal(() => askfirst.summarize([{}] as never), 'BAD_INPUT')).toBe('summarize(): records[0]: not an episode record ({})');
    expect(await refusal(() => askfirst.intervalSummary([{ id: 'e1', kind: 'camera' }] as never), 'BAD_INPUT')).toMatch(/^intervalSummary\(\): records\[0\]: the record of episode "e1" is damaged: outcome is missing/);
    expect(await refusal(() => askfirst.pngDataUrl({ width: 2 } as never), 'BAD_INPUT')).toBe('pngDataUrl(): image.height must be a whole number, at least 1 (got undefined)');
    expect(await refusal(() => askfirst.pngDataUrl({ width: 2, height: 1, data: new Uint8Array(5) }), 'BAD_INPUT')).toBe('pngDataUrl(): image.data holds 5 bytes; width × height × 3 (RGB) is 6 (2 × 1 × 3)');
    expect(await refusal(() => askfirst.pngDataUrl(undefined as never), 'BAD_INPUT')).toBe('pngDataUrl(): image must be an RGBImage { width, height, data } (got undefined)');
    // what they did before, still
    expect(askfirst.pngDataUrl({ width: 2, height: 1, data: new Uint8Array(6) })).toMatch(/^data:image\/png;base64,iVBOR/);
    expect(askfirst.summarize([]).episodes).toBe(0);
    expect(askfirst.intervalSummary([]).byKind).toEqual({});
  });
});
