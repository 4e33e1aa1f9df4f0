/** `feedback demo`'s closing lines (feedback-rlhf.ts), on a demo result made up here: the demo itself is mocked. */
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { captureConsole } from '../testing/console.js';
import { feedbackDemoAction } from './feedback-rlhf.js';

const noHeldOut = { n: 0, accuracy: NaN, goldAccuracy: NaN, goldPairs: 0, ece: NaN, brier: NaN };
vi.mock('../demo/feedback.js', () => ({
  runFeedbackDemo: () => Promise.resolve({ wallSeconds: 30, policies: [], rewardModels: [{ name: 'fact-10', variant: 'fact', labels: 10, pairs: 10, heldOut: noHeldOut, train: noHeldOut, finalLoss: 0.5 }] }),
}));

afterEach(() => vi.restoreAllMocks());

describe('feedback demo, a reward model with no held-out pair (10 labels at --held-out 0.2 can leave none)', () => {
  it('says so as train reward does, and prints no NaN (it printed "ECE NaN")', async () => {
    const said = captureConsole('log').lines;
    await feedbackDemoAction({ out: join(tmpDir('af-fb-demo-lines'), 'fd'), progress: false });
    const rm = said.filter((l) => l.includes('RM fact-10'));
    expect(rm).toEqual([expect.stringMatching(/^ {2}RM fact-10 +no held-out pairs \(--held-out 0 or too few pairs\), so no held-out accuracy or calibration$/)]);
    expect(said.join('\n')).not.toMatch(/NaN/);
  });
});
