import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listen, type Listening } from './listen.js';
import { CUT_WITHIN_MS } from '../testing/slow-client.js';
import { stalledReader, within } from '../testing/stalled-reader.js';

const start = (warn: (m: string) => void, port = 0) =>
  listen({ fetch: () => new Response('ok'), host: '127.0.0.1', port, clientErrorBody: (message) => ({ message }), warn });

/** An error as Node's net.Server emits it for a connection it could not accept (net.js onconnection). */
const acceptFailed = (code: string) => Object.assign(new Error(`accept ${code}`), { code, errno: -24, syscall: 'accept' });

describe('listen', () => {
  it("once listening, a server error (EMFILE on accept) is said in one line, once per kind, and the server goes on", async () => {
    const said: string[] = [];
    const l = await start((m) => said.push(m));
    try {
      expect(l.server.listenerCount('error')).toBe(1); // the listen-time handler is gone
      l.server.emit('error', acceptFailed('EMFILE'));
      l.server.emit('error', acceptFailed('EMFILE'));
      l.server.emit('error', acceptFailed('ENFILE'));
      expect(said).toEqual([
        'a connection could not be accepted, out of file descriptors (EMFILE): it was closed and the server goes on; raise the open-file limit (ulimit -n) or send fewer connections at once (said once)',
        'a connection could not be accepted, out of file descriptors (ENFILE): it was closed and the server goes on; raise the open-file limit (ulimit -n) or send fewer connections at once (said once)',
      ]);
      expect(said.every((m) => !m.includes('\n'))).toBe(true);
      expect(await (await fetch(`http://127.0.0.1:${l.port}/`)).text()).toBe('ok');
    } finally {
      await l.close();
    }
  });

  it('a setup that throws rejects with its error and leaves nothing listening', async () => {
    let server: Server | undefined;
    const failing = listen({
      fetch: () => new Response('ok'),
      host: '127.0.0.1',
      port: 0,
      clientErrorBody: (message) => ({ message }),
      warn: () => undefined,
      setup: (s) => {
        server = s;
        throw new Error('setup failed');
      },
    });
    await expect(failing).rejects.toThrow('setup failed');
    // serve() had begun listening (Node binds and says 'listening' a tick later): the failed start must not keep the port
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
    const left = server!.listening;
    if (left) await new Promise((resolve) => server!.close(resolve)); // leave nothing behind even when the test fails
    expect(left).toBe(false);
  });

  it('a failure to listen rejects in the server’s terms and warns nothing', async () => {
    const said: string[] = [];
    const first = await start(() => undefined);
    try {
      await expect(start((m) => said.push(m), first.port)).rejects.toMatchObject({ code: 'CONFLICT', message: `port ${first.port} on 127.0.0.1 is already in use (another workbench or server?); stop it or choose another --port` });
      expect(said).toEqual([]);
    } finally {
      await first.close();
    }
  });

  describe('drain (a server stopped by a signal)', () => {
    /** A server whose answers wait until the test lets them go; `arrived` resolves as each request reaches it. */
    async function held() {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const arrivals: (() => void)[] = [];
      const l = await listen({
        fetch: async () => {
          arrivals.shift()?.();
          await gate;
          return new Response('answered');
        },
        host: '127.0.0.1',
        port: 0,
        clientErrorBody: (message) => ({ message }),
        warn: () => undefined,
      });
      const arrived = () => new Promise<void>((r) => arrivals.push(r));
      return { l, release, arrived };
    }

    it('answers the requests in flight, accepts no new connection, and ends once the last answer is written', async () => {
      const { l, release, arrived } = await held();
      try {
        const first = arrived();
        const inFlight = fetch(`http://127.0.0.1:${l.port}/`).then(async (r) => [r.status, await r.text()]);
        await first;
        expect(l.inFlight()).toBe(1);
        let drained = false;
        const draining = l.drain().then(() => (drained = true));
        // not listening any more: a new connection is refused, not left waiting
        const refused = await fetch(`http://127.0.0.1:${l.port}/`).catch((e: Error & { cause?: { code?: string } }) => e.cause?.code);
        expect(refused).toBe('ECONNREFUSED');
        expect(drained).toBe(false);
        release();
        expect(await inFlight).toEqual([200, 'answered']); // before: the connection was cut (UND_ERR_SOCKET)
        await draining;
        expect(l.inFlight()).toBe(0);
      } finally {
        release();
        await l.close();
      }
    });

    it('sends in full an answer ended but not yet taken by a slow client, then closes its connection and an idle one', async () => {
      const size = 8 << 20; // more than the loopback socket buffers hold: most of it still waits in the server at the drain
      const l = await listen({
        fetch: (r) => new Response(new URL(r.url).pathname === '/small' ? 'small' : new Uint8Array(size).fill(7)),
        host: '127.0.0.1',
        port: 0,
        clientErrorBody: (message) => ({ message }),
        warn: () => undefined,
      });
      const slow = connect(l.port, '127.0.0.1');
      const slowConnected = new Promise((r) => slow.once('connect', r));
      const idle = connect(l.port, '127.0.0.1'); // kept alive after a small answer, then idle: closed by the drain
      try {
        let small = '';
        idle.setEncoding('latin1').on('data', (d: string) => (small += d));
        const idleClosed = new Promise((r) => idle.once('close', r));
        await new Promise((r) => idle.once('connect', r));
        idle.write('GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        expect(await within(5_000, () => small.endsWith('small'))).toBe(true);
        let got = 0;
        let head = '';
        // reads a chunk (64 KiB at most) every 10 ms: about 6 MB/s, over a second for the answer
        slow.on('data', (d: Buffer) => {
          if (!head.includes('\r\n\r\n')) {
            head += d.toString('latin1');
            const at = head.indexOf('\r\n\r\n');
            if (at >= 0) got += head.length - at - 4;
          } else got += d.length;
          slow.pause();
          setTimeout(() => slow.resume(), 10);
        });
        const slowClosed = new Promise((r) => slow.once('close', r));
        await slowConnected;
        slow.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        expect(await within(5_000, () => got > 0)).toBe(true);
        await new Promise((r) => setTimeout(r, 200));
        expect(got).toBeLessThan(size / 2); // the answer is still being taken when the drain begins
        let drained = false;
        const draining = l.drain().then(() => (drained = true));
        await new Promise((r) => setTimeout(r, 100));
        expect(drained).toBe(false); // before: it ended at once, the connection cut
        await Promise.all([slowClosed, idleClosed]);
        expect(got).toBe(size); // before: the connection was cut at the drain, 5.6 of the 8 MiB received (the rest lost)
        expect(head).toMatch(/^HTTP\/1\.1 200 /);
        await draining;
      } finally {
        idle.destroy();
        slow.destroy();
        await l.close();
      }
    });

    /** A client of a server answering 'ok' at once (its fetch synchronous), with what it got and whether it was closed. */
    async function client(l: Listening) {
      const sock = connect(l.port, '127.0.0.1');
      const c = { sock, got: '', closed: false };
      sock.setEncoding('latin1').on('data', (d: string) => (c.got += d));
      sock.once('close', () => (c.closed = true));
      await new Promise((r) => sock.once('connect', r));
      return c;
    }
    const connections = (l: Listening) => new Promise<number>((r) => l.server.getConnections((_e, n) => r(n)));

    it('closes at once a connection that never sent a byte, and answers one whose request had begun to arrive', async () => {
      const l = await start(() => undefined); // Node's own limits: 20 s for a request's headers
      const silent = await client(l);
      const begun = await client(l);
      try {
        begun.sock.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'); // the headers not yet ended
        expect(await within(5_000, async () => (await connections(l)) === 2)).toBe(true);
        await new Promise((r) => setTimeout(r, 100)); // the server has read the begun request's first bytes
        let drained = false;
        void l.drain().then(() => (drained = true));
        // before: the silent connection held the drain for good (Node's close stops its check of the 20 s headers limit)
        expect(await within(2_000, () => silent.closed)).toBe(true);
        expect(silent.got).toBe('');
        expect(drained).toBe(false); // the begun request is still to be answered
        begun.sock.write('\r\n');
        expect(await within(5_000, () => drained)).toBe(true);
        expect(begun.got).toMatch(/^HTTP\/1\.1 200 [^]*\r\n\r\nok$/);
        expect(begun.closed).toBe(true);
      } finally {
        silent.sock.destroy();
        begun.sock.destroy();
        await l.close();
      }
    });

    it('answers a request sent in full before the stop whose connection was accepted but not yet read', async () => {
      // The stop can come in the loop turn that accepts a connection, its request already in the kernel: libuv reads it
      // only on the next turn, so it had sent no byte yet as Node counts them, and was closed with it unanswered (the
      // client, which had sent it all before the stop, got the connection closed and no answer; 20 of 20 tries).
      const l = await start(() => undefined);
      const dir = mkdtempSync(join(tmpdir(), 'drain-'));
      const sent = join(dir, 'sent');
      try {
        let draining: Promise<void> | undefined;
        l.server.once('connection', () => (draining = l.drain())); // the stop, in the turn its connection is accepted
        // a client in another process: it connects and sends its whole request while this one's loop is blocked
        const script = `const s = require('net').connect(${l.port}, '127.0.0.1', () => s.write('GET / HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n', () => require('fs').writeFileSync(${JSON.stringify(sent)}, '')));
let got = ''; s.setEncoding('latin1').on('data', (d) => (got += d)).on('error', (e) => (got += 'ERR ' + e.code)).on('close', () => process.stdout.write(got || '(closed, no answer)'));`;
        const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
        const exited = new Promise((r) => child.once('exit', r));
        const until = Date.now() + 10_000;
        while (!existsSync(sent) && Date.now() < until) {
          /* this loop blocked: the connection waits in the kernel, not yet accepted */
        }
        await exited;
        expect(draining).toBeDefined();
        await draining;
        expect(out).toMatch(/^HTTP\/1\.1 200 [^]*\r\nconnection: close\r\n[^]*\r\n\r\nok$/i);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await l.close();
      }
    });

    it('still answers 408 to a request whose headers do not arrive within the limit, and so ends', async () => {
      const l = await listen({
        fetch: () => new Response('ok'),
        host: '127.0.0.1',
        port: 0,
        clientErrorBody: (message) => ({ message }),
        warn: () => undefined,
        slowClients: { headersTimeout: 300, connectionsCheckingInterval: 50 },
      });
      const c = await client(l);
      try {
        c.sock.write('GET / HTTP/1.1\r\n'); // and no more
        expect(await within(5_000, async () => (await connections(l)) === 1)).toBe(true);
        await new Promise((r) => setTimeout(r, 100));
        let drained = false;
        void l.drain().then(() => (drained = true));
        // before: Node's http close stopped its check of the limits, and such a client held the drain for good
        expect(await within(5_000, () => drained && c.closed)).toBe(true);
        expect(c.got).toMatch(/^HTTP\/1\.1 408 /);
      } finally {
        c.sock.destroy();
        await l.close();
      }
    });

    it('an answer written at once to a request arriving during the drain says Connection: close', async () => {
      const l = await start(() => undefined);
      const c = await client(l);
      try {
        c.sock.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
        expect(await within(5_000, async () => (await connections(l)) === 1)).toBe(true);
        await new Promise((r) => setTimeout(r, 100));
        const draining = l.drain();
        c.sock.write('\r\n'); // the request arrives during the drain; @hono/node-server answers it in the same turn
        await draining;
        expect(await within(5_000, () => c.closed)).toBe(true);
        const head = c.got.slice(0, c.got.indexOf('\r\n\r\n')).toLowerCase();
        expect(head).toMatch(/^http\/1\.1 200 /);
        expect(head).toContain('\r\nconnection: close'); // before: "connection: keep-alive", the client told to send more
      } finally {
        c.sock.destroy();
        await l.close();
      }
    });
  });
  describe('clients that stop reading (write-stall.ts)', () => {
    const stall = { writeStallTimeout: 300, connectionsCheckingInterval: 50 };
    const get = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n';
    /** A server answering `bytes` bytes to every request, after `wait` ms; `said` gets its warnings. */
    const answering = (bytes: number, said: string[], wait = 0) =>
      listen({
        fetch: async () => {
          if (wait) await new Promise((r) => setTimeout(r, wait));
          return new Response(new Uint8Array(bytes));
        },
        host: '127.0.0.1',
        port: 0,
        clientErrorBody: (message) => ({ message }),
        warn: (m) => said.push(m),
        slowClients: stall,
      });
    const connections = (l: Listening) => new Promise<number>((r) => l.server.getConnections((_e, n) => r(n)));

    it('disconnects a client that takes no byte of its answer for writeStallTimeout, in one line, and lets go of every answer queued on it', async () => {
      const said: string[] = [];
      const l = await answering(4 << 20, said);
      // 20 answers of 4 MiB asked at once on one connection, none read: before, all held for as long as the client liked
      const client = await stalledReader(l.port, get, 20);
      try {
        expect(await within(CUT_WITHIN_MS, () => l.inFlight() > 1)).toBe(true);
        expect(await within(CUT_WITHIN_MS, async () => (await connections(l)) === 0)).toBe(true);
        expect(said).toEqual([expect.stringMatching(/^a client took no byte of its answer for 0\.3 s \(GET \/, \d+ bytes waiting\): its connection was closed$/)]);
        expect(await within(CUT_WITHIN_MS, () => l.inFlight() === 0)).toBe(true);
      } finally {
        client.end();
        await l.close();
      }
    });

    it('lets go of the answers queued on a connection its client closed (inFlight back to 0)', async () => {
      const l = await answering(4 << 20, [], 0);
      const client = await stalledReader(l.port, get, 20);
      try {
        expect(await within(CUT_WITHIN_MS, () => l.inFlight() > 1)).toBe(true);
        client.end(); // the client goes, its pipelined answers unsent: before, they stayed in flight (and in memory) for good
        expect(await within(CUT_WITHIN_MS, () => l.inFlight() === 0)).toBe(true);
      } finally {
        await l.close();
      }
    });

    it('does not cut an answer computed for longer than the limit, nor a client reading a large answer slowly', async () => {
      const said: string[] = [];
      const limit = 1500; // above the kernel's wake-ups: the server's socket is writable again when half its buffer is free
      const l = await listen({
        fetch: async () => {
          await new Promise((r) => setTimeout(r, 2 * limit)); // computed for twice the limit: nothing waits to be sent
          return new Response(new Uint8Array(12 << 20));
        },
        host: '127.0.0.1',
        port: 0,
        clientErrorBody: (message) => ({ message }),
        warn: (m) => said.push(m),
        slowClients: { ...stall, writeStallTimeout: limit },
      });
      try {
        // reads a chunk (64 KiB at most) every 20 ms: one 12 MiB write, taken bit by bit over more than the limit
        const sock = connect(l.port, '127.0.0.1');
        let got = 0;
        let first = 0;
        sock.on('data', (d: Buffer) => {
          first ||= Date.now();
          got += d.length;
          sock.pause();
          setTimeout(() => sock.resume(), 20);
        });
        await new Promise((r) => sock.once('connect', r));
        sock.write(get);
        const ended = await within(60_000, () => got >= 12 << 20);
        const reading = Date.now() - first;
        sock.destroy();
        expect(said).toEqual([]);
        expect(ended).toBe(true);
        expect(reading).toBeGreaterThan(limit); // slower than the limit, on the whole
      } finally {
        await l.close();
      }
    });

    it('leaves an idle keep-alive connection with no answer pending to Node\'s keep-alive timeout, as before', async () => {
      const l = await answering(10, []);
      try {
        const sock = connect(l.port, '127.0.0.1');
        let got = '';
        sock.setEncoding('utf8').on('data', (d: string) => (got += d));
        await new Promise((r) => sock.once('connect', r));
        sock.write(get);
        expect(await within(CUT_WITHIN_MS, () => got.split('HTTP/1.1 200').length === 2)).toBe(true);
        await new Promise((r) => setTimeout(r, 3 * stall.writeStallTimeout)); // idle past the limit, within Node's 5 s
        sock.write(get);
        expect(await within(CUT_WITHIN_MS, () => got.split('HTTP/1.1 200').length === 3)).toBe(true);
        sock.destroy();
      } finally {
        await l.close();
      }
    });
  });
});
