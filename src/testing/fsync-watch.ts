/**
 * Watching fsyncs (`FileHandle.sync`, which writeFileAtomic, AtomicFileWriter and StagedFiles call) while a test runs:
 * how many were made and how many were in flight at once at most. Writers of many files (`askfirst export`, `suite
 * generate`) sync their files together rather than waiting on each in turn (util/fsx.ts StagedFiles): one at a time at
 * most means they were waited on one after another. The spy is removed when the test finishes.
 */
import { open } from 'node:fs/promises';
import { onTestFinished, vi } from 'vitest';

export interface FsyncWatch {
  /** fsyncs made since the watch began. */
  readonly calls: number;
  /** The most fsyncs in flight at once. */
  readonly maxInFlight: number;
}

export async function watchFsyncs(anyFile: string): Promise<FsyncWatch> {
  const fh = await open(anyFile, 'r');
  const proto = Object.getPrototypeOf(fh) as { sync: () => Promise<void> };
  await fh.close();
  const real = proto.sync;
  const w = { calls: 0, maxInFlight: 0, inFlight: 0 };
  const spy = vi.spyOn(proto, 'sync').mockImplementation(function (this: unknown) {
    w.calls++;
    w.maxInFlight = Math.max(w.maxInFlight, ++w.inFlight);
    return real.call(this).finally(() => w.inFlight--);
  });
  onTestFinished(() => spy.mockRestore());
  return w;
}
