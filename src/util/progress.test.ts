import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { fitColumns, interruptOpenBars, noteLine, PIPED_EVERY_MS, progress } from './progress.js';

const ESC = String.fromCharCode(27);

/** A terminal `columns` wide that keeps what is written (the methods readline's cursor moves call). */
function terminal(columns: number) {
  const out = { text: '' };
  const stream = { isTTY: true, columns, write: (s: string) => ((out.text += s), true), on() {}, removeListener() {}, cursorTo() { return true; }, clearLine() { return true; }, moveCursor() { return true; } };
  return { out, stream: stream as never };
}

/** A piped (not a terminal) stream that keeps what is written, and a clock the test moves. */
function piped() {
  const lines: string[] = [];
  let t = 1_000_000;
  return {
    lines,
    stream: { isTTY: false, write: (s: string) => lines.push(s) },
    now: () => t,
    advance: (ms: number) => (t += ms),
  };
}

describe('progress piped to a file', () => {
  it('a phase shorter than the throttle shows its first tick at once and says it finished at stop()', () => {
    const p = piped();
    const bar = progress('eval', 3, { unit: 'episodes', stream: p.stream, now: p.now });
    expect(p.lines).toEqual([]); // nothing before anything happens
    p.advance(200);
    bar.tick(1, { acc: 0.5 });
    expect(p.lines).toEqual(['eval: 1/3 episodes acc=0.5\n']);
    p.advance(300);
    bar.tick();
    bar.tick();
    p.advance(500);
    bar.stop();
    expect(p.lines).toEqual(['eval: 1/3 episodes acc=0.5\n', 'eval: 3/3 episodes in 1.0s\n']);
    bar.stop(); // once
    bar.tick();
    expect(p.lines).toHaveLength(2);
  });

  it('keeps the throttle in between: a line at most every 5 s, with rate and ETA', () => {
    const p = piped();
    const bar = progress('supervised', 100, { unit: 'steps', stream: p.stream, now: p.now });
    for (let i = 0; i < 40; i++) {
      p.advance(500); // 2 steps a second
      bar.tick(1, { loss: '1.234' });
    }
    bar.stop();
    expect(p.lines).toEqual([
      'supervised: 1/100 steps loss=1.234\n', // at 0.5 s: no rate yet
      'supervised: 12/100 steps (2.0/s, ETA 44s) loss=1.234\n', // the first tick more than 5 s after the last line
      'supervised: 23/100 steps (2.0/s, ETA 39s) loss=1.234\n',
      'supervised: 34/100 steps (2.0/s, ETA 33s) loss=1.234\n',
      'supervised: 40/100 steps in 20.0s\n', // stopped early: says how far it got
    ]);
    expect(PIPED_EVERY_MS).toBe(5000);
  });

  it('says nothing at stop() when nothing was ticked, and nothing at all when disabled', () => {
    const p = piped();
    progress('idle', 10, { stream: p.stream, now: p.now }).stop();
    const off = progress('off', 10, { enabled: false, stream: p.stream, now: p.now });
    off.tick(5);
    off.stop();
    expect(p.lines).toEqual([]);
  });

  it('setTotal changes the N of later lines', () => {
    const p = piped();
    const bar = progress('pairs', 10, { stream: p.stream, now: p.now });
    bar.tick(2);
    bar.setTotal(4);
    bar.tick(2);
    bar.stop();
    expect(p.lines).toEqual(['pairs: 2/10 it\n', 'pairs: 4/4 it in 0.0s\n']);
  });
});

describe('a phase that fails', () => {
  it('piped: fail() says where it failed, never the finished line; stop() after it adds nothing', () => {
    const p = piped();
    const bar = progress('inserting', 4, { stream: p.stream, now: p.now });
    bar.tick();
    bar.tick();
    bar.fail();
    bar.stop();
    expect(p.lines).toEqual(['inserting: 1/4 it\n', 'inserting: failed at 2/4 it after 0.0s\n']);
  });

  it('piped: interrupt() (Ctrl-C) says where it stopped, never the finished line; stop() after it adds nothing', () => {
    const p = piped();
    const bar = progress('attacked episodes', 28, { unit: 'items', stream: p.stream, now: p.now });
    bar.tick(12);
    p.advance(800);
    bar.interrupt();
    bar.stop();
    bar.fail();
    expect(p.lines).toEqual(['attacked episodes: 12/28 items\n', 'attacked episodes: 12/28 items, stopped after 0.8s\n']); // was: "… 12/28 items in 0.8s"
  });

  it('interruptOpenBars() (a run stopped outside its loop: a signal, a divergence) ends the open bars as stopped, the newest first, and no other', () => {
    const p = piped();
    const done = progress('generating', 4, { unit: 'episodes', stream: p.stream, now: p.now });
    done.tick(4);
    done.stop();
    const outer = progress('demo', 3, { unit: 'stages', stream: p.stream, now: p.now });
    outer.tick();
    const failed = progress('inserting', 2, { stream: p.stream, now: p.now });
    failed.fail();
    const steps = progress('supervised', 200, { unit: 'steps', stream: p.stream, now: p.now });
    steps.tick(3);
    p.advance(1500);
    p.lines.length = 0;
    interruptOpenBars();
    steps.stop(); // the loop's own ending, later (a finally): nothing more
    interruptOpenBars(); // none open now
    expect(p.lines).toEqual(['supervised: 3/200 steps, stopped after 1.5s\n', 'demo: 1/3 stages, stopped after 1.5s\n']);
  });

  it('on a terminal: interrupt() clears the bar and says where it stopped', () => {
    const t = terminal(80);
    const bar = progress('eval', 4, { unit: 'episodes', env: {}, stream: t.stream });
    bar.tick();
    bar.interrupt();
    expect(t.out.text).toMatch(new RegExp(`${ESC}\\[2Keval: 1/4 episodes, stopped after [0-9.]+s\n$`));
  });

  it('on a terminal: the bar is cleared, not left at N/M, and a line says it failed, ending with a newline', () => {
    let text = '';
    const bar = progress('inserting', 4, { unit: 'pairs', env: {}, stream: { isTTY: true, write: (s: string) => ((text += s), true), on() {}, removeListener() {}, cursorTo() { return true; }, clearLine() { return true; }, moveCursor() { return true; } } as never });
    bar.tick();
    bar.tick();
    bar.fail();
    // the last drawn bar (2/4) is followed by no newline: its line is cleared (ESC [2K) and the failure line written over it
    const tail = text.slice(text.lastIndexOf('2/4 pairs |'));
    expect(tail.indexOf('\n')).toBe(tail.length - 1);
    expect(tail).toMatch(new RegExp(`${String.fromCharCode(27)}\\[2Kinserting: failed at 2/4 pairs after [0-9.]+s\n$`));
  });
});

describe('progress on a terminal of the user', () => {
  it('before its first tick the bar shows no ETA as the missing-value placeholder, not cli-progress\'s "INFs" or "NULLs"', () => {
    const t = terminal(120);
    const bar = progress('GRPO', 2, { unit: 'updates', stream: t.stream, env: { TERM: 'xterm-256color' } });
    bar.stop();
    expect(t.out.text).toContain('0/2 updates | 0/s | ETA –'); // a first update of 3 s on a loaded machine read "ETA INFs"
    expect(t.out.text).not.toMatch(/INF|NULL/);
  });
  it('a bar never stopped (Ctrl-C, an error, a closed pipe) leaves the cursor shown and line wrapping on; a 20-column terminal gets lines cut to 20', () => {
    const t = terminal(20);
    const bar = progress('generating', 300, { unit: 'episodes', stream: t.stream, env: { TERM: 'xterm-256color' } });
    for (let i = 0; i < 5; i++) bar.tick(1, { kind: 'occlusion' });
    // it had written ESC[?25l (cursor hidden) and ESC[?7l (no wrapping), undone only by stop(): the shell after an
    // interrupted command had no cursor, and the interrupted run's hint was cut at the right edge
    expect(t.out.text).toContain('generating [');
    expect(t.out.text).not.toMatch(new RegExp(`${ESC}\\[\\?(25l|7l)`));
    const drawn = t.out.text.split(new RegExp(`${ESC}\\[[0-9;]*[A-Za-z]|\r|\n`)).filter((s) => s !== '');
    expect(drawn.length).toBeGreaterThan(0);
    for (const line of drawn) expect(line.length, JSON.stringify(line)).toBeLessThanOrEqual(20);
    bar.stop();
  });

  it('a label of wide characters (CJK, emoji) is cut by the columns it takes, not by characters: a 40-column terminal gets no line over 40 columns', () => {
    const t = terminal(40);
    // 14 CJK characters and 2 emoji: 16 characters (18 UTF-16 units) that take 32 columns; cut at 40 UTF-16 units, each
    // redraw took 54 columns and wrapped onto a second line, where the next redraw began (a new line each time)
    const bar = progress('注釈者のラベルを数えています📷🙂', 300, { unit: 'labels', stream: t.stream, env: {} });
    for (let i = 0; i < 5; i++) bar.tick(1, { file: '猫の写真.png' });
    bar.stop();
    const drawn = t.out.text.split(new RegExp(`${ESC}(?:\\[[0-9;]*[A-Za-z]|[78])|\r|\n`)).filter((s) => s !== '');
    expect(drawn.length).toBeGreaterThan(0);
    for (const line of drawn) expect(stringWidth(line), JSON.stringify(line)).toBeLessThanOrEqual(40);
    expect(drawn[0]).toMatch(/^注釈者のラベルを数えています📷🙂 \[/); // the label whole, the bar cut after it
  });

  it('fitColumns cuts at a whole character: a wide one that would straddle the edge, or an emoji of several code points, is left out whole', () => {
    expect(fitColumns('ab猫c', 3)).toBe('ab'); // 猫 would take columns 3 and 4
    expect(fitColumns('ab猫c', 4)).toBe('ab猫');
    // one emoji of 5 code points (8 UTF-16 units), 2 columns: whole or not at all, and never past `columns` units either,
    // which cli-progress cuts at after it (it would split the emoji)
    expect(fitColumns('a👩‍👩‍👧b', 9)).toBe('a👩‍👩‍👧');
    expect(fitColumns('a👩‍👩‍👧b', 8)).toBe('a');
    expect(fitColumns('plain', 80)).toBe('plain');
  });

  it('TERM=dumb (Emacs\' shell): the piped lines, with no escape sequence, and a note has none either', () => {
    const t = terminal(80);
    const bar = progress('eval', 3, { unit: 'episodes', stream: t.stream, env: { TERM: 'dumb' } });
    bar.tick();
    bar.tick(2);
    bar.stop();
    noteLine('waiting 30 s', t.stream, { TERM: 'dumb' });
    expect(t.out.text).toMatch(/^eval: 1\/3 episodes\neval: 3\/3 episodes in [0-9.]+s\nwaiting 30 s\n$/);
  });
});

describe('a note in the middle of a run', () => {
  it('stands on its own line: a terminal bar line is cleared first, a pipe gets the line alone', () => {
    const tty: string[] = [];
    noteLine('waiting 30 s', { isTTY: true, write: (s: string) => tty.push(s) }, {});
    expect(tty).toEqual(['\r\x1b[Kwaiting 30 s\n']);
    const p = piped();
    noteLine('waiting 30 s', p.stream);
    expect(p.lines).toEqual(['waiting 30 s\n']);
  });
});
