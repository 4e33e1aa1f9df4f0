/**
 * The reference kernels' limits (their agreement with the WASM kernels is kernels.test.ts's): a convolution whose one
 * image's im2col scratch is more floats than a typed array holds is refused in one line naming its geometry and the
 * limit, before any scratch is allocated (so the test allocates nothing large); the gradients allocate the scratch only of
 * those asked for.
 */
import { describe, expect, it, vi } from 'vitest';
import { InputError } from '../../util/errors.js';
import { conv2dBackwardRef, conv2dForwardRef, convGeom, gemmRef, MAX_TYPED_ARRAY_LENGTH } from './ref.js';

/** Runs f with every Float32Array of `length` floats failing as V8 fails one memory cannot give. */
function withoutMemoryFor<T>(length: number, f: () => T): T {
  const Real = Float32Array;
  vi.stubGlobal('Float32Array', class extends Real {
    constructor(...args: ConstructorParameters<typeof Real>) {
      if ((args as unknown[])[0] === length) throw new RangeError('Array buffer allocation failed');
      super(...args);
    }
  });
  try {
    return f();
  } finally {
    vi.unstubAllGlobals();
  }
}

describe('reference conv2d past the typed-array limit', () => {
  // 7,282 channels, 3×3, 256×256 output: 7,282·9 × 65,536 = 4,295,098,368 floats, 130,048 past 2^32
  const g = convGeom(1, 7282, 256, 256, 1, 3, 3, 1, 1);
  const none = new Float32Array(0); // never read: the refusal comes first

  it('is an InputError naming the shape and the limit, not a bare RangeError', () => {
    // before: RangeError "Invalid typed array length: 4295098368"
    expect(7282 * 9 * 256 * 256).toBeGreaterThan(MAX_TYPED_ARRAY_LENGTH);
    const forward = () => conv2dForwardRef(none, none, null, none, g);
    expect(forward).toThrow(InputError);
    expect(forward).toThrow(
      "conv2d forward of 7282 channels, kernel 3×3, output 256×256: one image's im2col scratch (7282·3·3 × 256·256 = 4295098368 floats) is more than the 4294967296 floats (2^32) a typed array can hold in the reference kernels (ASKFIRST_KERNELS=ref): use fewer channels, a smaller kernel or image",
    );
    expect(() => conv2dBackwardRef(none, none, none, null, none, null, g)).toThrow(/^conv2d gradients of 7282 channels, kernel 3×3, output 256×256: one image's im2col scratch \(7282·3·3 × 256·256 = 4295098368 floats\) is more than the 4294967296 floats/);
  });

  it("the limit is Node's own: one float more is refused by Float32Array itself", () => {
    expect(() => new Float32Array(MAX_TYPED_ARRAY_LENGTH + 1)).toThrow(/^Invalid typed array length/);
  });
});

describe('a reference scratch under 2^32 floats that memory cannot give', () => {
  // before: the bare RangeError "Array buffer allocation failed", naming neither the op nor the size
  const none = new Float32Array(0); // never read: the refusal comes first

  it('is an InputError naming the op, its geometry and the size in floats and GiB', () => {
    // 512 channels, 3×3, 256×256: 301,989,888 floats (1.1 GiB), well under 2^32
    const g = convGeom(1, 512, 256, 256, 1, 3, 3, 1, 1);
    const floats = 512 * 9 * 256 * 256;
    expect(floats).toBeLessThan(MAX_TYPED_ARRAY_LENGTH);
    const forward = () => withoutMemoryFor(floats, () => conv2dForwardRef(none, none, null, none, g));
    expect(forward).toThrow(InputError);
    expect(forward).toThrow(
      "conv2d forward of 512 channels, kernel 3×3, output 256×256: one image's im2col scratch (512·3·3 × 256·256 = 301989888 floats, 1.1 GiB) could not be allocated: out of memory in the reference kernels (ASKFIRST_KERNELS=ref): use fewer channels, a smaller kernel or image, or free memory",
    );
    expect(() => withoutMemoryFor(floats, () => conv2dBackwardRef(none, none, none, null, none, null, g))).toThrow(
      /^conv2d gradients of 512 channels, kernel 3×3, output 256×256: one image's im2col scratch \(512·3·3 × 256·256 = 301989888 floats, 1\.1 GiB\) could not be allocated: out of memory/,
    );
  });

  it("the forward's output scratch and GEMM's row scratch too", () => {
    const g = convGeom(1, 1, 4, 4, 3, 1, 1, 1, 0); // im2col 16 floats, one image's output 3·16 = 48
    const x = new Float32Array(16);
    const w = new Float32Array(3);
    const y = new Float32Array(48);
    expect(() => withoutMemoryFor(48, () => conv2dForwardRef(x, w, null, y, g))).toThrow(
      "conv2d forward of 1 channels, kernel 1×1, output 4×4: one image's output scratch (3 filters × 4·4 = 48 floats, 0.0 GiB) could not be allocated: out of memory in the reference kernels (ASKFIRST_KERNELS=ref): use fewer channels, a smaller kernel or image, or free memory",
    );
    const A = new Float32Array(6);
    const B = new Float32Array(15);
    const C = new Float32Array(10);
    expect(() => withoutMemoryFor(5, () => gemmRef(A, B, C, 2, 5, 3))).toThrow(/^gemm of 2×3 by 3×5: one output row's scratch \(1 × 5 = 5 floats, 0\.0 GiB\) could not be allocated: out of memory/);
  });
});

describe('reference conv2d gradients', () => {
  it('allocate only the im2col scratch of the gradients asked for (one for dw, one for dx, none for db alone)', () => {
    const g = convGeom(2, 3, 6, 6, 4, 3, 3, 1, 1);
    const scratch = g.C * g.KH * g.KW * g.OH * g.OW;
    const x = Float32Array.from({ length: g.N * g.C * g.H * g.W }, (_, i) => Math.sin(i));
    const w = Float32Array.from({ length: g.F * g.C * g.KH * g.KW }, (_, i) => Math.cos(i));
    const dy = Float32Array.from({ length: g.N * g.F * g.OH * g.OW }, (_, i) => Math.sin(3 * i));
    /** How many scratch-sized Float32Arrays one call allocates. */
    const scratches = (grads: { dx?: boolean; dw?: boolean }): number => {
      const dx = grads.dx ? new Float32Array(x.length) : null;
      const dw = grads.dw ? new Float32Array(w.length) : null;
      const db = new Float32Array(g.F);
      let n = 0;
      const Real = Float32Array;
      vi.stubGlobal('Float32Array', class extends Real {
        constructor(...args: ConstructorParameters<typeof Real>) {
          super(...args);
          if (this.length === scratch) n++;
        }
      });
      try {
        conv2dBackwardRef(x, w, dy, dx, dw, db, g);
      } finally {
        vi.unstubAllGlobals();
      }
      return n;
    };
    // before: two each time
    expect({ both: scratches({ dx: true, dw: true }), dw: scratches({ dw: true }), dx: scratches({ dx: true }), db: scratches({}) }).toEqual({ both: 2, dw: 1, dx: 1, db: 0 });
  });
});
