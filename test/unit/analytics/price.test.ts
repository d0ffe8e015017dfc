import { describe, expect, it } from 'vitest';
import {
  DAY_MS,
  PriceHistory,
  estimateElasticity,
  isRefusal,
  itemElasticity,
  itemMarkdown,
  studentTCdf,
  studentTQuantile,
  suggestMarkdown,
  type DemandPoint,
  type ElasticityEstimate,
  type ElasticityResult,
  type MarkdownSuggestion,
  type PriceHistoryOptions,
  type PriceHistoryState,
} from '../../../engine/analytics/price/index.js';
import { isAisleError } from '../../../engine/errors.js';
import { EVENT_TYPE_CODE, type RetailEvent } from '../../../engine/events.js';
import { allocateBatch } from '../../../engine/store/encode.js';
import { EventStore } from '../../../engine/store/index.js';
import { Rng } from '../../../src/sim/random.js';

const T0 = Date.UTC(2024, 0, 1);
const HOUR = 3_600_000;

const buy = (
  day: number,
  item: string,
  quantity: number,
  price: number,
  hour = 12,
): RetailEvent => ({
  type: 'purchase',
  ts: T0 + day * DAY_MS + hour * HOUR,
  item,
  order: `o${day}-${hour}-${item}`,
  quantity,
  price,
});
const list = (day: number, item: string, price: number, hour = 1): RetailEvent => ({
  type: 'price_change',
  ts: T0 + day * DAY_MS + hour * HOUR,
  item,
  price,
});

function setup(options: Partial<PriceHistoryOptions> = {}) {
  const store = new EventStore();
  const history = new PriceHistory(options);
  const feed = (events: RetailEvent[]) => history.ingest(store.append(events));
  const id = (s: string) => store.dicts.item.lookup(s)!;
  return { store, history, feed, id };
}

function estimate(r: ElasticityResult): ElasticityEstimate {
  if (isRefusal(r)) throw new Error(`refused: ${r.refused}`);
  return r;
}

function suggestion(r: ReturnType<typeof suggestMarkdown>): MarkdownSuggestion {
  if (isRefusal(r)) throw new Error(`refused: ${r.refused}`);
  return r;
}

function poisson(rng: Rng, mean: number): number {
  // Knuth's product of uniforms: exact, and fast enough for the means used here.
  const limit = Math.exp(-mean);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rng.next();
  } while (p > limit);
  return k - 1;
}

interface Demand {
  /** Units per day at price p: scale · p^elasticity. */
  scale: number;
  elasticity: number;
}

/** One day of Poisson demand at `price`, as up to four purchase rows. */
function sellDay(rng: Rng, day: number, item: string, price: number, demand: Demand) {
  const units = poisson(rng, demand.scale * price ** demand.elasticity);
  const events: RetailEvent[] = [];
  let left = units;
  for (let k = 0; k < 4 && left > 0; k++) {
    const q = k === 3 ? left : Math.min(left, 1 + rng.int(Math.ceil(units / 3)));
    events.push(buy(day, item, q, price, 9 + k));
    left -= q;
  }
  return { units, events };
}

/**
 * `days` of an item whose price switches between `levels` every 4..10 days (announced by a
 * price_change), with Poisson demand of known constant elasticity.
 */
function simulate(seed: number, demand: Demand, levels: number[], days = 120, item = 'x') {
  const rng = new Rng(seed);
  const events: RetailEvent[] = [];
  let price = levels[rng.int(levels.length)]!;
  let next = 0;
  for (let day = 0; day < days; day++) {
    if (day === next) {
      if (day > 0 && levels.length > 1) {
        const was = price;
        while (price === was) price = levels[rng.int(levels.length)]!;
      }
      events.push(list(day, item, price));
      next = day + 4 + rng.int(7);
    }
    events.push(...sellDay(rng, day, item, price, demand).events);
  }
  return { events, rng };
}

describe('studentTQuantile', () => {
  it('matches table values', () => {
    const table: [number, number, number][] = [
      [0.975, 1, 12.7062047362],
      [0.975, 2, 4.3026527297],
      [0.975, 5, 2.5705818356],
      [0.975, 10, 2.228138852],
      [0.975, 30, 2.0422724563],
      [0.95, 1, 6.3137515147],
      [0.99, 4, 3.746947388],
      [0.995, 3, 5.8409093097],
      [0.95, 20, 1.7247182429],
      [0.975, Infinity, 1.9599639845],
    ];
    for (const [p, df, want] of table) {
      expect(studentTQuantile(p, df)).toBeCloseTo(want, 9);
      expect(studentTQuantile(1 - p, df)).toBeCloseTo(-want, 9);
    }
    expect(studentTQuantile(0.5, 7)).toBe(0);
    // Closed forms: df 1 is Cauchy, df 2 has t = (2p - 1) / sqrt(2p(1 - p)).
    expect(studentTQuantile(0.999, 1)).toBeCloseTo(Math.tan(Math.PI * 0.499), 6);
    const p = 0.9;
    expect(studentTQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 12);
  });

  it('inverts the distribution function, fractional and large df included', () => {
    for (const df of [0.5, 1, 3.5, 17, 250, 5e4, 1e6]) {
      for (const p of [1e-8, 0.01, 0.2, 0.6, 0.975, 0.9999]) {
        const t = studentTQuantile(p, df);
        expect(Math.abs(studentTCdf(t, df) - p)).toBeLessThan(1e-10 * Math.max(1, p / 1e-2));
      }
    }
    expect(studentTQuantile(0.975, 1e6)).toBeCloseTo(1.959966, 6);
  });

  it('refuses p outside (0, 1) and df not above 0', () => {
    for (const [p, df] of [
      [0, 5],
      [1, 5],
      [Number.NaN, 5],
      [0.5, 0],
      [0.5, Number.NaN],
    ] as const) {
      expect(() => studentTQuantile(p, df)).toThrow(
        expect.objectContaining({ code: 'AISLE_INVALID_ARGUMENT' }),
      );
    }
  });
});

describe('PriceHistory', () => {
  it('records change points only on a change, per source, and aggregates each day', () => {
    const { history, feed, id } = setup();
    feed([
      list(0, 'a', 10),
      buy(0, 'a', 2, 10),
      list(1, 'a', 10),
      buy(1, 'a', 1, 9, 10),
      buy(1, 'a', 3, 10, 11),
      list(2, 'a', 12),
      buy(2, 'a', 1, 12),
    ]);
    const a = id('a');
    expect(history.changes(a)).toEqual([
      { ts: T0 + HOUR, price: 10, source: 'list' },
      { ts: T0 + 12 * HOUR, price: 10, source: 'sale' },
      { ts: T0 + DAY_MS + 10 * HOUR, price: 9, source: 'sale' },
      { ts: T0 + DAY_MS + 11 * HOUR, price: 10, source: 'sale' },
      { ts: T0 + 2 * DAY_MS + HOUR, price: 12, source: 'list' },
      { ts: T0 + 2 * DAY_MS + 12 * HOUR, price: 12, source: 'sale' },
    ]);
    const days = history.periods(a);
    expect(days.map((d) => [d.start, d.units, d.lines, d.meanPrice, d.listPrice])).toEqual([
      [T0, 2, 1, 10, 10],
      [T0 + DAY_MS, 4, 2, 9.75, 10],
      [T0 + 2 * DAY_MS, 1, 1, 12, 12],
    ]);
    expect(history.listPrice(a)).toBe(12);
    expect(history.currentPrice(a)).toBe(12);
    expect(history.items()).toEqual([a]);
  });

  it('reads f32 prices back as the decimals sent', () => {
    const { history, feed, id } = setup();
    feed([buy(0, 'a', 3, 2.55), buy(0, 'a', 1, 0.85), list(1, 'a', 1.1)]);
    const a = id('a');
    expect(history.changes(a).map((c) => c.price)).toEqual([2.55, 0.85, 1.1]);
    expect(history.periods(a)[0]!.meanPrice).toBeCloseTo((3 * 2.55 + 0.85) / 4, 12);
    expect(history.lastSalePrice(a)).toBe(0.85);
  });

  it('keeps a bounded window of periods and change points', () => {
    const { history, feed, id } = setup({ maxPeriods: 10, maxChanges: 5 });
    const events: RetailEvent[] = [];
    for (let day = 0; day < 30; day++) events.push(buy(day, 'a', 1, day % 2 === 0 ? 5 : 6));
    feed(events);
    const a = id('a');
    const days = history.periods(a);
    expect(days.map((d) => d.period - days[0]!.period)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(days[9]!.start).toBe(T0 + 29 * DAY_MS);
    const changes = history.changes(a);
    expect(changes.map((c) => c.ts)).toEqual(
      [25, 26, 27, 28, 29].map((d) => T0 + d * DAY_MS + 12 * HOUR),
    );
    // Older than the window: counted, not kept.
    feed([buy(5, 'a', 1, 5)]);
    expect(history.expired).toBe(1);
    expect(history.periods(a)).toEqual(days);
    // A late event inside the window lands in its own period.
    feed([buy(25, 'a', 4, 5, 20)]);
    expect(history.periods(a).find((d) => d.start === T0 + 25 * DAY_MS)!.units).toBe(5);
  });

  it('inserts a late period between the ones it already has', () => {
    const { history, feed, id } = setup();
    feed([buy(0, 'a', 1, 5), buy(4, 'a', 1, 5), list(4, 'a', 7, 20), buy(2, 'a', 3, 4)]);
    const days = history.periods(id('a'));
    expect(days.map((d) => [d.start, d.units, d.listPrice])).toEqual([
      [T0, 1, undefined],
      [T0 + 2 * DAY_MS, 3, undefined],
      [T0 + 4 * DAY_MS, 1, 7],
    ]);
    // The late sale at 4 is older than the latest sale: no change point for it.
    expect(history.changes(id('a')).map((c) => c.price)).toEqual([5, 7]);
  });

  it('fills the open days an item did not sell on, not the days the shop was shut', () => {
    const { history, feed, id } = setup();
    const events: RetailEvent[] = [];
    for (const day of [0, 1, 2, 4, 5, 6]) events.push(buy(day, 'busy', 10, 1));
    events.push(list(0, 'slow', 8), buy(0, 'slow', 1, 8), list(2, 'slow', 6), buy(5, 'slow', 2, 6));
    feed(events);
    const slow = id('slow');
    expect(history.periods(slow).map((d) => d.units)).toEqual([1, 0, 2]);
    const filled = history.periods(slow, { gaps: true });
    expect(filled.map((d) => [d.start, d.units, d.price, d.observed])).toEqual([
      [T0, 1, 8, true],
      [T0 + DAY_MS, 0, 8, false],
      [T0 + 2 * DAY_MS, 0, 6, true],
      // Day 3 nobody bought anything: shut, not a day without demand.
      [T0 + 4 * DAY_MS, 0, 6, false],
      [T0 + 5 * DAY_MS, 2, 6, true],
    ]);
    expect(history.isOpen(filled[0]!.period + 3)).toBe(false);
    // Pace over the last 7 days, cut to the item's first day: 3 units over 6 open days.
    expect(history.velocity(slow, 7)).toEqual({
      unitsPerDay: 0.5,
      units: 3,
      periods: 6,
      meanPrice: (8 + 12) / 3,
    });
    expect(history.velocity(id('busy'), 2)!.unitsPerDay).toBe(10);
  });

  it('skips malformed rows and counts them', () => {
    const { history, feed, id } = setup();
    feed([buy(0, 'a', 1, 5)]);
    const batch = allocateBatch(5);
    const rows: [number, number, number, number][] = [
      // type, price, quantity, ts
      [EVENT_TYPE_CODE.purchase, 0, 1, T0],
      [EVENT_TYPE_CODE.purchase, Number.NaN, 1, T0],
      [EVENT_TYPE_CODE.purchase, 5, 0, T0],
      [EVENT_TYPE_CODE.price_change, 5, 0, Number.NaN],
      [EVENT_TYPE_CODE.price_change, -1, 0, T0],
    ];
    rows.forEach(([type, price, quantity, ts], i) => {
      batch.type[i] = type;
      batch.item[i] = id('a');
      batch.price[i] = price;
      batch.quantity[i] = quantity;
      batch.ts[i] = ts;
    });
    history.ingest(batch);
    expect(history.ignored).toBe(5);
    expect(history.periods(id('a')).map((d) => d.units)).toEqual([1]);
    expect(history.changes(id('a'))).toHaveLength(1);
  });

  it('validates its options, naming the field', () => {
    const bad: Partial<PriceHistoryOptions>[] = [
      { periodMs: 500 },
      { periodMs: 1.5e6 + 0.5 },
      { originMs: DAY_MS },
      { originMs: -1 },
      { maxPeriods: 0 },
      { maxChanges: 1e9 },
    ];
    for (const options of bad) {
      const field = Object.keys(options)[0];
      try {
        new PriceHistory(options);
        expect.unreachable();
      } catch (err) {
        expect(isAisleError(err) && err.code).toBe('AISLE_INVALID_ARGUMENT');
        expect((err as { details: { field: string } }).details.field).toBe(field);
      }
    }
    expect(new PriceHistory({ originMs: 22 * HOUR }).options.periodMs).toBe(DAY_MS);
  });

  it('aligns periods to originMs', () => {
    const { history, feed, id } = setup({ originMs: 22 * HOUR });
    // 23:00 UTC on day 0 belongs to the period that starts at 22:00 that day.
    feed([buy(0, 'a', 1, 5, 23), buy(1, 'a', 1, 5, 21)]);
    expect(history.periods(id('a')).map((d) => [d.start, d.units])).toEqual([[T0 + 22 * HOUR, 2]]);
  });

  it('round-trips its state and carries on as if never stopped', () => {
    const { events } = simulate(7, { scale: 2000, elasticity: -1.2 }, [8, 10, 12.5], 80);
    const extra = [buy(3, 'y', 2, 3.3), list(70, 'y', 2.9)];
    const all = [...events, ...extra].sort((a, b) => a.ts - b.ts);
    const cut = Math.floor(all.length / 2);
    const store = new EventStore();
    const live = new PriceHistory({ maxPeriods: 60 });
    live.ingest(store.append(all.slice(0, cut)));
    const state = live.exportState();
    const restored = PriceHistory.fromState({ maxPeriods: 60 }, state);
    expect(restored.exportState()).toEqual(state);
    const rest = store.append(all.slice(cut));
    live.ingest(rest);
    restored.ingest(rest);
    expect(restored.exportState()).toEqual(live.exportState());
    const x = store.dicts.item.lookup('x')!;
    expect(restored.periods(x, { gaps: true })).toEqual(live.periods(x, { gaps: true }));
    expect(restored.changes(x)).toEqual(live.changes(x));
    expect(itemElasticity(restored, x)).toEqual(itemElasticity(live, x));

    // Smaller bounds keep the newest.
    const small = PriceHistory.fromState({ maxPeriods: 5, maxChanges: 2 }, live.exportState());
    expect(small.periods(x)).toEqual(live.periods(x).slice(-5));
    expect(small.changes(x)).toEqual(live.changes(x).slice(-2));
  });

  it('refuses a malformed or mismatched state', () => {
    const { history, feed } = setup();
    feed([buy(0, 'a', 1, 5), buy(1, 'a', 1, 5), list(2, 'b', 3)]);
    const good = history.exportState();
    const broken: [string, (s: PriceHistoryState) => unknown][] = [
      ['period length', (s) => ({ ...s, periodMs: 3_600_000 })],
      ['out of order', (s) => ({ ...s, periods: s.periods.slice().reverse() })],
      ['counts', (s) => ({ ...s, periodCounts: new Uint32Array([5, 0]) })],
      ['array type', (s) => ({ ...s, units: new Float32Array(s.units) })],
      ['price', (s) => ({ ...s, changePrice: s.changePrice.map(() => -1) })],
      ['items', (s) => ({ ...s, items: new Uint32Array([2, 1]) })],
      ['clock', (s) => ({ ...s, clock: -5 })],
      ['missing', (s) => ({ ...s, changeTs: undefined })],
    ];
    for (const [what, damage] of broken) {
      expect(() => PriceHistory.fromState({}, damage(good) as PriceHistoryState), what).toThrow(
        expect.objectContaining({ code: 'AISLE_SNAPSHOT' }),
      );
    }
    expect(() => PriceHistory.fromState({ periodMs: 0 }, good)).toThrow(
      expect.objectContaining({ code: 'AISLE_INVALID_ARGUMENT' }),
    );
  });
});

describe('elasticity', () => {
  const LEVELS = [6, 8, 10, 12.5];
  for (const truth of [-1.5, -0.8]) {
    it(`recovers a constant elasticity of ${truth} from 120 days of Poisson demand`, () => {
      // 100 units a day at a price of 10.
      const demand = { scale: 100 * 10 ** -truth, elasticity: truth };
      let covered = 0;
      for (let seed = 1; seed <= 20; seed++) {
        const { feed, history, id } = setup();
        feed(simulate(seed, demand, LEVELS).events);
        const e = estimate(itemElasticity(history, id('x')));
        expect(e.periods).toBe(120);
        expect(e.priceLevels).toBe(4);
        expect(Math.abs(e.elasticity - truth)).toBeLessThan(0.15 * Math.abs(truth));
        expect(e.ci95[0]).toBeLessThan(e.elasticity);
        expect(e.ci95[1]).toBeGreaterThan(e.elasticity);
        expect(e.df).toBe(120 - 3);
        expect(e.r2).toBeGreaterThan(0.5);
        expect(e.priceRange).toEqual([6, 12.5]);
        if (e.ci95[0] <= truth && truth <= e.ci95[1]) covered++;
      }
      expect(covered).toBeGreaterThanOrEqual(16);
    });
  }

  it('refuses when the price never changes', () => {
    const { feed, history, id } = setup();
    feed(simulate(3, { scale: 500, elasticity: -1 }, [9.99], 60).events);
    const r = itemElasticity(history, id('x'));
    expect(isRefusal(r) && r.refused).toMatch(/^no price variation/);
  });

  it('refuses with too few periods', () => {
    const { feed, history, id } = setup();
    feed(simulate(3, { scale: 500, elasticity: -1 }, [8, 12], 10).events);
    const r = itemElasticity(history, id('x'));
    expect(isRefusal(r) && r.refused).toMatch(/^too few periods: 10 with sales, at least 14/);
  });

  it('wants several periods at each of two price levels far enough apart', () => {
    const at = (prices: number[]): DemandPoint[] =>
      prices.map((price, i) => ({ price, units: 20 + (i % 3), period: i }));
    const many = (p: number, n: number) => Array<number>(n).fill(p);
    const one = estimateElasticity(at([...many(10, 29), 12]));
    expect(isRefusal(one) && one.refused).toMatch(/1 price level\(s\) with at least 3 periods/);
    const close = estimateElasticity(at([...many(10, 15), ...many(10.3, 15)]));
    expect(isRefusal(close) && close.refused).toMatch(/3% apart, at least 5% needed/);
    // 1% apart is one level.
    const same = estimateElasticity(at([...many(10, 15), ...many(10.05, 15)]));
    expect(isRefusal(same) && same.refused).toMatch(/^no price variation/);
    const fine = estimateElasticity(at([...many(10, 15), ...many(11, 15)]));
    expect(isRefusal(fine)).toBe(false);
  });

  it('refuses an estimate whose interval is too wide', () => {
    const rng = new Rng(11);
    const points: DemandPoint[] = [];
    for (let i = 0; i < 20; i++) {
      const price = i % 2 === 0 ? 10 : 11;
      points.push({ price, units: poisson(rng, 3), period: i });
    }
    const r = estimateElasticity(points);
    expect(isRefusal(r) && r.refused).toMatch(/^estimate too uncertain: .* wider than 2$/);
    expect(isRefusal(estimateElasticity(points, { maxCiWidth: 1e6 }))).toBe(false);
  });

  it('drops zero-unit periods by default and keeps them with log(units + 0.5) on request', () => {
    // (units + 0.5) · price is 4.5 at every price: exactly -1 with the continuity term.
    const points: DemandPoint[] = [];
    for (let k = 0; k < 3; k++) {
      points.push({ price: 1, units: 4 }, { price: 3, units: 1 }, { price: 9, units: 0 });
    }
    const opts = { minPeriods: 4, trend: false };
    const kept = estimate(estimateElasticity(points, { ...opts, zeroUnits: 'continuity' }));
    expect(kept.elasticity).toBeCloseTo(-1, 12);
    expect(kept.periods).toBe(9);
    expect(kept.zeroPeriods).toBe(3);
    expect(kept.n).toBe(15);
    expect(kept.r2).toBeCloseTo(1, 12);
    const dropped = estimate(estimateElasticity(points, opts));
    expect(dropped.periods).toBe(6);
    expect(dropped.zeroPeriods).toBe(0);
    expect(dropped.elasticity).toBeCloseTo(Math.log(1 / 4) / Math.log(3), 12);
  });

  it('counts the open days a slow mover did not sell on with zeroUnits continuity', () => {
    const rng = new Rng(5);
    const { feed, history, id } = setup();
    const demand = { scale: 3 * 10 ** 1.5, elasticity: -1.5 };
    const events: RetailEvent[] = [];
    let zeros = 0;
    for (let day = 0; day < 120; day++) {
      const price = [7, 10, 13][Math.floor(day / 5) % 3]!;
      events.push(buy(day, 'busy', 5, 1));
      if (day % 5 === 0 || day === 119) events.push(list(day, 'slow', price));
      const sold = sellDay(rng, day, 'slow', price, demand);
      if (sold.units === 0) zeros++;
      events.push(...sold.events);
    }
    feed(events);
    expect(zeros).toBeGreaterThan(5);
    const slow = id('slow');
    const kept = estimate(itemElasticity(history, slow, { zeroUnits: 'continuity' }));
    expect(kept.periods).toBe(120);
    expect(kept.zeroPeriods).toBe(zeros);
    expect(kept.ci95[1]).toBeLessThan(0);
    const dropped = estimate(itemElasticity(history, slow));
    expect(dropped.periods).toBe(120 - zeros);
  });

  it('controls for a time trend when asked', () => {
    // Demand grows 2% a day while the price drifts up: without the trend, price gets the credit.
    const points: DemandPoint[] = [];
    for (let t = 0; t < 60; t++) {
      const price = t < 30 ? [8, 10][t % 2]! : [10, 12.5][t % 2]!;
      points.push({ price, units: 100 * price ** -1 * Math.exp(0.02 * t), period: t });
    }
    const withTrend = estimate(estimateElasticity(points));
    expect(withTrend.trend).toBe(true);
    expect(withTrend.elasticity).toBeCloseTo(-1, 9);
    const without = estimate(estimateElasticity(points, { trend: false }));
    expect(without.trend).toBe(false);
    expect(without.elasticity).toBeGreaterThan(-0.5);
    expect(without.df).toBe(58);
  });

  it('refuses a price that moved only with time when controlling for trend', () => {
    const points: DemandPoint[] = [];
    for (let t = 0; t < 30; t++) points.push({ price: 10 * 1.01 ** t, units: 50, period: t });
    const r = estimateElasticity(points, { levelTolerance: 0, minPeriodsPerLevel: 1 });
    expect(isRefusal(r) && r.refused).toMatch(/time/);
  });

  it('validates its options, naming the field', () => {
    for (const options of [
      { minPeriods: 2 },
      { minLevels: 1 },
      { minSpread: -0.1 },
      { levelTolerance: Number.NaN },
      { maxCiWidth: 0 },
      { zeroUnits: 'drop' as 'exclude' },
      { trend: 1 as unknown as boolean },
    ]) {
      expect(() => estimateElasticity([], options)).toThrow(
        expect.objectContaining({
          code: 'AISLE_INVALID_ARGUMENT',
          details: { field: Object.keys(options)[0] },
        }),
      );
    }
  });
});

describe('markdown', () => {
  const base = { price: 10, stock: 600, targetDays: 30, velocity: 10 };

  it('finds the price that lifts the pace to the target', () => {
    const m = suggestion(suggestMarkdown({ ...base, elasticity: -1 }));
    expect(m).toMatchObject({ price: 5, floored: false, elasticity: -1 });
    expect(m.discount).toBeCloseTo(0.5, 12);
    expect(m.expectedVelocity).toBeCloseTo(20, 12);
    expect(m.daysToClear).toBeCloseTo(30, 12);
    expect(m.reason).toMatch(/20 a day/);
    // p' = 10 · 2^(-1/1.5) = 6.2996, rounded down to the cent: a little faster than needed.
    const r = suggestion(suggestMarkdown({ ...base, elasticity: -1.5 }));
    expect(r.price).toBe(6.29);
    expect(r.expectedVelocity).toBeGreaterThan(20);
    expect(r.daysToClear).toBeLessThan(30);
    expect(
      suggestion(suggestMarkdown({ ...base, elasticity: -1.5 }, { step: 0 })).price,
    ).toBeCloseTo(10 * 2 ** (-1 / 1.5), 12);
  });

  it('stops at the floor and says how long clearing then takes', () => {
    // p' = 10 · 2^-2 = 2.5, below 30% of 10.
    const m = suggestion(suggestMarkdown({ ...base, elasticity: -0.5 }));
    expect(m.floored).toBe(true);
    expect(m.price).toBe(3);
    expect(m.expectedVelocity).toBeCloseTo(10 * 0.3 ** -0.5, 12);
    expect(m.daysToClear).toBeCloseTo(600 / (10 * 0.3 ** -0.5), 9);
    expect(m.reason).toMatch(/below the floor of 30%.*about 33 days/);
    expect(suggestion(suggestMarkdown({ ...base, elasticity: -0.5 }, { floor: 0.2 })).price).toBe(
      2.5,
    );
  });

  it('suggests no markdown when the current pace clears in time', () => {
    const m = suggestion(suggestMarkdown({ ...base, velocity: 25, elasticity: -1 }));
    expect(m).toMatchObject({ price: 10, discount: 0, expectedVelocity: 25, daysToClear: 24 });
    expect(m.reason).toMatch(/no markdown needed/);
  });

  it('refuses without a usable elasticity, pace or stock', () => {
    const refused = (r: ReturnType<typeof suggestMarkdown>) => (isRefusal(r) ? r.refused : '');
    expect(refused(suggestMarkdown({ ...base, elasticity: 0.4 }))).toMatch(/does not fall/);
    expect(refused(suggestMarkdown({ ...base, elasticity: 0 }))).toMatch(/does not fall/);
    expect(refused(suggestMarkdown({ ...base, elasticity: { refused: 'too few periods' } }))).toBe(
      'no elasticity estimate (too few periods)',
    );
    expect(refused(suggestMarkdown({ ...base, velocity: 0, elasticity: -1 }))).toMatch(/no sales/);
    expect(refused(suggestMarkdown({ ...base, stock: 0, elasticity: -1 }))).toMatch(/nothing/);
    // The cautious end of [-1.9, 0.1] is not negative.
    const wide = {
      elasticity: -0.9,
      ci95: [-1.9, 0.1],
    } as unknown as ElasticityEstimate;
    expect(isRefusal(suggestMarkdown({ ...base, elasticity: wide }))).toBe(false);
    expect(
      refused(suggestMarkdown({ ...base, elasticity: wide }, { basis: 'conservative' })),
    ).toMatch(/cautious end/);
  });

  it('validates its inputs and options, naming the field', () => {
    const cases: [Record<string, unknown>, Record<string, unknown>, string][] = [
      [{ price: 0 }, {}, 'price'],
      [{ stock: -1 }, {}, 'stock'],
      [{ targetDays: Infinity }, {}, 'targetDays'],
      [{ velocity: Number.NaN }, {}, 'velocity'],
      [{ elasticity: Number.NaN }, {}, 'elasticity'],
      [{}, { floor: 0 }, 'floor'],
      [{}, { step: -0.01 }, 'step'],
      [{}, { basis: 'optimistic' }, 'basis'],
    ];
    for (const [input, options, field] of cases) {
      expect(() => suggestMarkdown({ ...base, elasticity: -1, ...input }, options)).toThrow(
        expect.objectContaining({ code: 'AISLE_INVALID_ARGUMENT', details: { field } }),
      );
    }
  });

  it('clears a simulated overstock within the target', () => {
    const truth = { scale: 100 * 10 ** 1.5, elasticity: -1.5 };
    const { feed, history, id } = setup();
    const { events, rng } = simulate(21, truth, [8, 10, 12.5], 120);
    // Then two weeks at 10, the current price, to measure the pace at.
    const recent = [list(120, 'x', 10)];
    for (let day = 120; day < 134; day++) recent.push(...sellDay(rng, day, 'x', 10, truth).events);
    feed([...events, ...recent]);
    const x = id('x');
    const stock = 4800; // 48 days at 100 a day; the target is 30.
    const m = suggestion(itemMarkdown(history, x, { stock, targetDays: 30, lookback: 14 }));
    expect(m.floored).toBe(false);
    // The truth: 10 · (160 / 100)^(-1 / 1.5) = 7.31.
    expect(m.price).toBeGreaterThan(6.9);
    expect(m.price).toBeLessThan(7.7);
    expect(m.reason).toMatch(/lowest price in the data was 8: below it the estimate is an extrap/);
    // Sell at the suggested price with the true demand: about 30 days to clear.
    let left = stock;
    let day = 0;
    while (left > 0) {
      left -= poisson(rng, truth.scale * m.price ** truth.elasticity);
      day++;
    }
    expect(day).toBeGreaterThanOrEqual(26);
    expect(day).toBeLessThanOrEqual(34);
  });

  it('refuses for an item whose price never moved', () => {
    const { feed, history, id } = setup();
    feed(simulate(3, { scale: 500, elasticity: -1 }, [9.99], 60).events);
    const r = itemMarkdown(history, id('x'), { stock: 1e5, targetDays: 10 });
    expect(isRefusal(r) && r.refused).toMatch(/^no elasticity estimate \(no price variation/);
  });
});
