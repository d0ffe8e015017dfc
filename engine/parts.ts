/**
 * The engine's stateful parts under one contract.
 *
 * Every part is created from the engine's options or restored from its snapshot state, takes each
 * encoded batch in one shared pass, says how many bytes it holds and exports its state. The Engine
 * loops over `PART_KINDS` for all of these, so adding a part means one entry here and its field in
 * `EngineState`, nothing else. Answers stay with the models (and the facets over them); this file
 * only wires their lifecycle.
 *
 * Order matters: `PART_KINDS` is the ingest order, and a part may read the parts listed before it
 * (buy-again reads the user history; the unknown-SKU check reads the catalogue and popularity).
 */
import { Activity, ID_KINDS, type ActivityState, type IdKind } from './activity.js';
import { Catalogue, type CatalogueItem } from './catalogue.js';
import { CategoryIndex, type CategoryIndexState } from './category-index.js';
import type { EngineModelOptions } from './engine-options.js';
import { EVENT_TYPE_CODE, type RetailEvent } from './events.js';
import { AnomalyDetector, type AnomalyOptions, type AnomalyState } from './analytics/anomalies.js';
import { CategoryTrends } from './analytics/category-trends.js';
import { Funnels, type FunnelState } from './analytics/funnel.js';
import { PriceHistory, type PriceHistoryState } from './analytics/price/index.js';
import { Sales, type SalesState } from './analytics/sales.js';
import { Inventory, type InventoryState } from './inventory/index.js';
import { flagUnknownSkus } from './inventory/unknown-skus.js';
import { estimateBytes } from './memory.js';
import { BuyAgain, type BuyAgainState } from './models/buy-again.js';
import { Cooccurrence, type CooccurrenceState } from './models/cooccurrence.js';
import { Popularity, type PopularityState } from './models/popularity.js';
import { SessionFeed, type SessionFeedState } from './models/session-feed.js';
import { SessionKnn } from './models/session-knn.js';
import { UserHistory, type UserHistoryState } from './models/user-history.js';
import type { EncodedBatch, StoreDictionaries } from './store/index.js';
import type { Kernels } from './wasm/index.js';

/** What every part may read while it ingests one batch: the batch's events and the clock. */
export interface IngestContext {
  /** The events the batch was encoded from, in batch order (already screened). */
  readonly events: readonly RetailEvent[];
  /** Size of the id dictionaries after the batch was encoded. */
  readonly items: number;
  readonly categories: number;
}

/** The engine's parts, by the name their state has in `EngineState`. */
export interface Parts {
  activity: Activity;
  catalogue: Catalogue;
  categories: CategoryIndex;
  popularity: Popularity;
  categoryTrends: CategoryTrends;
  alsoViewed: Cooccurrence;
  alsoBought: Cooccurrence;
  history: UserHistory;
  buyAgain: BuyAgain;
  inventory: Inventory;
  priceHistory: PriceHistory;
  funnels: Funnels;
  anomalies: AnomalyDetector;
  sales: Sales;
  sessions: SessionFeed;
}

/** The snapshot state of each part, by the same names. */
export interface PartStates {
  /** Absent in snapshots from before retention. */
  activity?: ActivityState;
  catalogue: CatalogueItem[];
  categories: CategoryIndexState;
  popularity: PopularityState;
  categoryTrends: PopularityState;
  alsoViewed: CooccurrenceState;
  alsoBought: CooccurrenceState;
  history: UserHistoryState;
  buyAgain: BuyAgainState;
  inventory: InventoryState;
  priceHistory: PriceHistoryState;
  funnels: FunnelState;
  anomalies: AnomalyState;
  sales: SalesState;
  sessions: SessionFeedState;
}

/** What a part is built from: the engine's resources and the parts listed before it. */
export interface PartEnv {
  readonly kernels: Kernels;
  readonly model: EngineModelOptions;
  /** The store's dictionaries (read at call time: a restore swaps the store in). */
  dicts(): StoreDictionaries;
  /** The category of an item id (0 none), from the categories part. */
  categoryOf(item: number): number;
  /** The engine's clock (-Infinity before any event). */
  watermark(): number;
  /** Parts built so far, in `PART_ORDER`. */
  readonly parts: Partial<Parts>;
  /** Notes a catalogue price of an item id for the recommender's price filter. */
  notePrice(item: number, price: number | undefined): void;
}

/** How one kind of part is created, restored, fed and measured. */
export interface PartKind<K extends keyof Parts> {
  create(env: PartEnv): Parts[K];
  restore(env: PartEnv, state: PartStates[K]): Parts[K];
  exportState(part: Parts[K]): PartStates[K];
  /** Applies one encoded batch; absent for parts fed otherwise (the catalogue feed). */
  ingest(part: Parts[K], batch: EncodedBatch, ctx: IngestContext, env: PartEnv): void;
  /** Bytes the part holds (estimated for maps and objects; see engine/memory.ts). */
  bytes(part: Parts[K], env: PartEnv): number;
  /** Id kinds whose ids the part keeps in its state. */
  readonly holds: readonly IdKind[];
  /**
   * Renumbers the ids of `kind` (engine/retention.ts): `map[id]` is the new id of `id`, 0 when
   * it is dropped; kept ids stay in their old order and run 1..`size`. The part forgets all it
   * held for dropped ids, so answers treat them as never seen, and keeps taking new ids after
   * `size`. Absent: the part cannot renumber, and retention does not drop that kind.
   */
  remap?(part: Parts[K], kind: IdKind, map: Uint32Array, size: number, env: PartEnv): void;
  /**
   * Forgets what the part holds apart from ids that is older than `cutoff` (stream time, ms), the
   * retention horizon behind `now` (engine/retention.ts): pairs not seen together since, buckets
   * of per-item windows. Absent: the part holds nothing the horizon reaches beyond its ids.
   */
  forget?(part: Parts[K], cutoff: number, now: number): void;
}

type Kinds = { [K in keyof Parts]: PartKind<K> };

function need<K extends keyof Parts>(env: PartEnv, name: K): Parts[K] {
  const p = env.parts[name];
  // A wiring mistake in this file, never a data problem: `PART_ORDER` lists dependencies first.
  if (p === undefined) throw new Error(`part ${name} is read before it is built`);
  return p;
}

/**
 * A part's bytes, not counting the kernels (the WASM memory is counted once, for the engine) nor
 * the parts it reads but does not own.
 */
function measured(part: object, env: PartEnv, borrowed: readonly object[] = []): number {
  const kernels = env.kernels;
  return estimateBytes(part, {
    exclude: [kernels, ...borrowed],
    wasm: kernels.memory.buffer,
  });
}

const priceChange = EVENT_TYPE_CODE.price_change;

function sizes(env: PartEnv): Record<IdKind, number> {
  const d = env.dicts();
  return {
    user: d.user.size,
    item: d.item.size,
    session: d.session.size,
    order: d.order.size,
    query: d.query.size,
  };
}

export const PART_KINDS: Kinds = {
  activity: {
    create: () => new Activity(),
    restore: (env, state) => Activity.fromState(state, sizes(env), env.watermark()),
    exportState: (p) => p.exportState(),
    ingest: (p, batch, _ctx, env) => p.ingest(batch, sizes(env)),
    bytes: measured,
    holds: ID_KINDS,
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
  catalogue: {
    create: () => new Catalogue(),
    restore: (_env, state) => Catalogue.fromState(state),
    exportState: (p) => p.exportState(),
    // Learns categories and prices from events (assigning them in the categories part); the
    // first category known for an item stays.
    ingest: (catalogue, batch, ctx, env) => {
      const categories = need(env, 'categories');
      const dicts = env.dicts();
      const { item, itemCategory, type } = batch;
      for (let i = 0; i < batch.length; i++) {
        const cat = itemCategory[i]!;
        const it = item[i]!;
        if (cat !== 0 && categories.categoryOf(it) === 0) {
          categories.assign(it, cat);
          // Ids in an encoded batch were just issued by the store's dictionaries.
          catalogue.noteCategory(dicts.item.value(it)!, dicts.category.value(cat)!);
        }
        if (type[i] === priceChange) {
          const e = ctx.events[i] as Extract<RetailEvent, { type: 'price_change' }>;
          catalogue.notePrice(e.item, e.price);
          if (e.cost !== undefined) catalogue.noteCost(e.item, e.cost);
          env.notePrice(it, catalogue.get(e.item)?.price);
        }
      }
    },
    bytes: measured,
    holds: ['item'],
    remap: (p, kind, map, size, env) =>
      p.remap(kind, map, size, (id) => env.dicts().item.value(id)),
  },
  // Fed by the catalogue part above (it assigns categories as they are learned).
  categories: {
    create: () => new CategoryIndex(),
    restore: (_env, state) => CategoryIndex.fromState(state),
    exportState: (p) => p.exportState(),
    ingest: () => {},
    bytes: measured,
    holds: ['item'],
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
  popularity: {
    create: (env) => new Popularity(env.kernels, env.model.popularity),
    restore: (env, state) => Popularity.fromState(env.kernels, env.model.popularity, state),
    exportState: (p) => p.exportState(),
    ingest: (p, batch, ctx) => p.ingest(batch, ctx.items + 1),
    bytes: measured,
    holds: ['item'],
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
  categoryTrends: {
    create: (env) =>
      CategoryTrends.create(env.kernels, env.model.popularity, (i) => env.categoryOf(i)),
    restore: (env, state) =>
      CategoryTrends.fromState(env.kernels, env.model.popularity, (i) => env.categoryOf(i), state),
    exportState: (p) => p.exportState(),
    // On the item counters' clock, so a quiet category decays while the stream goes on.
    ingest: (p, batch, ctx, env) =>
      p.ingest(batch, ctx.categories + 1, need(env, 'popularity').now),
    bytes: measured,
    holds: [],
  },
  alsoViewed: {
    create: (env) => new Cooccurrence(env.model.alsoViewed),
    restore: (env, state) => Cooccurrence.fromState(env.model.alsoViewed, state),
    exportState: (p) => p.exportState(),
    ingest: (p, batch) => p.ingest(batch),
    bytes: measured,
    forget: (p, cutoff, now) => p.forget(cutoff, now),
    holds: ['item', 'session', 'user'],
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
  alsoBought: {
    create: (env) => new Cooccurrence(env.model.alsoBought),
    restore: (env, state) => Cooccurrence.fromState(env.model.alsoBought, state),
    exportState: (p) => p.exportState(),
    ingest: (p, batch) => p.ingest(batch),
    bytes: measured,
    forget: (p, cutoff, now) => p.forget(cutoff, now),
    holds: ['item', 'order'],
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
  history: {
    create: (env) => new UserHistory(env.model.history),
    restore: (env, state) => UserHistory.fromState(env.model.history, state),
    exportState: (p) => p.exportState(),
    ingest: (p, batch) => p.ingest(batch),
    bytes: measured,
    holds: ['user', 'item', 'order'],
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
  // Reads the user history; holds only its own per-item figures.
  buyAgain: {
    create: (env) => new BuyAgain(need(env, 'history'), env.model.buyAgain),
    restore: (env, state) => BuyAgain.fromState(need(env, 'history'), env.model.buyAgain, state),
    exportState: (p) => p.exportState(),
    ingest: () => {},
    bytes: (p, env) => measured(p, env, [need(env, 'history')]),
    holds: ['item'],
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
  inventory: {
    create: (env) => new Inventory(env.model.inventory),
    restore: (env, state) => Inventory.fromState(env.model.inventory, state),
    exportState: (p) => p.exportState(),
    ingest: (inventory, batch, ctx, env) => {
      inventory.ingest(batch);
      // Before the engine knows any item there is nothing to check against: a stream may open
      // with its stock counts. After that, an SKU is known by the catalogue or by shoppers.
      const catalogue = need(env, 'catalogue');
      const popularity = need(env, 'popularity');
      if (catalogue.size > 0) {
        flagUnknownSkus(
          inventory,
          batch,
          ctx.events,
          (id, sku) =>
            catalogue.get(sku) !== undefined || popularity.long.valueAt(id, popularity.now) > 0,
        );
      }
    },
    bytes: measured,
    holds: ['item'],
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
  priceHistory: {
    create: (env) => new PriceHistory(env.model.priceHistory),
    restore: (env, state) => PriceHistory.fromState(env.model.priceHistory, state),
    exportState: (p) => p.exportState(),
    ingest: (p, batch) => p.ingest(batch),
    bytes: measured,
    holds: ['item'],
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
  funnels: {
    create: (env) => new Funnels({ ...env.model.funnels, categoryOf: (i) => env.categoryOf(i) }),
    restore: (env, state) =>
      Funnels.fromState({ ...env.model.funnels, categoryOf: (i) => env.categoryOf(i) }, state),
    exportState: (p) => p.exportState(),
    ingest: (p, batch) => p.ingest(batch),
    bytes: measured,
    forget: (p, cutoff, now) => p.forget(cutoff, now),
    holds: ['item', 'user'],
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
  anomalies: {
    create: (env) => new AnomalyDetector(anomalyOptions(env)),
    restore: (env, state) => AnomalyDetector.fromState(anomalyOptions(env), state),
    exportState: (p) => p.exportState(),
    ingest: (p, batch) => p.ingest(batch),
    bytes: measured,
    holds: [],
  },
  sales: {
    create: (env) => Sales.create(env.model.sales, (i) => env.categoryOf(i)),
    restore: (env, state) => Sales.fromState(env.model.sales, (i) => env.categoryOf(i), state),
    exportState: (p) => p.exportState(),
    ingest: (p, batch) => p.ingest(batch),
    bytes: measured,
    holds: ['user', 'item', 'order'],
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
  sessions: {
    create: (env) => new SessionFeed(new SessionKnn(env.model.sessions), env.model.sessionFeed),
    restore: (env, state) =>
      SessionFeed.fromState(env.model.sessions, env.model.sessionFeed, state),
    exportState: (p) => p.exportState(),
    ingest: (p, batch) => p.ingest(batch),
    bytes: measured,
    holds: ['session', 'item', 'user'],
    remap: (p, kind, map, size) => p.remap(kind, map, size),
  },
};

/** Build, ingest and export order: every part after the parts it reads. */
export const PART_ORDER: readonly (keyof Parts)[] = [
  'activity',
  'categories',
  'catalogue',
  'popularity',
  'categoryTrends',
  'alsoViewed',
  'alsoBought',
  'history',
  'buyAgain',
  'inventory',
  'priceHistory',
  'funnels',
  'anomalies',
  'sales',
  'sessions',
];

function anomalyOptions(env: PartEnv): AnomalyOptions {
  return {
    ...env.model.anomalies,
    categoryOf: (i) => env.categoryOf(i),
    categoryName: (c) => env.dicts().category.value(c) ?? `category ${c}`,
  };
}

/**
 * Builds every part, fresh or from snapshot state, in `PART_ORDER`. Throws what a part's
 * `fromState` throws (AisleError 'AISLE_SNAPSHOT' for malformed state).
 */
export function buildParts(env: PartEnv, states?: PartStates): Parts {
  const parts = env.parts;
  for (const name of PART_ORDER) build(name, env, states, parts);
  return parts as Parts;
}

function build<K extends keyof Parts>(
  name: K,
  env: PartEnv,
  states: PartStates | undefined,
  parts: Partial<Parts>,
): void {
  const kind = PART_KINDS[name] as PartKind<K>;
  parts[name] = states === undefined ? kind.create(env) : kind.restore(env, states[name]);
}

/** Feeds one batch to every part in `PART_ORDER`. */
export function ingestParts(
  parts: Parts,
  batch: EncodedBatch,
  ctx: IngestContext,
  env: PartEnv,
): void {
  for (const name of PART_ORDER) ingestOne(name, parts, batch, ctx, env);
}

function ingestOne<K extends keyof Parts>(
  name: K,
  parts: Parts,
  batch: EncodedBatch,
  ctx: IngestContext,
  env: PartEnv,
): void {
  (PART_KINDS[name] as PartKind<K>).ingest(parts[name], batch, ctx, env);
}

/** Renumbers `kind` in part `name` when the part holds that kind (see `PartKind.remap`). */
export function remapPart<K extends keyof Parts>(
  name: K,
  parts: Parts,
  kind: IdKind,
  map: Uint32Array,
  size: number,
  env: PartEnv,
): void {
  const k = PART_KINDS[name] as PartKind<K>;
  if (!k.holds.includes(kind)) return;
  if (k.remap === undefined) {
    throw new Error(`part ${name} holds ${kind} ids but cannot renumber them`);
  }
  k.remap(parts[name], kind, map, size, env);
}

/** Lets every part that can forget by time forget what is older than `cutoff`. */
export function forgetParts(parts: Parts, cutoff: number, now: number): void {
  for (const name of PART_ORDER) forgetOne(name, parts, cutoff, now);
}

function forgetOne<K extends keyof Parts>(
  name: K,
  parts: Parts,
  cutoff: number,
  now: number,
): void {
  (PART_KINDS[name] as PartKind<K>).forget?.(parts[name], cutoff, now);
}

/** Every part's snapshot state, by name. */
export function exportParts(parts: Parts): PartStates {
  const out: Partial<PartStates> = {};
  for (const name of PART_ORDER) exportOne(name, parts, out);
  return out as PartStates;
}

function exportOne<K extends keyof Parts>(name: K, parts: Parts, out: Partial<PartStates>): void {
  out[name] = (PART_KINDS[name] as PartKind<K>).exportState(parts[name]);
}

/** Bytes held by each part, by name. */
export function partBytes(parts: Parts, env: PartEnv): Record<keyof Parts, number> {
  const out: Partial<Record<keyof Parts, number>> = {};
  for (const name of PART_ORDER) bytesOne(name, parts, env, out);
  return out as Record<keyof Parts, number>;
}

function bytesOne<K extends keyof Parts>(
  name: K,
  parts: Parts,
  env: PartEnv,
  out: Partial<Record<keyof Parts, number>>,
): void {
  out[name] = (PART_KINDS[name] as PartKind<K>).bytes(parts[name], env);
}
