/**
 * The workbench shell: token login, project choice, progress, and the labelling loop (fetch the
 * next assignment, show its task, submit with a client-made submission id so a retry never
 * double-counts). All model text is rendered as React text nodes — never as HTML.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, isTokenRefused, projectStore, tokenStore, Unreachable, whyFailed, type AssignmentInfo, type Label, type Me, type NextResponse, type ProjectInfo, type Progress } from './api.js';
import { TaskView, useFocusIfLost, type Refused } from './tasks.js';
import { TabPresence } from './tabs.js';
import { dropDrafts, keepSubmissionId, keptSubmissionId } from './draft.js';

/** What the sign-in form says when the server refuses a token (401): it may be mistyped, or revoked or replaced by the project owner. */
export const TOKEN_REFUSED_AT_SIGN_IN =
  'That token does not work: it is not one the project owner gave you, or they have since revoked it or replaced it with a new one. Check that you pasted all of it; if it still does not work, ask the project owner for a new token and sign in with that.';

/** What the sign-in form says when the page opened with a saved token the server no longer takes (a reload after a revocation). */
export const TOKEN_GONE_AT_START =
  'Your token no longer works: the project owner revoked it or replaced it with a new one. Ask the project owner for a new token and sign in with that.';

function Login({ onLogin, notice }: { onLogin: (me: Me) => void; notice: string | null }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(notice);
  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    tokenStore.set(token.trim());
    try {
      onLogin(await api.me());
    } catch (err) {
      tokenStore.clear();
      setError(isTokenRefused(err) ? TOKEN_REFUSED_AT_SIGN_IN : `Could not sign in: ${whyFailed(err)}.`);
    }
  };
  return (
    <main>
      <form className="login card" onSubmit={submit}>
        <h1>askfirst feedback workbench</h1>
        <p className="muted">Sign in with the annotator token you were given.</p>
        <label htmlFor="token">Annotator token</label>
        <input id="token" name="token" type="password" autoComplete="off" autoFocus value={token} onChange={(e) => setToken(e.target.value)} placeholder="af_…" />
        <button type="submit" className="primary" disabled={!token.trim()} data-testid="sign-in">
          Sign in
        </button>
        {error && <p className="error" role="alert" data-testid="sign-in-error">{error}</p>}
      </form>
    </main>
  );
}

function ProgressBar({ p }: { p: Progress }) {
  const pct = p.needed ? Math.round((100 * p.labels) / p.needed) : 0;
  return (
    <div className="progress" data-testid="progress">
      <div className="bar" aria-hidden>
        <div className="fill" style={{ width: `${pct}%` }} />
      </div>
      <span>
        Project: <b data-testid="completed">{p.completedTasks}</b> / {p.tasks} tasks complete · {p.labels} / {p.needed} labels · You: <b data-testid="mine">{p.mine}</b> labels
      </span>
    </div>
  );
}

/**
 * Why the page shows a task its annotator no longer holds, learned from a heartbeat (store.ts
 * `keep`) or from a label or play step the server just refused:
 * 'taken' — it expired and every place of its task went to others, so a label is no longer saved
 * (refused: 404); 'labelled' — it already has their label (from another tab, or sent before a
 * lost answer; refused: 409); 'elsewhere' — it expired, or they asked for work in another
 * project, and they have since taken another task (another tab, a reload, another project), so
 * this one is not kept for them, though a label sent from here is still saved while its task has room.
 */
type Stale = 'taken' | 'labelled' | 'elsewhere';
/**
 * A stale page: why, and what of theirs the server refused when the annotator learned it — a
 * 'label' (submit), a 'play' step (tasks.tsx `PlayTask`) — or null (a heartbeat told).
 */
interface StaleState {
  why: Stale;
  refused: 'label' | 'play' | null;
}

const STALE_MESSAGE: Record<Stale, string> = {
  taken:
    'This task expired while you were away (no activity for too long) and other annotators have since taken all its places, so a label for it can no longer be saved.',
  labelled: 'This task already has your label (given in another tab, or before a reload), so there is nothing more to do here.',
  elsewhere:
    'This task is no longer kept for you: it expired while you were away (no activity for too long) or you opened another project, and you have since moved on to another task — in another tab, in another project or by reloading. A label you submit here is still saved while the task has room.',
};

/** What the page says when the server refused the label just given (404: 'taken', 409: 'labelled'). */
const REFUSED_MESSAGE: Record<'taken' | 'labelled', string> = {
  taken:
    'This task is no longer yours: it expired while you were away (no activity for too long) and other annotators have since taken all its places, so the label you just gave was not saved.',
  labelled:
    'This task already had a label from you (saved earlier: in another tab, or before a lost connection), so the choice you just made was not saved.',
};

/** What the page says when the server refused a play step (404: 'taken', 409: 'labelled'): the model stops there. */
const REFUSED_PLAY_MESSAGE: Record<'taken' | 'labelled', string> = {
  taken:
    'This task is no longer yours: it expired while you were away (no activity for too long) and other annotators have since taken all its places, so the model stopped here — a label for this play could no longer be saved.',
  labelled:
    'This task already has a label from you (given in another tab, or before a lost connection), so the model stopped here — a new label for this play would not be saved.',
};

/** What a stale page says, with a way to the task the annotator holds now (the page's own stays until they choose). */
function StaleNotice({ stale, onLoad }: { stale: StaleState; onLoad: () => void }) {
  const { why, refused } = stale;
  const text = refused === null || why === 'elsewhere' ? STALE_MESSAGE[why] : refused === 'play' ? REFUSED_PLAY_MESSAGE[why] : REFUSED_MESSAGE[why];
  // The task's card (and the Submit or Perform button that had the focus) is gone: the notice takes the
  // focus, so Tab reaches its button next. Not the button itself: a key pressed meanwhile loads nothing.
  const ref = useRef<HTMLDivElement>(null);
  useFocusIfLost(ref);
  return (
    <div className="card stale" tabIndex={-1} ref={ref} data-testid="stale" data-why={why} data-refused={refused !== null} data-refused-what={refused ?? undefined} role="alert">
      <p>{text}</p>
      <button type="button" className="primary" data-testid="load-current" onClick={onLoad}>
        Load my current task
      </button>
    </div>
  );
}

/** How soon, after a heartbeat that got no answer, the next sign of activity tries again (not a whole interval later). */
const RETRY_MS = 10_000;

/**
 * Said (politely, as a status, not an alert) while heartbeats get no answer, or only a reverse proxy's 502/503/504 (its
 * status said: the proxy is up, the server behind it is not): nothing is lost, and nothing to do but wait.
 */
const unreachableNotice = (proxyStatus?: number) =>
  `The workbench server cannot be reached just now${proxyStatus ? ` (the proxy in front of it answered ${proxyStatus})` : ''}. What you have entered here is kept: carry on; this notice goes away once the server answers again.`;

/**
 * The server refused the annotator's token (401: revoked or replaced by the project owner while the
 * page was open), learned at a heartbeat, a label submitted, a play step, the task's picture, the
 * next task loaded after a label, or the projects or a task loaded otherwise ('load': the first
 * one, another project's, "Load my current task"): the page says so and stops, as a stale one does — nothing more it sends could be saved.
 */
type TokenGone = 'heartbeat' | 'label' | 'play' | 'image' | 'next' | 'load';

const TOKEN_GONE_WHAT: Record<TokenGone, string> = {
  heartbeat: 'so nothing more you do here can be saved',
  label: 'so the label you just gave was not saved, nor can anything more you do here be',
  play: 'so the model stopped here, and nothing more you do here can be saved',
  image: "so this task's picture could not be loaded, and nothing more you do here can be saved",
  next: 'so the next task could not be loaded (your last label was saved), and nothing more you do here can be saved',
  // the projects, the first task, another project's task, "Load my current task"
  load: 'so your task could not be loaded, and nothing you do here can be saved',
};

/** The token-gone notice: it takes the focus when the button that had it went away with the task (a label or play step refused). */
function TokenGoneNotice({ when, onSignOut }: { when: TokenGone; onSignOut: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useFocusIfLost(ref);
  return (
    <div className="card stale" tabIndex={-1} ref={ref} data-testid="token-gone" data-refused-what={when === 'heartbeat' ? undefined : when} role="alert">
      <p>
        Your token no longer works: the project owner revoked or replaced it while this page was open, {TOKEN_GONE_WHAT[when]}. Sign out, then sign in with the token the project
        owner gives you.
      </p>
      <button type="button" className="primary" onClick={onSignOut}>
        Sign out
      </button>
    </div>
  );
}

/**
 * No project on this workbench yet (none imported, or every one deleted): said in plain words with
 * what to do, not "Loading…" for ever. It takes the focus when the sign-in form that had it is gone.
 */
function NoProjects() {
  const ref = useRef<HTMLDivElement>(null);
  useFocusIfLost(ref);
  return (
    <div className="card done" tabIndex={-1} ref={ref} data-testid="no-projects">
      <h2>Nothing to label yet</h2>
      <p>This workbench has no project yet. Ask the project owner to import one, then reload this page.</p>
    </div>
  );
}

/** Nothing left: the card takes the focus when the last task's button went away with it. */
function AllDone() {
  const ref = useRef<HTMLDivElement>(null);
  useFocusIfLost(ref);
  return (
    <div className="card done" tabIndex={-1} ref={ref} data-testid="all-done">
      <h2>All done</h2>
      <p>Nothing is left for you in this project. Thank you!</p>
    </div>
  );
}

export function App() {
  const [me, setMe] = useState<Me | null>(null);
  // null until the server has said which projects there are: none at all is a screen of its own (`NoProjects`).
  const [projects, setProjects] = useState<ProjectInfo[] | null>(null);
  const noProjects = projects !== null && projects.length === 0;
  const [pid, setPid] = useState<number | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [assignment, setAssignment] = useState<AssignmentInfo | null | undefined>(undefined);
  const [submissionId, setSubmissionId] = useState('');
  const [flash, setFlash] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState<StaleState | null>(null);
  // The server refused the token (401) at any request but the sign-in's: `TokenGoneNotice`.
  const [tokenGone, setTokenGone] = useState<TokenGone | null>(null);
  const isTokenGone = tokenGone !== null;
  // What the sign-in form says first: why the saved token was not taken (a reload after a revocation).
  const [signInNotice, setSignInNotice] = useState<string | null>(null);

  // The projects or a task could not be loaded: a refused token (401) is the token-gone notice, as
  // anywhere else; anything else says so in plain words with what to do.
  const loadFailed = useCallback((e: unknown) => {
    if (isTokenRefused(e)) {
      setError(null);
      setTokenGone('load');
    } else setError(`Your task could not be loaded (${whyFailed(e)}). Reload the page to try again.`);
  }, []);

  useEffect(() => {
    if (tokenStore.get())
      api.me().then(setMe, (e: unknown) => {
        tokenStore.clear();
        setSignInNotice(isTokenRefused(e) ? TOKEN_GONE_AT_START : `Please sign in again (${whyFailed(e)}).`);
      });
  }, []);
  useEffect(() => {
    if (!me) return;
    api.projects().then((ps) => {
      setProjects(ps);
      // the project this tab was in before a reload, while it still exists; else the first
      const kept = projectStore.get();
      if (ps.length && pid === null) setPid(ps.find((p) => p.id === kept)?.id ?? ps[0].id);
    }, loadFailed);
  }, [me]); // pid is read once to pick the first project

  const [ttlSeconds, setTtlSeconds] = useState(3600);
  // A heartbeat got no answer (the network down, the server restarting, a proxy's 502): `unreachableNotice` says so under
  // the header until one gets through. false, or the heartbeat's `Unreachable` (its proxy status, if a proxy answered).
  const [unreachable, setUnreachable] = useState<false | Unreachable>(false);
  // Only the latest load's answer is shown: switched quickly from project A to B, A's answer (or
  // failure) arriving after B's would put A's task under B's name.
  const loads = useRef(0);
  const loadNext = useCallback(async (projectId: number) => {
    const mine = ++loads.current;
    setError(null);
    let answers: [NextResponse, Progress];
    try {
      answers = await Promise.all([api.next(projectId), api.progress(projectId)]);
    } catch (e) {
      if (mine !== loads.current) return;
      throw e;
    }
    if (mine !== loads.current) return;
    const [{ assignment: a, ttlSeconds: ttl }, p] = answers;
    setStale(null);
    setAssignment(a);
    setTtlSeconds(ttl);
    setProgress(p);
    setUnreachable(false);
    // a label sent for this task before a reload (its answer lost) is sent again as the same submission
    setSubmissionId((a && keptSubmissionId(a.id)) ?? crypto.randomUUID());
  }, []);

  // An assignment goes back to the queue after `ttlSeconds` without activity. While the annotator
  // is at work (a key, a click, the pointer moving), the first such event after every quarter of
  // that (at most a minute) sends a heartbeat, so a task being worked on never expires. When the
  // answer says the page is stale — the task went to others, was labelled in another tab, or its
  // annotator has moved on to another task — the page says so and offers the current task; it does
  // not swap tasks by itself, under keys the annotator is pressing for this one. A stale page holds
  // nothing, so it sends no more heartbeats: one would take the task back for it as soon as a place
  // freed up, showing it again (or another notice) under those keys. A label sent from it gets the
  // server's word (stored, or refused: the notice again), and "Load my current task" starts afresh.
  const aid = assignment?.id;
  const isStale = stale !== null;
  useEffect(() => {
    if (aid === undefined || pid === null || isStale || isTokenGone) return;
    const every = Math.min(60_000, (ttlSeconds * 1000) / 4);
    let last = Date.now(); // fetching it just now counted as activity
    let sending = false;
    let live = true; // an answer arriving after this page went stale or moved on says nothing about it
    const beat = () => {
      if (sending || Date.now() - last < every) return;
      sending = true;
      last = Date.now();
      api.heartbeat(aid).then(
        (h) => {
          if (live) setUnreachable(false);
          const why: Stale | null = h.labelled ? 'labelled' : !h.held ? 'taken' : h.elsewhere ? 'elsewhere' : null;
          if (live && why) setStale({ why, refused: null });
        },
        (e: unknown) => {
          if (live && e instanceof ApiError && e.status === 401) setTokenGone('heartbeat');
          else if (live && e instanceof Unreachable) {
            // said on the page (what was entered is kept), and tried again at the first event after RETRY_MS, so the
            // notice goes soon after the server is back; a late label is still stored while the task has room
            setUnreachable(e);
            last -= Math.max(0, every - RETRY_MS);
          }
        },
      ).finally(() => (sending = false));
    };
    const events = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'input'] as const;
    for (const e of events) window.addEventListener(e, beat, { passive: true });
    return () => {
      live = false;
      for (const e of events) window.removeEventListener(e, beat);
    };
  }, [aid, pid, ttlSeconds, isStale, isTokenGone]);

  useEffect(() => {
    if (me && pid !== null) loadNext(pid).catch(loadFailed);
  }, [me, pid, loadNext, loadFailed]);

  // Leaving: the task this page holds goes back to the queue as soon as the annotator leaves it, not when its time
  // limit runs out — for another project the server sees to it (asking for work there releases it, store.ts), and
  // when the page is closed, reloaded or navigated away from, or they sign out, the page says so (POST …/leave),
  // unless another tab of theirs shows the same task (tabs.ts). A reload gets it back (same task) while it has room;
  // a page back from the back/forward cache asks again for its task, as a reload does.
  const held = me && assignment && stale === null && !isTokenGone ? assignment.id : null;
  const tabs = useRef<TabPresence | null>(null);
  useEffect(() => {
    const t = new TabPresence();
    tabs.current = t;
    return () => t.close();
  }, []);
  useEffect(() => tabs.current?.show(me?.id ?? null, held), [me, held]);
  const leaveHeld = useCallback(() => {
    if (me && held !== null && !tabs.current?.shownElsewhere(me.id, held)) api.leave(held).catch(() => undefined); // the time limit still frees it
  }, [me, held]);
  useEffect(() => {
    const back = (e: PageTransitionEvent) => e.persisted && pid !== null && void loadNext(pid).catch(loadFailed);
    window.addEventListener('pagehide', leaveHeld);
    window.addEventListener('pageshow', back);
    return () => {
      window.removeEventListener('pagehide', leaveHeld);
      window.removeEventListener('pageshow', back);
    };
  }, [leaveHeld, pid, loadNext, loadFailed]);

  // The server refused a label or a play step for the task on screen (404/409): say so, and offer
  // the current task as a heartbeat's stale answer does — not swapped in under the annotator's keys.
  const onRefused = useCallback(({ why, what }: Refused) => {
    setError(null);
    setStale({ why, refused: what });
  }, []);
  // The server refused the token at a label, a play step, a picture or the next task (401): the same notice as at a heartbeat.
  const onTokenGone = useCallback((what: 'label' | 'play' | 'image' | 'next') => {
    setError(null);
    setTokenGone(what);
  }, []);

  // One submission at a time: a second press while one is on its way would be sent for this
  // task again, or (once the next task shows) label that one unseen.
  const inFlight = useRef(false);
  const [busy, setBusy] = useState(false);
  const submit = async (label: Label) => {
    if (!assignment || pid === null || inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    try {
      keepSubmissionId(assignment.id, submissionId); // its answer may be lost: sent again after a reload, the same submission
      await api.submit(assignment.id, submissionId, label);
      dropDrafts(assignment.id);
      setFlash('Saved');
      setTimeout(() => setFlash(null), 1200);
      // Saved: a failure from here on is about the next task, not this label.
      await loadNext(pid).catch((e: Error) => {
        if (e instanceof ApiError && e.status === 401) onTokenGone('next');
        else setError(`Your label was saved, but the next task could not be loaded (${whyFailed(e)}). Reload the page to continue.`);
      });
    } catch (e) {
      // The assignment went to others (404) or was labelled already (409): the stale notice.
      if (e instanceof ApiError && (e.status === 404 || e.status === 409)) {
        onRefused({ why: e.status === 409 ? 'labelled' : 'taken', what: 'label' });
        return;
      }
      if (e instanceof ApiError && e.status === 401) {
        onTokenGone('label');
        return;
      }
      if (e instanceof ApiError && e.status < 500) {
        setError(`The server refused this label: ${e.message}`);
        return;
      }
      // No answer (network down, server restarting) or a server error: the label may or may not
      // have been stored; the same submission sent again is stored once.
      setError(
        `Could not save this label (${whyFailed(e)}). It may not have been saved: check your connection and press Submit again — a label sent twice is stored once.`,
      );
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  if (!me)
    return (
      <Login
        key={signInNotice ?? ''}
        onLogin={(m) => {
          setSignInNotice(null);
          setMe(m);
        }}
        notice={signInNotice}
      />
    );
  return (
    <div className="app">
      <header>
        <h1 className="brand">askfirst · workbench</h1>
        {!noProjects && (
          <select aria-label="Project" data-testid="project" value={pid ?? ''} onChange={(e) => {
              projectStore.set(Number(e.target.value));
              setPid(Number(e.target.value));
            }}>
            {(projects ?? []).map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        )}
        {progress && <ProgressBar p={progress} />}
        <span className="who">
          {me.name}{' '}
          <button
            className="link"
            onClick={() => {
              leaveHeld(); // sent with the token, before it is forgotten
              tokenStore.clear();
              projectStore.clear();
              setMe(null);
            }}
          >
            Sign out
          </button>
        </span>
      </header>
      {/* Always there, empty between messages: a screen reader announces a change to a live region it already knows, not one that appears with its text. */}
      <div className="flash" role="status" data-testid="flash">
        {flash}
      </div>
      {/* A live region always in the page, as the flash: the notice is announced when its text comes. */}
      <p className="unreachable" role="status" data-testid="unreachable">
        {unreachable && !tokenGone && unreachableNotice(unreachable.proxyStatus)}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <main>
        {tokenGone && (
          <TokenGoneNotice
            when={tokenGone}
            onSignOut={() => {
              tokenStore.clear();
              projectStore.clear();
              setTokenGone(null);
              setMe(null);
            }}
          />
        )}
        {!tokenGone && noProjects && <NoProjects />}
        {!tokenGone && !noProjects && assignment === undefined && <p className="muted">Loading…</p>}
        {!tokenGone && assignment === null && (
          <AllDone />
        )}
        {!tokenGone && assignment && stale && <StaleNotice stale={stale} onLoad={() => pid !== null && void loadNext(pid).catch(loadFailed)} />}
        {/* a label from a stale page is still stored while its task has room (store.ts): the task stays, unless nothing can be saved for it */}
        {!tokenGone && assignment && (stale === null || stale.why === 'elsewhere') && <TaskView key={assignment.id} a={assignment} onSubmit={submit} onRefused={onRefused} onTokenGone={onTokenGone} busy={busy} />}
      </main>
    </div>
  );
}
