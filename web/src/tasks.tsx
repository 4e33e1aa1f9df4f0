/**
 * The four task views (rationale selection, ask-or-answer, pairwise preference with facts, play),
 * each usable with the mouse or the keys shown on its buttons. Keys are ignored while typing in
 * a text field (Ctrl+Enter still submits).
 */
import { createContext, useContext, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useDraft } from './draft.js';
import { api, ApiError, whyFailed, type AskLabel, type AssignmentInfo, type Label, type PlayLabel, type PlayState, type PreferenceLabel, type RationaleLabel } from './api.js';

type Keys = Record<string, () => void>;

/** A request for the task on screen the server refused because the page is stale (404: 'taken', 409: 'labelled'; App.tsx `StaleNotice`). */
export type Refused = { why: 'taken' | 'labelled'; what: 'label' | 'play' };

/**
 * Puts the focus on `ref`'s element when it shows up while nothing has the focus — the button that
 * had it went away with the task just labelled or the play step just taken — so Tab goes on from
 * here rather than from the top of the page. It never takes the focus from another element (the
 * project list, a field).
 */
export function useFocusIfLost(ref: React.RefObject<HTMLElement | null>, when: unknown = true) {
  useEffect(() => {
    const had = document.activeElement;
    if (when && ref.current && (had === null || had === document.body)) ref.current.focus();
  }, [ref, when]);
}

/** Window-level shortcuts; `keys` maps KeyboardEvent.key (lower-cased) to an action. */
function useKeys(keys: Keys) {
  const ref = useRef(keys);
  ref.current = keys;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      const typing =
        t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable || (t.tagName === 'INPUT' && !['checkbox', 'radio', 'button', 'submit'].includes((t as HTMLInputElement).type));
      if (typing && !(e.key === 'Enter' && e.ctrlKey)) return;
      // A held key repeats: one press is one action (a held Enter labelled task after task), on a focused button too.
      if (e.repeat) {
        if (e.key === 'Enter' && t.tagName === 'BUTTON') e.preventDefault();
        return;
      }
      // Enter or Space on a button reached with the keyboard (Tab: it shows the focus ring) presses that
      // button, as everywhere else; a button last clicked with the mouse keeps Enter as "submit".
      if ((e.key === 'Enter' || e.key === ' ') && t.tagName === 'BUTTON' && t.matches(':focus-visible')) return;
      // The browser's own combinations (Ctrl+A select all, Ctrl+1 first tab …) are not choices; Ctrl+Enter submits.
      if (e.altKey || e.metaKey || (e.ctrlKey && e.key !== 'Enter')) return;
      const f = ref.current[e.key.toLowerCase()];
      if (f) {
        e.preventDefault();
        f();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

function Kbd({ k }: { k: string }) {
  return <kbd>{k}</kbd>;
}

/** One choice of a `RadioRow`: its value, what the button shows, and its test id (and an accessible name or key shortcut, when the text is not enough). */
interface RadioChoice<T> {
  value: T;
  testId: string;
  content: React.ReactNode;
  ariaLabel?: string;
  keyshortcuts?: string;
}

/**
 * A row of single-choice buttons as a radio group (the WAI-ARIA Authoring Practices' radio group
 * pattern): role=radiogroup named by `labelledBy`, role=radio buttons with aria-checked, one tab
 * stop (the checked one, else the first), the arrow keys move to the next or previous one (round
 * the end) and check it, and Space, Enter on a button reached with the keyboard (`useKeys`) or a
 * click checks the one focused. The task's letter and number keys still check any one (the focus, when in
 * the group or lost with the element that had it, moves to it). A row where several may be ticked (the rationales) stays a list of checkboxes.
 */
function RadioRow<T>({ labelledBy, choices, value, onChange, wrap = false }: { labelledBy: string; choices: RadioChoice<T>[]; value: T | null; onChange: (v: T) => void; wrap?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const at = choices.findIndex((c) => c.value === value);
  // A key shortcut checked another one while the focus is in the group: the focus follows the check, so the group
  // keeps one tab stop (left on the unchecked one, Tab went next to the checked one, a second stop in the group).
  // So it does when the check took away the element that had the focus (an ask task's W on an intervention: the
  // answers replace them), rather than leave it on the page, where Tab starts again from the top.
  useEffect(() => {
    const radios = ref.current?.querySelectorAll<HTMLElement>('[role=radio]');
    const had = document.activeElement;
    const lost = had === null || had === document.body;
    if (radios && at >= 0 && had !== radios[at] && (lost || [...radios].some((r) => r === had))) radios[at].focus();
  }, [at]);
  const onKeyDown = (e: React.KeyboardEvent, i: number) => {
    const step = e.key === 'ArrowRight' || e.key === 'ArrowDown' ? 1 : e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 0;
    if (!step || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault(); // not a scroll of the page
    const j = (i + step + choices.length) % choices.length;
    onChange(choices[j].value);
    ref.current?.querySelectorAll<HTMLElement>('[role=radio]')[j]?.focus();
  };
  return (
    <div className={wrap ? 'row wrap' : 'row'} role="radiogroup" aria-labelledby={labelledBy} ref={ref}>
      {choices.map((c, i) => (
        <button
          key={c.testId}
          type="button"
          role="radio"
          aria-checked={i === at}
          tabIndex={i === at || (at < 0 && i === 0) ? 0 : -1}
          className={i === at ? 'toggle on' : 'toggle'}
          onClick={() => onChange(c.value)}
          onKeyDown={(e) => onKeyDown(e, i)}
          aria-label={c.ariaLabel}
          aria-keyshortcuts={c.keyshortcuts}
          data-testid={c.testId}
        >
          {c.content}
        </button>
      ))}
    </div>
  );
}

/** What a picture of the task on screen needs besides its assignment: the item's id (to name to the project owner) and what to do at a 401. */
const PictureCtx = createContext<{ item: string; onTokenGone: (what: 'image') => void }>({ item: '', onTokenGone: () => undefined });

/**
 * Why the picture is not shown, in plain words, and what the annotator can do: try again, and tell
 * the project owner (naming the item) if it stays missing. A 401 is not shown here: the page's
 * token-gone notice (App.tsx) takes the task's place.
 */
function pictureError(e: unknown, item: string): string {
  const tell = `tell the project owner (item ${item}), and do not label this task without its picture`;
  if (e instanceof ApiError && e.status === 404)
    return `The picture for this task is missing on the server (404), so the task cannot be labelled fairly. Press "Try again" or reload the page; if it is still missing, ${tell}.`;
  const why = e instanceof ApiError ? `the server answered ${e.status}` : whyFailed(e);
  return `The picture for this task could not be loaded (${why}). Press "Try again" or reload the page; if it keeps failing, ${tell}.`;
}

/**
 * A picture of the task. `alt` says which picture it is — the one the question is about, or which
 * view of the scene at which turn of which reply — never what it shows: that is for the annotator to judge.
 */
function Picture({ aid, view, alt }: { aid: number; view?: number; alt: string }) {
  const { item, onTokenGone } = useContext(PictureCtx);
  const [url, setUrl] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    let made: string | null = null;
    api.image(aid, view).then(
      (u) => {
        made = u;
        if (live) setUrl(u);
        else URL.revokeObjectURL(u);
      },
      (e: unknown) => {
        if (!live) return;
        // The token was revoked or replaced (401): the page's token-gone notice, as for a label or a play step.
        if (e instanceof ApiError && e.status === 401) onTokenGone('image');
        else setErr(pictureError(e, item));
      },
    );
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [aid, view, attempt, item, onTokenGone]);
  // Announced as it appears (an alert: it takes the place of the picture the task is about).
  if (err)
    return (
      <div className="picture missing" role="alert" data-testid="image-error">
        <p>{err}</p>
        <button
          type="button"
          onClick={() => {
            setErr(null);
            setAttempt((n) => n + 1);
          }}
          data-testid="image-retry"
        >
          Try again
        </button>
      </div>
    );
  return <div className="picture">{url ? <img src={url} alt={alt} data-testid="task-image" /> : null}</div>;
}

/** The task's title: a heading that takes the focus when the task comes while nothing has it (after a label, after sign-in). */
function Header({ a, title }: { a: AssignmentInfo; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useFocusIfLost(ref);
  return (
    <div className="task-head">
      <h2 className={`badge ${a.type}`} tabIndex={-1} ref={ref} data-testid="task-title">
        {title}
      </h2>
      <span className="muted">item {a.item.externalId}</span>
    </div>
  );
}

function ModelSays({ text }: { text: string }) {
  return (
    <div className="model-says">
      <span className="label">Model</span>
      <p className="model-text" data-testid="model-text">
        {text}
      </p>
    </div>
  );
}

/**
 * A task takes no submission for its first moments on screen, nor while one is being saved: the
 * second of a double click or a doubled Enter would otherwise label the task that replaced the
 * one just submitted (a rationale task takes "none acceptable" as a label) before it was read.
 */
export const ARM_MS = 500;
const Ready = createContext(true);

function SubmitBar({ onSubmit, disabled, hint }: { onSubmit: () => void; disabled?: boolean; hint?: string }) {
  const ready = useContext(Ready);
  return (
    <div className="submit-bar">
      {hint && <span className="muted">{hint}</span>}
      <button className="primary" onClick={onSubmit} disabled={disabled || !ready} data-testid="submit">
        Submit <Kbd k="Enter" />
      </button>
    </div>
  );
}

// ── rationale selection (ILLUME) ───────────────────────────────────────────────────────────────
function RationaleTask({ a, onSubmit }: { a: AssignmentInfo<'rationale'>; onSubmit: (l: RationaleLabel) => void }) {
  const rationales: string[] = a.payload.rationales;
  const [pickedList, setPicked] = useDraft<number[]>(a.id, 'picked', []);
  const picked = new Set(pickedList);
  const [own, setOwn] = useDraft(a.id, 'own', '');
  const toggle = (i: number) => setPicked((s) => (s.includes(i) ? s.filter((x) => x !== i) : [...s, i]));
  const send = () => onSubmit({ accepted: [...picked].sort((x, y) => x - y), ...(own.trim() ? { own: own.trim() } : {}) });
  const keys: Keys = { enter: send };
  rationales.forEach((_, i) => (keys[String(i + 1)] = () => toggle(i)));
  useKeys(keys);
  return (
    <>
      <Header a={a} title="Rationale selection" />
      <p className="question">{a.item.question}</p>
      <ModelSays text={a.payload.answer} />
      <p className="instructions">Tick every rationale that correctly explains the model's answer for this image (or none).</p>
      <ul className="choices">
        {rationales.map((r, i) => (
          <li key={i}>
            <label className={picked.has(i) ? 'chosen' : ''}>
              <input type="checkbox" checked={picked.has(i)} onChange={() => toggle(i)} data-testid={`rationale-${i}`} />
              <Kbd k={String(i + 1)} /> <span>{r}</span>
            </label>
          </li>
        ))}
      </ul>
      <label className="own">
        Your own rationale (optional)
        <textarea value={own} onChange={(e) => setOwn(e.target.value)} rows={2} placeholder="Because … (Ctrl+Enter submits from here)" data-testid="own-rationale" />
      </label>
      <SubmitBar onSubmit={send} hint={`${picked.size} selected`} />
    </>
  );
}

// ── ask-or-answer judgement ───────────────────────────────────────────────────────────────────
/** One kind of an ask task's options under a heading that names the list; lettered from `from` (0: A). */
function OptionList({ heading, id, className, options, from }: { heading: string; id: string; className: string; options: string[]; from: number }) {
  return (
    <>
      <h3 className="label options-head" id={id}>
        {heading}
      </h3>
      <ol className={`options ${className}`} type="A" start={from + 1} aria-labelledby={id}>
        {options.map((o, i) => (
          <li key={i}>{o}</li>
        ))}
      </ol>
    </>
  );
}

function AskTask({ a, onSubmit }: { a: AssignmentInfo<'ask'>; onSubmit: (l: AskLabel) => void }) {
  const options: string[] = a.payload.options;
  const nI: number = a.payload.numInterventions;
  const [verdict, setVerdict] = useDraft<'ask' | 'answer' | null>(a.id, 'verdict', null);
  const [option, setOption] = useDraft<number | null>(a.id, 'option', null);
  const range = verdict === 'ask' ? [...Array(nI).keys()] : verdict === 'answer' ? [...Array(options.length - nI).keys()].map((i) => i + nI) : [];
  // Another verdict offers other options; the same one again (Space or Enter on the checked one, Q twice) keeps the option chosen.
  const choose = (v: 'ask' | 'answer') => {
    if (v === verdict) return;
    setVerdict(v);
    setOption(null);
  };
  const send = () => verdict && option !== null && onSubmit({ verdict, option });
  const keys: Keys = { q: () => choose('ask'), w: () => choose('answer'), enter: send };
  const ids = useId();
  range.forEach((o, i) => (keys[String(i + 1)] = () => setOption(o)));
  useKeys(keys);
  return (
    <>
      <Header a={a} title="Ask or answer?" />
      <p className="question">{a.item.question}</p>
      {/* Interventions and answers told apart in words (a heading naming each list), not by colour alone (WCAG 1.4.1); lettered on as the model saw them. */}
      {nI > 0 && <OptionList heading="Interventions the model could ask for" id={`${ids}-iv`} className="iv" options={options.slice(0, nI)} from={0} />}
      {nI < options.length && <OptionList heading="Answers the model could give" id={`${ids}-cat`} className="cat" options={options.slice(nI)} from={nI} />}
      <ModelSays text={a.payload.reply} />
      <p className="instructions" id={`${ids}-verdict`}>
        Given this image, should the model have asked for an intervention, or answered?
      </p>
      <RadioRow
        labelledBy={`${ids}-verdict`}
        value={verdict}
        onChange={choose}
        choices={[
          { value: 'ask', testId: 'verdict-ask', content: <>Should have asked <Kbd k="Q" /></> },
          { value: 'answer', testId: 'verdict-answer', content: <>Could answer <Kbd k="W" /></> },
        ]}
      />
      {verdict && (
        <>
          <p className="instructions" id={`${ids}-option`}>
            {verdict === 'ask' ? 'Which intervention would help?' : 'What is the answer?'}
          </p>
          <RadioRow
            labelledBy={`${ids}-option`}
            wrap
            value={option}
            onChange={setOption}
            choices={range.map((o, i) => ({ value: o, testId: `option-${o}`, content: <>{options[o]} <Kbd k={String(i + 1)} /></> }))}
          />
        </>
      )}
      <SubmitBar onSubmit={send} disabled={!verdict || option === null} />
    </>
  );
}

// ── pairwise preference with facts (Factually Augmented RLHF) ──────────────────────────────────
function PreferenceTask({ a, onSubmit }: { a: AssignmentInfo<'preference'>; onSubmit: (l: PreferenceLabel) => void }) {
  const replies: [string, string] = a.payload.replies;
  const [less, setLess] = useDraft<0 | 1 | null>(a.id, 'less', null);
  const [helpful, setHelpful] = useDraft<0 | 1 | null>(a.id, 'helpful', null);
  const send = () => less !== null && helpful !== null && onSubmit({ lessHallucination: less, moreHelpful: helpful });
  useKeys({ a: () => setLess(0), b: () => setLess(1), '1': () => setHelpful(0), '2': () => setHelpful(1), enter: send });
  const ids = useId();
  return (
    <>
      <Header a={a} title="Which reply is better?" />
      <p className="question">{a.item.question}</p>
      <div className="pair">
        {replies.map((r, i) => (
          <div key={i} className={`reply ${less === i ? 'picked' : ''}`} data-testid={`reply-${i}`}>
            <span className="label">Reply {i === 0 ? 'A' : 'B'}</span>
            {/* the green ring in words too, for a screen reader and for anyone who does not tell the colour (WCAG 1.4.1) */}
            {less === i && (
              <span className="chosen-cue" data-testid={`reply-${i}-chosen`}>
                chosen: hallucinates less
              </span>
            )}
            {a.payload.turns ? (
              <ol className="turns" data-testid={`turns-${i}`}>
                {a.payload.turns[i].map((t, k) => (
                  <li key={k}>
                    <Picture
                      aid={a.id}
                      view={t.view}
                      alt={`Reply ${i === 0 ? 'A' : 'B'}, turn ${k + 1}: view ${t.view + 1}${a.payload.views ? ` of ${a.payload.views.length}` : ''} of the scene, as the model saw it`}
                    />
                    <p className="model-text">{t.reply}</p>
                  </li>
                ))}
              </ol>
            ) : (
              <p className="model-text">{r}</p>
            )}
          </div>
        ))}
        <aside className="facts" data-testid="facts">
          <span className="label">True facts of the scene</span>
          <ul>
            {a.item.facts.map((f, i) => (
              <li key={i}>{f}</li>
            ))}
          </ul>
        </aside>
      </div>
      <p className="instructions" id={`${ids}-less`}>
        1. Which reply hallucinates less (states fewer things that are not true)?
      </p>
      <RadioRow
        labelledBy={`${ids}-less`}
        value={less}
        onChange={setLess}
        choices={[
          { value: 0 as const, testId: 'less-0', content: <>A <Kbd k="A" /></> },
          { value: 1 as const, testId: 'less-1', content: <>B <Kbd k="B" /></> },
        ]}
      />
      <p className="instructions" id={`${ids}-helpful`}>
        2. Which reply is more helpful?
      </p>
      <RadioRow
        labelledBy={`${ids}-helpful`}
        value={helpful}
        onChange={setHelpful}
        choices={[
          { value: 0 as const, testId: 'helpful-0', content: <>A <Kbd k="1" /></> },
          { value: 1 as const, testId: 'helpful-1', content: <>B <Kbd k="2" /></> },
        ]}
      />
      <SubmitBar onSubmit={send} disabled={less === null || helpful === null} />
    </>
  );
}

// ── play ───────────────────────────────────────────────────────────────────────────────────────
function PlayTask({
  a,
  onSubmit,
  onRefused,
  onTokenGone,
}: {
  a: AssignmentInfo<'play'>;
  onSubmit: (l: PlayLabel) => void;
  onRefused: (r: Refused) => void;
  onTokenGone: (what: 'play') => void;
}) {
  const [performed, setPerformed] = useDraft(a.id, 'performed', 0); // a reload replays the steps taken (the same count, the same play)
  const [state, setState] = useState<PlayState | null>(null);
  const [rating, setRating] = useDraft<number | null>(a.id, 'rating', null);
  const [err, setErr] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0); // "Try again" after a failed step asks for the same step once more
  // The performed count `state` answers: while it lags `performed`, a step is on its way (or failed: "Try again").
  const [answered, setAnswered] = useState<number | null>(null);
  const stepping = answered !== performed;
  useEffect(() => {
    let live = true; // an answer for a task no longer on screen says nothing about the one that is
    api.play(a.id, performed).then(
      (s) => {
        if (!live) return;
        setState(s);
        setAnswered(performed);
      },
      (e: unknown) => {
        if (!live) return;
        // A step refused as a label would be (its task went to others: 404; labelled already: 409):
        // the page's stale notice, as for a refused label (App.tsx), not an error beside the task.
        if (e instanceof ApiError && (e.status === 404 || e.status === 409)) onRefused({ why: e.status === 409 ? 'labelled' : 'taken', what: 'play' });
        // The token was revoked or replaced (401): the page's token-gone notice (App.tsx), not a "Try again" that cannot succeed.
        else if (e instanceof ApiError && e.status === 401) onTokenGone('play');
        else setErr(`The model's next step could not be loaded (${whyFailed(e)}).`);
      },
    );
    return () => {
      live = false;
    };
  }, [a.id, performed, attempt, onRefused, onTokenGone]);
  // A step is a replay on the server (the same performed count gives the same play), so asking again is safe.
  const retry = () => {
    setErr(null);
    setAttempt((n) => n + 1);
  };
  // One step per press: a press while a step is on its way (the screen still shows the previous one's
  // intervention) is ignored — it would ask for a step further, and the answer to this one be discarded.
  const perform = () => !stepping && state?.awaiting && setPerformed(performed + 1);
  const send = () =>
    state?.done && rating !== null && onSubmit({ transcript: state.turns, outcome: state.outcome ?? 'unknown', rating });
  const keys: Keys = { p: perform, ' ': perform, enter: send };
  const ids = useId();
  // The Perform button just pressed goes away with the step it took: the next one, or the outcome, takes the focus.
  const performRef = useRef<HTMLButtonElement>(null);
  const outcomeRef = useRef<HTMLParagraphElement>(null);
  useFocusIfLost(performRef, state?.awaiting);
  useFocusIfLost(outcomeRef, state?.done);
  for (let r = 1; r <= 5; r++) keys[String(r)] = () => state?.done && setRating(r);
  useKeys(keys);
  return (
    <>
      <Header a={a} title="Play: you are the user" />
      <p className="question">{a.item.question}</p>
      {err && (
        <p className="error" role="alert" data-testid="play-error">
          {err}{' '}
          <button type="button" onClick={retry} data-testid="play-retry">
            Try again
          </button>
        </p>
      )}
      {state && (
        <>
          <div className="play-view">
            <Picture aid={a.id} view={state.view} alt={`View ${state.view + 1} of ${a.payload.views} of the scene: what the model sees now`} />
            <span className="muted">view {state.view + 1} of {a.payload.views}</span>
          </div>
          {/* A log (a polite live region): the reply the model gives after each step is announced, while the focus stays on Perform. */}
          <div role="log" aria-label="The exchange so far" data-testid="exchange">
            <ol className="transcript" data-testid="transcript">
              {state.turns.map((t, i) => (
                <li key={i}>
                  <span className="label">Model</span> <span className="model-text">{t.reply}</span>
                  {t.performed && <div className="performed">You: performed “{t.performed}”</div>}
                </li>
              ))}
            </ol>
          </div>
          {state.awaiting && (
            // aria-disabled, not disabled: the button keeps the focus while the step is on its way.
            <button className="primary" onClick={perform} ref={performRef} aria-disabled={stepping || undefined} data-testid="perform">
              Perform: {state.awaiting} <Kbd k="P" />
            </button>
          )}
          {state.done && (
            <>
              <p className={`outcome ${state.success ? 'good' : 'bad'}`} role="status" tabIndex={-1} ref={outcomeRef} data-testid="outcome">
                Episode over: {state.success ? 'the model answered correctly' : `failed (${state.outcome})`}
              </p>
              <p className="instructions" id={`${ids}-rate`}>
                Rate the exchange (1 = poor, 5 = excellent):
              </p>
              <RadioRow
                labelledBy={`${ids}-rate`}
                value={rating}
                onChange={setRating}
                choices={[1, 2, 3, 4, 5].map((r) => ({ value: r, testId: `rate-${r}`, ariaLabel: `${r} of 5`, keyshortcuts: String(r), content: <>{'★'.repeat(r)} <Kbd k={String(r)} /></> }))}
              />
              <SubmitBar onSubmit={send} disabled={rating === null} />
            </>
          )}
        </>
      )}
    </>
  );
}

export function TaskView({
  a,
  onSubmit: submit,
  onRefused,
  onTokenGone,
  busy = false,
}: {
  a: AssignmentInfo;
  onSubmit: (l: Label) => void;
  /** The server refused a play step because the page is stale (App.tsx `StaleNotice`). */
  onRefused: (r: Refused) => void;
  /** The server refused the annotator's token at a play step or a picture (401: App.tsx `TokenGoneNotice`). */
  onTokenGone: (what: 'play' | 'image') => void;
  busy?: boolean;
}) {
  const [armed, setArmed] = useState(false);
  useEffect(() => {
    const t = setTimeout(() => setArmed(true), ARM_MS);
    return () => clearTimeout(t);
  }, []);
  const ready = armed && !busy;
  const picture = useMemo(() => ({ item: a.item.externalId, onTokenGone }), [a.item.externalId, onTokenGone]);
  const onSubmit = (l: Label) => {
    if (ready) submit(l);
  };
  return (
    <Ready.Provider value={ready}>
      <PictureCtx.Provider value={picture}>
        <div className="card task" data-testid={`task-${a.type}`} data-assignment={a.id} data-ready={ready}>
          {a.type !== 'play' && <Picture aid={a.id} alt={`The picture the question is about (item ${a.item.externalId}), as the model saw it`} />}
          <div className="task-body">
            {a.type === 'rationale' && <RationaleTask a={a} onSubmit={onSubmit} />}
            {a.type === 'ask' && <AskTask a={a} onSubmit={onSubmit} />}
            {a.type === 'preference' && <PreferenceTask a={a} onSubmit={onSubmit} />}
            {a.type === 'play' && <PlayTask a={a} onSubmit={onSubmit} onRefused={onRefused} onTokenGone={onTokenGone} />}
          </div>
        </div>
      </PictureCtx.Provider>
    </Ready.Provider>
  );
}
