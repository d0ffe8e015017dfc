/**
 * ALS seconds per iteration against data size: synthetic implicit feedback at growing numbers
 * of stored interactions (nnz), with users and items growing in proportion, trained in process
 * with the SIMD and the scalar kernel builds. An iteration costs
 * O(nnz · f · (1 + 2 · cgSteps) + (users + items) · f² · (2 + cgSteps)), so with users and items
 * proportional to nnz the curve should be a straight line: the same interactions per second at
 * every size, which is what the chart (nnz per second relative to the smallest size) shows.
 *
 * Data: users with log-normal activity, items with Zipf popularity (exponent 0.9), values 1 (a
 * view) or 5 (a purchase, one in twenty), duplicates summed, so rows and columns are as skewed as
 * a shop's.
 */
import { csrFromTriples, trainAls } from '../../engine/models/als/index.js';
import type { Csr } from '../../engine/models/csr.js';
import { loadKernels, simdSupported, type Kernels } from '../../engine/wasm/index.js';
import { rng, type BenchModule, type CaseResult } from '../harness.js';

const FACTORS = 64;
const CG_STEPS = 3;
/** Interactions per user and per item on average (before duplicates are summed). */
const PER_USER = 25;
const PER_ITEM = 50;

/** Index of the first cumulative weight above u·total (binary search). */
function pick(cum: Float64Array, u: number): number {
  const target = u * cum[cum.length - 1]!;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cum[mid]! > target) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function cumulative(weights: Float64Array): Float64Array {
  const out = new Float64Array(weights.length);
  let s = 0;
  for (let i = 0; i < weights.length; i++) out[i] = s += weights[i]!;
  return out;
}

/** About `target` interactions (fewer once duplicates are summed) over proportional users/items. */
function synthetic(target: number, seed: number): Csr {
  const next = rng(seed);
  const users = Math.max(2, Math.round(target / PER_USER));
  const items = Math.max(2, Math.round(target / PER_ITEM));
  const activity = new Float64Array(users);
  for (let u = 0; u < users; u++) {
    // Box–Muller: a log-normal spread of user activity (σ = 1).
    const g = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    activity[u] = Math.exp(g);
  }
  const popularity = new Float64Array(items);
  for (let i = 0; i < items; i++) popularity[i] = 1 / (i + 1) ** 0.9;
  const byUser = cumulative(activity);
  const byItem = cumulative(popularity);
  const row = new Uint32Array(target);
  const col = new Uint32Array(target);
  const value = new Float32Array(target);
  for (let e = 0; e < target; e++) {
    row[e] = pick(byUser, next());
    col[e] = pick(byItem, next());
    value[e] = next() < 0.05 ? 5 : 1;
  }
  return csrFromTriples(users, items, row, col, value);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export const alsScalingBench: BenchModule = {
  name: 'system/als-scaling',
  async run({ maxTime, seed }) {
    const quick = maxTime < 1;
    const sizes = quick
      ? [30_000, 100_000, 300_000]
      : [100_000, 300_000, 1_000_000, 3_000_000, 10_000_000];
    const iterations = quick ? 2 : 3;
    const builds: Array<{ name: string; k: Kernels }> = [];
    if (simdSupported()) builds.push({ name: 'wasm-simd', k: await loadKernels({ simd: true }) });
    builds.push({ name: 'wasm-scalar', k: await loadKernels({ simd: false }) });

    const results: CaseResult[] = [];
    for (const target of sizes) {
      const m = synthetic(target, seed + target);
      const nnz = m.indptr[m.rows]!;
      const rows: CaseResult[] = [];
      for (const b of builds) {
        const seconds: number[] = [];
        (globalThis as { gc?: () => void }).gc?.();
        trainAls(b.k, m, { factors: FACTORS, cgSteps: CG_STEPS, iterations }, (_, s) =>
          seconds.push(s),
        );
        const s = median(seconds);
        console.log(
          `  nnz ${nnz.toLocaleString()} (${m.rows.toLocaleString()} users × ${m.cols.toLocaleString()} items) ${b.name}: ${s.toFixed(3)} s/iteration, ${Math.round(nnz / s).toLocaleString()} nnz/s`,
        );
        rows.push({
          suite: `ALS iteration, ${FACTORS} factors, ${CG_STEPS} CG steps, ${b.name}`,
          name: `nnz ${nnz.toLocaleString('en-US')}`,
          hz: 1 / s,
          rme: (100 * (Math.max(...seconds) - Math.min(...seconds))) / 2 / s,
          mean: s,
          samples: seconds.length,
          itemsPerOp: nnz,
          extra: {
            nnz,
            users: m.rows,
            items: m.cols,
            secondsPerIteration: Number(s.toFixed(4)),
            nnzPerSecond: Math.round(nnz / s),
          },
        });
      }
      const scalar = rows.find((r) => r.suite.endsWith('wasm-scalar'));
      for (const r of rows) {
        if (r !== scalar && scalar !== undefined) {
          r.extra!.speedupVsScalar = Number((scalar.mean / r.mean).toFixed(2));
        }
      }
      results.push(...rows);
    }
    return results;
  },
};
