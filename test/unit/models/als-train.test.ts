import { beforeAll, describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import {
  checkCsr,
  csrFromTriples,
  DEFAULT_ALS,
  resolveAlsOptions,
  trainAls,
  transposeCsr,
} from '../../../engine/models/als/index.js';
import type { Csr } from '../../../engine/models/csr.js';
import { loadKernels, type Kernels } from '../../../engine/wasm/index.js';
import { alsLoss, clusteredData, itemScores, randomCsr, rowItems, topK } from './als-fixtures.js';

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (!isAisleError(err) || err.code !== 'AISLE_INVALID_ARGUMENT') throw err;
    return String(err.details?.['field']);
  }
  return undefined;
}

function dense(m: Csr): number[][] {
  const out = Array.from({ length: m.rows }, () => new Array<number>(m.cols).fill(0));
  for (let r = 0; r < m.rows; r++) {
    for (let e = m.indptr[r]!; e < m.indptr[r + 1]!; e++) out[r]![m.indices[e]!]! += m.values[e]!;
  }
  return out;
}

describe('ALS options', () => {
  it('fills defaults and keeps given values', () => {
    expect(resolveAlsOptions()).toEqual(DEFAULT_ALS);
    expect(resolveAlsOptions({ factors: 8, seed: undefined })).toEqual({
      ...DEFAULT_ALS,
      factors: 8,
    });
  });

  it('names the field it refuses', () => {
    expect(fieldOf(() => resolveAlsOptions({ factors: 0 }))).toBe('factors');
    expect(fieldOf(() => resolveAlsOptions({ factors: 2.5 }))).toBe('factors');
    expect(fieldOf(() => resolveAlsOptions({ regularization: -1 }))).toBe('regularization');
    expect(fieldOf(() => resolveAlsOptions({ alpha: Number.NaN }))).toBe('alpha');
    expect(fieldOf(() => resolveAlsOptions({ iterations: -1 }))).toBe('iterations');
    expect(fieldOf(() => resolveAlsOptions({ cgSteps: 0 }))).toBe('cgSteps');
    expect(fieldOf(() => resolveAlsOptions({ seed: -3 }))).toBe('seed');
    expect(fieldOf(() => resolveAlsOptions({ factor: 3 } as never))).toBe('factor');
  });
});

describe('CSR helpers', () => {
  it('builds from triples: sums duplicates, sorts columns', () => {
    const m = csrFromTriples(
      3,
      4,
      Uint32Array.from([2, 0, 2, 0, 2]),
      Uint32Array.from([3, 1, 0, 1, 3]),
      Float32Array.from([1, 2, 3, 4, 5]),
    );
    expect(Array.from(m.indptr)).toEqual([0, 1, 1, 3]);
    expect(Array.from(m.indices)).toEqual([1, 0, 3]);
    expect(Array.from(m.values)).toEqual([6, 3, 6]);
    expect(
      fieldOf(() => csrFromTriples(2, 2, Uint32Array.of(2), Uint32Array.of(0), Float32Array.of(1))),
    ).toBe('row');
  });

  it('transposes', () => {
    const m = randomCsr(5, 30, 17, 4);
    const t = transposeCsr(m);
    expect(t.rows).toBe(17);
    expect(t.cols).toBe(30);
    const dm = dense(m);
    const dt = dense(t);
    for (let r = 0; r < 30; r++) for (let c = 0; c < 17; c++) expect(dt[c]![r]).toBe(dm[r]![c]);
    checkCsr(t);
    expect(transposeCsr(t)).toEqual(m);
  });

  it('checks shape and values, naming the field', () => {
    const m = randomCsr(6, 5, 5, 3);
    expect(fieldOf(() => checkCsr(m, 'm'))).toBeUndefined();
    expect(fieldOf(() => checkCsr({ ...m, indptr: m.indptr.subarray(1) }, 'm'))).toBe('m.indptr');
    const indices = m.indices.slice();
    indices[0] = 5;
    expect(fieldOf(() => checkCsr({ ...m, indices }, 'm'))).toBe('m.indices');
    const values = m.values.slice();
    values[0] = -1;
    expect(fieldOf(() => checkCsr({ ...m, values }, 'm'))).toBe('m.values');
  });
});

describe.each([
  { name: 'simd', simd: true },
  { name: 'scalar', simd: false },
])('trainAls ($name)', ({ simd }) => {
  let k: Kernels;
  beforeAll(async () => {
    k = await loadKernels({ simd });
  });
  const small = randomCsr(11, 120, 80, 8);
  const opts = { factors: 8, regularization: 0.1, alpha: 2, seed: 7 };

  it('decreases the iALS objective every iteration', () => {
    const losses: number[] = [];
    for (let iterations = 0; iterations <= 8; iterations++) {
      const f = trainAls(k, small, { ...opts, iterations });
      losses.push(alsLoss(small, f.userFactors, f.itemFactors, 8, 0.1, 2));
    }
    for (let i = 1; i < losses.length; i++) {
      expect(losses[i], `iteration ${i}: ${losses.join(', ')}`).toBeLessThanOrEqual(
        losses[i - 1]! * (1 + 1e-6),
      );
    }
    expect(losses[8]).toBeLessThan(losses[1]! * 0.9);
    expect(losses[1]).toBeLessThan(losses[0]! * 0.5);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = trainAls(k, small, { ...opts, iterations: 3 });
    const b = trainAls(k, small, { ...opts, iterations: 3 });
    const c = trainAls(k, small, { ...opts, iterations: 3, seed: 8 });
    expect(b.userFactors).toEqual(a.userFactors);
    expect(b.itemFactors).toEqual(a.itemFactors);
    expect(c.itemFactors).not.toEqual(a.itemFactors);
  });

  it('agrees with the other build within float tolerance', async () => {
    const other = await loadKernels({ simd: !simd });
    const a = trainAls(k, small, { ...opts, iterations: 5 });
    const b = trainAls(other, small, { ...opts, iterations: 5 });
    const scale = Math.max(...a.userFactors.map(Math.abs));
    for (let i = 0; i < a.userFactors.length; i++) {
      expect(Math.abs(a.userFactors[i]! - b.userFactors[i]!)).toBeLessThanOrEqual(1e-3 * scale);
    }
    const iscale = Math.max(...a.itemFactors.map(Math.abs));
    for (let i = 0; i < a.itemFactors.length; i++) {
      expect(Math.abs(a.itemFactors[i]! - b.itemFactors[i]!)).toBeLessThanOrEqual(1e-3 * iscale);
    }
  });

  it('gives users without interactions a zero vector and handles empty matrices', () => {
    const m = csrFromTriples(
      4,
      3,
      Uint32Array.of(0, 2),
      Uint32Array.of(1, 2),
      Float32Array.of(1, 1),
    );
    const f = trainAls(k, m, { factors: 4, iterations: 2 });
    expect(Array.from(f.userFactors.subarray(4, 8))).toEqual([0, 0, 0, 0]);
    expect(Array.from(f.itemFactors.subarray(0, 4))).toEqual([0, 0, 0, 0]);
    const empty = trainAls(
      k,
      csrFromTriples(0, 0, new Uint32Array(0), new Uint32Array(0), new Float32Array(0)),
      {
        factors: 4,
      },
    );
    expect(empty.userFactors.length).toBe(0);
    expect(empty.itemFactors.length).toBe(0);
  });

  it('reports each iteration and gives back all the arena memory it took', () => {
    const before = k.arena.stats();
    const seen: number[] = [];
    for (let run = 0; run < 3; run++) {
      seen.length = 0;
      trainAls(k, small, { ...opts, iterations: 4 }, (it, seconds) => {
        expect(seconds).toBeGreaterThanOrEqual(0);
        seen.push(it);
      });
    }
    expect(seen).toEqual([1, 2, 3, 4]);
    const after = k.arena.stats();
    expect(after.liveBlocks).toBe(before.liveBlocks);
    expect(after.top).toBe(before.top);
  });

  it('refuses bad options and malformed matrices, freeing what it took', () => {
    const before = k.arena.stats();
    expect(fieldOf(() => trainAls(k, small, { factors: 0 }))).toBe('factors');
    const values = small.values.slice();
    values[3] = Number.NaN;
    expect(fieldOf(() => trainAls(k, { ...small, values }, opts))).toBe('userItems.values');
    expect(() =>
      trainAls(k, small, opts, () => {
        throw new Error('stop');
      }),
    ).toThrow('stop');
    expect(k.arena.stats().top).toBe(before.top);
  });

  it('recommends held-out items far more often than popularity on planted clusters', () => {
    const d = clusteredData(3);
    const f = trainAls(k, d.train, { factors: 16, iterations: 15, seed: 1 });
    const popularity = new Float64Array(d.items);
    for (const i of d.train.indices) popularity[i]! += 1;
    let hitAls = 0;
    let hitPopular = 0;
    let inCluster = 0;
    for (let u = 0; u < d.users; u++) {
      const seen = rowItems(d.train, u);
      const user = f.userFactors.subarray(u * 16, (u + 1) * 16);
      const recs = topK(itemScores(user, f.itemFactors, 16), 10, seen);
      if (recs.includes(d.heldOut[u]!)) hitAls++;
      if (topK(popularity, 10, seen).includes(d.heldOut[u]!)) hitPopular++;
      inCluster += recs.filter((i) => d.itemCluster[i] === d.userCluster[u]).length;
    }
    const als = hitAls / d.users;
    const popular = hitPopular / d.users;
    expect(als, `ALS ${als} vs popularity ${popular}`).toBeGreaterThan(2.5 * popular);
    expect(als).toBeGreaterThan(0.3);
    expect(inCluster / (10 * d.users)).toBeGreaterThan(0.9);
  });
});
