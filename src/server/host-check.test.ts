/** Which listen addresses are loopback, and which Host headers a loopback server answers (all three servers use these). */
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { hostCheck, hostGuard, hostRefusal, isLoopbackHost, loopbackHosts, originRefusal, plainHttpNote, plainHttpWarning, refusedHost, warnIfPlainHttp } from './host-check.js';

describe('host names', () => {
  it('tells loopback listen addresses from others', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'example.org', '::2', '10.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });

  it("accepts the server's own names with any port (a forward: ssh -L 9000:localhost:8787 sends localhost:9000), and the extra names with any port", () => {
    const ok = loopbackHosts(() => 8787, ['Annotate.Example.org']);
    for (const h of ['127.0.0.1:8787', 'localhost:8787', 'LocalHost:8787', '[::1]:8787', 'localhost:9000', '127.0.0.1:8788', '[::1]:1', 'localhost', '[::1]', 'annotate.example.org', 'annotate.example.org:443'])
      expect(ok(h), h).toBe(true);
    for (const h of [undefined, '', 'evil.example:8787', 'evil.example', '127.0.0.2:8787', '127.0.0.1.evil.example:8787', 'localhost.evil.example', 'localhost:8787@evil', 'localhost:x', '[::2]:8787', 'x.annotate.example.org'])
      expect(ok(h), String(h)).toBe(false);
  });

  it("as an Origin, accepts the server's own names with its own port only (a page on another local port is another site's), and the extra names with any", () => {
    const ok = loopbackHosts(() => 8787, ['annotate.example.org']);
    for (const h of ['127.0.0.1:8787', 'localhost:8787', '[::1]:8787', 'annotate.example.org', 'annotate.example.org:443']) expect(ok(h, true), h).toBe(true);
    for (const h of ['localhost:9000', '127.0.0.1:8788', 'localhost', '[::1]', 'evil.example:8787']) expect(ok(h, true), h).toBe(false);
    expect(loopbackHosts(() => 80)('localhost', true)).toBe(true); // a browser leaves out port 80
  });
});

describe('hostGuard and the messages', () => {
  it('guards a loopback listen address only', () => {
    expect(hostGuard('127.0.0.1', () => 8000)?.('localhost:8000')).toBe(true);
    expect(hostGuard('127.0.0.1', () => 8000)?.('evil.example:8000')).toBe(false);
    expect(hostGuard('::1', () => 8000, ['proxy.example'])?.('proxy.example')).toBe(true);
    expect(hostGuard('0.0.0.0', () => 8000)).toBeUndefined();
  });

  it('say what to do: the --allow-host to pass, its name when the Host or Origin has one', () => {
    expect(hostRefusal('server', 'evil.example:1')).toMatch(/^this server listens on loopback .* not Host "evil.example:1": a guard against DNS rebinding.*start the server with --allow-host evil\.example$/);
    expect(hostRefusal('server', 'Annotate.Example.org')).toMatch(/--allow-host annotate\.example\.org$/);
    expect(hostRefusal('server', '[fd00::1]:8080')).toMatch(/--allow-host \[fd00::1\]$/);
    for (const h of [undefined, '', 'a b:1', 'x@y']) expect(hostRefusal('server', h), String(h)).toMatch(/--allow-host <the proxy's name>$/);
    expect(originRefusal('server', 'https://annotate.example.org')).toMatch(/if the page is yours, served through a reverse proxy, start the server with --allow-host annotate\.example\.org$/);
    for (const o of ['null', 'not a url', 'file:///x.html']) expect(originRefusal('server', o), o).toMatch(/--allow-host <the proxy's name>$/);
    expect(plainHttpWarning('0.0.0.0', 'tokens')).toMatch(/^--host 0.0.0.0 serves plain HTTP: tokens cross the network unencrypted. Put a TLS-terminating reverse proxy/);
  });
});

describe('the shared wiring (hostCheck, refusedHost, warnIfPlainHttp)', () => {
  const allowed = hostGuard('127.0.0.1', () => 8000);
  const app = (test: typeof allowed) => {
    const a = new Hono();
    a.use('*', hostCheck(test, 'test server', (c, message) => c.json({ refused: message }, 403)));
    a.get('/', (c) => c.text('ok'));
    return a;
  };

  it("answers an allowed Host, refuses another in the server's own shape, and answers any Host without a test", async () => {
    expect(await (await app(allowed).request('/', { headers: { host: 'localhost:8000' } })).text()).toBe('ok');
    const r = await app(allowed).request('/', { headers: { host: 'evil.example:8000' } });
    expect(r.status).toBe(403);
    expect(await r.json()).toEqual({ refused: hostRefusal('test server', 'evil.example:8000') });
    expect(await (await app(undefined).request('/', { headers: { host: 'evil.example:8000' } })).text()).toBe('ok');
  });

  it("refusedHost refuses an Origin whose host the server would not answer as a Host (another site's page, \"null\", not a URL); none is a client outside a browser", () => {
    for (const origin of ['http://evil.example', 'http://evil.example:8000', 'http://127.0.0.1:8001', 'https://localhost', 'null', '', 'not a url', 'http://127.0.0.1:8000.evil.example'])
      expect(refusedHost(allowed, 'server', '127.0.0.1:8000', origin), origin).toBe(originRefusal('server', origin));
    for (const origin of [undefined, 'http://127.0.0.1:8000', 'http://localhost:8000', 'http://[::1]:8000'])
      expect(refusedHost(allowed, 'server', '127.0.0.1:8000', origin), String(origin)).toBeUndefined();
    expect(refusedHost(hostGuard('127.0.0.1', () => 8000, ['proxy.example']), 'server', 'proxy.example', 'https://proxy.example')).toBeUndefined();
    expect(refusedHost(undefined, 'server', 'evil.example', 'http://evil.example')).toBeUndefined();
    expect(refusedHost(allowed, 'server', 'evil.example', 'http://evil.example')).toBe(hostRefusal('server', 'evil.example')); // the Host first
    expect(originRefusal('server', 'http://evil.example')).toMatch(/^this server listens on loopback and answers no web page of another site \(Origin "http:\/\/evil.example"\): .*Clients outside a browser send no Origin.*--allow-host/);
  });

  it('hostCheck checks the Origin only when asked (serve, env serve; not the workbench)', async () => {
    const a = (checkOrigin: boolean) => {
      const h = new Hono();
      h.use('*', hostCheck(allowed, 'test server', (c, message) => c.json({ refused: message }, 403), checkOrigin));
      h.post('/', (c) => c.text('ok'));
      return h;
    };
    const headers = { host: '127.0.0.1:8000', origin: 'http://evil.example' };
    expect(await (await a(true).request('/', { method: 'POST', headers })).json()).toEqual({ refused: originRefusal('test server', 'http://evil.example') });
    expect(await (await a(false).request('/', { method: 'POST', headers })).text()).toBe('ok');
  });

  it('refusedHost names the refusal, or nothing when the Host is answered', () => {
    expect(refusedHost(allowed, 'environment server', 'evil.example')).toBe(hostRefusal('environment server', 'evil.example'));
    expect(refusedHost(allowed, 'environment server', '127.0.0.1:8000')).toBeUndefined();
    expect(refusedHost(undefined, 'environment server', 'evil.example')).toBeUndefined();
  });

  it('warns of plain HTTP on a non-loopback host only, naming who is given the proxy address', () => {
    const said: string[] = [];
    warnIfPlainHttp('127.0.0.1', 'tokens', (m) => said.push(m));
    expect(said).toEqual([]);
    warnIfPlainHttp('0.0.0.0', 'tokens', (m) => said.push(m), 'annotators');
    expect(said).toEqual([`--host 0.0.0.0 ${plainHttpNote('tokens', 'annotators')}`]);
    expect(said[0]).toMatch(/give annotators its https:\/\/ address/);
    expect(plainHttpWarning('::', 'x')).toMatch(/give clients its https:\/\/ address/);
  });
});
