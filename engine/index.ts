/**
 * aisle: embeddable real-time recommendation and analytics engine for retail.
 * The public surface of the embeddable core.
 */
import { Engine, type EngineOptions } from './engine.js';

export { Engine, AnalyticsFacet, InventoryFacet, PricesFacet } from './engine.js';
export type {
  EngineModelOptions,
  EngineOptions,
  EngineState,
  EngineStats,
  FactorReport,
  FactorState,
  AnomalyView,
  CustomerSegmentView,
  GroupByQuery,
  GroupByView,
  FunnelView,
  RevenueView,
  UserHistoryEntry,
  UserHistoryView,
  InventoryAlertView,
  InventoryReportView,
  PairStats,
  AudienceMember,
  AudienceQuery,
  AudienceView,
  ElasticitiesView,
  PriceRecommendationOptions,
  PriceRecommendationView,
  PriceReport,
  IngestJob,
  IngestResult,
} from './engine.js';
export { Catalogue, type CatalogueItem } from './catalogue.js';
export { INVENTORY_ALERT_TYPES, type InventoryAlertType } from './inventory/index.js';
export type { SalesOptions, SegmentsView } from './analytics/sales.js';
export type { GroupRow, ScanKey } from './analytics/scan.js';
export type { BasketStats, BasketQuantiles } from './analytics/baskets.js';
export type { RfmSummary, RfmSegmentSummary, RfmCuts } from './analytics/segments.js';
export type { RevenueResult, RevenueSeries, RevenuePoint } from './analytics/revenue.js';
export type { FunnelPoint, FunnelSeries } from './analytics/funnel.js';
export type {
  TrendFigures,
  TrendingCategory,
  TrendingItem,
  TrendingReport,
} from './analytics/trend-report.js';
export {
  DEFAULT_RECOMMEND,
  Recommender,
  type Fallback,
  type RecommendedItem,
  type RecommendOptions,
  type RecommendOverrides,
  type RecommendResult,
} from './recommend/recommender.js';
export {
  RECOMMEND_TYPES,
  type Diversity,
  type RecommendFilters,
  type RecommendQuery,
  type RecommendType,
} from './recommend/query.js';
export type { BlendWeights } from './recommend/pool.js';
export { DEFAULT_ALS, type AlsOptions } from './models/als/index.js';
export {
  AisleError,
  CodedError,
  isAisleError,
  isCodedError,
  type AisleErrorCode,
} from './errors.js';
export * from './events.js';
export * from './snapshot/index.js';

/** Creates an engine: loads the WASM kernels (SIMD when supported) and empty models. */
export function createEngine(options: EngineOptions = {}): Promise<Engine> {
  return Engine.create(options);
}
