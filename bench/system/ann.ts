/**
 * HNSW against the exact scan on the vectors the engine really serves: the 64-factor item
 * vectors of retail-fixture.ts (items without a signal left out), ranked by inner product as the
 * engine indexes them, queried with trained users' vectors.
 *
 * Reports queries per second at k = 10 and at k = 50 (what the query path asks the index for:
 * `minFetch` candidates), HNSW's recall against the exact answer, its build time, and a sweep of
 * efSearch. The graph is built once, saved and reloaded per efSearch, since the index takes its
 * search breadth from its options.
 *
 * A comparison runs the layout the engine used before: the MIPS transform (one added
 * coordinate so every item has the same length) under cosine. Nearly all of each augmented
 * item's length lies on the added axis, which leaves the graph little to navigate by; that is
 * why the engine now indexes the raw vectors by inner product.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_HNSW, ExactIndex, HnswIndex, type AnnIndex } from '../../engine/ann/index.js';
import { AlsModel, mipsItems, mipsQuery } from '../../engine/models/als/index.js';
import { AlsServing } from '../../engine/recommend/als-serving.js';
import { loadKernels, type Kernels } from '../../engine/wasm/index.js';
import { rng, type BenchModule, type CaseResult } from '../harness.js';
import { retailFixture } from './retail-fixture.js';

const KS = [10, 50] as const;
const EF_SWEEP = [32, 64, 128, 256] as const;

interface Dataset {
  /** Suite label. */
  what: string;
  labels: Uint32Array;
  vectors: Float32Array;
  dim: number;
  queries: Float32Array[];
  /** The efSearch values to time (the default alone for the control). */
  sweep: readonly number[];
  /** Also time the scalar exact scan. */
  scalar: boolean;
  metric: 'cosine' | 'ip';
}

interface Contender {
  name: string;
  index: AnnIndex;
  buildSeconds: number;
  extra: Record<string, number>;
}

function queryAll(
  index: AnnIndex,
  queries: readonly Float32Array[],
  k: number,
): { seconds: number; found: Uint32Array[] } {
  const found: Uint32Array[] = [];
  const t0 = process.hrtime.bigint();
  for (const q of queries) found.push(index.search(q, k).ids);
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, found };
}

function recall(got: readonly Uint32Array[], truth: readonly Uint32Array[]): number {
  let hit = 0;
  let total = 0;
  for (let i = 0; i < truth.length; i++) {
    const want = new Set(truth[i]);
    for (const id of got[i]!) if (want.has(id)) hit++;
    total += want.size;
  }
  return total === 0 ? 1 : hit / total;
}

function timedBuild(make: () => AnnIndex, d: Dataset): { index: AnnIndex; seconds: number } {
  const t0 = process.hrtime.bigint();
  const index = make();
  index.add(d.labels, d.vectors);
  return { index, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

async function contenders(d: Dataset, simd: Kernels, scalar: Kernels): Promise<Contender[]> {
  const n = d.labels.length;
  const out: Contender[] = [];
  const exact = timedBuild(() => new ExactIndex(simd, d.dim, d.metric), d);
  out.push({ name: 'exact wasm-simd', index: exact.index, buildSeconds: exact.seconds, extra: {} });
  if (d.scalar) {
    const e = timedBuild(() => new ExactIndex(scalar, d.dim, d.metric), d);
    out.push({ name: 'exact wasm-scalar', index: e.index, buildSeconds: e.seconds, extra: {} });
  }
  console.log(`  building HNSW over ${n.toLocaleString()} × ${d.dim}: ${d.what} ...`);
  const hnsw = timedBuild(
    () => new HnswIndex(d.dim, { ...DEFAULT_HNSW, metric: d.metric, initialCapacity: n }),
    d,
  );
  console.log(`  HNSW built in ${hnsw.seconds.toFixed(1)} s`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-bench-ann-'));
  try {
    const file = path.join(dir, 'hnsw.bin');
    if (d.sweep.some((ef) => ef !== DEFAULT_HNSW.efSearch))
      await (hnsw.index as HnswIndex).save(file);
    for (const ef of d.sweep) {
      const index =
        ef === DEFAULT_HNSW.efSearch
          ? hnsw.index
          : await HnswIndex.load(file, d.dim, { ...DEFAULT_HNSW, metric: d.metric, efSearch: ef });
      out.push({
        name: `hnsw efSearch ${ef}${ef === DEFAULT_HNSW.efSearch ? ' (default)' : ''}`,
        index,
        buildSeconds: hnsw.seconds,
        extra: { efSearch: ef, m: DEFAULT_HNSW.m, efConstruction: DEFAULT_HNSW.efConstruction },
      });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function measure(d: Dataset, all: readonly Contender[]): CaseResult[] {
  const results: CaseResult[] = [];
  const n = d.labels.length;
  for (const k of KS) {
    const suite = `ANN k=${k}, ${n.toLocaleString('en-US')} × ${d.dim} ${d.what}, ${d.queries.length} user queries`;
    // Warm every path so the JIT and caches settle before the timed pass.
    for (const c of all) queryAll(c.index, d.queries.slice(0, 100), k);
    let truth: Uint32Array[] = [];
    for (const c of all) {
      const run = queryAll(c.index, d.queries, k);
      // The first contender is the exact scan: its answers are the truth.
      if (truth.length === 0) truth = run.found;
      const r = recall(run.found, truth);
      const qps = d.queries.length / run.seconds;
      const ms = (1000 * run.seconds) / d.queries.length;
      console.log(
        `  k=${k} ${c.name}: ${Math.round(qps).toLocaleString()} queries/s, ${ms.toFixed(3)} ms/query, recall@${k} ${r.toFixed(4)}`,
      );
      results.push({
        suite,
        name: c.name,
        hz: qps,
        rme: 0,
        mean: run.seconds / d.queries.length,
        samples: 1,
        extra: {
          ...c.extra,
          recall: Number(r.toFixed(4)),
          msPerQuery: Number(ms.toFixed(4)),
          buildSeconds: Number(c.buildSeconds.toFixed(3)),
          vectors: n,
          dim: d.dim,
        },
      });
    }
  }
  return results;
}

export const annBench: BenchModule = {
  name: 'system/ann',
  async run({ maxTime, seed }) {
    const quick = maxTime < 1;
    const f = await retailFixture(seed, quick);
    const simd = await loadKernels({ simd: true });
    const scalar = await loadKernels({ simd: false });
    const model = AlsModel.fromState(simd, f.factors.model);
    const served = AlsServing.indexVectors(model);

    // Queries: trained users with a vector, drawn uniformly.
    const next = rng(seed ^ 0xa11);
    const users: Float32Array[] = [];
    const want = quick ? 200 : 2_000;
    for (let tries = 0; users.length < want && tries < want * 20; tries++) {
      const v = model.userVector(1 + Math.floor(next() * (model.users - 1)));
      if (v.some((x) => x !== 0)) users.push(v);
    }
    const factors = model.factors;
    const mips = mipsItems(served.vectors, factors);
    const datasets: Dataset[] = [
      {
        what: 'ALS item vectors by inner product (as served)',
        labels: served.labels,
        vectors: served.vectors,
        dim: factors,
        queries: users,
        sweep: EF_SWEEP,
        scalar: true,
        metric: 'ip',
      },
      {
        what: 'ALS item vectors + MIPS coordinate, cosine (the former layout)',
        labels: served.labels,
        vectors: mips.vectors,
        dim: mips.dim,
        queries: users.map((u) => mipsQuery(u)),
        sweep: [DEFAULT_HNSW.efSearch],
        scalar: false,
        metric: 'cosine',
      },
    ];
    const results: CaseResult[] = [];
    for (const d of datasets) {
      const all = await contenders(d, simd, scalar);
      const rows = measure(d, all);
      results.push(...rows);
      for (const c of all) c.index.dispose?.();
    }
    model.dispose();
    return results;
  },
};
