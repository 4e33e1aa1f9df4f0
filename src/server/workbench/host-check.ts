/**
 * Which Host headers a workbench bound to loopback answers (docs/hardening.md, "Workbench and the
 * command line"). Against DNS rebinding: a page on another site whose name the attacker points at
 * 127.0.0.1 reaches a loopback server from the annotator's browser, and sends its own name as Host.
 * A loopback server answers only its own names — localhost, 127.0.0.1 and [::1] with its port — and
 * any the operator allows (`--allow-host NAME`: the name a reverse proxy in front forwards).
 */
import { isIPv4, isIPv6 } from 'node:net';

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
export function loopbackHosts(port: () => number, extra: readonly string[] = []): (host: string | undefined) => boolean {
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
