import { beforeAll, describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { isAisleError } from '../../../engine/errors.js';
import { ExactIndex } from '../../../engine/ann/index.js';
import {
  AlsModel,
  mipsItems,
  mipsQuery,
  mipsScore,
  trainAls,
  type AlsFactors,
  type AlsModelState,
} from '../../../engine/models/als/index.js';
import { loadKernels, type Kernels } from '../../../engine/wasm/index.js';
import { clusteredData, itemScores, randomCsr, rowItems, topK, rng } from './als-fixtures.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isAisleError(err) ? err.code : `not an AisleError: ${String(err)}`;
  }
  return undefined;
}

const F = 16;

describe('AlsModel', () => {
  let k: Kernels;
  let trained: AlsFactors;
  let model: AlsModel;
  const d = clusteredData(3);
  const options = { factors: F, iterations: 15, seed: 1 };

  beforeAll(async () => {
    k = await loadKernels();
    trained = trainAls(k, d.train, options);
    model = new AlsModel(k, { ...trained, userFactors: trained.userFactors.slice() }, options);
  });

  function row(u: number): { items: Uint32Array; values: Float32Array } {
    const { indptr, indices, values } = d.train;
    return {
      items: indices.subarray(indptr[u]!, indptr[u + 1]!),
      values: values.subarray(indptr[u]!, indptr[u + 1]!),
    };
  }

  it('serves the trained vectors', () => {
    expect(model.userVector(5)).toEqual(trained.userFactors.slice(5 * F, 6 * F));
    expect(model.itemVector(7)).toEqual(trained.itemFactors.slice(7 * F, 8 * F));
    expect(codeOf(() => model.userVector(d.users))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => model.itemVector(-1))).toBe('AISLE_INVALID_ARGUMENT');
  });

  it('scores gathered rows and the whole catalogue like plain dot products', () => {
    const user = model.userVector(3);
    const want = itemScores(user, trained.itemFactors, F);
    for (const rows of [
      Uint32Array.of(4, 0, 299, 4),
      Uint32Array.from({ length: 200 }, (_, i) => 299 - i),
    ]) {
      const out = new Float32Array(rows.length);
      model.scores(user, rows, out);
      rows.forEach((item, i) => expect(out[i]).toBeCloseTo(want[item]!, 5));
    }
    expect(codeOf(() => model.scores(user, Uint32Array.of(300), new Float32Array(1)))).toBe(
      'AISLE_INVALID_ARGUMENT',
    );
    expect(codeOf(() => model.scores(user, Uint32Array.of(1), new Float32Array(2)))).toBe(
      'AISLE_INVALID_ARGUMENT',
    );
    expect(
      codeOf(() => model.scores(new Float32Array(3), Uint32Array.of(1), new Float32Array(1))),
    ).toBe('AISLE_INVALID_ARGUMENT');
  });

  it('recommends the best unseen items in order', () => {
    const user = model.userVector(9);
    const seen = rowItems(d.train, 9);
    const got = model.recommend(user, 10, [...seen]);
    expect(Array.from(got.ids)).toEqual(topK(itemScores(user, trained.itemFactors, F), 10, seen));
    for (let i = 1; i < got.scores.length; i++)
      expect(got.scores[i]!).toBeLessThanOrEqual(got.scores[i - 1]!);
    expect(model.recommend(user, 0).ids.length).toBe(0);
  });

  it('folds a user in from their own row: top-10 overlaps the trained top-10', () => {
    let overlap = 0;
    const users = 100;
    for (let u = 0; u < users; u++) {
      const { items, values } = row(u);
      const seen = rowItems(d.train, u);
      const trainedTop = topK(itemScores(model.userVector(u), trained.itemFactors, F), 10, seen);
      const folded = model.foldIn(items, values);
      const foldedTop = topK(itemScores(folded, trained.itemFactors, F), 10, seen);
      overlap += foldedTop.filter((i) => trainedTop.includes(i)).length;
    }
    expect(overlap / (10 * users)).toBeGreaterThan(0.9);
  });

  it('warm-started from the trained vector, a fold-in stays close to it', () => {
    const u = 17;
    const { items, values } = row(u);
    const start = model.userVector(u);
    const folded = model.foldIn(items, values, start);
    let diff = 0;
    let norm = 0;
    for (let j = 0; j < F; j++) {
      diff += (folded[j]! - start[j]!) ** 2;
      norm += start[j]! ** 2;
    }
    expect(Math.sqrt(diff / norm)).toBeLessThan(0.1);
  });

  it('recommends from the cluster of a brand-new user with three clicks', () => {
    for (let c = 0; c < d.clusters; c++) {
      const perCluster = d.items / d.clusters;
      const clicks = Uint32Array.of(c * perCluster + 1, c * perCluster + 7, c * perCluster + 20);
      const v = model.foldIn(clicks, Float32Array.of(1, 1, 1));
      const recs = model.recommend(v, 10, clicks);
      const inside = Array.from(recs.ids).filter((i) => d.itemCluster[i] === c).length;
      expect(inside, `cluster ${c}`).toBeGreaterThanOrEqual(9);
    }
  });

  it('refuses unknown items and bad values in a fold-in', () => {
    expect(codeOf(() => model.foldIn(Uint32Array.of(300), Float32Array.of(1)))).toBe(
      'AISLE_INVALID_ARGUMENT',
    );
    expect(codeOf(() => model.foldIn(Uint32Array.of(1), Float32Array.of(-1)))).toBe(
      'AISLE_INVALID_ARGUMENT',
    );
    expect(codeOf(() => model.foldIn(Uint32Array.of(1, 2), Float32Array.of(1)))).toBe(
      'AISLE_INVALID_ARGUMENT',
    );
    expect(
      codeOf(() => model.foldIn(Uint32Array.of(1), Float32Array.of(1), new Float32Array(2))),
    ).toBe('AISLE_INVALID_ARGUMENT');
    expect(Array.from(model.foldIn(new Uint32Array(0), new Float32Array(0)))).toEqual(
      new Array(F).fill(0),
    );
  });

  it('folds in 50 items at 64 factors in well under 0.1 ms', async () => {
    const kk = await loadKernels();
    const big = new AlsModel(
      kk,
      trainAls(kk, randomCsr(2, 500, 2000, 30), { factors: 64, iterations: 1 }),
    );
    const items = Uint32Array.from({ length: 50 }, (_, i) => i * 37);
    const values = new Float32Array(50).fill(2);
    for (let i = 0; i < 500; i++) big.foldIn(items, values);
    const n = 2000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) big.foldIn(items, values);
    const ms = (performance.now() - t0) / n;
    // A loose bound for loaded machines; it measures about 0.01 ms.
    expect(ms).toBeLessThan(0.1);
    big.dispose();
  });

  it('round-trips its state', () => {
    const state = model.exportState();
    const back = AlsModel.fromState(k, state);
    expect(back.exportState()).toEqual(state);
    expect(back.gram()).toEqual(model.gram());
    const { items, values } = row(4);
    expect(back.foldIn(items, values)).toEqual(model.foldIn(items, values));
    expect(back.recommend(back.userVector(4), 10)).toEqual(
      model.recommend(model.userVector(4), 10),
    );
    back.dispose();
  });

  it('refuses malformed state with AISLE_SNAPSHOT', () => {
    const state = model.exportState();
    const bad = (change: Partial<Record<keyof AlsModelState, unknown>>) =>
      codeOf(() => AlsModel.fromState(k, { ...state, ...change } as AlsModelState));
    expect(bad({ factors: 0 })).toBe('AISLE_SNAPSHOT');
    expect(bad({ users: state.users + 1 })).toBe('AISLE_SNAPSHOT');
    expect(bad({ itemFactors: state.itemFactors.subarray(1) })).toBe('AISLE_SNAPSHOT');
    expect(bad({ userFactors: Array.from(state.userFactors) })).toBe('AISLE_SNAPSHOT');
    expect(bad({ alpha: -1 })).toBe('AISLE_SNAPSHOT');
    expect(bad({ cgSteps: 0 })).toBe('AISLE_SNAPSHOT');
    const nan = state.itemFactors.slice();
    nan[5] = Number.NaN;
    expect(bad({ itemFactors: nan })).toBe('AISLE_SNAPSHOT');
    expect(codeOf(() => AlsModel.fromState(k, null as never))).toBe('AISLE_SNAPSHOT');
  });

  it('gives its arena memory back on dispose and then refuses to serve', () => {
    const before = k.arena.stats();
    const m = new AlsModel(k, trained, options);
    expect(k.arena.stats().liveBlocks).toBe(before.liveBlocks + 2);
    m.dispose();
    m.dispose();
    expect(k.arena.stats().liveBlocks).toBe(before.liveBlocks);
    expect(codeOf(() => m.itemVector(0))).toBe('AISLE_CLOSED');
    expect(codeOf(() => m.foldIn(Uint32Array.of(1), Float32Array.of(1)))).toBe('AISLE_CLOSED');
  });
});

describe('maximum inner product through a cosine index', () => {
  it('ranks by inner product with ExactIndex', async () => {
    const k = await loadKernels();
    const next = rng(4);
    const items = 400;
    const f = 12;
    // Norms spread over 0.1..3 so that cosine and inner-product rankings disagree.
    const y = new Float32Array(items * f);
    for (let i = 0; i < items; i++) {
      const scale = 0.1 + 2.9 * next();
      for (let j = 0; j < f; j++) y[i * f + j] = (next() - 0.5) * scale;
    }
    y.fill(0, 3 * f, 4 * f); // a zero item still gets a direction
    const aug = mipsItems(y, f);
    const index = new ExactIndex(k, aug.dim);
    index.add(
      Uint32Array.from({ length: items }, (_, i) => i),
      aug.vectors,
    );
    let cosineAgrees = 0;
    for (let q = 0; q < 20; q++) {
      const user = Float32Array.from({ length: f }, () => next() - 0.5);
      const inner = itemScores(user, y, f);
      const want = topK(inner, 10);
      const got = index.search(mipsQuery(user), 10);
      expect(Array.from(got.ids)).toEqual(want);
      got.ids.forEach((id, i) =>
        expect(mipsScore(got.scores[i]!, user, aug.maxNorm)).toBeCloseTo(inner[id]!, 4),
      );
      // Plain cosine over the raw vectors would rank differently.
      const plain = new ExactIndex(k, f);
      plain.add(
        Uint32Array.from({ length: items - 1 }, (_, i) => (i < 3 ? i : i + 1)),
        Float32Array.from([...y.subarray(0, 3 * f), ...y.subarray(4 * f)]),
      );
      if (Array.from(plain.search(user, 10).ids).join() === want.join()) cosineAgrees++;
    }
    expect(cosineAgrees).toBeLessThan(5);
  });

  it('refuses all-zero or malformed item factors', () => {
    expect(codeOf(() => mipsItems(new Float32Array(8), 4))).toBe('AISLE_INVALID_ARGUMENT');
    expect(codeOf(() => mipsItems(new Float32Array(7), 4))).toBe('AISLE_INVALID_ARGUMENT');
  });
});
