/**
 * Settings of the feedback workbench server that `askfirst feedback serve` reads for its options and
 * --help: a light module (zod only; docs/architecture.md §1), so startup loads no server. Their
 * defaults live here only; `workbench/auth-limit.ts` applies them.
 */
import { z } from 'zod';

/** The limit's settings (`askfirst feedback serve --auth-failures N --auth-window S`); the defaults live here only. */
export const AuthLimitSchema = z.object({
  authFailures: z
    .number()
    .int()
    .min(1)
    .default(20)
    .describe('refused tokens allowed from one client address per --auth-window; beyond that, its unknown tokens get 429 with Retry-After and no database query (a token that has signed in since the server started always passes)'),
  authWindow: z.number().int().min(1).default(60).describe('seconds over which --auth-failures are counted, from the first failure'),
});
export type AuthLimitConfig = z.infer<typeof AuthLimitSchema>;
