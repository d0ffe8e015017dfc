/**
 * Price analytics for merchandisers: price history per item, own-price elasticity of demand,
 * markdown suggestions for overstocked items, and the price that maximises expected profit.
 */
export {
  DAY_MS,
  DEFAULT_PRICE_HISTORY,
  PriceHistory,
  f32Decimal,
  priceHistoryOptions,
} from './history.js';
export type {
  PeriodSales,
  PriceChangePoint,
  PriceHistoryOptions,
  PriceHistoryState,
  PriceSource,
  Velocity,
} from './history.js';
export {
  DEFAULT_ELASTICITY,
  elasticityOptions,
  estimateElasticity,
  isRefusal,
  itemElasticity,
  studentTCdf,
  studentTQuantile,
} from './elasticity.js';
export type {
  DemandPoint,
  ElasticityEstimate,
  ElasticityOptions,
  ElasticityResult,
  Refusal,
} from './elasticity.js';
export { DEFAULT_MARKDOWN, itemMarkdown, markdownOptions, suggestMarkdown } from './markdown.js';
export type {
  ItemMarkdownInput,
  MarkdownInput,
  MarkdownOptions,
  MarkdownResult,
  MarkdownSuggestion,
} from './markdown.js';
export { DEFAULT_PRICE_CONSTRAINTS, priceConstraints, recommendPrice } from './optimise.js';
export type {
  PriceBound,
  PriceConstraints,
  PriceOptimiseInput,
  PricePoint,
  PriceRecommendation,
} from './optimise.js';
export { fitGroup, poolElasticities, pooledFor } from './pooled.js';
export type { GroupFit, PoolInput, PooledElasticities, PooledElasticity } from './pooled.js';
