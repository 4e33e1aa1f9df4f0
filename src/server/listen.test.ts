import type { Server } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listen } from './listen.js';

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
  });
});
