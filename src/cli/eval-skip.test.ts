/** `askfirst eval` on ProactiveBench data with a bad entry: it is reported and skipped, the rest completes, summary.json counts it (issue 20). */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodePNG } from '../scenes/codec.js';
import { createImage } from '../scenes/image.js';
import { tmpDir } from '../testing/tmp.js';
import { runEval } from './eval.js';
import { EvalCommandSchema } from './eval-schema.js';

describe('askfirst eval with a bad ProactiveBench entry', () => {
  it('skips and reports it, completes the rest, and counts it in summary.json', async () => {
    const d = tmpDir('askfirst-eval-skip');
    await mkdir(join(d, 'QD'));
    for (const i of [0, 1]) await writeFile(join(d, 'QD', `000${i}.png`), encodePNG(createImage(4, 4, [i, i, i])));
    const entry = (id: number, options: string[]) => ({ id, image_template: 'QD/{image}.png', first_image: 0, num_images: 2, reference_image: 1, prompt: 'What is it?', options, categories: ['a', 'b'], answer: 'a' });
    const lines = [entry(0, ['Add more details to the drawing.', 'I cannot answer this question.']), entry(2, ['Turn it around.', 'I cannot answer this question.'])];
    await writeFile(join(d, 'QuickDraw_preprocessed.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const out = join(tmpDir('askfirst-eval-skip-out'), 'run');
    const printed: string[] = [];
    const res = await runEval(EvalCommandSchema.parse({ policy: ['oracle'], data: `proactivebench:${d}`, out, progress: false, mode: ['proactive'] }), (s) => printed.push(s));
    expect(res).toMatchObject({ episodes: 1, accuracy: 1, skipped: 1 });
    expect(printed.join('\n')).toMatch(/1 entry of .* could not be read and was skipped .*\n.*QuickDraw_preprocessed\.jsonl:2: .*option "Turn it around\." names none of the moves/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.skipped).toBe(1);
    expect(summary.skippedEntries[0]).toMatchObject({ line: 2, id: 'QD-2', reason: expect.stringMatching(/names none of the moves/) });
  });
});
