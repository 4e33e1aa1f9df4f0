/**
 * How deep the JSON `serve` and `env serve` read may nest (docs/hardening.md, "Every server"). `JSON.parse` reads any
 * depth, but what follows walks the value recursively — an error echoing the bad input, `JSON.stringify` of a
 * message — and from about 5,000 levels (a 10 KB body of brackets) overflowed the stack: a 500 "internal server
 * error" (env serve's HTTP routes: a plain-text one, not even its `{"detail"}` shape) and a stack trace in the log for
 * every such request. Their own requests and messages are about 6 levels deep (OpenAI's
 * messages[].content[].image_url.url; a /ws message's data.arguments; a client's `tools` schemas, which serve does
 * not read, a few more), so MAX_JSON_DEPTH leaves a wide margin. The
 * workbench asks `nestedDeeper` too, with its own, tighter limit (workbench/app.ts MAX_BODY_DEPTH: its bodies are 4 deep).
 */

/** Most levels of arrays and objects a request body or WebSocket message may nest. */
export const MAX_JSON_DEPTH = 64;

/** What a value nested deeper than MAX_JSON_DEPTH is told (the server adds where it came from). */
export const TOO_DEEP = `nested more than ${MAX_JSON_DEPTH} levels deep (arrays and objects), deeper than any request here needs: send a flatter one`;

/** Whether `value` (parsed JSON) nests arrays and objects more than `max` levels deep. Iterative: any depth is safe. */
export function nestedDeeper(value: unknown, max = MAX_JSON_DEPTH): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const x of Array.isArray(v) ? v : Object.values(v)) if (x !== null && typeof x === 'object') stack.push([x, depth + 1]);
  }
  return false;
}

/**
 * `JSON.parse(text)`, throwing a SyntaxError saying so for a value nested deeper than MAX_JSON_DEPTH, so every reader
 * answers it as it answers JSON it cannot read, in its own shape.
 */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (nestedDeeper(value)) throw new SyntaxError(`JSON ${TOO_DEEP}`);
  return value;
}
