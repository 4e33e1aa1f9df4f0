/**
 * The server-side log of refused `POST /get_reward` requests. OpenRLHF's reward client
 * (openrlhf/utils/agent.py, `SingleTurnAgentExecutor._fetch_rewards_via_http`) calls
 * `raise_for_status()` and never reads an error body: a run whose labels or prompts are wrong shows
 * only "400, message='Bad Request'" five times per sample (its retries), never what to fix. So the
 * server says it on its own stderr: each distinct message once (a misconfigured run sends the same
 * mistake for every sample), at most `limit` of them, then one line saying further ones are not logged.
 */
export class RefusalLog {
  private readonly seen = new Set<string>();
  private full = false;

  constructor(
    private readonly log: (msg: string) => void,
    private readonly route: string,
    private readonly limit = 100,
  ) {}

  /** Note one refused request (a 4xx with the message the client was sent). */
  note(status: number, message: string): void {
    if (this.seen.has(message) || this.full) return;
    if (this.seen.size >= this.limit) {
      this.full = true;
      this.log(`askfirst env serve: ${this.limit} different refusals of ${this.route} logged; further ones are not`);
      return;
    }
    this.seen.add(message);
    this.log(`askfirst env serve: refused ${this.route} (${status}): ${message}`);
  }
}
