/**
 * What a CommonMark code span at the start of `md` shows (spec §6.1): the text between an opening run of N backticks
 * and the next run of exactly N, line endings as spaces, one space stripped from each side when both sides have one and
 * it is not all spaces. Undefined when `md` starts with no code span. (Tests of report.md and the model card: `mdCode`.)
 */
export function codeSpanText(md: string): string | undefined {
  const open = /^`+/.exec(md)?.[0];
  if (!open) return undefined;
  const close = new RegExp(`(?<!\`)${open}(?!\`)`, 'g');
  close.lastIndex = open.length;
  const m = close.exec(md);
  if (!m) return undefined;
  const body = md.slice(open.length, m.index).replace(/\r\n|[\r\n]/g, ' ');
  return body.startsWith(' ') && body.endsWith(' ') && body.trim() !== '' ? body.slice(1, -1) : body;
}
