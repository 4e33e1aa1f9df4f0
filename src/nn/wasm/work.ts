/**
 * Work sharing between threads: a kernel's items (images, row/column blocks, element chunks)
 * are handed out one at a time from a shared counter, so a thread that the OS deschedules (a
 * busy machine) holds back at most one item instead of a fixed half of the work.
 */

/** The next item index for this thread (atomic fetch-and-add on the i32 at ctr). */
// @ts-ignore: decorator
@inline
export function next(ctr: usize): i32 {
  return atomic.add<i32>(ctr, 1);
}
