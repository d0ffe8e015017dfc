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

/** A reason, or a function making it, for reasons worth computing only for returned items. */
export type Reason = string | (() => string);

export interface Ranked {
  ids: Uint32Array;
  scores: Float32Array;
}

export class CandidatePool {
  private readonly row = new Map<number, number>();
  private ids: number[] = [];
  private features = new Float32Array(64 * COLS);
  /** Reason per row × source: the one behind that source's largest single contribution. */
  private reasons: (Reason | undefined)[] = [];
  private reasonScore: number[] = [];
  private readonly best = new Float64Array(COLS);

  get size(): number {
    return this.ids.length;
  }

  /**
   * Adds `score` from `source` for item `id` (summed when the source proposes it twice). The
   * reason shown is the one behind the largest normalised contribution, settled in `rank`.
   */
  add(id: number, source: Source, score: number, reason: Reason): void {
    if (!(score > 0)) return;
    let r = this.row.get(id);
    if (r === undefined) {
      r = this.ids.length;
      this.row.set(id, r);
      this.ids.push(id);
      for (let c = 0; c < COLS; c++) {
        this.reasons.push(undefined);
        this.reasonScore.push(-1);
      }
      if ((r + 1) * COLS > this.features.length) {
        const next = new Float32Array(this.features.length * 2);
        next.set(this.features);
        this.features = next;
      }
    }
    const col = SOURCE_INDEX[source];
    const at = r * COLS + col;
    this.features[at] = this.features[at]! + score;
    if (this.features[at]! > this.best[col]!) this.best[col] = this.features[at]!;
    if (score > this.reasonScore[at]!) {
      this.reasons[at] = reason;
      this.reasonScore[at] = score;
    }
  }

  /** The reason of the source contributing most to `id`'s blended score. */
  reasonOf(id: number, weights: BlendWeights): string | undefined {
    const r = this.row.get(id);
    if (r === undefined) return undefined;
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
    const reason = bestCol < 0 ? undefined : this.reasons[r * COLS + bestCol];
    return typeof reason === 'function' ? reason() : reason;
  }

  /**
   * Blends the candidates that pass `keep` with `weights` and returns the best `k` (all of them
   * when k ≥ survivors), best first. One dot kernel over the survivors, one top-k kernel.
   */
  rank(kernels: Kernels, weights: BlendWeights, keep: (id: number) => boolean, k: number): Ranked {
    const survivors: number[] = [];
    for (let r = 0; r < this.ids.length; r++) if (keep(this.ids[r]!)) survivors.push(r);
    const n = survivors.length;
    if (n === 0 || k <= 0) return { ids: new Uint32Array(0), scores: new Float32Array(0) };
    const w = new Float32Array(COLS);
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
      const m = arena.f32(mPtr, n * COLS);
      for (let i = 0; i < n; i++) {
        const r = survivors[i]!;
        m.set(this.features.subarray(r * COLS, r * COLS + COLS), i * COLS);
      }
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
}
