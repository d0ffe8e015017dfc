/**
 * Typed wrapper over one kernel instance. Each method validates its pointers and counts once
 * (alignment, bounds inside the arena, no harmful overlap), then makes a single batch call; a
 * non-zero kernel status becomes an AisleError('AISLE_WASM_STATUS').
 *
 * Pointers are byte offsets into `memory`, normally from `arena.alloc` / `arena.scratch`. The
 * caller owns every buffer; kernels keep no reference to them after returning. Element alignment
 * (4 bytes for f32/u32, 8 for f64) is required; 16-byte alignment (what the arena gives) is
 * faster for the SIMD paths but not required.
 */
import { Buffer } from 'node:buffer';
import { AisleError } from '../errors.js';
import { Arena, MAX_PAGES } from './arena.js';
import { compileBuild, selectBuild } from './loader.js';
import { KernelStatus, statusName } from './status.js';
import { wasmApi, type WasmGlobal, type WasmInstance, type WasmMemory } from './wasm-api.js';

/** Options for `loadKernels`. */
export interface LoadKernelsOptions {
  /** true: SIMD build (AISLE_WASM_LOAD if unsupported); false: scalar build; undefined: auto. */
  simd?: boolean;
  /** Initial memory size in 64 KiB pages. Default 16 (1 MiB); the arena grows it on demand. */
  initialPages?: number;
  /** Memory growth limit in 64 KiB pages; default 65536 (4 GiB, the wasm32 limit). */
  maximumPages?: number;
}

const DEFAULT_INITIAL_PAGES = 16;

/**
 * Arguments of `Kernels.windowGroupByU32`: byte offsets into the kernels' memory, counts, the
 * window and the type mask. Inputs are one column chunk of the event log (n rows).
 */
export interface WindowGroupByArgs {
  /** nGroups u32: events per group, added to. */
  counts: number;
  /** nGroups f64: units (sum of quantity) per group, added to. */
  units: number;
  /** nGroups f64: revenue (sum of quantity × price) per group, added to. */
  revenue: number;
  nGroups: number;
  /** n i64, event time in epoch ms. */
  ts: number;
  /** n u8, EVENT_TYPE_CODE. */
  type: number;
  /** n u32 keys (dictionary ids). */
  keys: number;
  /** nLookup u32 mapping a key to its group, or 0: the key is the group. */
  lookup: number;
  nLookup: number;
  /** n i32. */
  quantity: number;
  /** n f32 unit prices. */
  price: number;
  n: number;
  /** Window [from, to) in epoch ms: safe integers, or -Infinity / Infinity for an open end. */
  from: number;
  to: number;
  /** Bit t set: rows of type code t are counted (codes 0..15). */
  typeMask: number;
  /** n u32 of scratch; undefined afterwards. */
  sel: number;
}

/** Largest type mask the kernel takes: it tests type codes 0..15. */
export const MAX_TYPE_MASK = 0xffff;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

interface RawExports {
  heap_base(): number;
  dot_f32_batch(out: number, q: number, m: number, rows: number, dim: number): number;
  cosine_f32_batch(out: number, q: number, m: number, rows: number, dim: number): number;
  topk_f32(outIdx: number, outScore: number, scores: number, n: number, k: number): number;
  topk_f64(outIdx: number, outScore: number, scores: number, n: number, k: number): number;
  scatter_add_decayed_f64(
    counters: number,
    nCounters: number,
    idx: number,
    ts: number,
    w: number,
    n: number,
    lambda: number,
    tRef: number,
  ): number;
  scale_f64(ptr: number, n: number, factor: number): number;
  decayed_scores_f64(out: number, counters: number, n: number, factor: number): number;
  trend_scores_f64(
    out: number,
    short: number,
    long: number,
    n: number,
    fs: number,
    fl: number,
    ratio: number,
    floor: number,
    minZ: number,
  ): number;
  group_count_u32(counts: number, nGroups: number, keys: number, n: number): number;
  group_sum_f64(sums: number, nGroups: number, keys: number, values: number, n: number): number;
  window_group_by_u32(
    counts: number,
    units: number,
    revenue: number,
    nGroups: number,
    ts: number,
    type: number,
    keys: number,
    lookup: number,
    nLookup: number,
    quantity: number,
    price: number,
    n: number,
    from: bigint,
    to: bigint,
    typeMask: number,
    sel: number,
  ): number;
  gram_f32(out: number, m: number, rows: number, dim: number, reg: number): number;
  als_cg_rows(
    x: number,
    y: number,
    yRows: number,
    yty: number,
    indptr: number,
    indices: number,
    values: number,
    rowStart: number,
    rowEnd: number,
    dim: number,
    alpha: number,
    cgSteps: number,
    scratch: number,
  ): number;
  _initialize?: () => void;
  BUILD_SIMD: WasmGlobal;
  STATUS_OK: WasmGlobal;
  STATUS_INDEX_OUT_OF_RANGE: WasmGlobal;
  STATUS_BAD_ARGUMENT: WasmGlobal;
}

const KERNEL_FUNCTIONS = [
  'heap_base',
  'dot_f32_batch',
  'cosine_f32_batch',
  'topk_f32',
  'topk_f64',
  'scatter_add_decayed_f64',
  'scale_f64',
  'decayed_scores_f64',
  'trend_scores_f64',
  'group_count_u32',
  'group_sum_f64',
  'window_group_by_u32',
  'gram_f32',
  'als_cg_rows',
] as const;

/**
 * Loads a kernel build into a new instance with its own memory and arena. The build is compiled
 * once per process; each call instantiates afresh (one memory per engine). Throws
 * AISLE_WASM_LOAD when the build is missing, invalid, or SIMD was forced but is unavailable.
 */
export async function loadKernels(opts: LoadKernelsOptions = {}): Promise<Kernels> {
  const initial = opts.initialPages ?? DEFAULT_INITIAL_PAGES;
  const maximum = opts.maximumPages ?? MAX_PAGES;
  if (!Number.isInteger(maximum) || maximum < 1 || maximum > MAX_PAGES) {
    throw invalid(`maximumPages ${maximum} is not an integer in 1..${MAX_PAGES}`);
  }
  if (!Number.isInteger(initial) || initial < 1 || initial > maximum) {
    throw invalid(`initialPages ${initial} is not an integer in 1..maximumPages (${maximum})`);
  }
  const build = selectBuild(opts.simd);
  const module = await compileBuild(build);
  const memory = new wasmApi.Memory({ initial, maximum });
  let instance: WasmInstance;
  try {
    instance = await wasmApi.instantiate(module, { env: { memory, abort: abortFor(memory) } });
  } catch (err) {
    throw loadError(build, `cannot instantiate the ${build} kernels: ${String(err)}`);
  }
  const raw = checkExports(instance.exports, build);
  raw._initialize?.();
  const simd = raw.BUILD_SIMD.value === 1;
  if (opts.simd === true && !simd) {
    throw loadError(
      build,
      'build/aisle.simd.wasm was compiled without SIMD: the release-simd target in asconfig.json needs "enable": ["simd"]',
    );
  }
  const arena = new Arena(memory, raw.heap_base(), maximum);
  return new Kernels(raw, memory, arena, simd);
}

function loadError(build: string, message: string): AisleError {
  return new AisleError('AISLE_WASM_LOAD', message, { build });
}

function invalid(message: string): AisleError {
  return new AisleError('AISLE_INVALID_ARGUMENT', message);
}

/** A window bound as the kernel's i64: safe integers as they are, ±Infinity as the i64 limits. */
function i64Bound(kernel: string, name: string, v: number): bigint {
  if (v === -Infinity) return I64_MIN;
  if (v === Infinity) return I64_MAX;
  if (!Number.isSafeInteger(v)) {
    throw invalid(`${kernel}: ${name} (${v}) must be a safe integer or ±Infinity`);
  }
  return BigInt(v);
}

function checkExports(exports: WasmInstance['exports'], build: string): RawExports {
  for (const name of KERNEL_FUNCTIONS) {
    if (typeof exports[name] !== 'function') {
      throw loadError(
        build,
        `the ${build} build does not export ${name}: rebuild with npm run build:wasm`,
      );
    }
  }
  for (const [name, code] of Object.entries(KernelStatus)) {
    const g = exports[`STATUS_${name}`];
    if (!(g instanceof wasmApi.Global) || g.value !== code) {
      throw loadError(
        build,
        `the ${build} build disagrees on status ${name}: rebuild with npm run build:wasm`,
      );
    }
  }
  if (!(exports['BUILD_SIMD'] instanceof wasmApi.Global)) {
    throw loadError(build, `the ${build} build does not export BUILD_SIMD`);
  }
  return exports as unknown as RawExports;
}

/** `env.abort` for the debug build: reaching it means a kernel bug, never bad input. */
function abortFor(memory: WasmMemory) {
  const str = (ptr: number): string => {
    if (ptr === 0) return '';
    const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0] ?? 0;
    return Buffer.from(memory.buffer, ptr, bytes).toString('utf16le');
  };
  return (msg: number, file: number, line: number, col: number): never => {
    throw new AisleError(
      'AISLE_WASM_STATUS',
      `kernel aborted (a bug in assembly/): ${str(msg)} at ${str(file)}:${line}:${col}`,
      {
        abort: true,
      },
    );
  };
}

interface Region {
  name: string;
  ptr: number;
  bytes: number;
}

/**
 * One kernel instance: its memory, the arena over it, and one method per kernel. Not safe to
 * share between threads; one per engine. Created by `loadKernels`.
 */
export class Kernels {
  /** True when the loaded module really contains the SIMD paths. */
  readonly simd: boolean;
  /** Allocator over `memory`; every pointer passed to the methods should come from it. */
  readonly arena: Arena;
  /** The instance's linear memory (created here, imported by the module). */
  readonly memory: WasmMemory;
  private readonly raw: RawExports;

  /** @internal Use `loadKernels`. */
  constructor(raw: RawExports, memory: WasmMemory, arena: Arena, simd: boolean) {
    this.raw = raw;
    this.memory = memory;
    this.arena = arena;
    this.simd = simd;
  }

  /**
   * out[r] = dot(q, m[r*dim .. r*dim+dim)) for r < rows. `out`: rows f32; `q`: dim f32; `m`:
   * rows*dim f32, row-major. `out` must not overlap `q` or `m`. O(rows*dim); f32 accumulation.
   */
  dotF32Batch(out: number, q: number, m: number, rows: number, dim: number): void {
    this.matrixArgs('dot_f32_batch', out, q, m, rows, dim);
    this.check('dot_f32_batch', this.raw.dot_f32_batch(out, q, m, rows, dim));
  }

  /**
   * out[r] = cosine(q, row r), 0 when either norm is 0; same layout as `dotF32Batch`. Results can
   * exceed 1 in magnitude by rounding. O(rows*dim).
   */
  cosineF32Batch(out: number, q: number, m: number, rows: number, dim: number): void {
    this.matrixArgs('cosine_f32_batch', out, q, m, rows, dim);
    this.check('cosine_f32_batch', this.raw.cosine_f32_batch(out, q, m, rows, dim));
  }

  /**
   * Writes the best min(k, non-NaN count) of the n f32 `scores` into `outIdx` (u32) and
   * `outScore` (f32), best first, ties by lower index; returns that count. Outputs need
   * min(n, k) slots and must not overlap `scores` or each other. O(n log k), usually ~O(n).
   */
  topkF32(outIdx: number, outScore: number, scores: number, n: number, k: number): number {
    return this.topk('topk_f32', 4, outIdx, outScore, scores, n, k);
  }

  /** `topkF32` over f64 scores: `scores` and `outScore` are f64 (8-byte aligned). */
  topkF64(outIdx: number, outScore: number, scores: number, n: number, k: number): number {
    return this.topk('topk_f64', 8, outIdx, outScore, scores, n, k);
  }

  /**
   * counters[idx[i]] += w[i] * exp(lambda * (ts[i] - tRef)) for i < n. `counters`: nCounters
   * f64; `idx`: n u32; `ts`: n f64 epoch ms; `w`: n f64; `lambda` per ms. All-or-nothing: an
   * index >= nCounters (AISLE_WASM_STATUS, INDEX_OUT_OF_RANGE) or a non-finite lambda/tRef
   * (BAD_ARGUMENT) changes no counter. O(n).
   */
  scatterAddDecayedF64(
    counters: number,
    nCounters: number,
    idx: number,
    ts: number,
    w: number,
    n: number,
    lambda: number,
    tRef: number,
  ): void {
    const k = 'scatter_add_decayed_f64';
    this.counts(k, { nCounters, n });
    const c = this.region(k, 'counters', counters, nCounters, 8);
    const ri = this.region(k, 'idx', idx, n, 4);
    this.disjoint(k, c, ri);
    this.disjoint(k, c, this.region(k, 'ts', ts, n, 8));
    this.disjoint(k, c, this.region(k, 'w', w, n, 8));
    const status = this.raw.scatter_add_decayed_f64(
      counters,
      nCounters,
      idx,
      ts,
      w,
      n,
      lambda,
      tRef,
    );
    if (status === KernelStatus.INDEX_OUT_OF_RANGE)
      throw this.keyError(k, 'idx', idx, n, 'nCounters', nCounters);
    this.check(k, status, `lambda (${lambda}) and tRef (${tRef}) must be finite`);
  }

  /** ptr[i] *= factor for i < n, in place (f64). BAD_ARGUMENT for a non-finite factor. O(n). */
  scaleF64(ptr: number, n: number, factor: number): void {
    this.counts('scale_f64', { n });
    this.region('scale_f64', 'ptr', ptr, n, 8);
    this.check(
      'scale_f64',
      this.raw.scale_f64(ptr, n, factor),
      `factor (${factor}) must be finite`,
    );
  }

  /**
   * out[i] = counters[i] * factor when above 0, else NaN; out[0] = NaN (f64, n each). The
   * popularity scores of every item at once, for top-k. BAD_ARGUMENT for a non-finite factor.
   */
  decayedScoresF64(out: number, counters: number, n: number, factor: number): void {
    const k = 'decayed_scores_f64';
    this.counts(k, { n });
    this.disjoint(k, this.region(k, 'out', out, n, 8), this.region(k, 'counters', counters, n, 8));
    this.check(k, this.raw.decayed_scores_f64(out, counters, n, factor), 'factor must be finite');
  }

  /**
   * Trending z-scores of every item at once (see Popularity.trending): s = short[i]·fs,
   * e = long[i]·fl·ratio, out[i] = (s − e)/√(e + 1) when s ≥ floor and it is ≥ minZ, else NaN;
   * out[0] = NaN. BAD_ARGUMENT for a non-finite fs, fl or ratio.
   */
  trendScoresF64(
    out: number,
    short: number,
    long: number,
    n: number,
    o: { fs: number; fl: number; ratio: number; floor: number; minZ: number },
  ): void {
    const k = 'trend_scores_f64';
    this.counts(k, { n });
    const r = this.region(k, 'out', out, n, 8);
    this.disjoint(k, r, this.region(k, 'short', short, n, 8));
    this.disjoint(k, r, this.region(k, 'long', long, n, 8));
    this.check(
      k,
      this.raw.trend_scores_f64(out, short, long, n, o.fs, o.fl, o.ratio, o.floor, o.minZ),
      'fs, fl and ratio must be finite',
    );
  }

  /**
   * counts[keys[i]] += 1 for i < n (u32, wrapping). `counts`: nGroups u32; `keys`: n u32.
   * All-or-nothing on a key >= nGroups. O(n).
   */
  groupCountU32(counts: number, nGroups: number, keys: number, n: number): void {
    const k = 'group_count_u32';
    this.counts(k, { nGroups, n });
    this.disjoint(
      k,
      this.region(k, 'counts', counts, nGroups, 4),
      this.region(k, 'keys', keys, n, 4),
    );
    const status = this.raw.group_count_u32(counts, nGroups, keys, n);
    if (status === KernelStatus.INDEX_OUT_OF_RANGE)
      throw this.keyError(k, 'keys', keys, n, 'nGroups', nGroups);
    this.check(k, status);
  }

  /**
   * sums[keys[i]] += values[i] for i < n. `sums`: nGroups f64; `keys`: n u32; `values`: n f64.
   * All-or-nothing on a key >= nGroups. O(n).
   */
  groupSumF64(sums: number, nGroups: number, keys: number, values: number, n: number): void {
    const k = 'group_sum_f64';
    this.counts(k, { nGroups, n });
    const s = this.region(k, 'sums', sums, nGroups, 8);
    this.disjoint(k, s, this.region(k, 'keys', keys, n, 4));
    this.disjoint(k, s, this.region(k, 'values', values, n, 8));
    const status = this.raw.group_sum_f64(sums, nGroups, keys, values, n);
    if (status === KernelStatus.INDEX_OUT_OF_RANGE)
      throw this.keyError(k, 'keys', keys, n, 'nGroups', nGroups);
    this.check(k, status);
  }

  /**
   * For the rows of one log chunk with ts in [from, to) and a type in `typeMask`, adds per group
   * (the key, or lookup[key]) 1 to counts, quantity to units and quantity × price to revenue, in
   * row order (f64, so results equal `reference.windowGroupByU32`'s exactly). All-or-nothing: a
   * selected row whose key is >= nLookup (with a lookup) or whose group is >= nGroups throws
   * AISLE_WASM_STATUS naming it, with nothing written. O(n + selected rows).
   */
  windowGroupByU32(a: WindowGroupByArgs): void {
    const k = 'window_group_by_u32';
    const { nGroups, nLookup, n } = a;
    this.counts(k, { nGroups, nLookup, n });
    if (!Number.isInteger(a.typeMask) || a.typeMask < 0 || a.typeMask > MAX_TYPE_MASK) {
      throw invalid(`${k}: typeMask (${a.typeMask}) must be an integer in 0..${MAX_TYPE_MASK}`);
    }
    const from = i64Bound(k, 'from', a.from);
    const to = i64Bound(k, 'to', a.to);
    const outputs = [
      this.region(k, 'counts', a.counts, nGroups, 4),
      this.region(k, 'units', a.units, nGroups, 8),
      this.region(k, 'revenue', a.revenue, nGroups, 8),
      this.region(k, 'sel', a.sel, n, 4),
    ];
    const inputs = [
      this.region(k, 'ts', a.ts, n, 8),
      this.region(k, 'type', a.type, n, 1),
      this.region(k, 'keys', a.keys, n, 4),
      this.region(k, 'quantity', a.quantity, n, 4),
      this.region(k, 'price', a.price, n, 4),
    ];
    if (a.lookup !== 0) inputs.push(this.region(k, 'lookup', a.lookup, nLookup, 4));
    for (let i = 0; i < outputs.length; i++) {
      for (let j = i + 1; j < outputs.length; j++) this.disjoint(k, outputs[i]!, outputs[j]!);
      for (const r of inputs) this.disjoint(k, outputs[i]!, r);
    }
    const status = this.raw.window_group_by_u32(
      a.counts,
      a.units,
      a.revenue,
      nGroups,
      a.ts,
      a.type,
      a.keys,
      a.lookup,
      nLookup,
      a.quantity,
      a.price,
      n,
      from,
      to,
      a.typeMask,
      a.sel,
    );
    if (status === KernelStatus.INDEX_OUT_OF_RANGE) throw this.windowKeyError(k, a, from, to);
    this.check(k, status, `typeMask (${a.typeMask}) must be below 2^16`);
  }

  /**
   * out = mᵀm + reg·I: `m` is rows×dim f32 row-major, `out` dim×dim f32 (both triangles).
   * f32 accumulation. BAD_ARGUMENT for a non-finite reg. O(rows·dim²).
   */
  gramF32(out: number, m: number, rows: number, dim: number, reg: number): void {
    const k = 'gram_f32';
    this.counts(k, { rows, dim });
    this.disjoint(
      k,
      this.region(k, 'out', out, dim * dim, 4),
      this.region(k, 'm', m, rows * dim, 4),
    );
    this.check(k, this.raw.gram_f32(out, m, rows, dim, reg), `reg (${reg}) must be finite`);
  }

  /**
   * Implicit-ALS conjugate-gradient update, in place, of rows [rowStart, rowEnd) of `x` (dim f32
   * per row, row 0 at `x`) against the fixed factors `y` (yRows×dim f32) and `yty` = yᵀy + reg·I
   * (from `gramF32`): up to cgSteps steps per row from its current value, confidence
   * 1 + alpha·value, preference 1 per stored entry; rows without entries become 0. The CSR rows
   * are `indptr` (u32, indexed by row number, so rowEnd + 1 entries from the matrix start),
   * `indices` (u32 below yRows) and `values` (f32, finite, ≥ 0), offsets absolute. `scratch`:
   * 3·dim f32. All-or-nothing: bad scalars, a decreasing indptr or a bad value (BAD_ARGUMENT) or
   * a column ≥ yRows (INDEX_OUT_OF_RANGE) change nothing.
   * O(nnz·dim·(1 + 2·cgSteps) + rows·dim²·(1 + cgSteps)).
   */
  alsCgRows(
    x: number,
    y: number,
    yRows: number,
    yty: number,
    indptr: number,
    indices: number,
    values: number,
    rowStart: number,
    rowEnd: number,
    dim: number,
    alpha: number,
    cgSteps: number,
    scratch: number,
  ): void {
    const k = 'als_cg_rows';
    this.counts(k, { yRows, rowStart, rowEnd, dim, cgSteps });
    if (rowStart > rowEnd)
      throw invalid(`${k}: rowStart (${rowStart}) is after rowEnd (${rowEnd})`);
    const rows = rowEnd - rowStart;
    const ip = this.region(k, 'indptr', indptr + rowStart * 4, rows + 1, 4);
    const offsets = this.arena.u32(ip.ptr, rows + 1);
    const first = offsets[0]!;
    const last = offsets[rows]!;
    if (last < first) {
      throw invalid(`${k}: indptr[${rowEnd}] (${last}) is below indptr[${rowStart}] (${first})`);
    }
    const xr = this.region(k, 'x', x + rowStart * dim * 4, rows * dim, 4);
    const ix = this.region(k, 'indices', indices + first * 4, last - first, 4);
    const read = [
      this.region(k, 'y', y, yRows * dim, 4),
      this.region(k, 'yty', yty, dim * dim, 4),
      ip,
      ix,
      this.region(k, 'values', values + first * 4, last - first, 4),
    ];
    const sc = this.region(k, 'scratch', scratch, 3 * dim, 4);
    for (const r of read) {
      this.disjoint(k, xr, r);
      this.disjoint(k, sc, r);
    }
    this.disjoint(k, xr, sc);
    const status = this.raw.als_cg_rows(
      x,
      y,
      yRows,
      yty,
      indptr,
      indices,
      values,
      rowStart,
      rowEnd,
      dim,
      alpha,
      cgSteps,
      scratch,
    );
    if (status === KernelStatus.INDEX_OUT_OF_RANGE) {
      throw this.keyError(k, 'indices', indices, last, 'yRows', yRows, first);
    }
    this.check(
      k,
      status,
      `alpha (${alpha}) must be finite and ≥ 0, indptr non-decreasing, values finite and ≥ 0`,
    );
  }

  private matrixArgs(
    kernel: string,
    out: number,
    q: number,
    m: number,
    rows: number,
    dim: number,
  ): void {
    this.counts(kernel, { rows, dim });
    const o = this.region(kernel, 'out', out, rows, 4);
    this.disjoint(kernel, o, this.region(kernel, 'q', q, dim, 4));
    this.disjoint(kernel, o, this.region(kernel, 'm', m, rows * dim, 4));
  }

  private topk(
    kernel: string,
    scoreBytes: number,
    outIdx: number,
    outScore: number,
    scores: number,
    n: number,
    k: number,
  ): number {
    this.counts(kernel, { n, k });
    const slots = Math.min(n, k);
    const oi = this.region(kernel, 'outIdx', outIdx, slots, 4);
    const os = this.region(kernel, 'outScore', outScore, slots, scoreBytes);
    const sc = this.region(kernel, 'scores', scores, n, scoreBytes);
    this.disjoint(kernel, oi, os);
    this.disjoint(kernel, oi, sc);
    this.disjoint(kernel, os, sc);
    const raw = kernel === 'topk_f32' ? this.raw.topk_f32 : this.raw.topk_f64;
    return raw(outIdx, outScore, scores, n, k);
  }

  private counts(kernel: string, values: Record<string, number>): void {
    for (const [name, v] of Object.entries(values)) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) {
        throw invalid(`${kernel}: ${name} (${v}) must be an integer in 0..2^32-1`);
      }
    }
  }

  /** Checks that [ptr, ptr + count*elemBytes) is element-aligned and inside the arena. */
  private region(
    kernel: string,
    name: string,
    ptr: number,
    count: number,
    elemBytes: number,
  ): Region {
    if (!Number.isInteger(ptr) || ptr < 0 || ptr % elemBytes !== 0) {
      throw invalid(`${kernel}: ${name} pointer ${ptr} is not a ${elemBytes}-byte aligned offset`);
    }
    const bytes = count * elemBytes;
    if (bytes > 0 && (ptr < this.arena.base || ptr + bytes > this.memory.buffer.byteLength)) {
      throw invalid(
        `${kernel}: ${name} [${ptr}, ${ptr + bytes}) is outside the arena [${this.arena.base}, ${this.memory.buffer.byteLength})`,
      );
    }
    return { name, ptr, bytes };
  }

  private disjoint(kernel: string, a: Region, b: Region): void {
    if (a.bytes > 0 && b.bytes > 0 && a.ptr < b.ptr + b.bytes && b.ptr < a.ptr + a.bytes) {
      throw invalid(`${kernel}: ${a.name} and ${b.name} overlap`);
    }
  }

  private check(kernel: string, status: number, badArgument?: string): void {
    if (status === KernelStatus.OK) return;
    const detail =
      status === KernelStatus.BAD_ARGUMENT && badArgument !== undefined ? `: ${badArgument}` : '';
    throw new AisleError(
      'AISLE_WASM_STATUS',
      `${kernel} returned status ${status} (${statusName(status)})${detail}`,
      {
        kernel,
        status,
      },
    );
  }

  /** Error path only: the first selected row whose key or group is out of range. */
  private windowKeyError(
    kernel: string,
    a: WindowGroupByArgs,
    from: bigint,
    to: bigint,
  ): AisleError {
    const ts = new BigInt64Array(this.memory.buffer, a.ts, a.n);
    const type = this.arena.u8(a.type, a.n);
    const keys = this.arena.u32(a.keys, a.n);
    const lookup = a.lookup === 0 ? undefined : this.arena.u32(a.lookup, a.nLookup);
    let detail = 'no selected row is out of range (a kernel bug)';
    for (let i = 0; i < a.n; i++) {
      const t = type[i]!;
      if (t > 15 || ((a.typeMask >>> t) & 1) === 0 || ts[i]! < from || ts[i]! >= to) continue;
      const key = keys[i]!;
      if (lookup === undefined) {
        if (key < a.nGroups) continue;
        detail = `keys[${i}] = ${key} is not below nGroups (${a.nGroups})`;
      } else if (key >= a.nLookup) {
        detail = `keys[${i}] = ${key} is not below nLookup (${a.nLookup})`;
      } else if (lookup[key]! >= a.nGroups) {
        detail = `lookup[keys[${i}] = ${key}] = ${lookup[key]} is not below nGroups (${a.nGroups})`;
      } else continue;
      return new AisleError(
        'AISLE_WASM_STATUS',
        `${kernel} returned status ${KernelStatus.INDEX_OUT_OF_RANGE} (INDEX_OUT_OF_RANGE): ${detail}; nothing was written`,
        { kernel, status: KernelStatus.INDEX_OUT_OF_RANGE, index: i },
      );
    }
    return new AisleError('AISLE_WASM_STATUS', `${kernel}: ${detail}`, {
      kernel,
      status: KernelStatus.INDEX_OUT_OF_RANGE,
    });
  }

  /** Error path only: finds the first bad key so the message points at it. */
  private keyError(
    kernel: string,
    name: string,
    keys: number,
    n: number,
    limitName: string,
    limit: number,
    first = 0,
  ): AisleError {
    const view = this.arena.u32(keys, n);
    const at = view.findIndex((key, i) => i >= first && key >= limit);
    return new AisleError(
      'AISLE_WASM_STATUS',
      `${kernel} returned status ${KernelStatus.INDEX_OUT_OF_RANGE} (INDEX_OUT_OF_RANGE): ${name}[${at}] = ${view[at]} is not below ${limitName} (${limit}); nothing was written`,
      { kernel, status: KernelStatus.INDEX_OUT_OF_RANGE, index: at },
    );
  }
}
