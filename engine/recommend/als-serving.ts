/**
 * The serving side of a trained factor model: user vectors (trained, or folded in online when
 * the user has new events or was never trained), item lookups through an inner-product ANN
 * index over the item vectors, and item-to-item similarity for diversity and reasons.
 *
 * Immutable once built: a retrain builds a new one and the engine swaps the reference, so a
 * query sees either the old model or the new one, never a mix.
 */
import type { AnnIndex } from '../ann/index.js';
import type { AlsModel } from '../models/als/index.js';

/** What serving needs from the user history. */
export interface FoldInSource {
  itemsOf(user: number): { items: Uint32Array; strengths: Float32Array };
  version(user: number): number;
}

export interface Found {
  ids: Uint32Array;
  scores: Float32Array;
}

/** Folded-in vectors kept per user; cleared wholesale past this, as a cheap bound. */
const FOLD_CACHE_LIMIT = 100_000;
/** Index answers kept (per item and size, per user and size); cleared wholesale past this. */
const FOUND_CACHE_LIMIT = 50_000;
/** Sizes asked of the index stay below this (the engine's largest fetch is 2,000). */
const SIZE_KEY = 4096;

export class AlsServing {
  private readonly foldCache = new Map<number, { version: number; vector: Float32Array }>();
  /**
   * Index answers by item and size, and by user, history version and size. The model and its
   * index never change once built, so the same question has the same answer until a retrain
   * builds a new serving object: asking the index again (tenths of a millisecond, most of a
   * `similar` query) is only needed for questions not seen yet. Answers are shared, read-only.
   */
  private readonly itemFound = new Map<number, Found>();
  private readonly userFound = new Map<number, { version: number; n: number; found: Found }>();
  private readonly norms: Float32Array;
  private readonly vectors: Float32Array;

  /**
   * `versions[u]` is user u's history version when the training matrix was taken: a user whose
   * version moved on since has events the model has not seen and is folded in again.
   * `index` holds the augmented item vectors (labels = item ids); `trainedAt` is stream time.
   */
  constructor(
    readonly model: AlsModel,
    private readonly index: AnnIndex,
    private readonly versions: Float64Array,
    private readonly history: FoldInSource,
    readonly trainedAt: number,
  ) {
    const { items, factors } = model;
    this.vectors = new Float32Array(items * factors);
    this.norms = new Float32Array(items);
    for (let i = 0; i < items; i++) {
      const v = model.itemVector(i);
      this.vectors.set(v, i * factors);
      let s = 0;
      for (let j = 0; j < factors; j++) s += v[j]! * v[j]!;
      this.norms[i] = Math.sqrt(s);
    }
  }

  /**
   * The item vectors an inner-product index must hold for `model` (labels: item ids). Items
   * without any signal (a zero factor vector) can never score above zero: they are left out.
   */
  static indexVectors(model: AlsModel): {
    labels: Uint32Array;
    vectors: Float32Array;
    dim: number;
  } {
    const { items, factors } = model;
    const keep: number[] = [];
    const rows: Float32Array[] = [];
    for (let i = 1; i < items; i++) {
      const v = model.itemVector(i);
      let s = 0;
      for (let j = 0; j < factors; j++) s += v[j]! * v[j]!;
      if (s > 0) {
        keep.push(i);
        rows.push(v);
      }
    }
    const vectors = new Float32Array(keep.length * factors);
    rows.forEach((v, r) => vectors.set(v, r * factors));
    return { labels: Uint32Array.from(keep), vectors, dim: factors };
  }

  /** A copy of the per-user history versions the model was trained at. */
  versionsCopy(): Float64Array {
    return this.versions.slice();
  }

  /** Gives back the model's and the index's arena memory; unusable afterwards. */
  dispose(): void {
    this.index.dispose?.();
    this.model.dispose();
    this.foldCache.clear();
    this.itemFound.clear();
    this.userFound.clear();
  }

  get indexSize(): number {
    return this.index.size;
  }

  hasItem(item: number): boolean {
    return item < this.model.items && this.norms[item]! > 0;
  }

  /** Cosine of two items' factor vectors (0 when either has none). */
  cosine(a: number, b: number): number {
    if (!this.hasItem(a) || !this.hasItem(b)) return 0;
    const f = this.model.factors;
    let s = 0;
    for (let j = 0; j < f; j++) s += this.vectors[a * f + j]! * this.vectors[b * f + j]!;
    return s / (this.norms[a]! * this.norms[b]!);
  }

  /** Of `items`, the one whose vector is closest to `item`'s, if any is positive. */
  closest(item: number, items: ArrayLike<number>): number | undefined {
    let best: number | undefined;
    let bestSim = 0;
    for (let i = 0; i < items.length; i++) {
      const other = items[i]!;
      if (other === item) continue;
      const s = this.cosine(item, other);
      if (s > bestSim) {
        bestSim = s;
        best = other;
      }
    }
    return best;
  }

  /**
   * The user's vector: the trained one while the user has no newer events, else folded in from
   * the full history (warm-started from the trained vector). Null without any usable history.
   */
  userVector(user: number): Float32Array | null {
    const version = this.history.version(user);
    const trained = user < this.model.users && this.versions[user] !== undefined;
    if (trained && this.versions[user] === version && version > 0) {
      return this.model.userVector(user);
    }
    const cached = this.foldCache.get(user);
    if (cached !== undefined && cached.version === version) return cached.vector;
    const { items, strengths } = this.history.itemsOf(user);
    const vector = this.foldIn(items, strengths, trained ? this.model.userVector(user) : undefined);
    if (vector === null) return null;
    if (this.foldCache.size >= FOLD_CACHE_LIMIT) this.foldCache.clear();
    this.foldCache.set(user, { version, vector });
    return vector;
  }

  /** Items for the user's vector, best inner product first. */
  forUser(user: number, n: number): Found | null {
    const version = this.history.version(user);
    const hit = this.userFound.get(user);
    if (hit !== undefined && hit.version === version && hit.n === n) return hit.found;
    const v = this.userVector(user);
    if (v === null) return null;
    const found = this.search(v, n);
    if (this.userFound.size >= FOUND_CACHE_LIMIT) this.userFound.clear();
    this.userFound.set(user, { version, n, found });
    return found;
  }

  /** Items for one item's vector, or for a basket folded in as if it were a user. */
  forItems(items: Uint32Array, n: number): Found | null {
    if (items.length === 1) {
      const item = items[0]!;
      if (!this.hasItem(item)) return null;
      const key = n < SIZE_KEY ? item * SIZE_KEY + n : -1;
      const hit = this.itemFound.get(key);
      if (hit !== undefined) return hit;
      const f = this.model.factors;
      const found = this.search(this.vectors.slice(item * f, (item + 1) * f), n, item);
      if (key < 0) return found;
      if (this.itemFound.size >= FOUND_CACHE_LIMIT) this.itemFound.clear();
      this.itemFound.set(key, found);
      return found;
    }
    const v = this.foldIn(items, new Float32Array(items.length).fill(1));
    return v === null ? null : this.search(v, n);
  }

  private foldIn(items: Uint32Array, values: Float32Array, x0?: Float32Array): Float32Array | null {
    // Items newer than the model have no vector yet; they count once it is retrained.
    let n = 0;
    for (let i = 0; i < items.length; i++) if (items[i]! < this.model.items) n++;
    if (n === 0) return null;
    let its = items;
    let vals = values;
    if (n < items.length) {
      its = new Uint32Array(n);
      vals = new Float32Array(n);
      for (let i = 0, j = 0; i < items.length; i++) {
        if (items[i]! < this.model.items) {
          its[j] = items[i]!;
          vals[j++] = values[i]!;
        }
      }
    }
    return this.model.foldIn(its, vals, x0);
  }

  private search(v: Float32Array, n: number, skip?: number): Found {
    const found = this.index.search(v, skip === undefined ? n : n + 1);
    if (skip === undefined) return found;
    const keep = Array.from(found.ids, (_, i) => i).filter((i) => found.ids[i] !== skip);
    return {
      ids: Uint32Array.from(keep, (i) => found.ids[i]!),
      scores: Float32Array.from(keep, (i) => found.scores[i]!),
    };
  }
}
