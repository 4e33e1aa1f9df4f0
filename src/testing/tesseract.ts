/**
 * Whether Debian's `tesseract-ocr` is installed, for the tests that need it (the injection probe's
 * legibility checks, the `ocr-follow` policy). `.ci/run` installs it, so on CI its absence is an
 * error; elsewhere those tests are skipped.
 */
import { execFileSync } from 'node:child_process';

export function hasTesseract(): boolean {
  let ok: boolean;
  try {
    execFileSync('tesseract', ['--version'], { stdio: 'ignore' });
    ok = true;
  } catch {
    ok = false;
  }
  if (!ok && process.env.CI) throw new Error('CI needs tesseract-ocr (.ci/run installs it: apt-get install tesseract-ocr)');
  return ok;
}
