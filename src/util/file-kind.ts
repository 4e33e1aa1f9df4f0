/**
 * What a path that is not a regular file is, in words for an error ("is a named pipe, not an image file"): a reader
 * that called every such path "a folder" misled whoever looked for a folder there.
 */
import type { Stats } from 'node:fs';

/** "a folder", "a named pipe", "a socket", "a device"; "not a regular file" for anything else (a regular file: "a file"). */
export function fileKind(s: Stats): string {
  if (s.isFile()) return 'a file';
  if (s.isDirectory()) return 'a folder';
  if (s.isFIFO()) return 'a named pipe';
  if (s.isSocket()) return 'a socket';
  if (s.isCharacterDevice() || s.isBlockDevice()) return 'a device';
  return 'not a regular file';
}
