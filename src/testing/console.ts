/**
 * What the code under test prints with console.log / console.error / console.warn, collected instead of printed: one
 * helper for the spy every CLI test wrote by hand (vi.spyOn(console, …).mockImplementation(…), restored by hand).
 */
import { onTestFinished, vi, type MockInstance } from 'vitest';

export type ConsoleMethod = 'log' | 'error' | 'warn';

/**
 * Replace console[method] for the rest of the test (call it inside one): each call's arguments, joined by a space as the
 * console prints them, are pushed to `lines` and handed to `onLine`, which may throw to stop the code at that line.
 * Restored when the test finishes, or at once by `restore()` (a helper that captures around one command).
 */
export function captureConsole(method: ConsoleMethod, onLine?: (line: string) => void): { lines: string[]; spy: MockInstance; restore: () => void } {
  const lines: string[] = [];
  const spy = vi.spyOn(console, method).mockImplementation((...a: unknown[]) => {
    const line = a.map(String).join(' ');
    lines.push(line);
    onLine?.(line);
  });
  onTestFinished(() => spy.mockRestore());
  return { lines, spy, restore: () => spy.mockRestore() };
}
