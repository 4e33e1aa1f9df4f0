/**
 * The file names of an episode's images (`images/<name>_v<view>.png`, docs/architecture.md §4), in the suite writer
 * (suite/io.ts) and the dataset exports (environment/): the name made of the id, and two ids that would make one name.
 */

/** A file name that is safe on every file system: every character but A-Z, a-z, 0-9, ".", "_" and "-" becomes "_". */
export function safeFileName(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Which earlier id would write its images to the same files as an id ("x y" and "x_y" both make `x_y`), as the
 * episodes come one at a time. It holds only the ids whose name is not the id itself; the others it asks of `seen`
 * (the ids the caller has taken so far, which it keeps anyway). The same id again is no clash (a caller that refuses it
 * does so itself).
 */
export class ImageNameClaims {
  /** The ids whose file name is not the id itself, by that name. */
  private readonly renamed = new Map<string, string>();

  constructor(private readonly seen: (id: string) => boolean) {}

  /**
   * Take `id`'s file name. Returns undefined when it is free (or `id`'s own), else the start of a one-line error naming
   * both ids and the files, for the caller to end with what was kept and what to do.
   */
  claim(id: string): string | undefined {
    const name = safeFileName(id);
    const other = this.renamed.get(name) ?? (name !== id && this.seen(name) ? name : undefined);
    if (other !== undefined && other !== id) {
      return `episodes ${JSON.stringify(other)} and ${JSON.stringify(id)} would write their images to the same files (images/${name}_v*.png: every character of an id but A-Z, a-z, 0-9, ".", "_" and "-" becomes "_")`;
    }
    if (name !== id) this.renamed.set(name, id);
    return undefined;
  }
}
