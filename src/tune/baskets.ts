/**
 * Tuning the user-recommendation blend on a shop's own purchases: the validation split of the
 * training period (its last 30 days, src/eval/basket-split.ts), one engine fed with what comes
 * before, and a coordinate search (src/tune/search.ts) over the blend's weights, the share kept
 * for new items and the factor model's size and regularisation, within a time budget. The
 * objective is the mean of recall@20 and NDCG@20 of the blend over the validation customers; the
 * test period is never read.
 *
 * The blend's weights and the new-item share only change how answers are ranked, so a move of
 * theirs costs one pass of queries; a move of the factor model retrains it (a few seconds).
 */
import { createEngine, type Engine } from '../../engine/index.js';
import type { PurchaseEvent } from '../../engine/events.js';
import { DEFAULT_ALS, type AlsOptions } from '../../engine/models/als/index.js';
import { DEFAULT_RECOMMEND } from '../../engine/recommend/recommender.js';
import { splitBaskets, type BasketSplit } from '../eval/basket-split.js';
import { evaluateBaskets, type BasketRecommender } from '../eval/baskets.js';
import {
  changedFrom,
  coordinateSearch,
  round2,
  type Dimension,
  type SearchStep,
} from './search.js';

/** The blend's knobs, flat for the search. */
export interface BasketParams {
  als: number;
  alsoBought: number;
  alsoViewed: number;
  buyAgain: number;
  popular: number;
  newShare: number;
  factors: number;
  regularization: number;
}

const USER = DEFAULT_RECOMMEND.weights.user;

export const DEFAULT_BASKET_PARAMS: BasketParams = {
  als: USER.als ?? 0,
  alsoBought: USER.alsoBought ?? 0,
  alsoViewed: USER.alsoViewed ?? 0,
  buyAgain: USER.buyAgain ?? 0,
  popular: USER.popular ?? 0,
  newShare: DEFAULT_RECOMMEND.newShare,
  factors: DEFAULT_ALS.factors,
  regularization: DEFAULT_ALS.regularization,
};

export const BASKET_OBJECTIVE =
  '(recall@20 + NDCG@20) / 2 of the blend on the validation customers';

/** Buy-again first: in a wholesaler's history, what was bought before is the strongest signal. */
export const BASKET_DIMENSIONS: Dimension<BasketParams>[] = [
  { name: 'buyAgain', values: [0, 0.5, 1, 1.5, 2, 3, 5] },
  { name: 'als', values: [0, 0.25, 0.5, 1, 1.5, 2, 3] },
  { name: 'alsoBought', values: [0, 0.25, 0.5, 1, 1.5, 2] },
  { name: 'alsoViewed', values: [0, 0.25, 0.5, 1] },
  { name: 'popular', values: [0, 0.02, 0.05, 0.1, 0.2] },
  { name: 'newShare', values: [0, 0.05, 0.1, 0.2, 0.3] },
  { name: 'factors', values: [32, 64, 128] },
  { name: 'regularization', values: [0.01, 0.02, 0.05, 0.1, 0.2] },
];

/** The engine options a set of basket parameters stands for. */
export function basketEngineOptions(p: BasketParams): {
  recommend: { weights: { user: Record<string, number> }; newShare: number };
  als: Partial<AlsOptions>;
} {
  return {
    recommend: {
      weights: {
        user: {
          ...USER,
          als: p.als,
          alsoBought: p.alsoBought,
          alsoViewed: p.alsoViewed,
          buyAgain: p.buyAgain,
          popular: p.popular,
        },
      },
      newShare: p.newShare,
    },
    als: { factors: p.factors, regularization: p.regularization },
  };
}

export interface BasketFigures {
  'recall@20': number;
  'ndcg@20': number;
  objective: number;
}

export interface BasketTuneReport {
  kind: 'baskets';
  params: BasketParams;
  changed: Partial<BasketParams>;
  objective: string;
  validation: {
    customers: number;
    boundary: string;
    defaults: BasketFigures;
    chosen: BasketFigures;
    gain: BasketFigures;
  };
  search: {
    evaluations: number;
    stoppedBy: 'converged' | 'budget';
    kept: { moved: string; value: number; objective: number }[];
  };
  budget_s: number;
  tune_s: number;
  chosenAt: string;
}

export interface TuneBasketsOptions {
  /** Every purchase of the history; the test period is split off and never read. */
  events: readonly PurchaseEvent[];
  budgetS?: number;
  start?: Partial<BasketParams>;
  onStep?(step: SearchStep<BasketParams>, elapsedS: number, budgetS: number): void;
}

/** Gain needed to move: about a tenth of the per-customer metrics' standard error. */
const MIN_GAIN = 0.1;

/** An engine fed with a split's training part, its factor model retrained on demand. */
export class BasketBench {
  /** Customers the last figures were averaged over. */
  customers = 0;
  /** The factor model serving, as `modelKey` gives it ('' before any). */
  private trainedWith = '';

  /** Which factor model `p` needs. */
  static modelKey(p: BasketParams): string {
    return `${p.factors}/${p.regularization}`;
  }

  /** Whether `p`'s factor model is the one serving. */
  serves(p: BasketParams): boolean {
    return BasketBench.modelKey(p) === this.trainedWith;
  }

  private constructor(
    readonly split: BasketSplit,
    private readonly engine: Engine,
  ) {}

  static async open(split: BasketSplit): Promise<BasketBench> {
    const engine = await createEngine();
    for (let i = 0; i < split.train.length; i += 10_000) {
      engine.ingestEvents(split.train.slice(i, i + 10_000));
    }
    return new BasketBench(split, engine);
  }

  /** Trains the factor model `p` asks for, unless it is the one serving. */
  async prepare(p: BasketParams): Promise<void> {
    const key = BasketBench.modelKey(p);
    if (key === this.trainedWith) return;
    await this.engine.trainFactors({ als: basketEngineOptions(p).als });
    this.trainedWith = key;
  }

  /** The blend's figures under `p` (whose factor model must be prepared). */
  figures(p: BasketParams): BasketFigures {
    const o = basketEngineOptions(p);
    const rec = this.engine.createRecommender({
      weights: { ...DEFAULT_RECOMMEND.weights, user: o.recommend.weights.user },
      newShare: o.recommend.newShare,
    });
    const blend: BasketRecommender = {
      name: 'blend',
      forUser: (user, k) => rec.recommend({ type: 'user', user, k }).results.map((r) => r.item),
      forBasket: () => [],
    };
    const row = evaluateBaskets(this.split, [blend], { cold: [] }).rows[0]!;
    this.customers = row.customers;
    return {
      'recall@20': row['recall@20'],
      'ndcg@20': row['ndcg@20'],
      objective: round2((row['recall@20'] + row['ndcg@20']) / 2),
    };
  }

  close(): void {
    this.engine.close();
  }
}

export async function tuneBaskets(o: TuneBasketsOptions): Promise<BasketTuneReport> {
  const t0 = performance.now();
  const budgetS = o.budgetS ?? 120;
  const start: BasketParams = { ...DEFAULT_BASKET_PARAMS, ...o.start };
  const split = splitBaskets(o.events, { mode: 'validation' });
  const bench = await BasketBench.open(split);
  const elapsed = (): number => (performance.now() - t0) / 1000;
  try {
    const p0 = performance.now();
    await bench.prepare(start);
    const defaults = bench.figures(start);
    // What a move of the factor model costs: a training and a pass of queries.
    let modelS = (performance.now() - p0) / 1000;
    const points = new Map<string, BasketFigures>();
    const keyOf = (p: BasketParams): string => JSON.stringify(p);
    points.set(keyOf(start), defaults);
    const steps: SearchStep<BasketParams>[] = [];
    // The search is synchronous and training is not: a run goes until it asks for a factor model
    // not yet trained, which is trained and scored before the next run. Runs are replayed from
    // the scores kept in `points`, so each picks up where the last one stopped.
    let result = undefined as ReturnType<typeof coordinateSearch<BasketParams>> | undefined;
    // A factor model the search asked for and the budget could not pay for.
    let missingLeft = false;
    for (;;) {
      let missing: BasketParams | undefined;
      result = coordinateSearch<BasketParams>({
        start,
        dimensions: BASKET_DIMENSIONS,
        budgetMs: Math.max(0, budgetS - elapsed()) * 1000,
        minGain: MIN_GAIN,
        evaluate: (p) => {
          const known = points.get(keyOf(p));
          if (known !== undefined) return score(known);
          if (missing === undefined && bench.serves(p)) {
            const f = bench.figures(p);
            points.set(keyOf(p), f);
            steps.push({ params: p, score: score(f), kept: false, ms: 0 });
            o.onStep?.(steps[steps.length - 1]!, elapsed(), budgetS);
            return score(f);
          }
          // Another factor model: stop this run here (scored as nothing) and train it first.
          missing ??= p;
          return { objective: -Infinity, metrics: {} };
        },
      });
      if (missing === undefined) break;
      if (elapsed() + modelS > budgetS) {
        missingLeft = true;
        break;
      }
      const m0 = performance.now();
      await bench.prepare(missing);
      const f = bench.figures(missing);
      modelS = Math.max(modelS, (performance.now() - m0) / 1000);
      points.set(keyOf(missing), f);
      steps.push({ params: missing, score: score(f), kept: false, ms: 0 });
      o.onStep?.(steps[steps.length - 1]!, elapsed(), budgetS);
    }
    const best = result.best;
    const chosen = points.get(keyOf(best))!;
    const params = chosen.objective > defaults.objective + MIN_GAIN ? best : start;
    const final = points.get(keyOf(params))!;
    return {
      kind: 'baskets',
      params,
      changed: changedFrom(params, DEFAULT_BASKET_PARAMS),
      objective: BASKET_OBJECTIVE,
      validation: {
        customers: bench.customers,
        boundary: new Date(split.boundary).toISOString(),
        defaults,
        chosen: final,
        gain: {
          'recall@20': round2(final['recall@20'] - defaults['recall@20']),
          'ndcg@20': round2(final['ndcg@20'] - defaults['ndcg@20']),
          objective: round2(final.objective - defaults.objective),
        },
      },
      search: {
        evaluations: steps.length + 1,
        stoppedBy: result.stoppedBy === 'budget' || missingLeft ? 'budget' : 'converged',
        kept: result.steps
          .filter((s) => s.kept && s.moved !== undefined)
          .map((s) => ({
            moved: s.moved!,
            value: s.params[s.moved!],
            objective: s.score.objective,
          })),
      },
      budget_s: budgetS,
      tune_s: round2(elapsed()),
      chosenAt: new Date().toISOString(),
    };
  } finally {
    bench.close();
  }
}

function score(f: BasketFigures): { objective: number; metrics: Record<string, number> } {
  return {
    objective: f.objective,
    metrics: { 'recall@20': f['recall@20'], 'ndcg@20': f['ndcg@20'] },
  };
}
