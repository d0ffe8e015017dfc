import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateEvent, type RetailEvent } from '../../../engine/events.js';
import { isAisleError } from '../../../engine/errors.js';
import { createSimulator, SIMULATOR_DEFAULTS } from '../../../src/sim/index.js';

const SMALL = { items: 300, categories: 12, users: 500, concurrentSessions: 50 } as const;

describe('createSimulator: determinism', () => {
  it('gives the identical stream for the same options', () => {
    const a = createSimulator({ seed: 9 });
    const b = createSimulator({ seed: 9 });
    expect(JSON.stringify(b.next(30_000))).toBe(JSON.stringify(a.next(30_000)));
    expect(JSON.stringify(b.catalogue())).toBe(JSON.stringify(a.catalogue()));
    expect(b.stats()).toEqual(a.stats());
    expect(b.now()).toBe(a.now());
  });

  it('gives a different stream for a different seed', () => {
    const a = createSimulator({ ...SMALL, seed: 1 }).next(2_000);
    const b = createSimulator({ ...SMALL, seed: 2 }).next(2_000);
    expect(JSON.stringify(b)).not.toBe(JSON.stringify(a));
  });

  it('does not depend on batching: next(a) then next(b) equals next(a + b)', () => {
    const whole = JSON.stringify(createSimulator(SMALL).next(6_000));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1_500 }), { maxLength: 12 }), (cuts) => {
        const sim = createSimulator(SMALL);
        const parts: RetailEvent[] = [];
        let done = 0;
        for (const cut of cuts) {
          const n = Math.min(cut, 6_000 - done);
          const batch = sim.next(n);
          if (batch.length !== n) return false;
          parts.push(...batch);
          done += n;
        }
        parts.push(...sim.next(6_000 - done));
        return JSON.stringify(parts) === whole;
      }),
      { numRuns: 30 },
    );
  });

  it('batches one event at a time into the same stream (checkouts span calls)', () => {
    const whole = createSimulator(SMALL).next(4_000);
    const sim = createSimulator(SMALL);
    const single: RetailEvent[] = [];
    for (let i = 0; i < 4_000; i++) single.push(...sim.next(1));
    expect(JSON.stringify(single)).toBe(JSON.stringify(whole));
  });
});

describe('createSimulator: the stream', () => {
  const sim = createSimulator({ seed: 5 });
  const events = sim.next(200_000);

  it('emits only events that validate unchanged', () => {
    for (const e of events) {
      const v = validateEvent(e, 0);
      if (!v.ok) throw new Error(`${JSON.stringify(e)}: ${v.error.field} ${v.error.reason}`);
      // Byte-for-byte: same keys, same order, no undefined fields.
      if (JSON.stringify(v.event) !== JSON.stringify(e)) {
        throw new Error(`changed by validation: ${JSON.stringify(e)}`);
      }
      if (Object.values(e).includes(undefined))
        throw new Error(`undefined field: ${JSON.stringify(e)}`);
    }
  });

  it('keeps timestamps non-decreasing, starting at startTs', () => {
    expect(events[0]!.ts).toBe(SIMULATOR_DEFAULTS.startTs);
    for (let i = 1; i < events.length; i++) {
      if (events[i]!.ts < events[i - 1]!.ts) throw new Error(`ts goes back at ${i}`);
    }
    expect(sim.now()).toBe(events.at(-1)!.ts);
  });

  it('advances simulated time at about the mean gap', () => {
    const live = events.slice(SIMULATOR_DEFAULTS.items);
    const span = live.at(-1)!.ts - live[0]!.ts;
    // The day/night swing makes the realised gap differ a little from the mean.
    expect(span / live.length).toBeGreaterThan(40);
    expect(span / live.length).toBeLessThan(65);
  });

  it('opens with an inventory snapshot: a set for every item, then traffic', () => {
    const items = SIMULATOR_DEFAULTS.items;
    const head = events.slice(0, items);
    expect(head.every((e) => e.type === 'inventory' && e.op === 'set')).toBe(true);
    expect(new Set(head.map((e) => (e.type === 'inventory' ? e.item : ''))).size).toBe(items);
    expect(events[items]!.type).not.toBe('inventory');
  });

  it('emits every event type, and counts them in stats()', () => {
    const counted: Record<string, number> = {};
    for (const e of events) counted[e.type] = (counted[e.type] ?? 0) + 1;
    const stats = sim.stats();
    expect(stats.events).toBe(events.length);
    expect(stats.byType).toEqual(counted);
    for (const type of Object.keys(stats.byType)) expect(counted[type]).toBeGreaterThan(0);
    expect(stats.orders).toBe(
      new Set(events.flatMap((e) => (e.type === 'purchase' ? [e.order] : []))).size,
    );
  });

  it('uses the documented id shapes', () => {
    const shapes: [string, RegExp][] = [
      ['item', /^sku-\d+$/],
      ['session', /^s-\d+$/],
      ['user', /^u-\d+$/],
      ['category', /^cat-\d+$/],
      ['order', /^o-\d+$/],
      ['location', /^store-\d+$/],
    ];
    for (const e of events) {
      const fields = e as unknown as Record<string, unknown>;
      for (const [field, shape] of shapes) {
        const value = fields[field];
        if (value !== undefined && !shape.test(String(value))) {
          throw new Error(`${field} of ${JSON.stringify(e)} does not match ${shape}`);
        }
      }
    }
  });
});

describe('createSimulator: catalogue and ground truth', () => {
  const sim = createSimulator({ seed: 3 });
  const catalogue = sim.catalogue();

  it('lists every item with a category, a price and a brand', () => {
    expect(catalogue).toHaveLength(SIMULATOR_DEFAULTS.items);
    expect(catalogue[0]!.id).toBe('sku-0');
    for (const item of catalogue) {
      expect(item.category).toMatch(/^cat-\d+$/);
      expect(item.price).toBeGreaterThan(0);
      expect(Math.round(item.price! * 100) / 100).toBe(item.price);
      expect(typeof item.attributes?.brand).toBe('string');
      expect(['budget', 'standard', 'premium']).toContain(item.attributes?.tier);
    }
  });

  it('makes category sizes uneven and uses every category', () => {
    const sizes = new Map<string, number>();
    for (const item of catalogue) sizes.set(item.category!, (sizes.get(item.category!) ?? 0) + 1);
    expect(sizes.size).toBe(SIMULATOR_DEFAULTS.categories);
    const counts = [...sizes.values()].sort((a, b) => a - b);
    expect(counts.at(-1)! / counts[0]!).toBeGreaterThan(3);
  });

  it('gives categories different price levels', () => {
    const byCat = new Map<string, number[]>();
    for (const item of catalogue)
      byCat.set(item.category!, [...(byCat.get(item.category!) ?? []), item.price!]);
    const medians = [...byCat.values()].map((ps) => ps.sort((a, b) => a - b)[ps.length >> 1]!);
    expect(Math.max(...medians) / Math.min(...medians)).toBeGreaterThan(5);
  });

  it('gives every item 1 to 3 complements in other categories', () => {
    const categoryOf = new Map(catalogue.map((i) => [i.id, i.category]));
    for (const item of catalogue) {
      const comps = sim.complementsOf(item.id);
      expect(comps.length).toBeGreaterThanOrEqual(1);
      expect(comps.length).toBeLessThanOrEqual(3);
      expect(new Set(comps).size).toBe(comps.length);
      for (const c of comps) expect(categoryOf.get(c)).not.toBe(item.category);
    }
    expect(sim.complementsOf('nope')).toEqual([]);
    expect(sim.complementsOf('sku-999999')).toEqual([]);
    expect(sim.complementsOf('sku-01')).toEqual([]);
  });

  it('gives every user 1 to 3 favourite categories', () => {
    for (let u = 0; u < 100; u++) {
      const tastes = sim.tastesOf(`u-${u}`);
      expect(tastes.length).toBeGreaterThanOrEqual(1);
      expect(tastes.length).toBeLessThanOrEqual(3);
      expect(new Set(tastes).size).toBe(tastes.length);
    }
    expect(sim.tastesOf('u-x')).toEqual([]);
  });

  it('reports current prices after price changes', () => {
    const s = createSimulator({ ...SMALL, priceChangeRate: 0.05 });
    const changes = s.next(5_000).filter((e) => e.type === 'price_change');
    expect(changes.length).toBeGreaterThan(0);
    const last = new Map(changes.map((e) => [e.item, e.price]));
    const now = new Map(s.catalogue().map((i) => [i.id, i.price]));
    for (const [item, price] of last) expect(now.get(item)).toBe(price);
  });
});

describe('createSimulator: options', () => {
  it('fills defaults', () => {
    const sim = createSimulator();
    expect(sim.options).toEqual(SIMULATOR_DEFAULTS);
    expect(sim.now()).toBe(Date.UTC(2026, 0, 1));
    expect(sim.next(0)).toEqual([]);
  });

  it('rejects bad options with an AisleError naming the option', () => {
    for (const bad of [
      { items: 0 },
      { users: 1.5 },
      { zipf: -1 },
      { cartRate: 0.01, purchaseRate: 0.02 },
      { startTs: 1 },
      { seed: Number.NaN },
      { seeds: 1 },
    ]) {
      let caught: unknown;
      try {
        createSimulator(bad);
      } catch (err) {
        caught = err;
      }
      expect(isAisleError(caught)).toBe(true);
      expect((caught as Error).message).toContain(Object.keys(bad).at(-1)!);
    }
    expect(() => createSimulator().next(-1)).toThrow(RangeError);
  });

  it('caps categories at the number of items', () => {
    const sim = createSimulator({ items: 5, categories: 40, users: 3 });
    expect(sim.options.categories).toBe(5);
    for (const e of sim.next(2_000)) expect(validateEvent(e, 0).ok).toBe(true);
  });
});

describe('createSimulator: fads', () => {
  it('leaves the stream unchanged when off', () => {
    const a = createSimulator({ ...SMALL, seed: 4 }).next(5_000);
    const b = createSimulator({ ...SMALL, seed: 4, fadShare: 0 }).next(5_000);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('sends the set share of first views to one item per period, a new one each period', () => {
    const fadEvery = 600_000;
    const sim = createSimulator({ ...SMALL, seed: 4, fadShare: 0.2, fadEvery });
    const start = SIMULATOR_DEFAULTS.startTs;
    // Views per period and item; sessions' first views are about a fifth of all views.
    const periods = new Map<number, Map<string, number>>();
    let views = 0;
    for (const e of sim.next(60_000)) {
      if (e.type !== 'view') continue;
      views++;
      const p = Math.floor((e.ts - start) / fadEvery);
      const counts = periods.get(p) ?? new Map<string, number>();
      counts.set(e.item!, (counts.get(e.item!) ?? 0) + 1);
      periods.set(p, counts);
    }
    expect(views).toBeGreaterThan(40_000);
    const last = Math.max(...periods.keys());
    const full = [...periods.keys()].filter((p) => p !== last);
    expect(full.length).toBeGreaterThanOrEqual(3);
    /** Views of `item` per full period other than `p`, on average. */
    const usual = (item: string, p: number) =>
      full.filter((q) => q !== p).reduce((a, q) => a + (periods.get(q)!.get(item) ?? 0), 0) /
      (full.length - 1);
    // A fad in a period: an item with over 3% of its views and over three times its usual
    // views (a fad may fall on a best seller now and then, hence all periods but one).
    const fads = full.flatMap((p) => {
      const counts = periods.get(p)!;
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      const fad = [...counts].find(([item, n]) => n > 0.03 * total && n > 3 * usual(item, p));
      return fad === undefined ? [] : [fad[0]];
    });
    expect(fads.length).toBeGreaterThanOrEqual(full.length - 1);
    expect(new Set(fads).size).toBe(fads.length);
  });

  it('rejects a share outside [0, 0.5]', () => {
    expect(() => createSimulator({ fadShare: 0.6 })).toThrow(/fadShare/);
  });
});
