/**
 * An HTTP request with a Host header of the test's choosing (fetch always sends the URL's own), for
 * the servers' DNS-rebinding guard (src/server/host-check.ts): `host` null sends the URL's own.
 */
import { request as httpRequest } from 'node:http';

export function requestWithHost(
  url: string,
  host: string | null,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((res, rej) => {
    const req = httpRequest(url, { method: o.method ?? 'GET', headers: o.headers ?? {}, setHost: host === null }, (r) => {
      let body = '';
      r.setEncoding('utf8').on('data', (d: string) => (body += d));
      r.on('end', () => res({ status: r.statusCode!, body, headers: r.headers }));
    });
    if (host !== null) req.setHeader('host', host);
    req.on('error', rej).end(o.body);
  });
}
