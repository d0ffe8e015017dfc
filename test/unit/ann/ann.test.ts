import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rng } from '../../../bench/harness.js';
import { DEFAULT_HNSW, ExactIndex, HnswIndex } from '../../../engine/ann/index.js';
import { loadKernels } from '../../../engine/wasm/index.js';

const DIM = 32;

/** Clustered vectors, like item embeddings: 50 centres, items scattered around them. */
function vectors(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const centres = Float32Array.from({ length: 50 * DIM }, () => r() * 2 - 1);
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(r() * 50);
    for (let d = 0; d < DIM; d++) out[i * DIM + d] = centres[c * DIM + d]! + (r() - 0.5) * 0.6;
  }
  return out;
}

/** Plain TypeScript brute force: the oracle's own oracle. */
function bruteForce(all: Float32Array, labels: Uint32Array, q: Float32Array, k: number): number[] {
  const norm = (v: Float32Array, o: number) =>
    Math.sqrt(v.slice(o, o + DIM).reduce((a, x) => a + x * x, 0));
  const nq = norm(q, 0);
  const scored = Array.from(labels, (label, i) => {
    let dot = 0;
    for (let d = 0; d < DIM; d++) dot += all[i * DIM + d]! * q[d]!;
    return { label, s: dot / (nq * norm(all, i * DIM)) };
  });
  scored.sort((a, b) => b.s - a.s || a.label - b.label);
  return scored.slice(0, k).map((x) => x.label);
}

describe('ANN indexes', () => {
  const n = 10_000;
  const all = vectors(n, 1);
  const labels = Uint32Array.from({ length: n }, (_, i) => i + 1);
  const queries = vectors(200, 2);

  it('the exact index agrees with a plain brute force', async () => {
    const exact = new ExactIndex(await loadKernels(), DIM);
    exact.add(labels, all);
    for (let q = 0; q < 20; q++) {
      const query = queries.subarray(q * DIM, q * DIM + DIM);
      expect(Array.from(exact.search(query, 10).ids)).toEqual(bruteForce(all, labels, query, 10));
    }
  });

  it('HNSW answers a query the same whatever larger queries came before it', () => {
    const fresh = new HnswIndex(DIM, { ...DEFAULT_HNSW, efSearch: 16 });
    const used = new HnswIndex(DIM, { ...DEFAULT_HNSW, efSearch: 16 });
    fresh.add(labels, all);
    used.add(labels, all);
    // A filtered query can fetch thousands; its search effort must not stay behind.
    used.search(queries.subarray(0, DIM), 2_000);
    for (let q = 0; q < 200; q++) {
      const query = queries.subarray(q * DIM, q * DIM + DIM);
      expect(Array.from(used.search(query, 10).ids)).toEqual(
        Array.from(fresh.search(query, 10).ids),
      );
    }
  });

  it('HNSW reaches recall@10 ≥ 0.95 against the exact index at the default settings', async () => {
    const exact = new ExactIndex(await loadKernels(), DIM);
    const hnsw = new HnswIndex(DIM);
    exact.add(labels, all);
    hnsw.add(labels, all);
    let hits = 0;
    for (let q = 0; q < 200; q++) {
      const query = queries.subarray(q * DIM, q * DIM + DIM);
      const truth = new Set(exact.search(query, 10).ids);
      for (const id of hnsw.search(query, 10).ids) if (truth.has(id)) hits++;
    }
    const recall = hits / (200 * 10);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });

  it('by inner product, HNSW keeps recall@10 ≥ 0.95 on factor-like vectors of uneven length', async () => {
    // Factor vectors carry popularity in their length: scale each item by a log-normal norm.
    const r = rng(7);
    const ip = all.slice();
    for (let i = 0; i < n; i++) {
      const scale = Math.exp((r() - 0.5) * 3);
      for (let d = 0; d < DIM; d++) ip[i * DIM + d] = ip[i * DIM + d]! * scale;
    }
    const exact = new ExactIndex(await loadKernels(), DIM, 'ip');
    const hnsw = new HnswIndex(DIM, { ...DEFAULT_HNSW, metric: 'ip' });
    exact.add(labels, ip);
    hnsw.add(labels, ip);
    let hits = 0;
    for (let q = 0; q < 200; q++) {
      const query = queries.subarray(q * DIM, q * DIM + DIM);
      const found = exact.search(query, 10);
      if (q < 20) {
        // The exact index ranks by the raw dot product, scores included.
        const dots = Array.from(labels, (label, i) => {
          let dot = 0;
          for (let d = 0; d < DIM; d++) dot += ip[i * DIM + d]! * query[d]!;
          return { label, dot };
        }).sort((a, b) => b.dot - a.dot || a.label - b.label);
        expect(Array.from(found.ids)).toEqual(dots.slice(0, 10).map((x) => x.label));
        expect(found.scores[0]).toBeCloseTo(dots[0]!.dot, 3);
      }
      const truth = new Set(found.ids);
      for (const id of hnsw.search(query, 10).ids) if (truth.has(id)) hits++;
    }
    expect(hits / (200 * 10)).toBeGreaterThanOrEqual(0.95);
  });

  it('both honour removals, re-adds, filters and scores in [-1, 1]', async () => {
    for (const index of [new ExactIndex(await loadKernels(), DIM), new HnswIndex(DIM)]) {
      index.add(labels.subarray(0, 2000), all.subarray(0, 2000 * DIM));
      const query = all.slice(5 * DIM, 6 * DIM);
      expect(index.search(query, 1).ids[0]).toBe(6);
      index.remove(6);
      expect(index.has(6)).toBe(false);
      expect(Array.from(index.search(query, 50).ids)).not.toContain(6);
      index.add(Uint32Array.of(6), query);
      expect(index.search(query, 1).ids[0]).toBe(6);
      const even = index.search(query, 20, (label) => label % 2 === 0);
      expect(even.ids.length).toBe(20);
      for (const id of even.ids) expect(id % 2).toBe(0);
      for (const s of index.search(query, 20).scores)
        expect(Math.abs(s)).toBeLessThanOrEqual(1.0001);
      expect(index.size).toBe(2000);
      expect(() => index.add(Uint32Array.of(9), new Float32Array(DIM))).toThrow(/zero/);
    }
  });

  it('HNSW saves and loads to the same answers, without retired labels', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-hnsw-'));
    try {
      const hnsw = new HnswIndex(DIM);
      hnsw.add(labels.subarray(0, 3000), all.subarray(0, 3000 * DIM));
      hnsw.remove(17);
      const file = path.join(dir, 'items.hnsw');
      await hnsw.save(file);
      const back = await HnswIndex.load(file, DIM);
      expect(back.size).toBe(2999);
      expect(back.has(17)).toBe(false);
      for (let q = 0; q < 10; q++) {
        const query = queries.subarray(q * DIM, q * DIM + DIM);
        expect(back.search(query, 10)).toEqual(hnsw.search(query, 10));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
