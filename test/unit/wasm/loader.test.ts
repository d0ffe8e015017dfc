import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { isAisleError } from '../../../engine/errors.js';
import {
  ARENA_ALIGN,
  KernelStatus,
  loadKernels,
  selectBuild,
  simdSupported,
  wasmPath,
} from '../../../engine/wasm/index.js';
import { compileBuild } from '../../../engine/wasm/loader.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isAisleError(err) ? err.code : `not an AisleError: ${String(err)}`;
  }
  return undefined;
}

async function asyncCodeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (err) {
    return isAisleError(err) ? err.code : `not an AisleError: ${String(err)}`;
  }
  return undefined;
}

describe('loader', () => {
  it('finds both builds relative to the package root', () => {
    expect(existsSync(wasmPath('simd'))).toBe(true);
    expect(existsSync(wasmPath('scalar'))).toBe(true);
  });

  it('detects SIMD and picks a build from the option', () => {
    expect(typeof simdSupported()).toBe('boolean');
    expect(selectBuild(false)).toBe('scalar');
    expect(selectBuild(undefined)).toBe(simdSupported() ? 'simd' : 'scalar');
    if (simdSupported()) expect(selectBuild(true)).toBe('simd');
    else expect(codeOf(() => selectBuild(true))).toBe('AISLE_WASM_LOAD');
  });

  it('compiles each build once per process', () => {
    expect(compileBuild('scalar')).toBe(compileBuild('scalar'));
  });

  it.skipIf(!simdSupported())('loads a SIMD build that really contains SIMD code', async () => {
    const k = await loadKernels({ simd: true });
    expect(k.simd).toBe(true);
  });

  it('loads the scalar build when asked', async () => {
    expect((await loadKernels({ simd: false })).simd).toBe(false);
  });

  it('gives every instance its own memory and an arena above the static data', async () => {
    const a = await loadKernels({ simd: false, initialPages: 2 });
    const b = await loadKernels({ simd: false, initialPages: 2 });
    expect(a.memory).not.toBe(b.memory);
    expect(a.memory.buffer.byteLength).toBe(2 * 65536);
    expect(a.arena.base % ARENA_ALIGN).toBe(0);
    expect(a.arena.base).toBeGreaterThan(0);
    const p = a.arena.alloc(64);
    a.arena.f32(p, 16).fill(1);
    b.arena.f32(b.arena.alloc(64), 16).fill(2);
    expect(a.arena.f32(p, 16).every((v) => v === 1)).toBe(true);
  });

  it('rejects bad page options', async () => {
    expect(await asyncCodeOf(loadKernels({ initialPages: 0 }))).toBe('AISLE_INVALID_ARGUMENT');
    expect(await asyncCodeOf(loadKernels({ initialPages: 4, maximumPages: 2 }))).toBe(
      'AISLE_INVALID_ARGUMENT',
    );
    expect(await asyncCodeOf(loadKernels({ maximumPages: 70_000 }))).toBe('AISLE_INVALID_ARGUMENT');
    expect(await asyncCodeOf(loadKernels({ initialPages: 1.5 }))).toBe('AISLE_INVALID_ARGUMENT');
  });

  it('mirrors the status codes of assembly/status.ts', () => {
    expect(KernelStatus).toEqual({ OK: 0, INDEX_OUT_OF_RANGE: 1, BAD_ARGUMENT: 2 });
  });
});
