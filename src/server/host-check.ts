/**
 * Which Host headers a server bound to loopback answers, for all three servers (`askfirst serve`,
 * `askfirst env serve`, `askfirst feedback serve`; docs/hardening.md, "Every server"). Against DNS
 * rebinding: a page on another site whose name the attacker points at 127.0.0.1 reaches a loopback
 * server from the user's browser, and sends its own name as Host. A loopback server answers only
 * its own names — localhost, 127.0.0.1 and [::1] with its port — and any the operator allows
 * (`--allow-host NAME`: the name a reverse proxy in front forwards). On any other address a server
 * answers every Host and says once at start that it speaks plain HTTP (`plainHttpWarning`).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';

/** A test of a request's Host header: whether the server answers it. */
export type HostTest = (host: string | undefined) => boolean;

/** Whether `host` (a listen address or name, IPv6 with or without brackets) is this machine's loopback. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIPv4(h)) return h.startsWith('127.');
  if (isIPv6(h)) {
    const n = new URL(`http://[${h}]`).hostname; // the shortest form: [::1], [::ffff:7f00:1] for ::ffff:127.0.0.1
    return n === '[::1]' || n.startsWith('[::ffff:7f');
  }
  return false;
}

/**
 * A test of a request's Host header for a loopback server on `port()` (read per request: port 0 is
 * known only once listening). `extra` names are allowed with any port or none.
 */
export function loopbackHosts(port: () => number, extra: readonly string[] = []): HostTest {
  const names = new Set(extra.map((n) => n.toLowerCase()));
  return (host) => {
    if (!host) return false;
    const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host.toLowerCase());
    if (!m) return false;
    const [, name, p] = m;
    if (names.has(name)) return true;
    const own = name === 'localhost' || name === '127.0.0.1' || name === '[::1]';
    // A browser leaves out the port when it is HTTP's own (80).
    return own && (p === undefined ? port() === 80 : Number(p) === port());
  };
}

/**
 * The Host test of a server listening on `listenHost`: on loopback, `loopbackHosts` (its own names
 * and `allowHosts`); elsewhere undefined (any Host is answered).
 */
export function hostGuard(listenHost: string, port: () => number, allowHosts: readonly string[] = []): HostTest | undefined {
  return isLoopbackHost(listenHost) ? loopbackHosts(port, allowHosts) : undefined;
}

/** What a refused Host is told (403), naming the server (`workbench`, `server`, `environment server`). */
export function hostRefusal(server: string, host: string | undefined): string {
  return `this ${server} listens on loopback and answers only its own address (http://127.0.0.1, localhost or [::1] with its port), not Host ${JSON.stringify((host ?? '').slice(0, 100))}: a guard against DNS rebinding. Open the address the server printed; behind a reverse proxy, start it with --allow-host <the proxy's name>`;
}

/**
 * The Host check of one request to `server` (named as in `hostRefusal`): what a refused Host is
 * told, or undefined when `allowed` (undefined: any Host) answers it. For a request hono does not
 * see (env serve's WebSocket upgrade); hono routes use `hostCheck`.
 */
export function refusedHost(allowed: HostTest | undefined, server: string, host: string | undefined): string | undefined {
  return allowed && !allowed(host) ? hostRefusal(server, host) : undefined;
}

/**
 * The Host check as hono middleware, for every route of `server` (named as in `hostRefusal`): a
 * refused Host is answered by `refuse(c, message)`, the server's own 403 in its error shape (it may
 * throw to its app's error handler instead); `allowed` undefined answers any Host.
 */
export function hostCheck(allowed: HostTest | undefined, server: string, refuse: (c: Context, message: string) => Response | Promise<Response>): MiddlewareHandler {
  return async (c, next) => {
    const refused = refusedHost(allowed, server, c.req.header('host'));
    if (refused !== undefined) return refuse(c, refused);
    await next();
  };
}

/**
 * The one-time warning of a server started on a non-loopback `--host`: it speaks plain HTTP, so
 * what crosses the network (`what`: an API key and images, annotator tokens and labels …) is
 * unencrypted; put a TLS-terminating reverse proxy in front and give `audience` its address.
 */
export function plainHttpWarning(listenHost: string, what: string, audience = 'clients'): string {
  return `--host ${listenHost} ${plainHttpNote(what, audience)}`;
}

/** `plainHttpWarning` without its `--host` (the workbench's `PLAIN_HTTP_WARNING`). */
export function plainHttpNote(what: string, audience = 'clients'): string {
  return `serves plain HTTP: ${what} cross the network unencrypted. Put a TLS-terminating reverse proxy (Caddy, nginx) in front and give ${audience} its https:// address, or keep --host 127.0.0.1 and reach it over SSH port forwarding`;
}

/** Say `plainHttpWarning` through `warn` when `listenHost` is not loopback (once, at start). */
export function warnIfPlainHttp(listenHost: string, what: string, warn: (msg: string) => void, audience?: string): void {
  if (!isLoopbackHost(listenHost)) warn(plainHttpWarning(listenHost, what, audience));
}
