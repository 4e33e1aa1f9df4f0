/**
 * A JSON value as Python prints it, for the messages that echo a client's value in OpenEnv's words: its server builds
 * them with f-strings (`f"Unknown session_id: {requested_session_id}"`, `f"Unknown message type: {msg_type}"`), which
 * print what `json.loads` made of the value with Python's `str()`: `True`, `None`, `[1, 'a']`, `{'k': 1.5}`, `1e-05`,
 * not JSON's `true`, `null`, `[1,"a"]`.
 * Where JSON.parse has already lost what Python keeps, the text can differ: a JSON number written with a fraction or an
 * exponent but an integer value (`1.0`, `1e3`) is a float in Python (`1.0`, `1000.0`) and an integer here (`1`,
 * `1000`), an integer beyond 2^53 is rounded, and an object's integer-like keys come first (JavaScript's key order).
 */

/** Python's `str()`: a string as it is, anything else as `repr()`. */
export const pyStr = (v: unknown): string => (typeof v === 'string' ? v : pyRepr(v));

/** Python's `repr()` of a JSON value (None, True/False, int, float, str, list, dict). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v).toString() : floatRepr(v);
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
  const sign = x < 0 ? '-' : '';
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
