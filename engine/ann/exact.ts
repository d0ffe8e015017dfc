/**
 * Exact nearest neighbours: every live vector scored with the WASM dot-product kernel over unit
 * vectors, then the top-k kernel. The oracle for HNSW's recall and the right choice for small
 * catalogues, where a full scan of 10k × 64 takes well under a millisecond.
 */
import { AisleError } from '../errors.js';
import type { Kernels } from '../wasm/index.js';
import type { AnnIndex, AnnResult } from './ann-index.js';
import { checkShape, indexRow, type Metric } from './normalize.js';

export class ExactIndex implements AnnIndex {
  private ptr = 0;
  private capacity = 0;
  private rows = 0;
  /** row → label, and label → row (+1, 0 = absent) for removals and replacement. */
  private labelOf = new Uint32Array(0);
  private readonly rowOf = new Map<number, number>();

  constructor(
    private readonly kernels: Kernels,
    readonly dim: number,
    /** `cosine` unit-normalises vectors and queries; `ip` ranks by the raw inner product. */
    readonly metric: Metric = 'cosine',
  ) {
    if (!Number.isInteger(dim) || dim < 1)
      throw new AisleError('AISLE_INVALID_ARGUMENT', 'dim must be ≥ 1');
  }

  get size(): number {
    return this.rows;
  }

  dispose(): void {
    if (this.ptr !== 0) this.kernels.arena.free(this.ptr);
    this.ptr = 0;
    this.capacity = 0;
    this.rows = 0;
    this.rowOf.clear();
  }

  has(label: number): boolean {
    return this.rowOf.has(label);
  }

  add(labels: Uint32Array, vectors: Float32Array): void {
    checkShape(labels, vectors, this.dim);
    this.reserve(this.rows + labels.length);
    for (let i = 0; i < labels.length; i++) {
      const unit = indexRow(vectors, i, this.dim, this.metric);
      const label = labels[i]!;
      let row = this.rowOf.get(label);
      if (row === undefined) {
        row = this.rows++;
        this.rowOf.set(label, row);
        this.labelOf[row] = label;
      }
      this.kernels.arena.f32(this.ptr + row * this.dim * 4, this.dim).set(unit);
    }
  }

  remove(label: number): void {
    const row = this.rowOf.get(label);
    if (row === undefined) return;
    // Swap-remove keeps rows dense so a search scans no holes.
    const last = this.rows - 1;
    if (row !== last) {
      const { arena } = this.kernels;
      arena
        .f32(this.ptr + row * this.dim * 4, this.dim)
        .set(arena.f32(this.ptr + last * this.dim * 4, this.dim));
      const moved = this.labelOf[last]!;
      this.labelOf[row] = moved;
      this.rowOf.set(moved, row);
    }
    this.rowOf.delete(label);
    this.rows--;
  }

  search(query: Float32Array, k: number, accept?: (label: number) => boolean): AnnResult {
    if (query.length !== this.dim) {
      throw new AisleError('AISLE_INVALID_ARGUMENT', `query must have ${this.dim} dimensions`);
    }
    const n = this.rows;
    if (n === 0 || k < 1) return { ids: new Uint32Array(0), scores: new Float32Array(0) };
    const { arena } = this.kernels;
    const mark = arena.scratchMark();
    try {
      const qPtr = arena.scratch(this.dim * 4);
      const scoresPtr = arena.scratch(n * 4);
      const take = Math.min(n, k);
      const outIdx = arena.scratch(take * 4);
      const outScore = arena.scratch(take * 4);
      arena.f32(qPtr, this.dim).set(indexRow(query, 0, this.dim, this.metric));
      this.kernels.dotF32Batch(scoresPtr, qPtr, this.ptr, n, this.dim);
      if (accept !== undefined) {
        const scores = arena.f32(scoresPtr, n);
        // NaN is skipped by the top-k kernel: the filter costs one pass, not a second search.
        for (let r = 0; r < n; r++) if (!accept(this.labelOf[r]!)) scores[r] = Number.NaN;
      }
      const count = this.kernels.topkF32(outIdx, outScore, scoresPtr, n, take);
      const rows = arena.u32(outIdx, count);
      const ids = new Uint32Array(count);
      for (let i = 0; i < count; i++) ids[i] = this.labelOf[rows[i]!]!;
      return { ids, scores: arena.f32(outScore, count).slice() };
    } finally {
      arena.scratchReset(mark);
    }
  }

  private reserve(rows: number): void {
    if (rows <= this.capacity) return;
    const next = Math.max(rows, this.capacity * 2, 256);
    const { arena } = this.kernels;
    const ptr = arena.alloc(next * this.dim * 4);
    if (this.capacity > 0) {
      arena.f32(ptr, this.rows * this.dim).set(arena.f32(this.ptr, this.rows * this.dim));
      arena.free(this.ptr);
    }
    const labels = new Uint32Array(next);
    labels.set(this.labelOf.subarray(0, this.rows));
    this.labelOf = labels;
    this.ptr = ptr;
    this.capacity = next;
  }
}
