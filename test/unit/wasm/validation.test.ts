import { beforeAll, describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import { loadKernels, type Kernels } from '../../../engine/wasm/index.js';
import { BUILDS } from './support.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isAisleError(err) ? err.code : `not an AisleError: ${String(err)}`;
  }
  return undefined;
}

describe.each(BUILDS)('argument validation in the wrapper ($name)', ({ simd }) => {
  let k: Kernels;
  let a: number;
  let b: number;
  beforeAll(async () => {
    k = await loadKernels({ simd, initialPages: 1 });
    a = k.arena.alloc(1024);
    b = k.arena.alloc(1024);
  });

  it('rejects misaligned pointers', () => {
    expect(codeOf(() => k.dotF32Batch(a + 2, b, b, 1, 1))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => k.scaleF64(a + 4, 1, 2))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => k.topkF64(a, b + 4, b + 512, 4, 4))).toBe('AISLE_INVALID_ARGUMENT');
  });

  it('rejects regions outside the arena or below its base', () => {
    const end = k.memory.buffer.byteLength;
    expect(codeOf(() => k.scaleF64(end - 8, 2, 2))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => k.groupCountU32(0, 4, a, 1))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => k.scaleF64(end - 8, 1, 2))).toBeUndefined();
    expect(codeOf(() => k.scaleF64(0, 0, 2))).toBeUndefined();
  });

  it('rejects bad counts', () => {
    expect(codeOf(() => k.scaleF64(a, -1, 2))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => k.scaleF64(a, 1.5, 2))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => k.dotF32Batch(a, b, b, 2 ** 32, 1))).toBe('AISLE_INVALID_ARGUMENT');
  });

  it('rejects overlapping outputs and inputs', () => {
    expect(codeOf(() => k.dotF32Batch(a, a + 8, b, 4, 4))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => k.topkF32(a, a + 8, b, 10, 4))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => k.topkF32(a, a + 16, a + 8, 10, 2))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => k.groupSumF64(a, 4, a + 16, b, 4))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => k.topkF32(a, a + 16, b, 10, 4))).toBeUndefined();
  });

  it('sizes topk outputs by min(n, k)', () => {
    const end = k.memory.buffer.byteLength;
    expect(codeOf(() => k.topkF32(end - 8, end - 16, a, 2, 1000))).toBeUndefined();
  });
});
