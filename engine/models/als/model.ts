/**
 * A trained ALS model ready to serve: user factors in a plain array, item factors and their
 * regularised Gram matrix resident in the kernels' arena so that scoring and fold-in are single
 * kernel calls.
 */
import { AisleError } from '../../errors.js';
import { expectState, isArrayOf, isCount } from '../../snapshot/check.js';
import type { Kernels } from '../../wasm/index.js';
import { foldInUser, releaseItems, residentItems, type ResidentItems } from './fold-in.js';
import { resolveAlsOptions, type AlsOptions } from './options.js';
import type { AlsFactors } from './train.js';

/** The options a trained model still needs: to rebuild YᵀY + λI and to fold users in. */
export type AlsModelOptions = Pick<AlsOptions, 'regularization' | 'alpha' | 'cgSteps'>;

/** What `exportState` gives and `fromState` takes: plain numbers and typed-array copies. */
export interface AlsModelState {
  factors: number;
  users: number;
  items: number;
  regularization: number;
  alpha: number;
  cgSteps: number;
  /** users × factors. */
  userFactors: Float32Array;
  /** items × factors. */
  itemFactors: Float32Array;
}

/** Ranked items: ids best first with their scores. */
export interface AlsRanked {
  ids: Uint32Array;
  scores: Float32Array;
}

// Gathering rows pays while they are a small part of the catalogue; past that one pass over the
// whole matrix is cheaper than copying the rows.
const GATHER_FRACTION = 0.25;

function invalid(message: string, field: string): AisleError {
  return new AisleError('AISLE_INVALID_ARGUMENT', message, { field });
}

export class AlsModel {
  readonly factors: number;
  readonly users: number;
  readonly items: number;
  readonly options: Readonly<AlsModelOptions>;
  private readonly userFactors: Float32Array;
  private resident: ResidentItems | undefined;

  /**
   * Takes ownership of `trained.userFactors` (not copied) and copies the item factors into the
   * arena; computes YᵀY + λI once. `options` are the training options (only regularization,
   * alpha and cgSteps matter here; defaults as in training). Release the arena memory with `dispose`. Throws
   * AISLE_INVALID_ARGUMENT for shapes that disagree or bad options. O(items · factors²).
   */
  constructor(
    private readonly kernels: Kernels,
    trained: AlsFactors,
    options: Partial<AlsOptions> = {},
  ) {
    if (options.factors !== undefined && options.factors !== trained.factors) {
      throw invalid(
        `options.factors (${options.factors}) differs from the trained factors`,
        'factors',
      );
    }
    const o = resolveAlsOptions({ ...options, factors: trained.factors });
    const { factors, users, items } = trained;
    if (trained.userFactors.length !== users * factors) {
      throw invalid(
        `userFactors must hold users × factors = ${users * factors} floats`,
        'userFactors',
      );
    }
    this.factors = factors;
    this.users = users;
    this.items = items;
    this.options = Object.freeze({
      regularization: o.regularization,
      alpha: o.alpha,
      cgSteps: o.cgSteps,
    });
    this.userFactors = trained.userFactors;
    this.resident = residentItems(kernels, trained.itemFactors, items, factors, o.regularization);
  }

  /**
   * Restores a model from `exportState`. Throws AisleError('AISLE_SNAPSHOT') naming what is
   * malformed. O(state size + items · factors²).
   */
  static fromState(kernels: Kernels, state: AlsModelState): AlsModel {
    expectState(typeof state === 'object' && state !== null, 'als: state is not an object');
    const { factors, users, items } = state;
    expectState(isCount(factors) && factors >= 1 && factors <= 1024, 'als: factors');
    expectState(isCount(users) && isCount(items), 'als: users and items');
    for (const k of ['regularization', 'alpha'] as const) {
      const v = state[k];
      expectState(typeof v === 'number' && Number.isFinite(v) && v >= 0, `als: ${k}`);
    }
    expectState(isCount(state.cgSteps) && state.cgSteps >= 1, 'als: cgSteps');
    expectState(
      isArrayOf(state.userFactors, Float32Array, users * factors) && allFinite(state.userFactors),
      'als: userFactors',
    );
    expectState(
      isArrayOf(state.itemFactors, Float32Array, items * factors) && allFinite(state.itemFactors),
      'als: itemFactors',
    );
    return new AlsModel(
      kernels,
      {
        factors,
        users,
        items,
        userFactors: state.userFactors.slice(),
        itemFactors: state.itemFactors,
      },
      { regularization: state.regularization, alpha: state.alpha, cgSteps: state.cgSteps },
    );
  }

  /** A copy of the model. O(users · factors + items · factors). */
  exportState(): AlsModelState {
    const r = this.live();
    return {
      factors: this.factors,
      users: this.users,
      items: this.items,
      regularization: this.options.regularization,
      alpha: this.options.alpha,
      cgSteps: this.options.cgSteps,
      userFactors: this.userFactors.slice(),
      itemFactors: this.kernels.arena.f32(r.itemFactors, this.items * this.factors).slice(),
    };
  }

  /** A copy of user row `user`'s vector. Throws AISLE_INVALID_ARGUMENT past the last user. */
  userVector(user: number): Float32Array {
    this.row(user, this.users, 'user');
    return this.userFactors.slice(user * this.factors, (user + 1) * this.factors);
  }

  /** A copy of item row `item`'s vector. Throws AISLE_INVALID_ARGUMENT past the last item. */
  itemVector(item: number): Float32Array {
    this.row(item, this.items, 'item');
    const r = this.live();
    return this.kernels.arena.f32(r.itemFactors + item * this.factors * 4, this.factors).slice();
  }

  /** A copy of YᵀY + λI (factors × factors), the matrix every fold-in starts from. */
  gram(): Float32Array {
    return this.kernels.arena.f32(this.live().gram, this.factors * this.factors).slice();
  }

  /**
   * A user vector from interactions (items[i] with weight values[i]) against the fixed item
   * factors: CG steps from `x0`, or from zero. Training's few steps are warm-started from the
   * previous iteration; a cold start has no such help, so it takes twice as many by default
   * (`cgSteps` overrides). Items should be distinct. Throws AISLE_INVALID_ARGUMENT for an
   * unknown item or a bad value. O(cgSteps · (n · factors + factors²)): about 10 µs for 50 items
   * at 64 factors.
   */
  foldIn(
    items: Uint32Array,
    values: Float32Array,
    x0?: Float32Array,
    cgSteps = x0 === undefined ? 2 * this.options.cgSteps : this.options.cgSteps,
  ): Float32Array {
    if (!Number.isInteger(cgSteps) || cgSteps < 1) {
      throw invalid(`cgSteps must be an integer ≥ 1, not ${cgSteps}`, 'cgSteps');
    }
    return foldInUser(
      this.kernels,
      this.live(),
      items,
      values,
      { alpha: this.options.alpha, cgSteps },
      x0,
    );
  }

  /**
   * out[i] = userVector · item itemRows[i]. `out` must have itemRows.length elements. Throws
   * AISLE_INVALID_ARGUMENT for a wrong length or an unknown item. O(itemRows.length · factors),
   * or O(items · factors) when most of the catalogue is asked for.
   */
  scores(userVector: Float32Array, itemRows: Uint32Array, out: Float32Array): void {
    this.query(userVector);
    const n = itemRows.length;
    if (out.length !== n) throw invalid(`out must have ${n} elements`, 'out');
    for (let i = 0; i < n; i++) {
      if (!(itemRows[i]! < this.items)) {
        throw invalid(`itemRows[${i}] = ${itemRows[i]} is not below ${this.items}`, 'itemRows');
      }
    }
    if (n === 0) return;
    const r = this.live();
    const { arena } = this.kernels;
    const f = this.factors;
    arena.withScratch(() => {
      const q = arena.scratch(f * 4);
      if (n > this.items * GATHER_FRACTION) {
        const all = arena.scratch(this.items * 4);
        arena.f32(q, f).set(userVector);
        this.kernels.dotF32Batch(all, q, r.itemFactors, this.items, f);
        const scores = arena.f32(all, this.items);
        for (let i = 0; i < n; i++) out[i] = scores[itemRows[i]!]!;
        return;
      }
      const rows = arena.scratch(n * f * 4);
      const res = arena.scratch(n * 4);
      arena.f32(q, f).set(userVector);
      const y = arena.f32(r.itemFactors, this.items * f);
      const gathered = arena.f32(rows, n * f);
      for (let i = 0; i < n; i++) {
        const from = itemRows[i]! * f;
        gathered.set(y.subarray(from, from + f), i * f);
      }
      this.kernels.dotF32Batch(res, q, rows, n, f);
      out.set(arena.f32(res, n));
    });
  }

  /**
   * The k items with the highest userVector · item, best first (ties: lower id), skipping
   * `exclude` (e.g. what the user already has). O(items · factors + items log k).
   */
  recommend(userVector: Float32Array, k: number, exclude?: ArrayLike<number>): AlsRanked {
    this.query(userVector);
    if (!Number.isInteger(k) || k < 0) throw invalid(`k must be an integer ≥ 0, not ${k}`, 'k');
    const take = Math.min(k, this.items);
    if (take === 0) return { ids: new Uint32Array(0), scores: new Float32Array(0) };
    const r = this.live();
    const { arena } = this.kernels;
    const f = this.factors;
    return arena.withScratch(() => {
      const q = arena.scratch(f * 4);
      const all = arena.scratch(this.items * 4);
      const outIdx = arena.scratch(take * 4);
      const outScore = arena.scratch(take * 4);
      arena.f32(q, f).set(userVector);
      this.kernels.dotF32Batch(all, q, r.itemFactors, this.items, f);
      if (exclude !== undefined) {
        const scores = arena.f32(all, this.items);
        // The top-k kernel skips NaN: excluding costs one store per excluded item.
        for (let i = 0; i < exclude.length; i++) {
          const item = exclude[i]!;
          if (item >= 0 && item < this.items) scores[item] = Number.NaN;
        }
      }
      const count = this.kernels.topkF32(outIdx, outScore, all, this.items, take);
      return { ids: arena.u32(outIdx, count).slice(), scores: arena.f32(outScore, count).slice() };
    });
  }

  /** Gives the arena memory back; the model cannot serve afterwards (AISLE_CLOSED). */
  dispose(): void {
    if (this.resident === undefined) return;
    releaseItems(this.kernels, this.resident);
    this.resident = undefined;
  }

  private live(): ResidentItems {
    if (this.resident === undefined) {
      throw new AisleError('AISLE_CLOSED', 'the ALS model was disposed');
    }
    return this.resident;
  }

  private row(i: number, n: number, field: string): void {
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw invalid(`${field} ${i} is not a row below ${n}`, field);
    }
  }

  private query(v: Float32Array): void {
    if (!(v instanceof Float32Array) || v.length !== this.factors) {
      throw invalid(`the user vector must be a Float32Array of ${this.factors}`, 'userVector');
    }
  }
}

function allFinite(a: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]!)) return false;
  return true;
}
