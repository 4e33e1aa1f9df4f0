/**
 * The placeholder every report, table and card prints for a value that is missing (null, not
 * finite, not recorded): one en dash, so the same gap reads the same in results.json's headline,
 * report.html, MODEL_CARD.md, aggregate.html, the eval and probe reports, the feedback report and
 * the CLI's tables. A dash in prose (a range, an aside) is text, not this.
 */
export const MISSING = '–';
