/**
 * A throwaway PostgreSQL cluster for tests, from Debian's `postgresql` package: initdb into a
 * temp dir (`tmpDir`: removed after the test, or after the file when started in a beforeAll),
 * pg_ctl start on a free loopback port (as the `postgres` user when running as root, since
 * postgres refuses to run as root); `stop()` stops the server — call it before the directory goes.
 * When the `postgres` user cannot enter the temp folder (a TMPDIR made by `mktemp -d`, mode 0700),
 * the cluster goes into a directory of the same kind under that user's home instead.
 */
import { execFile } from 'node:child_process';
import { chownSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tmpDir } from '../../src/testing/tmp.js';

const run = promisify(execFile);

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Whether the `postgres` user can reach and write `dir` (every folder above it must let it pass). */
async function canWrite(dir: string): Promise<boolean> {
  try {
    await run('runuser', ['-u', 'postgres', '--', 'test', '-w', dir]);
    return true;
  } catch {
    return false;
  }
}

export interface TestPostgres {
  url: string;
  stop(): Promise<void>;
}

export async function startPostgres(bin: string): Promise<TestPostgres> {
  const asRoot = process.getuid?.() === 0;
  let root = tmpDir('af-pg');
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
    chownSync(root, uid, gid);
    if (!(await canWrite(root))) {
      const home = (await run('getent', ['passwd', 'postgres'])).stdout.split(':')[5];
      root = tmpDir('af-pg', home);
      chownSync(root, uid, gid);
    }
  }
  const as = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args]) : run(join(bin, cmd), args));
  const data = join(root, 'data');
  await as('initdb', ['-D', data, '-U', 'askfirst', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const port = await freePort();
  const opts = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60`;
  await as('pg_ctl', ['-D', data, '-o', opts, '-l', join(root, 'log'), '-w', '-t', '60', 'start']);
  return {
    url: `postgres://askfirst@127.0.0.1:${port}/postgres`,
    async stop() {
      await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
  };
}
