/**
 * dataSpec (suite/open.ts): a --data folder that holds no data says what to do about it in one line — generate a suite
 * there when it is empty; otherwise name what it holds (a run folder given as the data), or the folder inside that holds
 * the data (ProactiveBench's download, whose test/ holds it), rather than suggest generating a suite into another
 * command's output, which `suite generate` refuses.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { dataSpec, loadData } from './open.js';

describe('dataSpec on a folder that holds no data', () => {
  it('suggests generating a suite in an empty folder', () => {
    const d = tmpDir('askfirst-open-empty');
    mkdirSync(join(d, '.writing')); // a suite stopped before its first file: hidden, as nobody's output
    expect(() => dataSpec(d)).toThrow(`--data ${d}: found neither episodes.jsonl (askfirst suite) nor *_preprocessed.jsonl (ProactiveBench); generate one with \`askfirst suite generate --out ${d}\``);
  });

  it("names what an eval run's folder holds instead of suggesting a suite be generated into it", () => {
    const d = tmpDir('askfirst-open-run');
    mkdirSync(join(d, 'proactive'));
    writeFileSync(join(d, 'summary.json'), '{}');
    let message = '';
    try {
      dataSpec(d);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(`--data ${d}: found neither episodes.jsonl (askfirst suite) nor *_preprocessed.jsonl (ProactiveBench) (it holds proactive/, summary.json); give the folder of a suite (askfirst suite generate's --out) or of ProactiveBench's data`);
    expect(message).not.toContain('askfirst suite generate --out'); // suite generate refuses a folder of eval's results
  });

  it('names the folder inside that holds the data (ProactiveBench downloaded, its test/ given one level up)', () => {
    const d = tmpDir('askfirst-open-pb');
    mkdirSync(join(d, 'test'));
    writeFileSync(join(d, 'test', 'QuickDraw_preprocessed.jsonl'), '');
    writeFileSync(join(d, 'README.md'), '');
    expect(() => dataSpec(d)).toThrow(`--data ${d}: found neither episodes.jsonl (askfirst suite) nor *_preprocessed.jsonl (ProactiveBench) (it holds test/, which does): give --data ${join(d, 'test')}`);
  });

  it('names a symlink inside to a folder that holds the data (it was "it holds suite; give the folder of a suite …")', () => {
    const root = tmpDir('askfirst-open-link');
    const suite = join(root, 'suites', 'v1');
    mkdirSync(suite, { recursive: true });
    writeFileSync(join(suite, 'episodes.jsonl'), '');
    const d = join(root, 'data');
    mkdirSync(d);
    symlinkSync(suite, join(d, 'suite'));
    symlinkSync(join(root, 'nowhere'), join(d, 'broken')); // a dangling link: listed as it is, never followed into
    symlinkSync(join(d, 'loop'), join(d, 'loop')); // nor a looping one
    expect(() => dataSpec(d)).toThrow(`--data ${d}: found neither episodes.jsonl (askfirst suite) nor *_preprocessed.jsonl (ProactiveBench) (it holds suite/, which does): give --data ${join(d, 'suite')}`);
  });
});

describe("loadData's refusals in the CLI's words (the library's loadData names writeSuite(): api/arguments.test.ts)", () => {
  it('says to generate a suite with askfirst suite generate', async () => {
    const d = tmpDir('askfirst-open-cli');
    writeFileSync(join(d, 'episodes.jsonl'), '');
    await expect(loadData(d)).rejects.toThrow(`--data ${d}: it holds no episodes (episodes.jsonl is empty); generate some with \`askfirst suite generate --out ${d}\``);
    const e = tmpDir('askfirst-open-cli-none');
    await expect(loadData(`suite:${e}`)).rejects.toThrow(`no suite at ${e}: ${join(e, 'episodes.jsonl')} does not exist (write one with \`askfirst suite generate --out ${e}\`)`);
  });
});
