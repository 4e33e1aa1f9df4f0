/**
 * A progress bar with rate and ETA on stderr when it is a terminal that draws one (`drawsBars`); elsewhere (piped to a
 * file or another program, or a terminal whose TERM is "dumb") plain lines: the first at the first tick, then one at most every 5 s so logs
 * show that a long job is alive, and at `stop()` one saying it finished ("label: N/N unit in Xs"),
 * so a phase shorter than the throttle still shows that it ran; a phase ended by an error or a signal (Ctrl-C) says so
 * instead (`fail()`, `interrupt()`), and so does every bar still open when a run is stopped where its own loop cannot
 * end it (`interruptOpenBars`: a signal's exit between training steps, a training run that diverged).
 */
import cliProgress from 'cli-progress';
import stringWidth from 'string-width';
import { MISSING } from './missing.js';

export interface Progress {
  tick(n?: number, info?: Record<string, string | number>): void;
  setTotal(total: number): void;
  stop(): void;
  /**
   * End the bar as failed (instead of `stop()`): a terminal's bar is cleared and, as when piped, one line says where it
   * failed ("label: failed at N/M unit after Xs"), so a phase undone by its error (a rolled-back transaction) does not read
   * as done and the error that follows starts on its own line.
   */
  fail(): void;
  /**
   * End the bar as stopped by a signal (Ctrl-C, SIGTERM; instead of `stop()`): as `fail()`, one line says where it stopped
   * ("label: N/M unit, stopped after Xs"), where `stop()`'s "N/M unit in Xs" read like a finished phase.
   */
  interrupt(): void;
}

/** Where progress goes (process.stderr by default; tests give their own stream and clock). */
export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/**
 * Whether `stream` gets a drawn bar: a terminal, unless its TERM is "dumb" (Emacs' shell, some CI and IDE consoles),
 * which moves no cursor and prints escape sequences as text: there the bar would be a growing line of garbage, so it
 * gets the piped lines.
 */
export function drawsBars(stream: ProgressOutput, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && env.TERM !== 'dumb';
}

/**
 * `line` cut to what fits `columns` terminal columns, at a whole character (a grapheme: an emoji of several code points
 * stays whole or goes), each as wide as a terminal shows it (string-width: two columns for a CJK character or an emoji,
 * none for a combining mark). It also keeps to `columns` UTF-16 code units, where cli-progress cuts a redraw after it
 * (`Terminal.write`), so that cut never splits a character.
 */
export function fitColumns(line: string, columns: number): string {
  if (line.length <= columns && stringWidth(line) <= columns) return line;
  let out = '';
  let width = 0;
  for (const { segment } of new Intl.Segmenter().segment(line)) {
    const w = stringWidth(segment);
    if (width + w > columns || out.length + segment.length > columns) break;
    out += segment;
    width += w;
  }
  return out;
}

/** Milliseconds between the piped lines after the first (a line comes at the first tick after this long). */
export const PIPED_EVERY_MS = 5000;

/** The enabled bars not yet ended, oldest first (`interruptOpenBars`). */
const openBars = new Set<Progress>();

/**
 * End every bar still open as stopped (`interrupt()`: "label: N/M unit, stopped after Xs"), the newest first: the one
 * way a run stopped outside its loop's own ending says so on its bars. A training loop ends its bar with `stop()` only
 * once it finished; a Ctrl-C between its steps exits at once (cli/signals.ts, before "askfirst: interrupted; …"), and a
 * diverged step throws (nn/diverged.ts, before its error), so neither reaches that `stop()`: a terminal's bar was left
 * drawn at "3/200 steps" and a piped run said nothing of its steps' end, or (a diverged one) "5/200 steps in 3.0s" as if
 * it had finished. A bar already ended is not among them; one that ends itself later (its `stop()` in a `finally`) does
 * nothing more. `how: 'fail'` ends them as failed instead ("label: failed at N/M unit after Xs": an error, cli/main.ts).
 * Returns how many it ended: each one's stopped line ends with a newline, a terminal's bar cleared
 * first, so after one the next line starts where a line starts (cli/signals.ts then writes no blank line before its own).
 */
export function interruptOpenBars(how: 'interrupt' | 'fail' = 'interrupt'): number {
  const open = [...openBars].reverse();
  for (const bar of open) bar[how]();
  return open.length;
}

export function progress(
  label: string,
  total: number,
  opts: { enabled?: boolean; unit?: string; stream?: ProgressOutput; now?: () => number; env?: NodeJS.ProcessEnv } = {},
): Progress {
  if (opts.enabled === false) return { tick() {}, setTotal() {}, stop() {}, fail() {}, interrupt() {} };
  const bar = openBar(label, total, opts);
  const ended = (end: () => void) => () => {
    openBars.delete(tracked);
    end();
  };
  const tracked: Progress = { tick: bar.tick, setTotal: bar.setTotal, stop: ended(bar.stop), fail: ended(bar.fail), interrupt: ended(bar.interrupt) };
  openBars.add(tracked);
  return tracked;
}

function openBar(
  label: string,
  total: number,
  opts: { unit?: string; stream?: ProgressOutput; now?: () => number; env?: NodeJS.ProcessEnv } = {},
): Progress {
  const unit = opts.unit ?? 'it';
  const stream = opts.stream ?? process.stderr;
  const clock = opts.now ?? Date.now;
  // the line a bar ended by an error or a signal ends with: where it was, and since when
  const endLine = (how: 'failed' | 'stopped', value: number, tot: number, seconds: number) =>
    how === 'failed' ? `${label}: failed at ${value}/${tot} ${unit} after ${seconds.toFixed(1)}s\n` : `${label}: ${value}/${tot} ${unit}, stopped after ${seconds.toFixed(1)}s\n`;
  if (drawsBars(stream, opts.env)) {
    const template = `${label} [{bar}] {value}/{total} ${unit} | {rate}/s | ETA {eta_formatted} {info}`;
    const bar = new cliProgress.SingleBar(
      {
        // cli-progress's own line, cut to the columns it takes (fitColumns): its cut by characters let a line of wide
        // characters (a CJK or emoji label or file name) wrap on a narrow terminal, each redraw on a new line
        // before the first tick cli-progress has no ETA ("NULL" or "INF"), which read "ETA INFs" while a slow first step ran
        // (a GRPO update: 3 s on a loaded machine): the missing-value placeholder instead
        format: (options, params, payload) =>
          fitColumns(cliProgress.Format.Formatter({ ...options, format: typeof params.eta === 'number' ? template : template.replace('{eta_formatted}', MISSING) }, params, payload), params.maxWidth),
        stream: stream as NodeJS.WritableStream,
        // The terminal's modes are left alone: a bar that hid the cursor and turned line wrapping off left both so in the
        // user's shell when the command ended without stopping it (Ctrl-C, an error, a closed pipe), and the lines written
        // meanwhile (the interrupted run's hint) were cut at the right edge. Each redraw is cut to the width instead.
        hideCursor: false,
        linewrap: true,
        etaBuffer: 50,
        fps: 10,
      },
      cliProgress.Presets.shades_classic,
    );
    const t0 = Date.now();
    let value = 0;
    let tot = total;
    let ended = false;
    bar.start(total, 0, { rate: '0', info: '' });
    return {
      tick(n = 1, info) {
        value += n;
        const rate = value / Math.max(1e-3, (Date.now() - t0) / 1000);
        const infoText = info ? Object.entries(info).map(([k, v]) => `${k}=${v}`).join(' ') : '';
        bar.update(value, { rate: rate.toFixed(rate < 10 ? 1 : 0), info: infoText });
      },
      setTotal(t) {
        tot = t;
        bar.setTotal(t);
      },
      stop() {
        if (ended) return;
        ended = true;
        bar.stop();
      },
      fail: () => endEarly('failed'),
      interrupt: () => endEarly('stopped'),
    };
    function endEarly(how: 'failed' | 'stopped') {
      if (ended) return;
      ended = true;
      (bar as unknown as { options: { clearOnComplete: boolean } }).options.clearOnComplete = true; // the bar's line is cleared, not left at N/M as if done
      bar.stop();
      stream.write(endLine(how, value, tot, (Date.now() - t0) / 1000));
    }
  }
  // Not a terminal: plain lines — the first tick's at once, then at most one every PIPED_EVERY_MS, and one at stop().
  const t0 = clock();
  let last: number | null = null;
  let value = 0;
  let tot = total;
  let stopped = false;
  return {
    tick(n = 1, info) {
      value += n;
      const now = clock();
      if (stopped || (last !== null && now - last <= PIPED_EVERY_MS)) return;
      last = now;
      const seconds = (now - t0) / 1000;
      const infoText = info ? ' ' + Object.entries(info).map(([k, v]) => `${k}=${v}`).join(' ') : '';
      if (seconds < 1) {
        stream.write(`${label}: ${value}/${tot} ${unit}${infoText}\n`); // no rate yet: too little time to measure one
        return;
      }
      const rate = value / seconds;
      const eta = rate > 0 ? Math.round((tot - value) / rate) : 0;
      stream.write(`${label}: ${value}/${tot} ${unit} (${rate.toFixed(1)}/s, ETA ${eta}s)${infoText}\n`);
    },
    setTotal(t) {
      tot = t;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (value > 0) stream.write(`${label}: ${value}/${tot} ${unit} in ${((clock() - t0) / 1000).toFixed(1)}s\n`);
    },
    fail: () => endEarly('failed'),
    interrupt: () => endEarly('stopped'),
  };
  function endEarly(how: 'failed' | 'stopped') {
    if (stopped) return;
    stopped = true;
    stream.write(endLine(how, value, tot, (clock() - t0) / 1000));
  }
}

/**
 * One line for the user in the middle of a run (a backend waiting on a rate limit), on stderr: on a terminal the line
 * a bar is drawing is cleared first, so the note stands on its own line and the bar redraws below it.
 */
export function noteLine(line: string, stream: ProgressOutput = process.stderr, env: NodeJS.ProcessEnv = process.env): void {
  stream.write(`${drawsBars(stream, env) ? '\r\x1b[K' : ''}${line}\n`);
}

/**
 * `fn`'s result with `bar` ended by it: stopped once `fn` returns, failed if it throws — so a phase undone by its
 * error (a refused line, a rolled-back transaction) says where it failed instead of ending at N/M as if done.
 */
export async function withBar<T>(bar: Progress, fn: () => T | Promise<T>): Promise<T> {
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    bar.fail();
    throw e;
  }
  bar.stop();
  return result;
}
