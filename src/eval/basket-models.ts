/**
 * The engine's models as basket recommenders for the Online Retail evaluation: each part on its
 * own (co-occurrence, ALS, buy-again) and the default blend, all answering from one engine fed
 * with the training period. Parts are measured without the popular fill-in and without the share
 * kept for new items, so a part is judged by what it finds itself; the blend is measured as it
 * serves.
 */
import type { Engine } from '../../engine/engine.js';
import type { BlendWeights } from '../../engine/recommend/pool.js';
import type { RecommendOptions, RecommendOverrides } from '../../engine/recommend/recommender.js';
import type { BasketRecommender } from './baskets.js';

export const BASKET_MODEL_NAMES = ['cooccurrence', 'als', 'buy-again', 'blend'] as const;
export type BasketModelName = (typeof BASKET_MODEL_NAMES)[number];

const PARTS: Record<
  Exclude<BasketModelName, 'blend'>,
  { user: BlendWeights; basket: BlendWeights }
> = {
  cooccurrence: {
    user: { alsoBought: 1, alsoViewed: 1 },
    basket: { alsoBought: 1, alsoViewed: 1 },
  },
  als: { user: { als: 1 }, basket: { als: 1 } },
  // Buy-again has no notion of completing a basket: it answers nothing there.
  'buy-again': { user: { buyAgain: 1 }, basket: {} },
};

/**
 * Recommenders over `engine` for `names`; `blend` overrides the blend's weights and `newShare`
 * its share kept for new items (tuning).
 */
export function basketModels(
  engine: Engine,
  names: readonly BasketModelName[] = BASKET_MODEL_NAMES,
  blend: Partial<RecommendOptions['weights']> = {},
  newShare?: number,
): BasketRecommender[] {
  return names.map((name) => {
    const options: RecommendOverrides =
      name === 'blend'
        ? {
            weights: { ...defaultWeights(engine), ...blend },
            ...(newShare !== undefined && { newShare }),
          }
        : {
            fill: false,
            newShare: 0,
            weights: {
              ...defaultWeights(engine),
              user: PARTS[name].user,
              'bought-together': PARTS[name].basket,
            },
          };
    const rec = engine.createRecommender(options);
    const basketWeights = options.weights!['bought-together']!;
    const empty = Object.values(basketWeights).every((w) => !(w! > 0));
    return {
      name,
      forUser: (user, k) => rec.recommend({ type: 'user', user, k }).results.map((r) => r.item),
      forBasket: (items, k) =>
        empty
          ? []
          : rec.recommend({ type: 'bought-together', items, k }).results.map((r) => r.item),
    };
  });
}

function defaultWeights(engine: Engine): RecommendOptions['weights'] {
  return engine.createRecommender().options.weights;
}
