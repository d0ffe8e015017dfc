/**
 * Data and oracles shared by the ALS tests: seeded random interaction matrices, a synthetic
 * implicit dataset with planted cluster structure, and the iALS objective in plain TypeScript.
 */
import type { Csr } from '../../../engine/models/csr.js';
import { csrFromTriples } from '../../../engine/models/als/index.js';
import { rng } from '../../../bench/harness.js';

export { rng };

/** A users × items matrix with about `perUser` distinct items per user, weights 1, 3 or 5. */
export function randomCsr(seed: number, users: number, items: number, perUser: number): Csr {
  const next = rng(seed);
  const row: number[] = [];
  const col: number[] = [];
  const val: number[] = [];
  for (let u = 0; u < users; u++) {
    const n = Math.floor(next() * 2 * perUser);
    for (let t = 0; t < n; t++) {
      row.push(u);
      // Squared uniform: a skewed popularity, like a real catalogue.
      col.push(Math.floor(next() ** 2 * items));
      val.push([1, 3, 5][Math.floor(next() * 3)]!);
    }
  }
  return csrFromTriples(
    users,
    items,
    Uint32Array.from(row),
    Uint32Array.from(col),
    Float32Array.from(val),
  );
}

export interface Clustered {
  users: number;
  items: number;
  clusters: number;
  train: Csr;
  /** One held-out in-cluster item per user, removed from `train`. */
  heldOut: Uint32Array;
  userCluster: Uint32Array;
  itemCluster: Uint32Array;
}

/**
 * Users and items in `clusters` equal groups; each user picks `perUser` distinct items, 90% from
 * their own group with a Zipf-like preference for its first items, the rest anywhere. One of the
 * in-group items is held out.
 */
export function clusteredData(
  seed: number,
  { users = 600, items = 300, clusters = 5, perUser = 15 } = {},
): Clustered {
  const next = rng(seed);
  const perCluster = items / clusters;
  const userCluster = Uint32Array.from({ length: users }, (_, u) => u % clusters);
  const itemCluster = Uint32Array.from({ length: items }, (_, i) => Math.floor(i / perCluster));
  const zipf = (): number => Math.min(perCluster - 1, Math.floor(perCluster * next() ** 2.5));
  const row: number[] = [];
  const col: number[] = [];
  const val: number[] = [];
  const heldOut = new Uint32Array(users);
  for (let u = 0; u < users; u++) {
    const c = userCluster[u]!;
    const picked = new Set<number>();
    const inside: number[] = [];
    while (picked.size < perUser) {
      const own = next() < 0.9;
      const item = own ? c * perCluster + zipf() : Math.floor(next() * items);
      if (picked.has(item)) continue;
      picked.add(item);
      if (own) inside.push(item);
    }
    heldOut[u] = inside[Math.floor(next() * inside.length)]!;
    for (const item of picked) {
      if (item === heldOut[u]) continue;
      row.push(u);
      col.push(item);
      val.push([1, 1, 3, 5][Math.floor(next() * 4)]!);
    }
  }
  const train = csrFromTriples(
    users,
    items,
    Uint32Array.from(row),
    Uint32Array.from(col),
    Float32Array.from(val),
  );
  return { users, items, clusters, train, heldOut, userCluster, itemCluster };
}

/**
 * The iALS objective: Σ over all (u, i) of c_ui (p_ui − x_u·y_i)² + λ (Σ|x_u|² + Σ|y_i|²), with
 * c = 1 + α·value and p = 1 for stored entries, c = 1 and p = 0 elsewhere. O(users·items·f).
 */
export function alsLoss(
  m: Csr,
  x: Float32Array,
  y: Float32Array,
  f: number,
  regularization: number,
  alpha: number,
): number {
  let loss = 0;
  const pred = new Float64Array(m.cols);
  for (let u = 0; u < m.rows; u++) {
    for (let i = 0; i < m.cols; i++) {
      let s = 0;
      for (let j = 0; j < f; j++) s += x[u * f + j]! * y[i * f + j]!;
      pred[i] = s;
      loss += s * s;
    }
    for (let e = m.indptr[u]!; e < m.indptr[u + 1]!; e++) {
      const p = pred[m.indices[e]!]!;
      const c = 1 + alpha * m.values[e]!;
      loss += c * (1 - p) ** 2 - p * p;
    }
  }
  let norms = 0;
  for (const v of x) norms += v * v;
  for (const v of y) norms += v * v;
  return loss + regularization * norms;
}

/** Items of row u, as a set. */
export function rowItems(m: Csr, u: number): Set<number> {
  return new Set(m.indices.subarray(m.indptr[u]!, m.indptr[u + 1]!));
}

/** Indices of the k largest of `scores` (ties: lower index), skipping `skip`. */
export function topK(
  scores: ArrayLike<number>,
  k: number,
  skip: Set<number> = new Set(),
): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i).filter((i) => !skip.has(i));
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  return order.slice(0, k);
}

/** x_u · y_i for every item. */
export function itemScores(
  userVector: Float32Array,
  itemFactors: Float32Array,
  f: number,
): Float64Array {
  const items = itemFactors.length / f;
  const out = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    let s = 0;
    for (let j = 0; j < f; j++) s += userVector[j]! * itemFactors[i * f + j]!;
    out[i] = s;
  }
  return out;
}
