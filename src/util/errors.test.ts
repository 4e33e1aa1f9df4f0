import { describe, expect, it } from 'vitest';
import { describeError, describeErrorForLog, InputError } from './errors.js';

describe('describeError', () => {
  it('an Error is its message, a string itself', () => {
    expect(describeError(new InputError('--x: bad'))).toBe('--x: bad');
    expect(describeError('plain words')).toBe('plain words');
  });

  it('a thrown value that is not an Error is shown, on one line, bounded (it was "[object Object]")', () => {
    class ErrnoError {
      errno = 44;
      code = 'ENOENT';
    }
    expect(describeError(new ErrnoError())).toBe("ErrnoError { errno: 44, code: 'ENOENT' }");
    expect(describeError({ status: 500, detail: 'line one\nline two' })).toBe("{ status: 500, detail: 'line one\\nline two' }");
    expect(describeError(42)).toBe('42');
    expect(describeError(undefined)).toBe('undefined');
    expect(describeError(Object.create(null))).toBe('[Object: null prototype] {}'); // String() threw on it
    const big = describeError({ rows: Array.from({ length: 1000 }, (_, i) => ({ i, text: 'x'.repeat(50) })), note: 'y'.repeat(10_000) });
    expect(big.length).toBeLessThanOrEqual(300);
    expect(big).toMatch(/^\{ rows: \[ \{ i: 0, text: 'x{50}' \}, .*…$/);
    expect(big).not.toContain('\n');
  });
});

describe('describeErrorForLog', () => {
  it("an Error's stack, anything else as describeError shows it", () => {
    const e = new Error('boom');
    expect(describeErrorForLog(e)).toBe(e.stack);
    const noStack = new Error('no stack');
    noStack.stack = undefined;
    expect(describeErrorForLog(noStack)).toBe('no stack');
    expect(describeErrorForLog({ code: 'EPIPE' })).toBe("{ code: 'EPIPE' }");
    expect(describeErrorForLog(Object.create(null))).toBe('[Object: null prototype] {}');
  });
});
