/**
 * A label in flight when a workbench is stopped (the drain tests of `feedback serve` and `feedback illume --critic
 * workbench`): the workbench's first open assignment is labelled with a request whose headers are sent first and whose
 * body waits (Expect: 100-continue) until `send()` — so the request is in flight when the test's signal comes.
 */
import { once } from 'node:events';
import { request } from 'node:http';

export interface LabelInFlight {
  /** [status, replayed] of the answer, or ['error', code] when the request was cut. */
  answer: Promise<unknown[]>;
  /** Send the body: the request completes. */
  send(): void;
  /** The project the label is for. */
  project: number;
}

export async function labelInFlight(url: string, token: string, submissionId: string): Promise<LabelInFlight> {
  const api = async (path: string) => (await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<unknown>;
  const [project] = (await api('/api/projects')) as { id: number }[];
  const { assignment } = (await api(`/api/projects/${project.id}/next`)) as { assignment: { id: number } };
  const body = JSON.stringify({ submissionId, label: { accepted: [] } });
  const req = request(`${url}/api/assignments/${assignment.id}/annotation`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' } });
  const answer = new Promise<unknown[]>((resolve) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (b: Buffer) => (text += b.toString()));
      res.on('end', () => resolve([res.statusCode, (JSON.parse(text) as { replayed?: boolean }).replayed]));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve(['error', e.code ?? e.message]));
  });
  req.flushHeaders();
  await Promise.race([once(req, 'continue'), answer]);
  return { answer, send: () => req.end(body), project: project.id };
}
