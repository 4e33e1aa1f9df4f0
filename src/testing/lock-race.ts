/**
 * Two contenders on one stale lock, the second run in the middle of the first one's takeover:
 * the liveness check (`process.kill(stalePid, 0)`) is mocked so that, at its `at`-th call for the
 * stale owner, the second contender runs to completion before the first goes on. Used by the
 * lock tests of the PGlite data directory and of eval's results directory (util/lockfile.ts).
 */
import { vi } from 'vitest';

/** What each contender got ("A took it" / "B refused: …"), and the release of every lock taken. */
export function raceOnStaleLock(stalePid: number, at: number, take: () => () => void): { outcomes: string[]; releases: (() => void)[] } {
  const outcomes: string[] = [];
  const releases: (() => void)[] = [];
  const contender = (name: string) => () => {
    try {
      releases.push(take());
      outcomes.push(`${name} took it`);
    } catch (e) {
      outcomes.push(`${name} refused: ${(e as Error).message}`);
    }
  };
  let second: (() => void) | null = contender('B');
  let checks = 0;
  const kill = process.kill.bind(process);
  const spy = vi.spyOn(process, 'kill').mockImplementation((pid, signal) => {
    if (pid === stalePid && second && ++checks === at) {
      const run = second;
      second = null;
      run();
    }
    return kill(pid, signal);
  });
  try {
    contender('A')();
  } finally {
    spy.mockRestore();
  }
  return { outcomes, releases };
}
