/**
 * Exponentially decayed counters per dense id, held in WASM memory.
 *
 * Forward decay: each addition is weighted by exp(λ(t − tRef)) instead of decaying every counter
 * on every tick, so an update is one scatter-add and the ranking at any instant is the ranking of
 * the raw counters. tRef moves forward (one SIMD rescale) before the weights could overflow.
 */
import { expectState, isArrayOf } from '../snapshot/check.js';
import type { Kernels } from '../wasm/index.js';

/** What a snapshot keeps of a counter set: enough to continue bit for bit. */
export interface DecayedCountersState {
  halfLifeMs: number;
  /** Reference time of the forward weights (epoch ms); null before the first addition. */
  tRef: number | null;
  /** The raw forward-weighted counters, one per id below the capacity (a copy). */
  counters: Float64Array;
}

/** Largest exponent λ(t − tRef) allowed before rescaling; exp(40) ≈ 2.4e17 keeps f64 precise. */
const MAX_EXPONENT = 40;

export class DecayedCounters {
  /** Decay rate per millisecond. */
  readonly lambda: number;
  private ptr = 0;
  private capacity = 0;
  private tRef: number | undefined;

  constructor(
    private readonly kernels: Kernels,
    readonly halfLifeMs: number,
  ) {
    this.lambda = Math.LN2 / halfLifeMs;
  }

  /**
   * Restores counters from `exportState`, in fresh arena memory of the same capacity.
   * Throws AisleError('AISLE_SNAPSHOT') when the state does not fit this half-life. O(capacity).
   */
  static fromState(
    kernels: Kernels,
    halfLifeMs: number,
    state: DecayedCountersState,
  ): DecayedCounters {
    expectState(state.halfLifeMs === halfLifeMs, 'decayed counters: half-life differs');
    expectState(
      state.tRef === null || Number.isFinite(state.tRef),
      'decayed counters: tRef is not finite',
    );
    expectState(isArrayOf(state.counters, Float64Array), 'decayed counters: counters');
    const out = new DecayedCounters(kernels, halfLifeMs);
    const n = state.counters.length;
    if (n > 0) {
      // Allocate before taking the view: the allocation may grow (and detach) the memory.
      out.ptr = kernels.arena.alloc(n * 8);
      kernels.arena.f64(out.ptr, n).set(state.counters);
      out.capacity = n;
    }
    if (state.tRef !== null) out.tRef = state.tRef;
    return out;
  }

  /** A copy of the state, consistent as of the call. O(capacity). */
  exportState(): DecayedCountersState {
    return {
      halfLifeMs: this.halfLifeMs,
      tRef: this.tRef ?? null,
      counters: this.capacity === 0 ? new Float64Array(0) : this.raw().slice(),
    };
  }

  /** Makes room for ids below `n`; new counters start at 0. */
  ensure(n: number): void {
    if (n <= this.capacity) return;
    const arena = this.kernels.arena;
    const next = Math.max(n, this.capacity * 2, 1024);
    const ptr = arena.alloc(next * 8);
    const fresh = arena.f64(ptr, next);
    fresh.fill(0);
    if (this.capacity > 0) {
      fresh.set(arena.f64(this.ptr, this.capacity));
      arena.free(this.ptr);
    }
    this.ptr = ptr;
    this.capacity = next;
  }

  /**
   * Renumbers the counters' ids (engine/retention.ts): the counter of `id` moves to `map[id]`,
   * dropped ids (`map[id] === 0`) lose theirs, and the memory is reallocated for `size` ids with
   * the floor `ensure` uses, so later ids from `size + 1` on start at 0. The reference time stays,
   * so every kept value is unchanged bit for bit. O(capacity).
   */
  remap(map: Uint32Array, size: number): void {
    if (this.capacity === 0) return;
    const arena = this.kernels.arena;
    const next = Math.max(size + 1, 1024);
    // Allocate before taking views: the allocation may grow (and detach) the memory.
    const ptr = arena.alloc(next * 8);
    const fresh = arena.f64(ptr, next);
    fresh.fill(0);
    const old = arena.f64(this.ptr, this.capacity);
    const end = Math.min(map.length, this.capacity);
    for (let id = 1; id < end; id++) {
      const to = map[id]!;
      if (to !== 0) fresh[to] = old[id]!;
    }
    arena.free(this.ptr);
    this.ptr = ptr;
    this.capacity = next;
  }

  /**
   * Adds a batch already staged in WASM memory.
   * @param idxPtr u32 ids, each below the ensured capacity
   * @param tsPtr f64 epoch ms
   * @param wPtr f64 weights
   * @param maxTs newest ts in the batch (decides rescaling)
   */
  add(idxPtr: number, tsPtr: number, wPtr: number, n: number, maxTs: number): void {
    if (n === 0) return;
    if (this.tRef === undefined) this.tRef = maxTs;
    if (this.lambda * (maxTs - this.tRef) > MAX_EXPONENT) {
      this.kernels.scaleF64(this.ptr, this.capacity, Math.exp(-this.lambda * (maxTs - this.tRef)));
      this.tRef = maxTs;
    }
    this.kernels.scatterAddDecayedF64(
      this.ptr,
      this.capacity,
      idxPtr,
      tsPtr,
      wPtr,
      n,
      this.lambda,
      this.tRef,
    );
  }

  /** Pointer to the raw (forward-weighted) counters; valid until the next `ensure`. */
  get pointer(): number {
    return this.ptr;
  }

  get size(): number {
    return this.capacity;
  }

  /** The reference time the raw counters are weighted to; it moves when they are rescaled. */
  get reference(): number | undefined {
    return this.tRef;
  }

  /** Multiplier turning a raw counter into its decayed value at `now`. */
  factorAt(now: number): number {
    return this.tRef === undefined ? 0 : Math.exp(this.lambda * (this.tRef - now));
  }

  /** A fresh view of the raw counters (re-create after anything that may grow memory). */
  raw(): Float64Array {
    return this.kernels.arena.f64(this.ptr, this.capacity);
  }

  /** Decayed value of counter `id` at `now`. */
  valueAt(id: number, now: number): number {
    if (id >= this.capacity) return 0;
    return this.raw()[id]! * this.factorAt(now);
  }
}
