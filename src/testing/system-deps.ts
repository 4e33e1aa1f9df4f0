/**
 * System dependencies of the tests (Debian's chromium, postgresql and python3-* packages, which .ci/run installs), for
 * tests/ and the tests beside the code alike. Present → use them. Absent → fail loudly under CI=true, otherwise skip
 * with a visible reason.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium, headless, through playwright-core, on a fresh profile under `dir` (passed to
 * Chromium as --user-data-dir) with its own temp files there too: removed with `dir`.
 */
export async function launchChromium(dir: string, viewport: { width: number; height: number }): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    env: { ...process.env, TMPDIR: dir },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport,
  });
}

/** The newest /usr/lib/postgresql/<version>/bin holding initdb, or null. */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(root, versions[0], 'bin') : null;
}

/**
 * Returns a skip reason (outside CI) or null when `ok`; throws under CI when not ok. `packages`: the Debian packages
 * that provide it, named in the message.
 */
export function requireDep(ok: boolean, what: string, packages = 'chromium postgresql python3-websockets'): string | null {
  if (ok) return null;
  const msg = `${what} is not installed (run .ci/run, or: apt-get install -y ${packages})`;
  if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(`CI: ${msg}`);
  console.warn(`SKIPPED: ${msg}`);
  return msg;
}

/** Debian's Python with python3-websockets (the env-server client tests; the `python3` on PATH may be another one). */
export const SYSTEM_PYTHON = '/usr/bin/python3';

/** Whether /usr/bin/python3 (Debian's Python) can import `module` (a Debian python3-* package: websockets, pyflakes, torch, PIL). */
export function hasPythonModule(module: string): boolean {
  if (!existsSync(SYSTEM_PYTHON)) return false;
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Whether /usr/bin/python3 can import websockets (Debian's python3-websockets). */
export const hasPythonWebsockets = (): boolean => hasPythonModule('websockets');
