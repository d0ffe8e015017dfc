/**
 * A candidate pool: items proposed by several sources (ALS, co-occurrence, session kNN, buy
 * again, popularity), each with a score per source and the reason the best source gives. Scores
 * are normalised per source (divided by that source's best) so weights mean the same whatever a
 * model's scale; the weighted blend and the top-k then run in the WASM kernels as one
 * matrix-vector product over the surviving candidates.
 */
import type { Kernels } from '../wasm/index.js';

/** Where a candidate came from; the order is the column order of the blend matrix. */
export const SOURCES = [
  'als',
  'alsoViewed',
  'alsoBought',
  'session',
  'buyAgain',
  'trending',
  'popular',
] as const;
export type Source = (typeof SOURCES)[number];
export const SOURCE_INDEX: Readonly<Record<Source, number>> = Object.fromEntries(
  SOURCES.map((s, i) => [s, i]),
) as Record<Source, number>;

/** Blend weight of each source; a missing source weighs 0. */
export type BlendWeights = Partial<Record<Source, number>>;

/** Column count padded to 8 so every candidate row is 32-byte aligned for the SIMD dot. */
const COLS = 8;

/**
 * A reason, or a function making it from the number given beside it in `add` (an item, a count,
 * a position): reasons are worth computing only for returned items, and one function per source
 * call with a number per candidate allocates nothing per candidate.
 */
export type Reason = string | ((arg: number) => string);

export interface Ranked {
  ids: Uint32Array;
  scores: Float32Array;
}

/** Rows a new pool has room for; it grows by doubling and keeps what it grew to. */
const INITIAL_ROWS = 256;

/**
 * Candidates of one query at a time. Meant to be reused: `clear` forgets them and keeps the
 * arrays, so a query allocates no per-candidate memory once the pool has grown to its size.
 */
export class CandidatePool {
  /** Row + 1 of each item id, 0 when absent; only the rows' own entries are ever nonzero. */
  private rowOf = new Int32Array(INITIAL_ROWS * 4);
  private ids = new Uint32Array(INITIAL_ROWS);
  private rows = 0;
  private features = new Float32Array(INITIAL_ROWS * COLS);
  /** Per row × source: the reason behind that source's largest single score, and its number. */
  private reasons: (Reason | undefined)[] = new Array<Reason | undefined>(INITIAL_ROWS * COLS).fill(
    undefined,
  );
  private reasonArgs = new Float64Array(INITIAL_ROWS * COLS);
  private reasonScore = new Float64Array(INITIAL_ROWS * COLS);
  private readonly best = new Float64Array(COLS);
  /** Scratch of `rank`. */
  private survivors = new Uint32Array(INITIAL_ROWS);
  private readonly weights = new Float32Array(COLS);

  get size(): number {
    return this.rows;
  }

  /** Forgets every candidate, keeping the arrays. O(size). */
  clear(): void {
    const n = this.rows;
    for (let r = 0; r < n; r++) this.rowOf[this.ids[r]!] = 0;
    this.features.fill(0, 0, n * COLS);
    // Reasons hold closures over the last query's data: let them go.
    this.reasons.fill(undefined, 0, n * COLS);
    this.best.fill(0);
    this.rows = 0;
  }

  /**
   * Adds `score` from `source` for item `id`, a dense item id (a non-negative integer: the pool
   * indexes by it), summed when the source proposes it twice. The reason shown is the one behind
   * the largest normalised contribution, settled in `rank`; a function reason is called with
   * `arg` when it is shown.
   */
  add(id: number, source: Source, score: number, reason: Reason, arg = 0): void {
    if (!(score > 0)) return;
    if (id >= this.rowOf.length) this.growIndex(id);
    let r = this.rowOf[id]! - 1;
    if (r < 0) r = this.newRow(id);
    const col = SOURCE_INDEX[source];
    const at = r * COLS + col;
    // Read back: the sum is kept as a float32, and the best is of what is kept.
    this.features[at] = this.features[at]! + score;
    const sum = this.features[at]!;
    if (sum > this.best[col]!) this.best[col] = sum;
    if (score > this.reasonScore[at]!) {
      this.reasons[at] = reason;
      this.reasonArgs[at] = arg;
      this.reasonScore[at] = score;
    }
  }

  /** The reason of the source contributing most to `id`'s blended score. */
  reasonOf(id: number, weights: BlendWeights): string | undefined {
    const r = id < this.rowOf.length ? this.rowOf[id]! - 1 : -1;
    if (r < 0) return undefined;
    let bestCol = -1;
    let bestShare = 0;
    for (const s of SOURCES) {
      const col = SOURCE_INDEX[s];
      const top = this.best[col]!;
      const share = top > 0 ? ((weights[s] ?? 0) * this.features[r * COLS + col]!) / top : 0;
      if (share > bestShare) {
        bestShare = share;
        bestCol = col;
      }
    }
    if (bestCol < 0) return undefined;
    const reason = this.reasons[r * COLS + bestCol];
    return typeof reason === 'function' ? reason(this.reasonArgs[r * COLS + bestCol]!) : reason;
  }

  /**
   * Blends the candidates that pass `keep` with `weights` and returns the best `k` (all of them
   * when k ≥ survivors), best first. One dot kernel over the survivors, one top-k kernel.
   */
  rank(kernels: Kernels, weights: BlendWeights, keep: (id: number) => boolean, k: number): Ranked {
    if (this.survivors.length < this.rows) this.survivors = new Uint32Array(this.ids.length);
    const survivors = this.survivors;
    let n = 0;
    for (let r = 0; r < this.rows; r++) if (keep(this.ids[r]!)) survivors[n++] = r;
    if (n === 0 || k <= 0) return { ids: new Uint32Array(0), scores: new Float32Array(0) };
    const w = this.weights;
    for (const s of SOURCES) {
      const col = SOURCE_INDEX[s];
      const best = this.best[col]!;
      w[col] = best > 0 ? (weights[s] ?? 0) / best : 0;
    }
    const { arena } = kernels;
    const mark = arena.scratchMark();
    try {
      const wPtr = arena.scratch(COLS * 4);
      const mPtr = arena.scratch(n * COLS * 4);
      const outPtr = arena.scratch(n * 4);
      const take = Math.min(k, n);
      const idxPtr = arena.scratch(take * 4);
      const topPtr = arena.scratch(take * 4);
      arena.f32(wPtr, COLS).set(w);
      this.copyRows(arena.f32(mPtr, n * COLS), n);
      kernels.dotF32Batch(outPtr, wPtr, mPtr, n, COLS);
      const got = kernels.topkF32(idxPtr, topPtr, outPtr, n, take);
      const idx = arena.u32(idxPtr, got);
      const ids = new Uint32Array(got);
      for (let i = 0; i < got; i++) ids[i] = this.ids[survivors[idx[i]!]!]!;
      return { ids, scores: arena.f32(topPtr, got).slice() };
    } finally {
      arena.scratchReset(mark);
    }
  }

  /** Bytes held: the id index grows to the largest item id seen, the rows to the largest query. */
  bytes(): number {
    return (
      this.rowOf.byteLength +
      this.ids.byteLength +
      this.features.byteLength +
      this.reasons.length * 8 +
      this.reasonArgs.byteLength +
      this.reasonScore.byteLength +
      this.survivors.byteLength
    );
  }

  /** The survivors' feature rows into `m`, one after another (no view per row). */
  private copyRows(m: Float32Array, n: number): void {
    const f = this.features;
    const survivors = this.survivors;
    for (let i = 0; i < n; i++) {
      const from = survivors[i]! * COLS;
      const to = i * COLS;
      for (let c = 0; c < COLS; c++) m[to + c] = f[from + c]!;
    }
  }

  private newRow(id: number): number {
    const r = this.rows++;
    if (r === this.ids.length) this.growRows();
    this.ids[r] = id;
    this.rowOf[id] = r + 1;
    for (let at = r * COLS; at < (r + 1) * COLS; at++) this.reasonScore[at] = -1;
    return r;
  }

  private growRows(): void {
    const rows = this.ids.length * 2;
    const ids = new Uint32Array(rows);
    ids.set(this.ids);
    this.ids = ids;
    const features = new Float32Array(rows * COLS);
    features.set(this.features);
    this.features = features;
    const args = new Float64Array(rows * COLS);
    args.set(this.reasonArgs);
    this.reasonArgs = args;
    const scores = new Float64Array(rows * COLS);
    scores.set(this.reasonScore);
    this.reasonScore = scores;
    for (let at = this.reasons.length; at < rows * COLS; at++) this.reasons.push(undefined);
  }

  private growIndex(id: number): void {
    const index = new Int32Array(Math.max(id + 1, this.rowOf.length * 2));
    index.set(this.rowOf);
    this.rowOf = index;
  }
}
