/**
 * A batch job (probe, eval) stopped by Ctrl-C or SIGTERM: the real command (bin/askfirst.js, the build in dist/ — run
 * `npm run build` first) in a child process, signalled once its progress on stderr shows the stage in question, not
 * after a fixed sleep. It saves what it finished, says so, and exits 130 (143 for SIGTERM), as shells, make and CI
 * runners expect of an interrupted command; a re-run resumes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../testing/tmp.js';
import { exited, stopChild } from '../testing/child.js';
import { startFaultServer, type FaultServer } from '../testing/fault-server.js';

const bin = join(dirname(dirname(dirname(fileURLToPath(import.meta.url)))), 'bin', 'askfirst.js');

/**
 * Run `askfirst ARGS`; once stderr matches `when` and then `also()` holds (checked every 10 ms), send `sig` (once).
 * Resolves with the exit code, the signal that killed it (if any), stdout and stderr.
 */
async function runSignalled(args: readonly string[], when: RegExp | undefined, sig: NodeJS.Signals, also: () => boolean = () => true): Promise<{ code: number | null; killedBy: NodeJS.Signals | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    let stderr = '';
    let stdout = '';
    let sent = false;
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
      if (when && !sent && when.test(stderr)) {
        sent = true;
        const send = () => (child.exitCode === null && !also() ? setTimeout(send, 10) : child.kill(sig));
        send();
      }
    });
    const code = await exited(child);
    if (when) expect(sent, `never saw ${when} on stderr: ${stderr}`).toBe(true);
    return { code, killedBy: child.signalCode, stderr, stdout };
  } finally {
    await stopChild(child);
  }
}

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer({ delayMs: 15, faultRate: 0 }); // slow enough that the run is still going when the signal comes
});
afterAll(async () => server.close());

/** A small probe run against the slow server: 144 presence items, two at a time, no open questions. */
const probeArgs = (out: string) => ['probe', 'hallucination', '--policy', `openai:${server.url}#fault`, '--concurrency', '1', '--batch-size', '2', '--scenes', '10', '--unseen-scenes', '0', '--open-scenes', '0', '--out', out];
const savedLines = (out: string) => {
  const f = join(out, 'presence', 'results.jsonl');
  return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean).length : 0;
};

describe('a probe stopped by a signal', () => {
  for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`${sig} during the run: saves the finished items, says so, exits ${code}; the same command resumes and finishes with 0`, { timeout: 60_000 }, async () => {
      const out = join(tmpDir('af-interrupt'), 'probe');
      // once the first batches are saved (an item whose request the signal aborts is not)
      const r = await runSignalled(probeArgs(out), /presence questions/, sig, () => savedLines(out) >= 4);
      expect(r.stderr).toContain('askfirst: stopping after the current batch');
      expect(r.stderr).toContain('finished items are saved');
      expect(r.stderr).toContain('askfirst: run interrupted; re-run the same command to resume');
      expect({ code: r.code, killedBy: r.killedBy }).toEqual({ code, killedBy: null });
      const saved = savedLines(out);
      expect(saved).toBeGreaterThan(0);
      expect(saved).toBeLessThan(144);
      const again = await runSignalled([...probeArgs(out), '--json'], undefined, sig);
      expect(again.code).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ items: 144, resumed: saved });
    });
  }

  it('Ctrl-C while it is still generating its items: says it was interrupted and that nothing was saved, exits 130', { timeout: 60_000 }, async () => {
    const out = join(tmpDir('af-interrupt'), 'probe');
    // 2,000 scenes take seconds to draw: the signal comes while they are drawn
    const r = await runSignalled(['probe', 'hallucination', '--policy', 'random', '--scenes', '2000', '--unseen-scenes', '0', '--open-scenes', '0', '--out', out], /generating items/, 'SIGINT');
    expect(r.stderr).toContain('askfirst: interrupted; nothing was saved (askfirst probe hallucination had not started its run yet); run the same command again');
    expect({ code: r.code, killedBy: r.killedBy }).toEqual({ code: 130, killedBy: null });
    expect(existsSync(join(out, 'presence'))).toBe(false);
  });
});

describe('an eval stopped by a signal', () => {
  it('Ctrl-C during the run: saves the finished episodes, says so, exits 130; the same command resumes and finishes with 0', { timeout: 90_000 }, async () => {
    const dir = tmpDir('af-interrupt');
    const suite = join(dir, 'suite');
    expect((await runSignalled(['suite', 'generate', '--episodes', '24', '--kinds', 'occlusion', '--no-progress', '--out', suite], undefined, 'SIGINT')).code).toBe(0);
    const out = join(dir, 'eval');
    const args = ['eval', '--data', suite, '--policy', `openai:${server.url}#fault`, '--mode', 'proactive', '--concurrency', '1', '--batch-size', '2', '--out', out];
    const results = join(out, 'proactive', 'results.jsonl');
    const saved = () => (existsSync(results) ? readFileSync(results, 'utf8').split('\n').filter(Boolean).length : 0);
    const r = await runSignalled(args, /fingerprinting/, 'SIGINT', () => saved() >= 2);
    expect(r.stderr).toContain('finished episodes are saved');
    expect(r.stderr).toContain('askfirst: run interrupted; re-run the same command to resume');
    expect({ code: r.code, killedBy: r.killedBy }).toEqual({ code: 130, killedBy: null });
    const kept = saved();
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(24);
    const again = await runSignalled([...args, '--json'], undefined, 'SIGINT');
    expect(again.code).toBe(0);
    expect(saved()).toBe(24);
  });
});
