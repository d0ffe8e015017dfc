/**
 * The factor model's life in an engine: train on the history in the worker thread, build the
 * ANN index, swap the serving model, and keep it in (and take it back from) a snapshot. Kept
 * apart from the Engine because the swap has rules of its own: one training at a time, a query
 * sees the old model or the new one and never a mix, and nothing is swapped in once the engine
 * is closed.
 */
import {
  AlsModel,
  AlsTrainer,
  resolveAlsOptions,
  type AlsModelState,
  type AlsOptions,
} from '../models/als/index.js';
import type { UserHistory } from '../models/user-history.js';
import { expectState, isArrayOf } from '../snapshot/check.js';
import type { Kernels } from '../wasm/index.js';
import { AlsServing } from './als-serving.js';
import {
  buildFactorIndex,
  buildFactorIndexSync,
  DEFAULT_FACTOR_INDEX,
  type FactorIndexOptions,
} from './factor-index.js';

/** A trained factor model as a snapshot keeps it. */
export interface FactorState {
  model: AlsModelState;
  /** History version of each user row when the training matrix was taken. */
  versions: Float64Array;
  /** Stream time of the training. */
  trainedAt: number;
}

/** What `trainFactors` did. */
export interface FactorReport {
  /** Set when nothing was trained, with the reason (the serving model, if any, stays). */
  skipped?: string;
  /** User and item ids the model covers (dictionary ids 1..n). */
  users: number;
  items: number;
  interactions: number;
  factors: number;
  iterations: number;
  trainSeconds: number;
  indexSeconds: number;
  /** `exact` or `hnsw`. */
  index: string;
  indexedItems: number;
}

/** Options of one training: hyper-parameters over the engine's, and progress per iteration. */
export interface TrainFactorsOptions {
  als?: Partial<AlsOptions>;
  onIteration?: (iteration: number, seconds: number) => void;
}

/** What training and serving read from the engine. */
export interface FactorTrainingContext {
  kernels: Kernels;
  /** The training matrix, each user's history version, and fold-in at query time. */
  history: UserHistory;
  /** The dictionaries' sizes: matrix rows and columns are the ids 0..size. */
  dicts: { user: { readonly size: number }; item: { readonly size: number } };
  /** Stream time, recorded as the training's time. */
  now(): number;
  /** The engine's options, read at each training (the call's `als` options override them). */
  options: { als?: Partial<AlsOptions>; factorIndex?: Partial<FactorIndexOptions> };
  /** Throws AisleError('AISLE_CLOSED') once the engine is closed. */
  assertOpen(): void;
}

export class FactorTraining {
  private current: AlsServing | null = null;
  /** Bumped by every renumbering of users or items: a training begun before it is stale. */
  private epoch = 0;
  private trainer: AlsTrainer | undefined;
  private running: Promise<FactorReport> | undefined;

  constructor(private readonly c: FactorTrainingContext) {}

  /** The factor model serving now (null before the first training or restore). */
  get serving(): AlsServing | null {
    return this.current;
  }

  /** Trains, or returns the promise of the training already running. */
  train(opts: TrainFactorsOptions): Promise<FactorReport> {
    if (this.running !== undefined) return this.running;
    const run = this.run(opts).finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  /** Stops the worker thread; a training in flight then fails and swaps nothing in. */
  close(): void {
    void this.trainer?.close();
    this.trainer = undefined;
  }

  /** A copy of the serving model for a snapshot, or null when none is serving. */
  exportState(): FactorState | null {
    const m = this.current;
    if (m === null) return null;
    return { model: m.model.exportState(), versions: m.versionsCopy(), trainedAt: m.trainedAt };
  }

  /**
   * Serves the model a snapshot kept, building its index at once (it is not stored). Throws
   * AisleError('AISLE_SNAPSHOT') when the state is malformed.
   */
  restore(state: FactorState): void {
    expectState(
      typeof state === 'object' &&
        state !== null &&
        isArrayOf(state.versions, Float64Array) &&
        typeof state.trainedAt === 'number',
      'engine: factor model',
    );
    const { kernels, history } = this.c;
    const model = AlsModel.fromState(kernels, state.model);
    expectState(state.versions.length >= model.users, 'engine: factor model versions');
    const index = buildFactorIndexSync(kernels, model, {
      ...DEFAULT_FACTOR_INDEX,
      ...this.c.options.factorIndex,
    });
    this.current = new AlsServing(model, index, state.versions.slice(), history, state.trainedAt);
  }

  /**
   * Renumbers users or items of the serving model (engine/retention.ts): rows of dropped ids go,
   * the rest move to their new ids, and the item index is rebuilt over the kept items. A training
   * under way when this runs is discarded when it ends. O(model) plus the index build.
   */
  remap(kind: 'user' | 'item', map: Uint32Array, size: number): void {
    this.epoch++;
    const state = this.exportState();
    if (state === null) return;
    const m = state.model;
    const f = m.factors;
    const rows = kind === 'user' ? m.users : m.items;
    const from = kind === 'user' ? m.userFactors : m.itemFactors;
    // Ids the model never saw (newer than its training) stay beyond its rows, as before.
    let kept = 1;
    for (let id = 1; id < rows && id < map.length; id++)
      if (map[id] !== 0) kept = Math.max(kept, map[id]! + 1);
    const to = new Float32Array(kept * f);
    for (let id = 1; id < rows && id < map.length; id++) {
      const n = map[id]!;
      if (n !== 0) to.set(from.subarray(id * f, (id + 1) * f), n * f);
    }
    if (kind === 'user') {
      m.userFactors = to;
      m.users = kept;
      const versions = new Float64Array(Math.max(kept, Math.min(size + 1, state.versions.length)));
      for (let id = 1; id < state.versions.length && id < map.length; id++) {
        const n = map[id]!;
        if (n !== 0 && n < versions.length) versions[n] = state.versions[id]!;
      }
      state.versions = versions;
    } else {
      m.itemFactors = to;
      m.items = kept;
    }
    const old = this.current;
    this.restore(state);
    old?.dispose();
  }

  private async run(opts: TrainFactorsOptions): Promise<FactorReport> {
    const { kernels, history, dicts } = this.c;
    const options = resolveAlsOptions({ ...this.c.options.als, ...opts.als });
    const matrix = history.toCsr(dicts.user.size + 1, dicts.item.size + 1);
    const versions = new Float64Array(matrix.rows);
    for (let u = 1; u < matrix.rows; u++) versions[u] = history.version(u);
    const trainedAt = this.c.now();
    const interactions = matrix.indptr[matrix.rows]!;
    if (interactions === 0) {
      return {
        skipped: 'no interactions yet',
        users: 0,
        items: 0,
        interactions: 0,
        factors: options.factors,
        iterations: 0,
        trainSeconds: 0,
        indexSeconds: 0,
        index: 'none',
        indexedItems: 0,
      };
    }
    this.trainer ??= new AlsTrainer();
    const epoch = this.epoch;
    const started = performance.now();
    const trained = await this.trainer.train(matrix, options, {
      simd: kernels.simd,
      transfer: true,
      ...(opts.onIteration !== undefined && { onIteration: opts.onIteration }),
    });
    this.c.assertOpen();
    const trainSeconds = (performance.now() - started) / 1000;
    if (epoch !== this.epoch) {
      // Retention renumbered users or items while the worker trained: its rows name old ids.
      return {
        skipped: 'users or items were renumbered by retention during training; train again',
        users: 0,
        items: 0,
        interactions,
        factors: options.factors,
        iterations: options.iterations,
        trainSeconds,
        indexSeconds: 0,
        index: 'none',
        indexedItems: 0,
      };
    }
    const model = new AlsModel(kernels, trained, options);
    const indexStarted = performance.now();
    const indexOptions = { ...DEFAULT_FACTOR_INDEX, ...this.c.options.factorIndex };
    const index = await buildFactorIndex(kernels, model, indexOptions);
    try {
      this.c.assertOpen();
    } catch (err) {
      // Closed while the index was built: free the new model instead of swapping it in.
      index.dispose?.();
      model.dispose();
      throw err;
    }
    const serving = new AlsServing(model, index, versions, history, trainedAt);
    const old = this.current;
    this.current = serving;
    old?.dispose();
    // Row 0 of both sides is the dictionaries' "absent" id, never a real user or item.
    return {
      users: trained.users - 1,
      items: trained.items - 1,
      interactions,
      factors: trained.factors,
      iterations: options.iterations,
      trainSeconds,
      indexSeconds: (performance.now() - indexStarted) / 1000,
      index: serving.indexSize < indexOptions.exactBelow ? 'exact' : 'hnsw',
      indexedItems: serving.indexSize,
    };
  }
}
