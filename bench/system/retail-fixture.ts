/**
 * A shop at production size for the query-path benchmarks: a 100,000-item catalogue (200
 * categories, prices) loaded up front, a few million simulated events (views, carts, orders,
 * inventory), a seeded stock-out feed, and a trained 64-factor model, which at this size is
 * served through HNSW. Query inputs are sampled from the stream itself, so benchmarks ask about
 * users, items and sessions that really occur, in the proportions they occur.
 *
 * Built once per process and shared: the recommend and ANN modules measure the same model.
 */
import {
  createEngine,
  type Engine,
  type FactorReport,
  type FactorState,
  type RetailEvent,
} from '../../engine/index.js';
import { createSimulator } from '../../src/sim/index.js';
import { rng } from '../harness.js';

export interface Shape {
  items: number;
  users: number;
  categories: number;
  events: number;
  /** Samples kept per kind (reservoirs), enough for every measured query to differ. */
  samples: number;
  iterations: number;
}

export const FULL: Shape = {
  items: 100_000,
  users: 50_000,
  categories: 200,
  events: 2_500_000,
  samples: 6_000,
  iterations: 15,
};

/** A smoke run: small enough for seconds, still every code path (the index is exact here). */
export const QUICK: Shape = {
  items: 20_000,
  users: 10_000,
  categories: 60,
  events: 300_000,
  samples: 1_000,
  iterations: 5,
};

/** Session length a `session` query posts: the shopper's last few distinct views. */
export const SESSION_ITEMS = 5;

export interface ViewSample {
  user?: string;
  item: string;
}

export interface SessionSample {
  user?: string;
  /** The last `SESSION_ITEMS` distinct items the session viewed, oldest first. */
  items: string[];
}

export interface RetailFixture {
  shape: Shape;
  engine: Engine;
  report: FactorReport;
  /** The trained factor model as taken right after training, before anything else changes. */
  factors: FactorState;
  ingestSeconds: number;
  /** Items set to zero stock by the stock-out feed. */
  stockedOut: number;
  /** Catalogue price quantiles, for price-range filters that keep a known share. */
  priceQuantile(q: number): number;
  views: ViewSample[];
  sessions: SessionSample[];
  purchases: ViewSample[];
  /** Stream time after the last event (ms). */
  now: number;
  /** The stream's next `n` events (the simulator carries on where the fixture stopped). */
  more(n: number): RetailEvent[];
}

/** Keeps a uniform sample of at most `size` of the values offered (Vitter's algorithm R). */
class Reservoir<T> {
  readonly values: T[] = [];
  private seen = 0;

  constructor(
    private readonly size: number,
    private readonly next: () => number,
  ) {}

  /** `make` runs only for values that enter the sample, so copies are paid for those alone. */
  offer(make: () => T): void {
    const i = this.seen++;
    if (i < this.size) {
      this.values.push(make());
      return;
    }
    const j = Math.floor(this.next() * (i + 1));
    if (j < this.size) this.values[j] = make();
  }
}

const BATCH = 50_000;
/** Share of the catalogue the stock-out feed sets to zero, so `inStock` has work to do. */
const STOCKED_OUT = 0.1;

async function build(seed: number, shape: Shape): Promise<RetailFixture> {
  const sim = createSimulator({
    seed,
    items: shape.items,
    users: shape.users,
    categories: shape.categories,
  });
  const engine = await createEngine();
  const catalogue = sim.catalogue();
  engine.loadCatalogue(catalogue);
  const prices = Float64Array.from(catalogue, (c) => c.price ?? 0).sort();

  const next = rng(seed ^ 0x5eed);
  const views = new Reservoir<ViewSample>(shape.samples, next);
  const sessions = new Reservoir<SessionSample>(shape.samples, next);
  const purchases = new Reservoir<ViewSample>(shape.samples, next);
  // Last distinct views per session; sessions never come back once over, but the map is small
  // next to the engine and dropping them would need the simulator's session ends.
  const recent = new Map<string, string[]>();
  const sample = (e: RetailEvent): void => {
    if (e.type === 'view') {
      const who = e.user === undefined ? {} : { user: e.user };
      views.offer(() => ({ ...who, item: e.item }));
      if (e.session === undefined) return;
      let list = recent.get(e.session);
      if (list === undefined) recent.set(e.session, (list = []));
      const at = list.indexOf(e.item);
      if (at >= 0) list.splice(at, 1);
      list.push(e.item);
      if (list.length > SESSION_ITEMS) list.shift();
      if (list.length === SESSION_ITEMS) sessions.offer(() => ({ ...who, items: list.slice() }));
    } else if (e.type === 'purchase') {
      purchases.offer(() => ({ ...(e.user !== undefined && { user: e.user }), item: e.item }));
    }
  };

  let ingestSeconds = 0;
  const started = performance.now();
  for (let done = 0; done < shape.events;) {
    const batch = sim.next(Math.min(BATCH, shape.events - done));
    for (const e of batch) sample(e);
    const t0 = performance.now();
    engine.ingestEvents(batch);
    ingestSeconds += (performance.now() - t0) / 1000;
    done += batch.length;
    if (done % 500_000 === 0 || done === shape.events) {
      const wall = (performance.now() - started) / 1000;
      console.log(
        `  ingested ${done.toLocaleString()} / ${shape.events.toLocaleString()} events (${Math.round(done / ingestSeconds).toLocaleString()} events/s in the engine, ${wall.toFixed(1)} s with generation)`,
      );
    }
  }
  recent.clear();

  // A feed that zeroes a tenth of the catalogue at stream end: the simulator restocks hourly, so
  // its own shelves are rarely empty at any moment.
  const now = sim.now();
  const outs: RetailEvent[] = [];
  for (let i = 0; i < shape.items; i++) {
    if (next() < STOCKED_OUT) {
      outs.push({ type: 'inventory', ts: now, item: `sku-${i}`, op: 'set', quantity: 0 });
    }
  }
  engine.ingestEvents(outs);

  console.log(`  training ${shape.iterations} iterations of 64-factor ALS ...`);
  const report = await engine.trainFactors({
    als: { factors: 64, iterations: shape.iterations },
  });
  console.log(
    `  trained on ${report.interactions.toLocaleString()} interactions (${report.users.toLocaleString()} users × ${report.items.toLocaleString()} items) in ${report.trainSeconds.toFixed(1)} s; ${report.index} index over ${report.indexedItems.toLocaleString()} items in ${report.indexSeconds.toFixed(1)} s`,
  );
  const factors = engine.exportState().factors;
  if (factors === null) throw new Error('training left no factor model');
  const quantile = (q: number): number =>
    prices[Math.min(prices.length - 1, Math.floor(q * prices.length))]!;
  return {
    shape,
    engine,
    report,
    factors,
    ingestSeconds,
    stockedOut: outs.length,
    priceQuantile: quantile,
    views: views.values,
    sessions: sessions.values,
    purchases: purchases.values,
    now,
    more: (n) => sim.next(n),
  };
}

const built = new Map<string, Promise<RetailFixture>>();

/** The fixture for a seed and size, built on first use. */
export function retailFixture(seed: number, quick: boolean): Promise<RetailFixture> {
  const key = `${seed}/${quick}`;
  let f = built.get(key);
  if (f === undefined) {
    console.log(`  building the shop (${quick ? 'quick' : 'full'} size) ...`);
    f = build(seed, quick ? QUICK : FULL);
    built.set(key, f);
  }
  return f;
}
