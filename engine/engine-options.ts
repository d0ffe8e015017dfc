/**
 * The engine's options: what a caller may set, and the model-shaping part of them resolved with
 * defaults. Kept apart from the Engine because snapshots record the resolved options and a restore
 * compares them with what the host asked for (engine/snapshot/restore.ts).
 */
import { checkFunction, checkNumber, checkOptionalBoolean, checkOptions } from './arguments.js';
import { invalidArgument } from './errors.js';
import { DEFAULT_EVENT_TIME, type EventTimeOptions } from './event-time.js';
import { DEFAULT_KEY_CAPS, type KeyCaps } from './key-caps.js';
import type { RetentionOptions } from './retention.js';
import { EVENT_TYPE_CODE } from './events.js';
import type { AnomalyOptions } from './analytics/anomalies.js';
import type { FunnelOptions } from './analytics/funnel.js';
import { priceHistoryOptions, type PriceHistoryOptions } from './analytics/price/index.js';
import { resolveSalesOptions, type SalesOptions } from './analytics/sales.js';
import { resolveInventoryOptions, type InventoryOptions } from './inventory/index.js';
import { resolveAlsOptions, type AlsOptions } from './models/als/index.js';
import { DEFAULT_BUY_AGAIN, type BuyAgainOptions } from './models/buy-again.js';
import type { CooccurrenceOptions } from './models/cooccurrence.js';
import { DEFAULT_POPULARITY, type PopularityOptions } from './models/popularity.js';
import { DEFAULT_SESSION_FEED_OPTIONS, type SessionFeedOptions } from './models/session-feed.js';
import { DEFAULT_SESSION_KNN_PARAMS, type SessionKnnParams } from './models/session-knn.js';
import { DEFAULT_USER_HISTORY, type UserHistoryOptions } from './models/user-history.js';
import type { FactorIndexOptions } from './recommend/factor-index.js';
import { SOURCES } from './recommend/pool.js';
import { RECOMMEND_TYPES } from './recommend/query.js';
import { DEFAULT_RECOMMEND, type RecommendOverrides } from './recommend/recommender.js';
import { DEFAULT_CHUNK_ROWS } from './store/index.js';

export interface EngineOptions {
  /** Force the SIMD (true) or scalar (false) kernel build; default: SIMD when supported. */
  simd?: boolean;
  /** Rows per Arrow record batch in the event log. */
  chunkRows?: number;
  /** Events older than this (stream time, ms) are dropped from the log; models keep their state. */
  retentionMs?: number;
  popularity?: Partial<PopularityOptions>;
  alsoViewed?: Partial<CooccurrenceOptions>;
  alsoBought?: Partial<CooccurrenceOptions>;
  history?: Partial<UserHistoryOptions>;
  buyAgain?: Partial<BuyAgainOptions>;
  sessions?: Partial<SessionKnnParams>;
  sessionFeed?: Partial<SessionFeedOptions>;
  /** Velocity, cover, stockout risk and alert thresholds. */
  inventory?: Partial<InventoryOptions>;
  /** Price history periods and limits. */
  priceHistory?: Partial<PriceHistoryOptions>;
  /** Funnel bucket tiers and distinct-user counting. */
  funnels?: FunnelModelOptions;
  /** Anomaly detection in event rates and conversion. */
  anomalies?: AnomalyModelOptions;
  /** Customer segments, basket statistics and revenue windows. */
  sales?: SalesOptions;
  /** Factor model (iALS) hyper-parameters used by `trainFactors`. */
  als?: Partial<AlsOptions>;
  /** ANN index over the factor model's items. */
  factorIndex?: Partial<FactorIndexOptions>;
  /** Blend weights and over-fetching of `recommend`. */
  recommend?: RecommendOverrides;
  /**
   * Pricing defaults: the margin assumed at today's price for items without a cost, per category
   * and `'*'` for the rest (0.4: cost = 60% of the price). A runtime setting, like `recommend`.
   */
  pricing?: { margins?: Record<string, number> };
  /** Receive time for events without `ts` (epoch ms). Injected so the engine stays deterministic. */
  clock?: () => number;
  /**
   * How event times are screened (engine/event-time.ts): against the wall clock (`wall`, the
   * default, for a live service) or the stream's own watermark (`stream`, for replays), with
   * the future skew allowed (default 5 minutes).
   */
  eventTime?: Partial<EventTimeOptions>;
  /**
   * What else is forgotten, and when (engine/retention.ts): a byte cap on the log, a cap on users,
   * a memory budget. `retentionMs` above is the horizon for the log and for every id.
   */
  retention?: Omit<RetentionOptions, 'retentionMs'>;
  /** Caps on distinct categories and stock locations, which retention keeps for good. */
  keyCaps?: Partial<KeyCaps>;
}

/**
 * The options that shape model state, resolved (defaults filled in). A snapshot records them and
 * a restore rebuilds the models with them, since state built under other options would not fit.
 */
export interface EngineModelOptions {
  chunkRows: number;
  /** Retention window of the event log (ms); null keeps every event. */
  retentionMs: number | null;
  popularity: PopularityOptions;
  alsoViewed: CooccurrenceOptions;
  alsoBought: CooccurrenceOptions;
  history: UserHistoryOptions;
  buyAgain: BuyAgainOptions;
  sessions: SessionKnnParams;
  sessionFeed: SessionFeedOptions;
  inventory: InventoryOptions;
  priceHistory: PriceHistoryOptions;
  funnels: FunnelModelOptions;
  anomalies: AnomalyModelOptions;
  sales: SalesOptions;
}

/** Funnel options a snapshot can keep (categories come from the engine's catalogue). */
export type FunnelModelOptions = Omit<FunnelOptions, 'categoryOf'>;
/** Anomaly options a snapshot can keep (categories and their names come from the engine). */
export type AnomalyModelOptions = Omit<AnomalyOptions, 'categoryOf' | 'categoryName'>;

const DEFAULT_ALSO_VIEWED: CooccurrenceOptions = {
  types: [EVENT_TYPE_CODE.view, EVENT_TYPE_CODE.add_to_cart],
  context: 'session',
  window: 5,
  idleMs: 30 * 60 * 1000,
  shrink: 2,
};

const DEFAULT_ALSO_BOUGHT: CooccurrenceOptions = {
  types: [EVENT_TYPE_CODE.purchase],
  context: 'order',
  window: 32,
  idleMs: 10 * 60 * 1000,
  shrink: 1,
};

/**
 * The model-shaping options that `options` gives, with defaults for the rest; `chunkRows` and
 * `retentionMs` are the store's defaults when absent.
 */
export function resolveModelOptions(options: EngineOptions): EngineModelOptions {
  return {
    chunkRows: options.chunkRows ?? DEFAULT_CHUNK_ROWS,
    retentionMs: options.retentionMs ?? null,
    popularity: { ...DEFAULT_POPULARITY, ...options.popularity },
    alsoViewed: { ...DEFAULT_ALSO_VIEWED, ...options.alsoViewed },
    alsoBought: { ...DEFAULT_ALSO_BOUGHT, ...options.alsoBought },
    history: { ...DEFAULT_USER_HISTORY, ...options.history },
    buyAgain: { ...DEFAULT_BUY_AGAIN, ...options.buyAgain },
    sessions: { ...DEFAULT_SESSION_KNN_PARAMS, ...options.sessions },
    sessionFeed: { ...DEFAULT_SESSION_FEED_OPTIONS, ...options.sessionFeed },
    inventory: resolveInventoryOptions(options.inventory),
    priceHistory: priceHistoryOptions(options.priceHistory ?? {}),
    funnels: { ...options.funnels },
    anomalies: { ...options.anomalies },
    sales: resolveSalesOptions(options.sales),
  };
}

/** The options a snapshot does not keep: a restore takes them from its caller. */
export type RuntimeOptions = Pick<
  EngineOptions,
  | 'simd'
  | 'clock'
  | 'als'
  | 'factorIndex'
  | 'recommend'
  | 'eventTime'
  | 'retention'
  | 'keyCaps'
  | 'pricing'
>;

/**
 * The options an engine restored from a snapshot runs with: the model-shaping ones the snapshot
 * recorded, the runtime ones the caller gives, and the store's own chunk size and retention
 * window, which win because a restore may have changed the window.
 */
export function restoredOptions(
  model: EngineModelOptions,
  store: { readonly chunkRows: number; readonly retentionMs: number | undefined },
  runtime: RuntimeOptions,
): EngineOptions {
  return {
    ...(runtime.pricing !== undefined && { pricing: runtime.pricing }),
    ...(runtime.simd !== undefined && { simd: runtime.simd }),
    ...(runtime.clock !== undefined && { clock: runtime.clock }),
    ...(runtime.eventTime !== undefined && { eventTime: runtime.eventTime }),
    ...(runtime.retention !== undefined && { retention: runtime.retention }),
    ...(runtime.keyCaps !== undefined && { keyCaps: runtime.keyCaps }),
    ...(runtime.als !== undefined && { als: runtime.als }),
    ...(runtime.factorIndex !== undefined && { factorIndex: runtime.factorIndex }),
    ...(runtime.recommend !== undefined && { recommend: runtime.recommend }),
    chunkRows: store.chunkRows,
    ...(store.retentionMs !== undefined && { retentionMs: store.retentionMs }),
    popularity: model.popularity,
    alsoViewed: model.alsoViewed,
    alsoBought: model.alsoBought,
    history: model.history,
    buyAgain: model.buyAgain,
    sessions: model.sessions,
    sessionFeed: model.sessionFeed,
    inventory: model.inventory,
    priceHistory: model.priceHistory,
    funnels: model.funnels,
    anomalies: model.anomalies,
    sales: model.sales,
  };
}

export const ENGINE_OPTION_KEYS: readonly (keyof EngineOptions)[] = [
  'simd',
  'chunkRows',
  'retentionMs',
  'popularity',
  'alsoViewed',
  'alsoBought',
  'history',
  'buyAgain',
  'sessions',
  'sessionFeed',
  'inventory',
  'priceHistory',
  'funnels',
  'anomalies',
  'sales',
  'als',
  'factorIndex',
  'recommend',
  'clock',
  'eventTime',
  'retention',
  'keyCaps',
  'pricing',
];

/** Options whose every key has a default: a key not among them, or of another type, is a typo. */
const SHAPED: Partial<Record<keyof EngineOptions, object>> = {
  popularity: DEFAULT_POPULARITY,
  alsoViewed: DEFAULT_ALSO_VIEWED,
  alsoBought: DEFAULT_ALSO_BOUGHT,
  history: DEFAULT_USER_HISTORY,
  buyAgain: DEFAULT_BUY_AGAIN,
  sessions: DEFAULT_SESSION_KNN_PARAMS,
  sessionFeed: DEFAULT_SESSION_FEED_OPTIONS,
  eventTime: DEFAULT_EVENT_TIME,
  keyCaps: DEFAULT_KEY_CAPS,
};

/** Options that are objects whose contents their own modules check. */
const NESTED: readonly (keyof EngineOptions)[] = [
  'inventory',
  'priceHistory',
  'funnels',
  'anomalies',
  'sales',
  'factorIndex',
  'retention',
];

/** An object of options shaped like `defaults`: known keys, each of the default's type. */
function checkShaped(field: string, value: unknown, defaults: object): void {
  const o = checkOptions(field, value as object | undefined, Object.keys(defaults));
  for (const [key, v] of Object.entries(o)) {
    if (v === undefined) continue;
    const d = (defaults as Record<string, unknown>)[key];
    const same = Array.isArray(d)
      ? Array.isArray(v)
      : typeof v === typeof d && !Number.isNaN(v as number);
    if (!same) {
      throw invalidArgument(
        `${field}.${key}`,
        `must be ${Array.isArray(d) ? 'an array' : `a ${typeof d}`}`,
      );
    }
  }
}

/**
 * Checks what `createEngine` is given before anything is built: every key known, each of its
 * type, and the options other modules own checked by them (the factor model's, the
 * recommender's). Throws AisleError('AISLE_INVALID_ARGUMENT') naming the option.
 */
export function checkEngineOptions(options: unknown): void {
  const o = checkOptions('options', options as EngineOptions | undefined, ENGINE_OPTION_KEYS);
  checkOptionalBoolean('simd', o.simd);
  if (o.chunkRows !== undefined) checkNumber('chunkRows', o.chunkRows, { min: 1, integer: true });
  if (o.retentionMs !== undefined) {
    checkNumber('retentionMs', o.retentionMs, { min: 0, exclusive: true });
  }
  checkFunction('clock', o.clock);
  for (const [key, defaults] of Object.entries(SHAPED)) {
    checkShaped(key, o[key as keyof EngineOptions], defaults);
  }
  for (const key of NESTED)
    checkOptions(key, o[key] as object | undefined, Object.keys(o[key] ?? {}));
  if (o.als !== undefined) resolveAlsOptions(checkOptions('als', o.als, Object.keys(o.als)));
  if (o.recommend !== undefined) checkRecommendOverrides('recommend', o.recommend);
  if (o.pricing !== undefined) {
    const p = checkOptions('pricing', o.pricing, ['margins']);
    if (p.margins !== undefined) {
      const m = checkOptions('pricing.margins', p.margins, Object.keys(p.margins));
      for (const [category, margin] of Object.entries(m)) {
        const field = `pricing.margins.${category}`;
        checkNumber(field, margin, { min: 0 });
        if (!((margin as number) < 1)) throw invalidArgument(field, 'must be below 1');
      }
    }
  }
}

/**
 * Checks recommender overrides: known keys, counts and shares in range, blend weights of known
 * query types and sources as finite numbers ≥ 0. Returns them unchanged.
 */
export function checkRecommendOverrides(field: string, value: unknown): RecommendOverrides {
  const o = checkOptions(
    field,
    value as RecommendOverrides | undefined,
    Object.keys(DEFAULT_RECOMMEND),
  );
  for (const key of ['overfetch', 'minFetch', 'maxFetch', 'recentItems'] as const) {
    if (o[key] !== undefined)
      checkNumber(`${field}.${key}`, o[key], { min: 1, integer: key !== 'overfetch' });
  }
  checkOptionalBoolean(`${field}.fill`, o.fill);
  if (o.newShare !== undefined) {
    const share = checkNumber(`${field}.newShare`, o.newShare, { min: 0 });
    if (share > 1) throw invalidArgument(`${field}.newShare`, 'must be from 0 to 1');
  }
  const weights = checkOptions(`${field}.weights`, o.weights, RECOMMEND_TYPES);
  for (const [type, w] of Object.entries(weights)) {
    const blend = checkOptions(`${field}.weights.${type}`, w as object | undefined, SOURCES);
    for (const [source, weight] of Object.entries(blend)) {
      checkNumber(`${field}.weights.${type}.${source}`, weight, { min: 0 });
    }
  }
  return o;
}
