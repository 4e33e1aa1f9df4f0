/**
 * Bytes of the writes under way on a pipe or socket that its reader has not taken yet: libuv's `writeQueueSize` on the
 * stream's handle. `writableLength` counts a write whole until its last byte is taken, so a reader that takes one big
 * write slowly but steadily shows progress only here — as finely as the kernel wakes the writer: by 4 KiB pages on a
 * shell's pipe, by about 180 KiB on the UNIX socket pair of a Node child's stdio (exit-after-output.ts `Flushable`), by
 * 1.1–1.6 MiB on a TCP connection on loopback (write-stall.ts). Node does not document it; where it is absent (a file, a stand-in,
 * a later Node) this is 0 and callers fall back on `writableLength` alone. The one place askfirst reads it
 * (exit-after-output.ts, server/write-stall.ts).
 */
export function libuvWriteQueue(stream: unknown): number {
  return (stream as { _handle?: { writeQueueSize?: number } | null } | null)?._handle?.writeQueueSize ?? 0;
}
