/**
 * The workbench's limit on failed sign-ins per client address (docs/hardening.md, "Workbench and the
 * command line"). Every request with a token the server has not seen work costs a database query;
 * about 1 200 bad-token requests a second were each one. After `authFailures` refused tokens from an
 * address within `authWindow` seconds, further unknown tokens from it are answered 429 with
 * Retry-After before any query, until the window that began with its first failure ends.
 *
 * Only refused tokens count, and a token that has signed in before is never held back (app.ts lets
 * it through to the database, which still decides), so annotators at work are not slowed even when
 * they share an address (a NAT, the reverse proxy) with whoever sends bad tokens.
 *
 * Written here rather than taken from `hono-rate-limiter` (0.5.4, read before deciding): that one
 * counts every request before it runs and takes successful ones back only after they finish, so an
 * annotator's requests in flight count against their address alongside the bad ones and can be
 * refused with them; its memory store reads `Date.now()` and starts an interval timer per app, so a
 * test cannot drive it with its own clock; and what is needed here is a counter of failures, about
 * forty lines. Its settings and their defaults: ../workbench-config.ts.
 */
import { AuthLimitSchema, type AuthLimitConfig } from '../workbench-config.js';

/** Addresses remembered at most; beyond, expired entries go, then the oldest (a flood of spoofed IPv6 addresses stays bounded). */
const MAX_ADDRESSES = 10_000;

export class FailedAuthLimiter {
  private readonly seen = new Map<string, { failures: number; until: number }>();
  private readonly cfg: AuthLimitConfig;

  /** `now` in milliseconds (tests pass their own clock). */
  constructor(cfg: Partial<AuthLimitConfig> = {}, private readonly now: () => number = () => Date.now()) {
    this.cfg = AuthLimitSchema.parse(cfg);
  }

  /** Seconds until `address` may try an unknown token again; 0 when it may now. */
  retryAfter(address: string): number {
    const e = this.seen.get(address);
    if (!e) return 0;
    const left = e.until - this.now();
    if (left <= 0) {
      this.seen.delete(address);
      return 0;
    }
    return e.failures >= this.cfg.authFailures ? Math.ceil(left / 1000) : 0;
  }

  /** A token from `address` was refused. */
  fail(address: string): void {
    const t = this.now();
    const e = this.seen.get(address);
    if (e && e.until > t) {
      e.failures++;
      return;
    }
    this.seen.delete(address);
    if (this.seen.size >= MAX_ADDRESSES) {
      for (const [k, v] of this.seen) if (v.until <= t) this.seen.delete(k);
      if (this.seen.size >= MAX_ADDRESSES) this.seen.delete(this.seen.keys().next().value!);
    }
    this.seen.set(address, { failures: 1, until: t + this.cfg.authWindow * 1000 });
  }
}
