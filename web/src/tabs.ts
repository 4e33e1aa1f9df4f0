/**
 * Which task each of this browser's other workbench tabs shows, and for whom, over a BroadcastChannel (same origin
 * only). A tab that is closed gives its task back to the queue (App.tsx, POST …/leave) — unless another tab of the
 * same annotator shows the same task: that one is still at work on it (one annotator holds one task per project, so
 * two tabs in a project show the same one). Each tab says what it shows whenever that changes, answers a new tab's
 * "hello" with it, and says "gone" when it is hidden for good or for the back/forward cache (and "hello" again if it
 * comes back from there). Without BroadcastChannel a tab knows of no other: it gives its task back when closed.
 */
type Shown = { annotator: number | null; aid: number | null };
type Message = ({ kind: 'shows' } & Shown) | { kind: 'hello' } | { kind: 'gone' };

export class TabPresence {
  private readonly tab = crypto.randomUUID();
  private readonly others = new Map<string, Shown>();
  private mine: Shown = { annotator: null, aid: null };
  private readonly channel: BroadcastChannel | null = typeof BroadcastChannel === 'function' ? new BroadcastChannel('askfirst.tabs') : null;

  constructor() {
    if (!this.channel) return;
    this.channel.onmessage = (e: MessageEvent<Message & { tab: string }>) => {
      const m = e.data;
      if (m.kind === 'shows') this.others.set(m.tab, { annotator: m.annotator, aid: m.aid });
      else if (m.kind === 'gone') this.others.delete(m.tab);
      else this.post({ kind: 'shows', ...this.mine });
    };
    window.addEventListener('pagehide', this.hidden);
    window.addEventListener('pageshow', this.shown);
    this.post({ kind: 'hello' });
  }

  /** This tab now shows `aid` (null: no task it holds) to `annotator` (null: signed out). */
  show(annotator: number | null, aid: number | null): void {
    this.mine = { annotator, aid };
    this.post({ kind: 'shows', ...this.mine });
  }

  /** Whether another open tab shows `aid` to `annotator`. */
  shownElsewhere(annotator: number, aid: number): boolean {
    for (const o of this.others.values()) if (o.annotator === annotator && o.aid === aid) return true;
    return false;
  }

  close(): void {
    window.removeEventListener('pagehide', this.hidden);
    window.removeEventListener('pageshow', this.shown);
    this.post({ kind: 'gone' });
    this.channel?.close();
  }

  private readonly hidden = () => this.post({ kind: 'gone' });
  private readonly shown = (e: PageTransitionEvent) => {
    if (!e.persisted) return;
    this.others.clear(); // what the others showed may have changed meanwhile: they answer the hello
    this.post({ kind: 'hello' });
    this.post({ kind: 'shows', ...this.mine });
  };

  private post(m: Message): void {
    this.channel?.postMessage({ ...m, tab: this.tab });
  }
}
