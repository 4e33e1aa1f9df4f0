/**
 * How the `feedback …` commands' work says what it is doing: a `Note` is a line for the user (the CLI's go to stderr;
 * the run… functions say nothing unless given one). Light, so `feedback pairs|simulate` (feedback-rlhf.ts) use it
 * without loading feedback.ts, the other feedback commands' work (the engine, the workbench server).
 */
import { openingLine } from '../feedback/db-dir.js';

/** A note to the user: to stderr, so stdout (a table, JSON) stays the command's output alone. */
export type Note = (line: string) => void;
/** The CLI's notes; the run… functions say nothing unless given one. */
export const toStderr: Note = (line) => void process.stderr.write(`${line}\n`);

/** Open-store options that say, through `note`, which PGlite folder `command` is opening (it takes seconds), and that it makes a new database there. */
export function announceOpening(command: string, note: Note): { command: string; onNew: (line: string) => void; onOpening: (dbDir: string) => void } {
  return { command, onNew: note, onOpening: (dbDir) => note(openingLine(command, dbDir)) };
}
