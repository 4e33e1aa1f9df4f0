/**
 * Which Host headers a server bound to loopback answers, for all three servers (`askfirst serve`,
 * `askfirst env serve`, `askfirst feedback serve`; docs/hardening.md, "Every server"). Against DNS
 * rebinding: a page on another site whose name the attacker points at 127.0.0.1 reaches a loopback
 * server from the user's browser, and sends its own name as Host. A loopback server answers only
 * its own names — localhost, 127.0.0.1 and [::1], with any port: no site can rebind them, and another port is a
 * forward to this one (`ssh -L 9000:localhost:8080` sends Host localhost:9000), as Vite, webpack-dev-server and
 * Jupyter allow too — and any the operator allows (`--allow-host NAME`: the name a reverse proxy in front forwards). On any other address a server
 * answers every Host and says once at start that it speaks plain HTTP (`plainHttpWarning`). A loopback `serve` or
 * `env serve` answers no web page of another site either (a request's Origin: `refusedHost`).
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Context, MiddlewareHandler } from 'hono';
import { ALLOW_HOST_NAME } from './host-config.js';

/**
 * A test of a request's Host header, or with `asOrigin` of the host of its Origin (`refusedHost`): whether the server
 * answers it.
 */
export type HostTest = (host: string | undefined, asOrigin?: boolean) => boolean;

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

/** A Host header's (or an Origin's host's) name and port, lower-cased; undefined for one that is neither. */
function hostParts(host: string): { name: string; port: string | undefined } | undefined {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host.toLowerCase());
  return m ? { name: m[1], port: m[2] } : undefined;
}

/**
 * A test of a request's Host header for a loopback server on `port()` (read per request: port 0 is
 * known only once listening). Its own names — localhost, 127.0.0.1, [::1] — pass with any port or none (a
 * forwarded port names another); `extra` names too. As an Origin (`asOrigin`), its own names pass with its port only:
 * a page on another local port is another site's.
 */
export function loopbackHosts(port: () => number, extra: readonly string[] = []): HostTest {
  const names = new Set(extra.map((n) => n.toLowerCase()));
  return (host, asOrigin = false) => {
    const h = host ? hostParts(host) : undefined;
    if (!h) return false;
    if (names.has(h.name)) return true;
    if (h.name !== 'localhost' && h.name !== '127.0.0.1' && h.name !== '[::1]') return false;
    // A browser leaves out the port when it is HTTP's own (80).
    return !asOrigin || (h.port === undefined ? port() === 80 : Number(h.port) === port());
  };
}

/**
 * The Host test of a server listening on `listenHost`: on loopback, `loopbackHosts` (its own names
 * and `allowHosts`); elsewhere undefined (any Host is answered).
 */
export function hostGuard(listenHost: string, port: () => number, allowHosts: readonly string[] = []): HostTest | undefined {
  return isLoopbackHost(listenHost) ? loopbackHosts(port, allowHosts) : undefined;
}

/** The host (name and port) of a request's Origin; undefined for one that is no URL with a host ("null"). */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host || undefined;
  } catch {
    return undefined;
  }
}

/** The `--allow-host` option that would let `host` (a Host header or an Origin's host) through: its name, when one. */
function allowHostOption(host: string | undefined): string {
  const name = host ? hostParts(host)?.name : undefined;
  return `--allow-host ${name && ALLOW_HOST_NAME.test(name) ? name : "<the proxy's name>"}`;
}

/** What a refused Host is told (403), naming the server (`workbench`, `server`, `environment server`) and the `--allow-host` it would take. */
export function hostRefusal(server: string, host: string | undefined): string {
  return `this ${server} listens on loopback and answers only its own address (localhost, 127.0.0.1 or [::1], with any port), not Host ${JSON.stringify((host ?? '').slice(0, 100))}: a guard against DNS rebinding. Open the address the server printed; if that name is a reverse proxy's or a tunnel's of yours, start the server with ${allowHostOption(host)}`;
}

/** What a request from a web page of another site is told (403), naming the server as `hostRefusal` does. */
export function originRefusal(server: string, origin: string): string {
  return `this ${server} listens on loopback and answers no web page of another site (Origin ${JSON.stringify(origin.slice(0, 100))}): a guard against the sites a browser on this machine visits. Clients outside a browser send no Origin; if the page is yours, served through a reverse proxy, start the server with ${allowHostOption(originHost(origin))}`;
}

/**
 * The Host check of one request to `server` (named as in `hostRefusal`): what a refused Host is
 * told, or undefined when `allowed` (undefined: any Host) answers it. For a request hono does not
 * see (env serve's WebSocket upgrade); hono routes use `hostCheck`.
 *
 * With the Host its Origin, when it has one: a browser names the page that sent a request (every POST, every
 * WebSocket), and any page a browser on this machine shows can send one to 127.0.0.1 with the right Host — a
 * "simple" POST (text/plain, which the servers read as JSON) runs though the page cannot read the answer, and a
 * WebSocket is not bound by the same-origin policy at all. So a loopback server answers an Origin only when its
 * host passes `allowed` as an Origin (its own page, on its own port; a --allow-host proxy's), and none that cannot be read
 * ("null": a sandboxed frame, a file). Clients outside a browser (OpenAI's and OpenEnv's, TRL's, curl) send none.
 */
export function refusedHost(allowed: HostTest | undefined, server: string, host: string | undefined, origin?: string): string | undefined {
  if (!allowed) return undefined;
  if (!allowed(host)) return hostRefusal(server, host);
  if (origin === undefined) return undefined;
  const from = originHost(origin);
  return from && allowed(from, true) ? undefined : originRefusal(server, origin);
}

/**
 * The Host check as hono middleware, for every route of `server` (named as in `hostRefusal`): a
 * refused Host is answered by `refuse(c, message)`, the server's own 403 in its error shape (it may
 * throw to its app's error handler instead); `allowed` undefined answers any Host. `checkOrigin`: the Origin too
 * (`refusedHost`), for `serve` and `env serve`, which no web page uses. Not the workbench: its page is served
 * through proxies that rewrite the Host (nginx's default) and not the Origin, and its API needs an Authorization
 * header, which a page of another site cannot send without the CORS preflight the workbench never allows
 * (workbench/cross-site.test.ts tries every route as such a page).
 */
export function hostCheck(allowed: HostTest | undefined, server: string, refuse: (c: Context, message: string) => Response | Promise<Response>, checkOrigin = false): MiddlewareHandler {
  return async (c, next) => {
    const refused = refusedHost(allowed, server, c.req.header('host'), checkOrigin ? c.req.header('origin') : undefined);
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
