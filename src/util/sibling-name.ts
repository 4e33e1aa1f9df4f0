/**
 * The stem of a hidden sibling's name: the temporary files and folders askfirst writes beside a path and renames into
 * place (`.NAME.PID.HEX.tmp`, `.NAME.tmp-PID-HEX`, `.NAME.creating-PID-HEX`) all start `.NAME`. A file system takes names
 * of at most 255 bytes (NAME_MAX on Linux and macOS; UTF-8 bytes: "中" is 3, an emoji 4), so a NAME the user may give
 * (an --out of 240 characters) would leave no room for the suffix: the sibling, not the path, was "too long". A name
 * that leaves less than SUFFIX_ROOM bytes is cut at a character and ends in a hash of the whole name, so the stem is
 * the same for the same path each time (a later run finds what a killed one left) and differs between two long names
 * that start alike. Names of normal length are kept as they are.
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';

/** Bytes a file name may take (NAME_MAX of ext4, XFS, btrfs, tmpfs, APFS). */
export const NAME_MAX_BYTES = 255;
/** Bytes kept for the longest suffix after the stem (`.creating-` + a pid of up to 10 digits + `-` + 8 hex is 29). */
const SUFFIX_ROOM = 40;
const STEM_MAX = NAME_MAX_BYTES - SUFFIX_ROOM;

/** `.NAME` for a sibling of `path`, at most 215 bytes (see the header). */
export function siblingStem(path: string): string {
  const name = basename(path);
  if (Buffer.byteLength(name) + 1 <= STEM_MAX) return `.${name}`;
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  let cut = '';
  const room = STEM_MAX - 1 - 1 - hash.length; // the dot, the '~' before the hash
  for (const ch of name) {
    if (Buffer.byteLength(cut + ch) > room) break;
    cut += ch;
  }
  return `.${cut}~${hash}`;
}
