/**
 * `--allow-host`, shared by the three server commands (`serve`, `env serve`, `feedback serve`): a
 * light module (zod only; docs/architecture.md §1), so their options and --help load no server.
 * `host-check.ts` applies it.
 */
import { z } from 'zod';

/** What `--allow-host` takes: a host name or bracketed IPv6 address, without port or scheme. */
export const ALLOW_HOST_NAME = /^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/i;

export const AllowHostSchema = z.object({
  allowHost: z
    .array(z.string().regex(ALLOW_HOST_NAME, 'a host name without port or scheme, e.g. annotate.example.org'))
    .default([])
    .describe("on a loopback --host: host names to answer besides localhost, 127.0.0.1 and [::1] with any port (comma-separated; a reverse proxy's, when it forwards its own Host); any other Host is refused (403), against DNS rebinding (serve and env serve: any other web page's Origin too)"),
});
