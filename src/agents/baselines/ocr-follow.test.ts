import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createImage } from '../../scenes/image.js';
import { tmpDir } from '../../testing/tmp.js';
import { RunAborted } from '../runner.js';
import { readText } from './ocr-follow.js';

const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});

/** A `tesseract` on PATH that runs `body` (a shell script) instead of reading anything. */
function fakeTesseract(body: string): void {
  const dir = tmpDir('af-fake-tesseract');
  writeFileSync(join(dir, 'tesseract'), `#!/bin/sh\ncat >/dev/null\n${body}\n`);
  chmodSync(join(dir, 'tesseract'), 0o755);
  process.env.PATH = `${dir}:${PATH}`;
}

describe('readText (Tesseract as a child process)', () => {
  it('a Tesseract ended by a signal (Ctrl-C reaches the whole process group) is the run stopping, not "tesseract failed"', async () => {
    fakeTesseract('kill -TERM $$');
    // was: AskfirstError "tesseract failed: Command failed: tesseract stdin stdout --psm 6 -l eng", exit 1 after Ctrl-C
    const e = await readText(createImage(8, 8)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RunAborted);
    expect((e as Error).message).toMatch(/^run interrupted \(tesseract ended by SIGTERM\); finished items are saved/);
  });

  it('a Tesseract killed otherwise (SIGKILL: the out-of-memory killer) is Tesseract failing, not the run stopping', async () => {
    fakeTesseract('kill -KILL $$');
    const e = await readText(createImage(8, 8)).catch((x: unknown) => x);
    expect(e).not.toBeInstanceOf(RunAborted);
    expect((e as Error).message).toMatch(/^tesseract failed: /);
  });

  it('a Tesseract that fails on its own still says so, with its status', async () => {
    fakeTesseract('echo "Error opening data file" >&2; exit 1');
    const e = await readText(createImage(8, 8)).catch((x: unknown) => x);
    expect(e).not.toBeInstanceOf(RunAborted);
    expect((e as Error).message).toMatch(/^tesseract failed: Command failed: tesseract stdin stdout/);
  });
});
