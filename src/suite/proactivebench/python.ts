/**
 * The few Python builtins ProactiveBench's environments use to name and cut their images, as Python
 * computes them (so an entry's paths and crop boxes match the ones its code would open): `str.format`
 * for the image templates, `str.zfill`, and `round` (half to even, as PIL's crop applies it).
 */
/**
 * Python's `str.format` for named fields: `{image}`, `{{`/`}}` escapes, `!s`/`!r` conversions
 * and format specs such as `{image:02d}` or `{image:>5}` (`formatSpec`). Unknown fields throw.
 */
export function formatTemplate(template: string, fields: Record<string, string | number>): string {
  return template.replace(/\{\{|\}\}|\{([^{}]*)\}/g, (m, name: string | undefined) => {
    if (m === '{{') return '{';
    if (m === '}}') return '}';
    const f = /^([^!:]*)(?:!([rsa]))?(?::(.*))?$/s.exec(name ?? '');
    if (!f) throw new Error(`image_template field {${name}} is not a valid format field`);
    const [, key, conv, spec] = f;
    if (!(key in fields)) throw new Error(`image_template field {${name}} is not one this dataset fills (${Object.keys(fields).join(', ')})`);
    let v: string | number = fields[key];
    if (conv === 's') v = String(v);
    else if (conv === 'r' || conv === 'a') v = typeof v === 'string' ? `'${v}'` : String(v);
    return formatSpec(v, spec ?? '', `{${name}}`);
  });
}

/**
 * Python's format-spec mini-language for an int or a str (`[[fill]align][sign][#][0][width][,|_][.precision][type]`),
 * as `format(value, spec)`; what Python rejects (e.g. `d` for a str) throws.
 */
export function formatSpec(v: string | number, spec: string, field = 'field'): string {
  if (spec === '') return String(v);
  const m = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s.exec(spec);
  if (!m) throw new Error(`image_template field ${field}: invalid format spec "${spec}"`);
  const [, fillCh, alignCh, sign, alt, zero, widthS, group, precS, typeIn] = m;
  const width = widthS ? Number(widthS) : 0;
  let fill = fillCh ?? ' ';
  let align = alignCh;
  let body: string;
  let prefix = '';
  if (typeof v === 'string') {
    if (typeIn && typeIn !== 's') throw new Error(`image_template field ${field}: unknown format code '${typeIn}' for object of type 'str'`);
    if (sign || alt || group || align === '=') throw new Error(`image_template field ${field}: format spec "${spec}" is not allowed for a string`);
    body = precS !== undefined ? v.slice(0, Number(precS)) : v;
    align ??= '<';
    if (zero && !alignCh) fill = '0'; // Python ≥ 3.10 pads a str with "0" on the right for a bare "0"
  } else {
    const type = typeIn ?? 'd';
    const n = v;
    const neg = n < 0;
    const a = Math.abs(n);
    const int = (radix: number) => {
      if (!Number.isInteger(n)) throw new Error(`image_template field ${field}: format code '${type}' needs an integer`);
      return BigInt(a).toString(radix);
    };
    switch (type) {
      case 'd':
      case 'n':
        body = int(10);
        break;
      case 'x':
        body = int(16);
        if (alt) prefix = '0x';
        break;
      case 'X':
        body = int(16).toUpperCase();
        if (alt) prefix = '0X';
        break;
      case 'o':
        body = int(8);
        if (alt) prefix = '0o';
        break;
      case 'b':
        body = int(2);
        if (alt) prefix = '0b';
        break;
      case 'c':
        body = String.fromCodePoint(n);
        break;
      case 'f':
      case 'F':
        body = a.toFixed(precS !== undefined ? Number(precS) : 6);
        break;
      case 'e':
      case 'E':
        body = a.toExponential(precS !== undefined ? Number(precS) : 6).replace(/e([+-])(\d)$/, 'e$10$2');
        if (type === 'E') body = body.toUpperCase();
        break;
      case '%':
        body = `${(a * 100).toFixed(precS !== undefined ? Number(precS) : 6)}%`;
        break;
      default: // g, G: close enough for integers, the only numbers templates get
        body = String(a);
    }
    if (group) {
      const [ip, fp] = body.split('.');
      body = ip.replace(/\B(?=(\d{3})+(?!\d))/g, group) + (fp !== undefined ? `.${fp}` : '');
    }
    prefix = (neg ? '-' : sign === '+' ? '+' : sign === ' ' ? ' ' : '') + prefix;
    if (zero && !alignCh) {
      fill = '0';
      align = '=';
    }
    align ??= '>';
  }
  const len = [...prefix].length + [...body].length;
  const pad = Math.max(0, width - len);
  switch (align) {
    case '<':
      return prefix + body + fill.repeat(pad);
    case '^':
      return fill.repeat(Math.floor(pad / 2)) + prefix + body + fill.repeat(pad - Math.floor(pad / 2));
    case '=':
      return prefix + fill.repeat(pad) + body;
    default:
      return fill.repeat(pad) + prefix + body;
  }
}

/** Python's `str(n).zfill(w)`. */
export function zfill(n: number, width: number): string {
  const s = String(n);
  const neg = s.startsWith('-');
  const digits = neg ? s.slice(1) : s;
  return (neg ? '-' : '') + digits.padStart(width - (neg ? 1 : 0), '0');
}

/** Python's `round` (half to even), as PIL's crop applies it to box coordinates. */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}
