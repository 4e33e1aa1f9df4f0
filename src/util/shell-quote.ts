/**
 * One word of a command the CLI suggests or records (`askfirst suite generate --out DIR`, the demo's `command`), quoted
 * so the line can be copied into a POSIX shell (sh, bash, zsh) and run as it reads: a word of plain characters stays as
 * it is (`runs/demo`, `proactivebench:data/test`, `w=0.5`), anything else — a space, a quote, `$`, `~`, `*`, a newline,
 * a letter outside ASCII, nothing at all — goes in single quotes, a single quote in it written `'\''`. The safe set is
 * Python's `shlex.quote` (the reference for this); a word opening with `=` is quoted too (zsh expands `=cmd`).
 */
const PLAIN = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function shellQuote(word: string | number): string {
  const s = String(word);
  if (PLAIN.test(s) && !s.startsWith('=')) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
