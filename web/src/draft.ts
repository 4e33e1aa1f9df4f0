/**
 * What an annotator has given for a task so far (the boxes ticked, the note typed, the play steps taken, the rating),
 * kept in the tab's `sessionStorage` under the assignment's id, so a reload in the middle of a task shows it as it was
 * instead of blank (a play task back at its first view), and the submission id of a label sent (`keptSubmissionId`).
 * Dropped once the label is saved (`dropDrafts`).
 */
import { useCallback, useEffect, useRef, useState } from 'react';

const PREFIX = 'askfirst.draft.';
const keyOf = (aid: number, name: string) => `${PREFIX}${aid}.${name}`;

function read<T>(key: string, initial: T): T {
  try {
    const v = sessionStorage.getItem(key);
    return v === null ? initial : (JSON.parse(v) as T);
  } catch {
    return initial; // unreadable (storage off, a damaged value): start blank
  }
}

/** `useState`, kept for the tab's life under assignment `aid` and `name` (a JSON value). */
export function useDraft<T>(aid: number, name: string, initial: T): [T, (next: T | ((prev: T) => T)) => void] {
  const key = keyOf(aid, name);
  const [value, setValue] = useState<T>(() => read(key, initial));
  // Written once the annotator changes it: a task only looked at (then left for another project) leaves nothing behind.
  const changed = useRef(false);
  useEffect(() => {
    if (!changed.current) return;
    try {
      sessionStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* storage full or off: the draft lives in the page only, as before */
    }
  }, [key, value]);
  const set = useCallback((next: T | ((prev: T) => T)) => {
    changed.current = true;
    setValue(next);
  }, []);
  return [value, set];
}

/** Forgets every draft of assignment `aid` (its label was saved). */
export function dropDrafts(aid: number): void {
  try {
    for (let i = sessionStorage.length - 1; i >= 0; i--) {
      const k = sessionStorage.key(i);
      if (k?.startsWith(`${PREFIX}${aid}.`)) sessionStorage.removeItem(k);
    }
  } catch {
    /* storage off: nothing was kept */
  }
}

/**
 * The submission id a label for assignment `aid` was sent with, kept with its drafts once a submit was tried (the
 * answer may have been lost): the same label sent again after a reload is then the same submission, which the server
 * stores once and answers as saved, not a second one it refuses as "already labelled". Null if none was tried.
 */
export function keptSubmissionId(aid: number): string | null {
  try {
    return sessionStorage.getItem(keyOf(aid, 'submissionId'));
  } catch {
    return null;
  }
}

/** Keeps `id` as assignment `aid`'s submission id (`keptSubmissionId`); dropped with its drafts once the label is saved. */
export function keepSubmissionId(aid: number, id: string): void {
  try {
    sessionStorage.setItem(keyOf(aid, 'submissionId'), id);
  } catch {
    /* storage full or off: a resend after a reload is a new submission, as before */
  }
}
