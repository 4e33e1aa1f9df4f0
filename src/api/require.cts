/**
 * What `require('askfirst')` loads (package.json "exports", the "require" condition). askfirst is an ES module: where
 * Node can require() one (Node 20.19 and later, 22.12 and later), this gives the same module as `import`; where it cannot,
 * Node's own ERR_REQUIRE_ESM is a many-line stack naming files inside dist/, so it is replaced by one line saying what to
 * do. The code is kept, so a caller that checks it still can.
 */
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- this file is the require() entry point itself
  module.exports = require('./index.js');
} catch (e) {
  if ((e as { code?: unknown }).code !== 'ERR_REQUIRE_ESM') throw e;
  throw Object.assign(new Error("askfirst is an ES module, and this Node cannot require() one: use `const askfirst = await import('askfirst')` (or `import { … } from 'askfirst'` in an ES module), or a Node that can (20.19 or later, 22.12 or later)"), { code: 'ERR_REQUIRE_ESM' });
}
