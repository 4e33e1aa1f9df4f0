/**
 * Tables on a phone and on paper, the one mechanism every HTML page askfirst writes uses (report/html.ts's pages, the
 * feedback report, the probes' report.html): each table in its own box that scrolls sideways (focusable, so a
 * keyboard can scroll it too), so a table wider than a phone's 320 px scrolls inside the box and the page itself does
 * not; in print the box lets the table out and `SCROLL_TABLE_CSS` narrows it to the paper instead, so no column is cut off.
 */

/** A table in its scrolling box. */
export function scrollTable(table: string): string {
  return `<div class="scroll-x" tabindex="0">${table}</div>`;
}

/** Every table of a page's HTML in its own `scrollTable` box (tables here never nest). */
export function scrollTables(html: string): string {
  return html.replace(/<table\b[\s\S]*?<\/table>/g, scrollTable);
}

/** The boxes' style, and tables narrowed to A4 in print (11 px, tight cells); a page's stylesheet ends with it. */
export const SCROLL_TABLE_CSS = `
.scroll-x { max-width: 100%; overflow-x: auto; }
.scroll-x > table { margin-top: 0; }
@media print {
  .scroll-x { overflow: visible; }
  table { font-size: 11px; }
  th, td { padding: 3px 4px; }
  th { font-size: 11px; }
}
`;
