/**
 * The Engine: one object that ingests retail events and answers recommendation queries.
 * It owns the event store, the WASM kernels (one linear memory) and the online models.
 */
import { AnalyticsViews } from './analytics-views.js';
import { AnalyticsFacet, InventoryFacet, PricesFacet } from './facets.js';
import { INTERNALS, type EngineInternals } from './internals.js';
import type { Catalogue, CatalogueItem } from './catalogue.js';
import {
  checkEngineOptions,
  checkRecommendOverrides,
  resolveModelOptions,
  restoredOptions,
  type EngineModelOptions,
  type EngineOptions,
  type RuntimeOptions,
} from './engine-options.js';
import {
  checkArray,
  checkFunction,
  checkNumber,
  checkOptionalBoolean,
  checkOptions,
} from './arguments.js';
import { checkCatalogue } from './catalogue-check.js';
import { AisleError } from './errors.js';
import { EventClock, resolveEventTime } from './event-time.js';
import { capRefusals, DEFAULT_KEY_CAPS, type KeyCaps } from './key-caps.js';
import {
  checkTrustedEvent,
  EVENT_TYPES,
  validateBatch,
  type BatchRejection,
  type RetailEvent,
} from './events.js';
import { DEFAULT_ALS, type AlsOptions } from './models/als/index.js';
import type { IdKind } from './activity.js';
import { Retention, type RetentionHost, type RetentionReport } from './retention.js';
import type { SessionKnnParams } from './models/session-knn.js';
import {
  buildParts,
  exportParts,
  ingestParts,
  PART_KINDS,
  PART_ORDER,
  remapPart,
  forgetParts,
  type PartEnv,
  type Parts,
  type PartStates,
} from './parts.js';
import {
  FactorTraining,
  type FactorReport,
  type FactorState,
} from './recommend/factor-training.js';
import {
  DEFAULT_RECOMMEND,
  Recommender,
  type RecommendOverrides,
  type RecommendResult,
} from './recommend/recommender.js';
import type { RecommendQuery } from './recommend/query.js';
import { EngineSources } from './recommend/sources.js';
import { expectState, isArrayOf, isCount } from './snapshot/check.js';
import { memoryReport, type MemoryReport } from './memory-report.js';
import { EventStore } from './store/index.js';
import { loadKernels, type Kernels } from './wasm/index.js';

// Options, analytics views and the factor model live in their own modules; their names are
// re-exported here so imports from engine.ts keep working.
export {
  resolveModelOptions,
  type AnomalyModelOptions,
  type EngineModelOptions,
  type EngineOptions,
  type FunnelModelOptions,
} from './engine-options.js';
export type {
  AnomalyView,
  CustomerSegmentView,
  FunnelView,
  GroupByQuery,
  GroupByView,
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
  RevenueView,
  UserHistoryEntry,
  UserHistoryView,
} from './analytics-views.js';
export { AnalyticsFacet, InventoryFacet, PricesFacet } from './facets.js';
export type { FactorReport, FactorState } from './recommend/factor-training.js';
export type { MemoryReport } from './memory-report.js';
export type { RetentionOptions, RetentionReport } from './retention.js';

export interface IngestResult {
  accepted: number;
  rejected: BatchRejection[];
}

/**
 * A batch being applied in slices (`Engine.beginIngest`). `result` is known from the start: the
 * batch was validated and screened whole before any slice went in.
 */
export interface IngestJob {
  readonly result: IngestResult;
  /** True once every slice is applied (at once for a refused or empty batch). */
  readonly done: boolean;
  /**
   * Applies the next slice; returns `done`. Throws AisleError('AISLE_FAILED') or ('AISLE_CLOSED')
   * when the engine failed or was closed since, leaving the rest of the batch unapplied.
   */
  step(): boolean;
}

/** Events per slice of `beginIngest` by default: about 3 ms of ingest. */
const INGEST_SLICE = 1_000;

export interface EngineStats {
  events: number;
  eventsByType: Record<string, number>;
  rejected: number;
  /** Inventory events accepted for SKUs the catalogue did not list (each flagged). */
  unknownSkuEvents: number;
  items: number;
  users: number;
  sessions: number;
  storedEvents: number;
  bytesPerEvent: number;
  streamTime: number | null;
  simd: boolean;
}

/**
 * Everything besides the event log that affects answers and stats, as plain data and typed
 * arrays (copies). Produced by `Engine.exportState`, consumed by `Engine.fromState`; snapshots
 * (engine/snapshot) write it to disk.
 */
export interface EngineState extends PartStates {
  options: EngineModelOptions;
  /** The engine's clock (newest accepted event time), null before any; absent in old snapshots. */
  watermark?: number | null;
  /** The retention horizon in force (a memory budget may have pulled it in); null for none. */
  retentionHorizonMs?: number | null;
  /** Events ingested per type code. */
  byType: Float64Array;
  rejected: number;
  /** The factor model serving now, if one was trained. */
  factors: FactorState | null;
}

export class Engine {
  private readonly store: EventStore;
  /** Behaviour and sales analytics: trending report, funnels, anomalies, segments, revenue. */
  readonly analytics: AnalyticsFacet;
  /** Stock per item and location, sales velocity, days of cover and inventory alerts. */
  readonly inventory: InventoryFacet;
  /** Price history, elasticity and markdown suggestions. */
  readonly prices: PricesFacet;
  /** The stateful parts (engine/parts.ts), fed and snapshotted in one loop. */
  private readonly parts: Parts;
  /** What the parts are built from and read while they ingest. */
  private readonly env: PartEnv;
  private readonly recommender: Recommender;
  /** The catalogue: items with categories, prices and attributes, fed and learned from events. */
  get catalogue(): Catalogue {
    this.assertOpen();
    return this.parts.catalogue;
  }

  /** The retail-analytics answers by name, over the models below (engine/analytics-views.ts). */
  private readonly views: AnalyticsViews;
  /** The factor model serving now, and its retraining (engine/recommend/factor-training.ts). */
  private readonly factorTraining: FactorTraining;
  private readonly byType: Float64Array;
  /** Bumped by every ingest, so caches of rankings know when they are stale. */
  private generation = 0;
  /**
   * Catalogue prices by item id (NaN unknown): the price filter reads one per candidate, and a
   * string-keyed catalogue lookup each costs more than the rest of the check. Derived from the
   * catalogue, so not snapshotted.
   */
  private listPrices = new Float64Array(1024).fill(Number.NaN);
  private rejectedCount = 0;
  private closed = false;
  /** Set when a part threw while applying a batch: writes and snapshots are refused after it. */
  private failure: AisleError | undefined;
  /** The watermark every part reads time from, and the policy that screens event times. */
  private readonly clock: EventClock;
  /** Caps on categories and locations, which retention never drops (engine/key-caps.ts). */
  private readonly keyCaps: KeyCaps;
  /** What the engine forgets, and when (engine/retention.ts). */
  private readonly retention: Retention;
  /** What retention may read and do. */
  private readonly retentionHost: RetentionHost = {
    activity: () => this.parts.activity,
    watermark: () => this.clock.watermark,
    size: (kind) => this.store.dicts[kind].size,
    bytes: () => this.memory().total,
    blocked: (kind) => this.compactionBlocked(kind),
    trimLog: (cutoff, maxBytes) => {
      this.store.evictBefore(cutoff);
      if (maxBytes !== undefined) this.store.evictToBytes(maxBytes);
    },
    compact: (kind, map, size) => this.compact(kind, map, size),
    forget: (cutoff) => forgetParts(this.parts, cutoff, this.clock.watermark),
  };

  private constructor(
    private readonly kernels: Kernels,
    private readonly options: EngineOptions,
    restored?: { store: EventStore; state: EngineState },
  ) {
    const model = resolveModelOptions(options);
    this.keyCaps = { ...DEFAULT_KEY_CAPS, ...options.keyCaps };
    this.retention = new Retention({
      ...(options.retentionMs !== undefined && { retentionMs: options.retentionMs }),
      ...options.retention,
    });
    this.clock = new EventClock(
      resolveEventTime(options.eventTime),
      () => this.retention.horizonMs,
    );
    this.store =
      restored?.store ??
      new EventStore({
        ...(options.chunkRows !== undefined && { chunkRows: options.chunkRows }),
        ...(options.retentionMs !== undefined && { retentionMs: options.retentionMs }),
      });
    this.env = {
      kernels,
      model,
      dicts: () => this.store.dicts,
      categoryOf: (item) => this.parts.categories.categoryOf(item),
      parts: {},
      notePrice: (item, price) => this.notePrice(item, price),
      watermark: () => this.clock.watermark,
    };
    // One path for a new engine and a restored one: the parts list says how each is built.
    const state = restored?.state;
    if (state !== undefined) {
      expectState(
        isArrayOf(state.byType, Float64Array, EVENT_TYPES.length) && isCount(state.rejected),
        'engine: event counts',
      );
      // Snapshots from before the watermark carry none: the log's newest event stands in.
      const newest = this.store.newestTs;
      this.clock.restore(state.watermark ?? (Number.isFinite(newest) ? newest : -Infinity));
      this.retention.restoreHorizon(state.retentionHorizonMs);
    }
    this.parts = buildParts(this.env, state);
    this.byType = state?.byType ?? new Float64Array(EVENT_TYPES.length);
    this.rejectedCount = state?.rejected ?? 0;
    if (state !== undefined) {
      for (const it of this.parts.catalogue.values()) {
        const id = this.store.dicts.item.lookup(it.id);
        if (id !== undefined) this.notePrice(id, it.price);
      }
    }
    this.recommender = this.newRecommender({});
    this.views = this.createViews();
    const facetHost = { views: this.views, assertOpen: () => this.assertOpen() };
    this.analytics = new AnalyticsFacet(facetHost);
    this.inventory = new InventoryFacet(facetHost);
    this.prices = new PricesFacet(facetHost);
    this.factorTraining = this.createFactorTraining();
    if (state?.factors != null) this.factorTraining.restore(state.factors);
  }

  /**
   * Loads the kernels and builds empty models. Throws AisleError('AISLE_INVALID_ARGUMENT')
   * naming the option for an unknown option or one of the wrong type.
   */
  static async create(options: EngineOptions = {}): Promise<Engine> {
    checkEngineOptions(options);
    const kernels = await loadKernels(options.simd === undefined ? {} : { simd: options.simd });
    return new Engine(kernels, options);
  }

  /**
   * Rebuilds an engine from `exportState` output and the event store restored from the same
   * snapshot, without replaying events. Models are rebuilt with `state.options`; of `options`
   * only the runtime ones (`simd`, `clock`) are used. Hosts normally call `restoreEngine`
   * (engine/snapshot), which reads both from disk. Throws AisleError('AISLE_SNAPSHOT') when the
   * state is malformed. O(state).
   */
  static async fromState(
    store: EventStore,
    state: EngineState,
    options: RuntimeOptions = {},
  ): Promise<Engine> {
    const kernels = await loadKernels(options.simd === undefined ? {} : { simd: options.simd });
    const resolved = restoredOptions(state.options, store, options);
    return new Engine(kernels, resolved, { store, state });
  }

  /**
   * A copy of everything besides the event log that affects answers and stats, consistent as of
   * the call (synchronous; later ingests do not leak in). Pair it with `store.writeSnapshot`
   * started in the same synchronous turn, as `writeEngineSnapshot` does. O(model state).
   */
  exportState(): EngineState {
    this.assertOpen();
    // A failed engine's state may be half-updated: never let it reach a snapshot.
    if (this.failure !== undefined) throw this.failure;
    return {
      watermark: Number.isFinite(this.clock.watermark) ? this.clock.watermark : null,
      retentionHorizonMs: this.retention.horizonMs ?? null,
      options: {
        chunkRows: this.store.chunkRows,
        retentionMs: this.store.retentionMs ?? null,
        popularity: structuredClone(this.parts.popularity.options),
        alsoViewed: structuredClone(this.parts.alsoViewed.options),
        alsoBought: structuredClone(this.parts.alsoBought.options),
        history: structuredClone(this.parts.history.options),
        buyAgain: structuredClone(this.parts.buyAgain.options),
        sessions: structuredClone(this.parts.sessions.model.params),
        sessionFeed: structuredClone(this.parts.sessions.options),
        inventory: structuredClone(this.parts.inventory.options),
        priceHistory: structuredClone(this.parts.priceHistory.options),
        // Plain data only: the category lookups these models take are the engine's own.
        funnels: structuredClone({ ...this.options.funnels }),
        anomalies: structuredClone({ ...this.options.anomalies }),
        sales: structuredClone(this.parts.sales.options),
      },
      byType: this.byType.slice(),
      rejected: this.rejectedCount,
      ...exportParts(this.parts),
      factors: this.factorTraining.exportState(),
    };
  }

  /**
   * Validates and ingests a batch of wire-format events.
   * All or nothing: when any event is invalid none is kept, so a client can fix and resend the
   * batch without duplicating the good ones. Pass `partial: true` to keep the valid events.
   * Event times are screened against the engine's clock (engine/event-time.ts): an event too far
   * in the future, or older than the retention horizon, is refused like a malformed one, with
   * field `ts`. Throws AisleError('AISLE_FAILED') once a part has failed (see `health`).
   */
  ingest(raw: readonly unknown[], opts: { partial?: boolean } = {}): IngestResult {
    this.assertWritable();
    checkArray('events', raw);
    checkOptionalBoolean('partial', checkOptions('opts', opts, ['partial']).partial);
    const { events, rejected, watermark } = this.screen(raw, this.options.clock?.() ?? Date.now());
    this.rejectedCount += rejected.length;
    if (rejected.length > 0 && opts.partial !== true) return { accepted: 0, rejected };
    this.apply(events, watermark);
    return { accepted: events.length, rejected };
  }

  /**
   * `ingest` for a host that must keep answering while a large batch goes in. The batch is
   * validated and screened whole at once, exactly as `ingest` does (so `result` is final, and a
   * refused batch applies nothing), then applied in slices of at most `slice` events (default
   * 1,000), one per `step()`, as if it had been sent as that many batches. A host yields to its
   * event loop between steps, so a query waits for one slice, not for the whole batch. Slices of
   * concurrent jobs may interleave; each slice is applied whole.
   */
  beginIngest(
    raw: readonly unknown[],
    opts: { partial?: boolean; slice?: number } = {},
  ): IngestJob {
    this.assertWritable();
    checkArray('events', raw);
    const o = checkOptions('opts', opts, ['partial', 'slice']);
    checkOptionalBoolean('partial', o.partial);
    const size = o.slice ?? INGEST_SLICE;
    checkNumber('slice', size, { min: 1, integer: true });
    const { events, rejected } = this.screen(raw, this.options.clock?.() ?? Date.now());
    this.rejectedCount += rejected.length;
    const refused = rejected.length > 0 && o.partial !== true;
    const result: IngestResult = { accepted: refused ? 0 : events.length, rejected };
    let at = refused ? events.length : 0;
    const step = (): boolean => {
      if (at >= events.length) return true;
      this.assertWritable();
      const slice = events.slice(at, at + size);
      let mark = Number.NEGATIVE_INFINITY;
      for (const e of slice) if (e.ts > mark) mark = e.ts;
      at += slice.length;
      this.apply(slice, mark);
      return at >= events.length;
    };
    return {
      result,
      get done() {
        return at >= events.length;
      },
      step,
    };
  }

  /**
   * The checks `ingest` makes, without applying anything: the wire format and the clock's screen
   * against the current watermark. For hosts that must make a batch durable before the engine
   * takes it (the local log): what passes here, `ingestEvents` takes, as long as no other batch
   * moved the watermark in between (only the retention floor depends on it).
   *
   * @param now receive time for events without `ts`, and the wall clock (default: the clock option)
   * @returns the valid events (normalised), every rejection by raw index, and for each event its
   *   raw index
   */
  check(
    raw: readonly unknown[],
    now: number = this.options.clock?.() ?? Date.now(),
  ): { events: RetailEvent[]; rejected: BatchRejection[]; rawIndex: number[] } {
    this.assertOpen();
    checkArray('events', raw);
    checkNumber('now', now, { min: -Infinity });
    const { events, rejected, rawIndex } = this.screen(raw, now);
    return { events, rejected, rawIndex };
  }

  private screen(
    raw: readonly unknown[],
    now: number,
  ): { events: RetailEvent[]; rejected: BatchRejection[]; rawIndex: number[]; watermark: number } {
    const { events, rejected } = validateBatch(raw, now);
    let rawIndex = validIndices(raw.length, rejected);
    const { refused, watermark } = this.refusals(events, now);
    if (refused.length === 0) return { events, rejected, rawIndex, watermark };
    // Indices of `refused` count valid events only; map them back to the raw batch.
    for (const r of refused) rejected.push({ ...r, index: rawIndex[r.index]! });
    rejected.sort((a, b) => a.index - b.index);
    const drop = new Set(refused.map((r) => r.index));
    rawIndex = rawIndex.filter((_, i) => !drop.has(i));
    return { events: without(events, refused), rejected, rawIndex, watermark };
  }

  /**
   * Events of a valid batch the engine will not take, by index: categories or locations past
   * their caps (engine/key-caps.ts), and times the clock refuses; with the watermark the rest
   * would leave.
   */
  private refusals(
    events: readonly RetailEvent[],
    now: number,
  ): { refused: BatchRejection[]; watermark: number } {
    const capped = capRefusals(events, this.store.dicts, this.keyCaps);
    if (capped.length === 0) return this.clock.screen(timesOf(events), now);
    // The clock screens only what the caps let through, so a refused event moves no watermark.
    const keptIndex = validIndices(events.length, capped);
    const kept = without(events, capped);
    const screened = this.clock.screen(timesOf(kept), now);
    const refused: BatchRejection[] = [
      ...capped,
      ...screened.refused.map((r) => ({ ...r, index: keptIndex[r.index]! })),
    ];
    return { refused: refused.sort((a, b) => a.index - b.index), watermark: screened.watermark };
  }

  /**
   * Ingests events that are already valid (from `validateEvent`, a decoder or a trusted source).
   * The whole batch is checked cheaply first (`checkTrustedEvent`): a malformed event throws
   * AisleError('AISLE_INVALID_EVENT') naming its index and field, and nothing changes. Events
   * whose time the engine's clock refuses (too far ahead, older than retention) are left out
   * and returned in `rejected` (field `ts`), so a stream host can dead-letter them.
   */
  ingestEvents(events: readonly RetailEvent[]): IngestResult {
    this.assertWritable();
    checkArray('events', events);
    for (let i = 0; i < events.length; i++) {
      const fault = checkTrustedEvent(events[i]);
      if (fault !== undefined) {
        throw new AisleError('AISLE_INVALID_EVENT', `events[${i}].${fault.field} ${fault.reason}`, {
          index: i,
          field: fault.field,
          reason: fault.reason,
        });
      }
    }
    const now = this.options.clock?.() ?? Date.now();
    const { refused, watermark } = this.refusals(events, now);
    this.rejectedCount += refused.length;
    const kept = refused.length === 0 ? events : without(events, refused);
    this.apply(kept, watermark);
    return { accepted: kept.length, rejected: refused };
  }

  /**
   * The engine's clock: the newest accepted event time (epoch ms), null before any. No part
   * reads time from anywhere else.
   */
  get watermark(): number | null {
    this.assertOpen();
    const w = this.clock.watermark;
    return Number.isFinite(w) ? w : null;
  }

  /**
   * Whether the engine is fit to take writes: false once a part threw while applying a batch
   * (its state may be half-updated, so writes and snapshots are refused until a restore), or
   * once it is closed. Unlike every other method it answers after `close`, so a host's health
   * check can say why it is down.
   */
  health(): { ok: boolean; reason?: string } {
    if (this.failure !== undefined) return { ok: false, reason: this.failure.message };
    if (this.closed) return { ok: false, reason: 'the engine is closed' };
    return { ok: true };
  }

  /** Applies a screened batch to every part; a throw marks the engine failed. */
  private apply(events: readonly RetailEvent[], watermark: number): void {
    if (events.length === 0) return;
    try {
      this.applyToParts(events);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.failure = new AisleError(
        'AISLE_FAILED',
        `the engine failed while applying a batch and refuses writes until it is restored from a snapshot: ${message}`,
        { cause: message },
      );
      throw this.failure;
    }
    this.clock.advance(watermark);
    // The log drops whole chunks as they age out (O(chunks)); ids are dropped in compactions
    // every so many events (engine/retention.ts).
    const horizon = this.retention.horizonMs;
    if (horizon !== undefined && Number.isFinite(this.clock.watermark)) {
      this.store.evictBefore(this.clock.watermark - horizon);
    }
    this.retention.afterIngest(events.length, this.retentionHost);
  }

  private applyToParts(events: readonly RetailEvent[]): void {
    const batch = this.store.append(events);
    const dicts = this.store.dicts;
    ingestParts(
      this.parts,
      batch,
      { events, items: dicts.item.size, categories: dicts.category.size },
      this.env,
    );
    this.generation++;
    const type = batch.type;
    for (let i = 0; i < batch.length; i++) this.byType[type[i]!]!++;
  }

  /**
   * Loads catalogue items (ids, categories, prices) ahead of their events. All or nothing: the
   * whole feed is checked first, and a bad item throws AisleError('AISLE_INVALID_ARGUMENT')
   * naming `items[i].field` with nothing applied.
   */
  loadCatalogue(items: readonly CatalogueItem[]): void {
    this.assertWritable();
    checkCatalogue(items);
    for (const it of items) {
      this.parts.catalogue.upsert(it);
      const id = this.store.dicts.item.id(it.id);
      // Named by the feed: kept however long it goes without events.
      this.parts.activity.pinItem(id);
      this.parts.inventory.clearUnknown(id);
      this.notePrice(id, this.parts.catalogue.get(it.id)?.price);
      if (it.category !== undefined) {
        this.parts.categories.assign(id, this.store.dicts.category.id(it.category));
      }
    }
    // Rankings cached per category and price are keyed on the generation: a new feed moves them.
    this.generation++;
  }

  /** The session model's parameters in force (a copy). */
  get sessionParams(): SessionKnnParams {
    this.assertOpen();
    return { ...this.parts.sessions.model.params };
  }

  /**
   * Changes the session model's parameters (those given; the others stay), from the next query
   * on, and in snapshots from then on (a restore takes the snapshot's). Throws
   * AisleError('AISLE_INVALID_ARGUMENT') naming a parameter that is unknown or of the wrong type.
   */
  setSessionParams(params: Partial<SessionKnnParams>): SessionKnnParams {
    this.assertWritable();
    checkEngineOptions({ sessions: params });
    this.parts.sessions.model.setParams({ ...this.parts.sessions.model.params, ...params });
    this.generation++;
    return this.sessionParams;
  }

  /**
   * Item ids of the newest `max` sessions the session model holds, oldest first: what a tuning
   * of its parameters learns from (`aisle serve --tune-every`). A copy; O(clicks).
   */
  sessionHistory(max?: number): number[][] {
    this.assertOpen();
    return this.parts.sessions.model.history(max);
  }

  /** The event log and the kernels, for the snapshot writer and tests (engine/internals.ts). */
  get [INTERNALS](): EngineInternals {
    // A closed engine's log and kernels must not reach a snapshot either.
    this.assertOpen();
    return { store: this.store, kernels: this.kernels };
  }

  stats(): EngineStats {
    this.assertOpen();
    const eventsByType: Record<string, number> = {};
    let events = 0;
    EVENT_TYPES.forEach((t, i) => {
      eventsByType[t] = this.byType[i]!;
      events += this.byType[i]!;
    });
    const stored = this.store.length;
    return {
      events,
      eventsByType,
      rejected: this.rejectedCount,
      unknownSkuEvents: this.parts.inventory.unknownSkuEvents,
      items: this.store.dicts.item.size,
      users: this.store.dicts.user.size,
      sessions: this.store.dicts.session.size,
      storedEvents: stored,
      bytesPerEvent: stored === 0 ? 0 : this.store.bytesUsed() / stored,
      streamTime: this.watermark,
      simd: this.kernels.simd,
    };
  }

  /**
   * Bytes held by each part, the event log, the dictionaries, the WASM memory and the factor
   * model (engine/memory-report.ts). Typed arrays are exact, maps and objects estimated from a
   * sample; O(parts), not O(state), so a host can poll it.
   */
  memory(): MemoryReport {
    this.assertOpen();
    return memoryReport({
      parts: this.parts,
      env: this.env,
      store: this.store,
      serving: this.factorTraining.serving,
      prices: this.listPrices,
      recommender: this.recommender.bytes(),
      analytics: this.views.cacheBytes(),
    });
  }

  /**
   * What retention keeps and has dropped: the horizon configured and in force, compactions and
   * ids dropped per kind, and warnings (a budget that pulled the horizon in, kinds that cannot be
   * dropped).
   */
  retentionReport(): RetentionReport {
    this.assertOpen();
    return this.retention.report();
  }

  /** Counts a rejection that happened before `ingest` (e.g. unparseable JSON in an adapter). */
  noteRejected(n = 1): void {
    this.assertOpen();
    this.rejectedCount += checkNumber('n', n, { min: 0, integer: true });
  }

  /**
   * Answers a recommendation query: `user`, `similar`, `bought-together`, `session`,
   * `buy-again` or `trending`, with business filters and optional diversity (engine/recommend).
   * Unknown users and items get popular items, flagged in `fallback` and `notes`. Throws
   * AisleError('AISLE_INVALID_ARGUMENT') naming the field of a malformed query.
   */
  recommend(query: RecommendQuery): RecommendResult {
    this.assertOpen();
    return this.recommender.recommend(query);
  }

  /**
   * A recommender over this engine's models with other blend weights or fetch sizes: for
   * offline evaluation and A/B arms. It sees every later ingest and retrain.
   */
  createRecommender(options: RecommendOverrides = {}): Recommender {
    this.assertOpen();
    return this.newRecommender(checkRecommendOverrides('options', options));
  }

  private newRecommender(options: RecommendOverrides): Recommender {
    const sources = new EngineSources({
      dicts: this.store.dicts,
      catalogue: this.parts.catalogue,
      categories: this.parts.categories,
      popularity: this.parts.popularity,
      alsoViewed: this.parts.alsoViewed,
      alsoBought: this.parts.alsoBought,
      history: this.parts.history,
      stock: this.parts.inventory.stock,
      sessions: {
        recommend: (items, k) => this.parts.sessions.recommend(items, k),
        recommendForUser: (user, k) => this.parts.sessions.recommendForUser(user, k),
      },
      buyAgain: this.parts.buyAgain,
      als: () => this.factorTraining.serving,
      priceOf: (item) => this.priceOf(item),
      now: () => this.parts.popularity.now,
      generation: () => this.generation,
    });
    const base = this.options.recommend ?? {};
    return new Recommender(this.kernels, sources, {
      ...DEFAULT_RECOMMEND,
      ...base,
      ...options,
      weights: { ...DEFAULT_RECOMMEND.weights, ...base.weights, ...options.weights },
    });
  }

  /** The factor model serving now (null before the first training). */
  get factors(): { users: number; items: number; factors: number; trainedAt: number } | null {
    this.assertOpen();
    const m = this.factorTraining.serving;
    if (m === null) return null;
    return {
      users: m.model.users - 1,
      items: m.model.items - 1,
      factors: m.model.factors,
      trainedAt: m.trainedAt,
    };
  }

  /**
   * Trains the factor model (iALS) on every user's interactions so far, in a worker thread, then
   * builds its ANN index in slices and swaps it in: queries keep using the previous model until
   * the new one is complete. Users with newer events are folded in online at query time. One
   * training at a time: a call while one runs returns that one's promise. Bad options and a
   * closed engine reject the promise (AisleError), like every failure of the training.
   */
  trainFactors(
    opts: {
      als?: Partial<AlsOptions>;
      onIteration?: (iteration: number, seconds: number) => void;
    } = {},
  ): Promise<FactorReport> {
    try {
      this.assertOpen();
      const o = checkOptions('opts', opts, ['als', 'onIteration']);
      checkOptions('als', o.als, Object.keys(DEFAULT_ALS));
      checkFunction('onIteration', o.onIteration);
      return this.factorTraining.train(o);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * Stops the engine: every method but `health` then throws AisleError('AISLE_CLOSED'), and a
   * training in progress is abandoned. Closing again does nothing.
   */
  close(): void {
    this.closed = true;
    this.factorTraining.close();
  }

  private createFactorTraining(): FactorTraining {
    return new FactorTraining({
      kernels: this.kernels,
      history: this.parts.history,
      dicts: this.store.dicts,
      now: () => this.parts.popularity.now,
      options: this.options,
      assertOpen: () => this.assertOpen(),
    });
  }

  private createViews(): AnalyticsViews {
    return new AnalyticsViews({
      kernels: this.kernels,
      store: this.store,
      catalogue: this.parts.catalogue,
      categories: this.parts.categories,
      popularity: this.parts.popularity,
      categoryTrends: this.parts.categoryTrends,
      inventory: this.parts.inventory,
      priceHistory: this.parts.priceHistory,
      funnels: this.parts.funnels,
      anomalies: this.parts.anomalies,
      sales: this.parts.sales,
      alsoBought: this.parts.alsoBought,
      history: this.parts.history,
      als: () => this.factorTraining.serving,
      margins: this.options.pricing?.margins ?? {},
      candidates: (category) => this.candidates(category),
    });
  }

  /**
   * Renumbers one id kind in every part that holds it, the log and the dictionary, in one
   * synchronous step (engine/retention.ts decides the map). Caches of rankings are invalidated.
   */
  private compact(kind: IdKind, map: Uint32Array, size: number): void {
    for (const name of PART_ORDER) remapPart(name, this.parts, kind, map, size, this.env);
    if (kind === 'item') {
      const prices = new Float64Array(Math.max(1024, size + 1)).fill(Number.NaN);
      for (let id = 1; id < map.length && id < this.listPrices.length; id++) {
        if (map[id] !== 0) prices[map[id]!] = this.listPrices[id]!;
      }
      this.listPrices = prices;
    }
    if (kind === 'user' || kind === 'item') this.factorTraining.remap(kind, map, size);
    this.store.remap(kind, map);
    this.store.dicts[kind].compact(map);
    this.generation++;
  }

  /** Why ids of `kind` cannot be dropped yet: the first part holding them that cannot renumber. */
  private compactionBlocked(kind: IdKind): string | undefined {
    for (const name of PART_ORDER) {
      const k = PART_KINDS[name];
      if (k.holds.includes(kind) && k.remap === undefined) {
        return `the ${name} part cannot renumber them yet`;
      }
    }
    return undefined;
  }

  private notePrice(id: number, price: number | undefined): void {
    if (id >= this.listPrices.length) {
      const bigger = new Float64Array(Math.max(id + 1, this.listPrices.length * 2)).fill(
        Number.NaN,
      );
      bigger.set(this.listPrices);
      this.listPrices = bigger;
    }
    this.listPrices[id] = price ?? Number.NaN;
  }

  private priceOf(id: number): number | undefined {
    const p = this.listPrices[id];
    return p === undefined || Number.isNaN(p) ? undefined : p;
  }

  private assertOpen(): void {
    if (this.closed) throw new AisleError('AISLE_CLOSED', 'the engine is closed');
  }

  /** Writes need an open engine whose parts have not failed. */
  private assertWritable(): void {
    this.assertOpen();
    if (this.failure !== undefined) throw this.failure;
  }

  /** Dense ids of a category's items; undefined means all items, null an unknown category. */
  private candidates(category: string | undefined): Uint32Array | undefined | null {
    if (category === undefined) return undefined;
    const cat = this.store.dicts.category.lookup(category);
    return cat === undefined ? null : this.parts.categories.itemsOf(cat);
  }
}

function timesOf(events: readonly RetailEvent[]): Float64Array {
  const ts = new Float64Array(events.length);
  for (let i = 0; i < events.length; i++) ts[i] = events[i]!.ts;
  return ts;
}

/** For each valid event (in order), its index in a raw batch of `n` with `rejected` left out. */
function validIndices(n: number, rejected: readonly BatchRejection[]): number[] {
  const bad = new Set(rejected.map((r) => r.index));
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (!bad.has(i)) out.push(i);
  return out;
}

function without<T>(events: readonly T[], refused: readonly { index: number }[]): T[] {
  const drop = new Set(refused.map((r) => r.index));
  return events.filter((_, i) => !drop.has(i));
}
