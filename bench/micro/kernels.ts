/**
 * Kernel micro-benchmarks: each workload runs as one suite with the plain TypeScript reference
 * (first, the baseline), the SIMD build and the scalar build side by side, on identical seeded
 * inputs; each result carries `extra.speedupVsTypescript`. Inputs are copied
 * into each instance's memory before timing, so a timed function is just the call.
 */
import { loadKernels, reference, simdSupported, type Kernels } from '../../engine/wasm/index.js';
import {
  rng,
  runSuite,
  type BenchModule,
  type BenchOptions,
  type CaseResult,
  type SuiteCase,
} from '../harness.js';

const TS = 'typescript';
const DAY_MS = 86_400_000;

interface Build {
  name: string;
  k: Kernels;
}

type Typed = Float32Array | Float64Array | Uint32Array;

/** Copies a typed array into the instance's persistent heap; returns the pointer. */
function copyIn(k: Kernels, src: Typed): number {
  const ptr = k.arena.alloc(src.byteLength);
  k.arena.u8(ptr, src.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
  return ptr;
}

function f32(next: () => number, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = next() * 2 - 1;
  return a;
}

function f64(next: () => number, n: number, lo: number, hi: number): Float64Array {
  const a = new Float64Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * next();
  return a;
}

function keys(next: () => number, n: number, limit: number): Uint32Array {
  const a = new Uint32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.floor(next() * limit);
  return a;
}

/**
 * Runs one suite: `make(k)` copies inputs into an instance and returns the timed call (and
 * pointers to free afterwards); `ts` is the reference call on plain typed arrays.
 */
function suite(
  name: string,
  builds: Build[],
  itemsPerOp: number,
  make: (k: Kernels) => { fn: () => void; ptrs: number[] },
  ts: () => void,
  maxTime: number,
): CaseResult[] {
  const prepared = builds.map((b) => ({ b, ...make(b.k) }));
  // The baseline goes first: runners that print ratios to the first case then show speedups.
  const cases: SuiteCase[] = [{ name: TS, fn: ts, itemsPerOp }];
  for (const { b, fn } of prepared) cases.push({ name: b.name, fn, itemsPerOp });
  try {
    const results = runSuite(name, cases, maxTime);
    const base = results.find((r) => r.name === TS)?.hz ?? 0;
    for (const r of results) {
      if (base > 0) r.extra = { speedupVsTypescript: Math.round((r.hz / base) * 100) / 100 };
    }
    return results;
  } finally {
    for (const { b, ptrs } of prepared) for (const p of ptrs) b.k.arena.free(p);
  }
}

function matrixSuites(
  kernel: 'dot' | 'cosine',
  builds: Build[],
  seed: number,
  maxTime: number,
): CaseResult[] {
  const out: CaseResult[] = [];
  for (const [rows, dim] of [
    [100_000, 64],
    [10_000, 128],
    [1_000, 256],
  ] as const) {
    const next = rng(seed ^ (rows * 31 + dim));
    const q = f32(next, dim);
    const m = f32(next, rows * dim);
    const res = new Float32Array(rows);
    const name = `${kernel === 'dot' ? 'dot_f32_batch' : 'cosine_f32_batch'} ${rows}x${dim}`;
    const ref = kernel === 'dot' ? reference.dotF32Batch : reference.cosineF32Batch;
    out.push(
      ...suite(
        name,
        builds,
        rows,
        (k) => {
          const [pq, pm, po] = [copyIn(k, q), copyIn(k, m), k.arena.alloc(rows * 4)];
          const call = kernel === 'dot' ? k.dotF32Batch.bind(k) : k.cosineF32Batch.bind(k);
          return { fn: () => call(po, pq, pm, rows, dim), ptrs: [pq, pm, po] };
        },
        () => ref(res, q, m, rows, dim),
        maxTime,
      ),
    );
  }
  return out;
}

function topkSuite(builds: Build[], seed: number, maxTime: number): CaseResult[] {
  const n = 100_000;
  const k = 20;
  const scores = f32(rng(seed ^ 0x70b), n);
  const outIdx = new Uint32Array(k);
  const outScore = new Float32Array(k);
  return suite(
    `topk_f32 n=${n} k=${k}`,
    builds,
    n,
    (kern) => {
      const [ps, pi, po] = [copyIn(kern, scores), kern.arena.alloc(k * 4), kern.arena.alloc(k * 4)];
      return { fn: () => kern.topkF32(pi, po, ps, n, k), ptrs: [ps, pi, po] };
    },
    () => reference.topkF32(outIdx, outScore, scores, n, k),
    maxTime,
  );
}

function scatterSuite(builds: Build[], seed: number, maxTime: number): CaseResult[] {
  const n = 100_000;
  const nCounters = 50_000;
  const tRef = 1.7e12;
  const lambda = Math.LN2 / (7 * DAY_MS);
  const next = rng(seed ^ 0x5ca7);
  const idx = keys(next, n, nCounters);
  const ts = f64(next, n, tRef - 7 * DAY_MS, tRef);
  const w = f64(next, n, 0, 1);
  const counters = new Float64Array(nCounters);
  return suite(
    `scatter_add_decayed_f64 n=${n} counters=${nCounters}`,
    builds,
    n,
    (k) => {
      const pc = k.arena.allocZeroed(nCounters * 8);
      const [pi, pt, pw] = [copyIn(k, idx), copyIn(k, ts), copyIn(k, w)];
      return {
        fn: () => k.scatterAddDecayedF64(pc, nCounters, pi, pt, pw, n, lambda, tRef),
        ptrs: [pc, pi, pt, pw],
      };
    },
    () => reference.scatterAddDecayedF64(counters, nCounters, idx, ts, w, n, lambda, tRef),
    maxTime,
  );
}

function groupSuites(builds: Build[], seed: number, maxTime: number): CaseResult[] {
  const n = 1_000_000;
  const nGroups = 10_000;
  const next = rng(seed ^ 0x6b0f);
  const ks = keys(next, n, nGroups);
  const values = f64(next, n, 0, 100);
  const counts = new Uint32Array(nGroups);
  const sums = new Float64Array(nGroups);
  return [
    ...suite(
      `group_count_u32 n=${n} groups=${nGroups}`,
      builds,
      n,
      (k) => {
        const [pc, pk] = [k.arena.allocZeroed(nGroups * 4), copyIn(k, ks)];
        return { fn: () => k.groupCountU32(pc, nGroups, pk, n), ptrs: [pc, pk] };
      },
      () => reference.groupCountU32(counts, nGroups, ks, n),
      maxTime,
    ),
    ...suite(
      `group_sum_f64 n=${n} groups=${nGroups}`,
      builds,
      n,
      (k) => {
        const [ps, pk, pv] = [k.arena.allocZeroed(nGroups * 8), copyIn(k, ks), copyIn(k, values)];
        return { fn: () => k.groupSumF64(ps, nGroups, pk, pv, n), ptrs: [ps, pk, pv] };
      },
      () => reference.groupSumF64(sums, nGroups, ks, values, n),
      maxTime,
    ),
  ];
}

/**
 * wasm-simd vs wasm-scalar vs plain TypeScript for every kernel, one suite per workload and
 * size. wasm-simd is left out (and noted by its absence) where the runtime lacks SIMD.
 */
export const kernelsBench: BenchModule = {
  name: 'kernels',
  async run({ maxTime, seed }: BenchOptions): Promise<CaseResult[]> {
    const builds: Build[] = [];
    if (simdSupported()) builds.push({ name: 'wasm-simd', k: await loadKernels({ simd: true }) });
    builds.push({ name: 'wasm-scalar', k: await loadKernels({ simd: false }) });
    return [
      ...matrixSuites('dot', builds, seed, maxTime),
      ...matrixSuites('cosine', builds, seed, maxTime),
      ...topkSuite(builds, seed, maxTime),
      ...scatterSuite(builds, seed, maxTime),
      ...groupSuites(builds, seed, maxTime),
    ];
  },
};
