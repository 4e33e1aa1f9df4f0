/**
 * A JSON value as Python prints it, for the messages that echo a client's value in OpenEnv's words: its server builds
 * them with f-strings (`f"Unknown session_id: {requested_session_id}"`, `f"Unknown message type: {msg_type}"`), which
 * print what `json.loads` made of the value with Python's `str()`: `True`, `None`, `[1, 'a']`, `{'k': 1.5}`, `1e-05`,
 * not JSON's `true`, `null`, `[1,"a"]`.
 * `pyStr` prints what JSON.parse made of the value, which has lost some of what Python keeps: a number written with a
 * fraction or an exponent but an integer value (`1.0`, `1e3`, `-0.0`) is a float in Python (`1.0`, `1000.0`, `-0.0`)
 * and an integer here, an integer beyond 2^53 is rounded, and an object's integer-like keys come first (JavaScript's
 * key order). `pyStrAt` reads the value from the JSON text itself, as `json.loads` reads it, and prints it as Python
 * does in all of these.
 */

/** A JSON number written with a fraction or an exponent: a float to `json.loads` (`1.0`, `1e3`, `1e400` is `inf`). */
class PyFloat {
  constructor(readonly value: number) {}
}

/** Python's `str()`: a string as it is, anything else as `repr()`. */
export const pyStr = (v: unknown): string => (typeof v === 'string' ? v : pyRepr(v));

/** Python's `repr()` of a JSON value (None, True/False, int, float, str, list, dict). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : floatRepr(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${strRepr(String(k))}: ${pyRepr(x)}`).join(', ')}}`;
  if (typeof v === 'string') return strRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

/**
 * Python's float repr: the shortest digits that read back the same (JavaScript's too), written positionally while the
 * decimal point is within -4 < point ≤ 16 of the first digit (`0.0001`, `1234567890123456.0`), else as `1e-05`, `1.5e+16`.
 */
function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const [mantissa, exp] = Math.abs(x).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const point = Number(exp) + 1; // where the decimal point falls, counted from the first digit
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const e = Number(exp);
  return `${sign}${digits[0]}${digits.length > 1 ? `.${digits.slice(1)}` : ''}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/** Characters Python's repr escapes (not `str.isprintable()`: controls, format, surrogates, private use, unassigned, separators but the space). */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

/** Python's str repr: single quotes unless the text has one and no double quote; escapes as Python writes them. */
function strRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch !== ' ' && NOT_PRINTABLE.test(ch)) out += c < 0x100 ? `\\x${hex(c, 2)}` : c < 0x10000 ? `\\u${hex(c, 4)}` : `\\U${hex(c, 8)}`;
    else out += ch;
  }
  return out + q;
}

const hex = (c: number, width: number) => c.toString(16).padStart(width, '0');

/**
 * Python's `str()` of the value at `path` (object keys) in the JSON text `text`, read from its tokens as `json.loads`
 * reads them (a repeated key: its last value, at its first place); undefined if there is none. `text` is JSON that
 * `JSON.parse` (../json-depth.ts parseJson) has already read, so it is valid and at most MAX_JSON_DEPTH deep; values
 * off the path are skipped, their strings found by their closing quote.
 */
export function pyStrAt(text: string, path: readonly string[]): string | undefined {
  const v = new JsonTokens(text).at(path);
  return v === MISSING ? undefined : pyStr(v);
}

/**
 * `pyStr(value)` for `value`, what JSON.parse read at `path` of `text` (undefined: no text at hand), read from the text
 * when it is a number, list or dict, which JSON.parse may have changed; a string, boolean or null prints the same either
 * way and is not looked for (an unknown string session_id in a large message costs no second read).
 */
export function pyStrIn(value: unknown, text: string | undefined, path: readonly string[]): string {
  const changed = typeof value === 'number' || (typeof value === 'object' && value !== null);
  return (changed && text !== undefined ? pyStrAt(text, path) : undefined) ?? pyStr(value);
}

const MISSING = Symbol('missing');
const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
const SPACE = /[ \t\n\r]*/y;

/** A reader of valid JSON text giving what `json.loads` gives: floats as PyFloat, integers as bigint, objects as Maps. */
class JsonTokens {
  private i = 0;
  constructor(private readonly t: string) {}

  /** The value at `path` from here, or MISSING (the value here is read past either way). */
  at(path: readonly string[]): unknown {
    this.space();
    if (path.length === 0) return this.value(true);
    if (this.t[this.i] !== '{') {
      this.value(false);
      return MISSING;
    }
    let found: unknown = MISSING;
    this.members((key) => {
      if (key === path[0]) found = this.at(path.slice(1));
      else this.value(false);
    });
    return found;
  }

  /** The value here (`keep` false: only read past it). */
  private value(keep: boolean): unknown {
    this.space();
    const c = this.t[this.i];
    if (!keep && (c === '{' || c === '[')) return this.skip();
    if (c === '{') {
      const m = new Map<string, unknown>();
      this.members((key) => {
        const v = this.value(keep);
        if (keep) m.set(key, v); // a repeated key keeps its first place and takes the last value, as a Python dict
      });
      return m;
    }
    if (c === '[') {
      const a: unknown[] = [];
      this.i++;
      this.space();
      if (this.t[this.i] === ']') this.i++;
      else {
        do {
          const v = this.value(keep);
          if (keep) a.push(v);
          this.space();
        } while (this.t[this.i++] === ',');
      }
      return a;
    }
    if (c === '"') return this.string(keep);
    if (c === 't' || c === 'n') {
      this.i += 4;
      return c === 't' ? true : null;
    }
    if (c === 'f') {
      this.i += 5;
      return false;
    }
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.t);
    if (!m) throw new SyntaxError(`not JSON at ${this.i}`);
    this.i += m[0].length;
    return m[1] !== undefined || m[2] !== undefined ? new PyFloat(Number(m[0])) : BigInt(m[0]);
  }

  /** Past the array or object here, its values unread: brackets counted, strings jumped over (undefined). */
  private skip(): undefined {
    let depth = 0;
    do {
      const c = this.t.charCodeAt(this.i);
      if (c === 0x22) {
        this.string(false);
        continue;
      }
      if (c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x5d || c === 0x7d) depth--;
      this.i++;
    } while (depth > 0);
    return undefined;
  }

  /** An object's members from its `{` to past its `}`: `member(key)` reads each value. */
  private members(member: (key: string) => void): void {
    this.i++;
    this.space();
    if (this.t[this.i] === '}') {
      this.i++;
      return;
    }
    do {
      this.space();
      const key = this.string(true) as string;
      this.space();
      this.i++; // ':'
      member(key);
      this.space();
    } while (this.t[this.i++] === ',');
  }

  /** A string from its opening quote: its closing one is the first `"` after an even run of backslashes. */
  private string(keep: boolean): string | undefined {
    const start = this.i;
    let end = start;
    for (;;) {
      end = this.t.indexOf('"', end + 1);
      if (end < 0) throw new SyntaxError(`unterminated string at ${start}`);
      let slashes = 0;
      while (this.t[end - 1 - slashes] === '\\') slashes++;
      if (slashes % 2 === 0) break;
    }
    this.i = end + 1;
    return keep ? (JSON.parse(this.t.slice(start, end + 1)) as string) : undefined;
  }

  private space(): void {
    SPACE.lastIndex = this.i;
    SPACE.exec(this.t);
    this.i = SPACE.lastIndex;
  }
}
