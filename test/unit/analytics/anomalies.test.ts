import { describe, expect, it } from 'vitest';
import {
  AnomalyDetector,
  type AnomalyAlert,
  type AnomalyOptions,
  type AnomalyState,
} from '../../../engine/analytics/anomalies.js';
import { CategoryIndex } from '../../../engine/category-index.js';
import { isAisleError } from '../../../engine/errors.js';
import { EVENT_TYPE_CODE } from '../../../engine/events.js';
import { allocateBatch } from '../../../engine/store/encode.js';
import { EventStore, type EncodedBatch } from '../../../engine/store/index.js';
import { AliasTable, createSimulator, Rng } from '../../../src/sim/index.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);
/** Peak of the synthetic daily cycle, as in the simulator. */
const PEAK = 20 * HOUR;
/** Items per category in the synthetic stream: item id `c * ITEMS + k` is in category c. */
const ITEMS = 16;
const categoryOf = (item: number) => Math.floor(item / ITEMS);

/** Stated bounds, asserted below. */
const INTERVAL = 5 * MIN;
/** A ×4 spike or a drop to 10%: the onset's partial interval plus two confirming ones. */
const RATE_DELAY_BOUND = 3 * INTERVAL;
/** Purchases per view halving on the whole shop: within one conversion window. */
const CONVERSION_DELAY_BOUND = HOUR;
/** Alerts per series-day (after warm-up) on a steady stream with its daily cycle. */
const FALSE_ALARM_BOUND = 0.01;

interface Injection {
  /** Category id, or 0 for every category. */
  category: number;
  from: number;
  to: number;
  /** Multiplier of the category's event rate. */
  rate?: number;
  /** Multiplier of its purchase probability. */
  conversion?: number;
}

interface Traffic {
  /** Mean events per 5 minutes of each category 1..n over a day. */
  perInterval: readonly number[];
  /** Daily swing: the rate is (1 + amplitude·cos) times the mean, peaking at 20:00 UTC. */
  amplitude: number;
  days: number;
  seed: number;
  /** Each day's level is drawn uniformly within ±dayJitter of the mean. */
  dayJitter?: number;
  injections?: readonly Injection[];
}

/**
 * A seeded stream with a daily cycle, one batch per hour: every category is a Poisson process of
 * views (thinned from the peak rate), a tenth of which add to cart and 30% of those buy.
 */
function* traffic(t: Traffic): Generator<EncodedBatch> {
  const rng = new Rng(t.seed, 3);
  const alias = new AliasTable(t.perInterval);
  const total = t.perInterval.reduce((a, b) => a + b, 0) / INTERVAL;
  const injections = t.injections ?? [];
  const boost = Math.max(1, ...injections.map((i) => i.rate ?? 1));
  const peak = total * (1 + t.amplitude) * (1 + (t.dayJitter ?? 0)) * boost;
  const end = START + t.days * DAY;
  let clock = START;
  let day = -1;
  let level = 1;
  while (clock < end) {
    const hourEnd = Math.min(end, Math.floor(clock / HOUR) * HOUR + HOUR);
    const out = allocateBatch(Math.ceil(peak * HOUR * 1.2 * 1.2) + 1000);
    let n = 0;
    for (;;) {
      clock += rng.exponential(1 / peak);
      if (clock >= hourEnd) {
        clock = hourEnd;
        break;
      }
      const d = Math.floor((clock - START) / DAY);
      if (d !== day) {
        day = d;
        level = 1 + (t.dayJitter ?? 0) * (2 * rng.next() - 1);
      }
      const category = alias.sample(rng) + 1;
      let rate = level * (1 + t.amplitude * Math.cos((((clock - PEAK) % DAY) / DAY) * 2 * Math.PI));
      let buy = 0.3;
      for (const inj of injections) {
        if ((inj.category !== 0 && inj.category !== category) || clock < inj.from) continue;
        if (clock >= inj.to) continue;
        rate *= inj.rate ?? 1;
        buy *= inj.conversion ?? 1;
      }
      if (rng.next() * peak >= rate * total) continue;
      const item = category * ITEMS + rng.int(ITEMS);
      const user = 1 + rng.int(5000);
      const ts = Math.floor(clock);
      const push = (type: number) => {
        out.ts[n] = ts;
        out.type[n] = type;
        out.item[n] = item;
        out.user[n++] = user;
      };
      push(EVENT_TYPE_CODE.view);
      if (rng.chance(0.1)) {
        push(EVENT_TYPE_CODE.add_to_cart);
        if (rng.chance(buy)) push(EVENT_TYPE_CODE.purchase);
      }
    }
    yield { ...out, length: n };
  }
}

function detect(t: Traffic, options: AnomalyOptions = {}): AnomalyAlert[] {
  const detector = new AnomalyDetector({ categoryOf, ...options });
  for (const batch of traffic(t)) detector.ingest(batch);
  return detector.drainAlerts();
}

/** 40 categories from 300 down to 16 events per 5 minutes (Zipf-like), 41 series with the shop. */
const MANY = Array.from({ length: 40 }, (_, i) => 300 / Math.pow(i + 1, 0.8));
const FEW = [300, 120, 60, 40, 3];

const describeAlert = (a: AnomalyAlert, since = START) =>
  `${a.series} ${a.kind} +${((a.ts - since) / MIN).toFixed(1)}min z ${a.z.toFixed(1)}`;

describe('AnomalyDetector on a synthetic daily cycle', () => {
  it('raises no alert in 14 steady days across 41 series', () => {
    const days = 14;
    const alerts = detect({ perInterval: MANY, amplitude: 0.5, days, seed: 3, dayJitter: 0.05 });
    // Warm-up is 2 days; every series is eligible for the 12 after it.
    const seriesDays = (MANY.length + 1) * (days - 2);
    expect(alerts.map((a) => describeAlert(a))).toEqual([]);
    expect(alerts.length / seriesDays).toBeLessThanOrEqual(FALSE_ALARM_BOUND);
  });

  it('flags a halving of purchases per view within one conversion window, once', () => {
    const onset = START + 4 * DAY + 14 * HOUR + 7 * MIN + 13_000;
    const alerts = detect({
      perInterval: MANY,
      amplitude: 0.5,
      days: 5,
      seed: 5,
      injections: [{ category: 0, from: onset, to: onset + 3 * HOUR, conversion: 0.5 }],
    });
    const overall = alerts.filter((a) => a.series === 'overall');
    expect(overall.map((a) => a.kind)).toEqual(['conversion_drop']);
    const alert = overall[0]!;
    expect(alert.ts - onset).toBeGreaterThan(0);
    expect(alert.ts - onset).toBeLessThanOrEqual(CONVERSION_DELAY_BOUND);
    expect(alert.observed).toBeLessThan(alert.expected);
    expect(alert.expected).toBeCloseTo(0.03, 2);
    expect(alert.z).toBeLessThanOrEqual(-4);
    expect(alert.reason).toMatch(/^overall: .*% of views converted to purchases in the 1h to /);
    // Only conversion moved: event rates raised nothing.
    expect(alerts.every((a) => a.kind === 'conversion_drop')).toBe(true);
  });

  it('raises one alert per episode, keeps it active until calm, and hands it out once', () => {
    const onset = START + 3 * DAY + 10 * HOUR;
    const detector = new AnomalyDetector({ categoryOf });
    let activeDuring: AnomalyAlert[] = [];
    for (const batch of traffic({
      perInterval: FEW,
      amplitude: 0.4,
      days: 4,
      seed: 9,
      injections: [{ category: 2, from: onset, to: onset + 2 * HOUR, rate: 4 }],
    })) {
      detector.ingest(batch);
      if (detector.now >= onset + HOUR && detector.now < onset + HOUR + HOUR) {
        activeDuring = detector.anomalies().active;
      }
    }
    const drained = detector.drainAlerts();
    const spikes = drained.filter((a) => a.series === 'category:2');
    expect(spikes.map((a) => a.kind)).toEqual(['spike']);
    expect(spikes[0]!.ts - onset).toBeLessThanOrEqual(RATE_DELAY_BOUND);
    expect(activeDuring).toContain(spikes[0]);
    const { active, recent } = detector.anomalies();
    expect(active.filter((a) => a.series === 'category:2')).toEqual([]);
    expect(recent).toContain(spikes[0]);
    expect(detector.drainAlerts()).toEqual([]);
  });

  it('stays quiet during warm-up and for categories under the count floor', () => {
    const alerts = detect({
      perInterval: FEW,
      amplitude: 0.4,
      days: 4,
      seed: 12,
      injections: [
        // Before two days of history nothing can alert, however large.
        { category: 1, from: START + DAY + 12 * HOUR, to: START + DAY + 13 * HOUR, rate: 5 },
        // Category 5 expects about 3 events per 5 minutes: below the floor of 20.
        {
          category: 5,
          from: START + 3 * DAY + 12 * HOUR,
          to: START + 3 * DAY + 13 * HOUR,
          rate: 4,
        },
      ],
    });
    expect(alerts.map((a) => describeAlert(a))).toEqual([]);
  });

  it('sees a stream that goes quiet as a drop when time is advanced', () => {
    const detector = new AnomalyDetector({ categoryOf });
    for (const batch of traffic({ perInterval: FEW, amplitude: 0.4, days: 3, seed: 2 })) {
      detector.ingest(batch);
    }
    expect(detector.drainAlerts()).toEqual([]);
    detector.advance(START + 3 * DAY + 20 * MIN);
    const kinds = detector.drainAlerts().map((a) => `${a.series} ${a.kind}`);
    expect(kinds).toContain('overall drop');
    expect(kinds).toContain('category:1 drop');
    expect(kinds).not.toContain('category:5 drop');
  });

  it('continues from a restored state exactly as it would have', () => {
    const onset = START + 3 * DAY + 15 * HOUR;
    const live = new AnomalyDetector({ categoryOf });
    let copy: AnomalyDetector | undefined;
    let early: AnomalyAlert[] = [];
    for (const batch of traffic({
      perInterval: FEW,
      amplitude: 0.4,
      days: 4,
      seed: 21,
      injections: [{ category: 1, from: onset, to: onset + HOUR, rate: 0.1 }],
    })) {
      live.ingest(batch);
      copy?.ingest(batch);
      // Snapshot mid-episode, with an alert not yet drained.
      if (copy === undefined && live.anomalies().active.length > 0) {
        copy = AnomalyDetector.fromState({ categoryOf }, live.exportState());
        early = live.anomalies().active;
      }
    }
    expect(copy).toBeDefined();
    expect(early.length).toBeGreaterThan(0);
    expect(copy!.exportState()).toEqual(live.exportState());
    expect(copy!.drainAlerts()).toEqual(live.drainAlerts());
    expect(copy!.anomalies()).toEqual(live.anomalies());
  });
});

/** Rows of `batch` repeated `copies(i)` times (0 drops a row), in order. */
function reshape(batch: EncodedBatch, copies: (i: number) => number): EncodedBatch {
  let n = 0;
  for (let i = 0; i < batch.length; i++) n += copies(i);
  const out = allocateBatch(n);
  let at = 0;
  for (let i = 0; i < batch.length; i++) {
    for (let c = copies(i); c > 0; c--) {
      out.ts[at] = batch.ts[i]!;
      out.type[at] = batch.type[i]!;
      out.item[at] = batch.item[i]!;
      out.user[at] = batch.user[i]!;
      out.session[at++] = batch.session[i]!;
    }
  }
  return out;
}

describe('AnomalyDetector on the simulator', () => {
  // Six days of the seeded simulator: sessions browse mostly one category, so counts are
  // over-dispersed (clustered), unlike the Poisson stream above.
  const store = new EventStore();
  const index = new CategoryIndex();
  const batches: EncodedBatch[] = [];
  const sim = createSimulator({
    seed: 11,
    items: 800,
    categories: 8,
    users: 5000,
    meanGapMs: 300,
    diurnal: 0.5,
  });
  const start = sim.options.startTs;
  while (sim.now() < start + 6 * DAY) {
    const batch = store.append(sim.next(20_000));
    for (let i = 0; i < batch.length; i++) {
      const cat = batch.itemCategory[i]!;
      if (cat !== 0 && index.categoryOf(batch.item[i]!) === 0) index.assign(batch.item[i]!, cat);
    }
    batches.push(batch);
  }
  const options: AnomalyOptions = {
    categoryOf: (i) => index.categoryOf(i),
    categoryName: (c) => store.dicts.category.value(c)!,
  };
  const target = store.dicts.category.lookup('cat-3')!;

  function run(change?: { from: number; to: number; copies: (k: number) => number }) {
    const detector = new AnomalyDetector(options);
    let k = 0;
    for (const batch of batches) {
      if (change === undefined) detector.ingest(batch);
      else {
        detector.ingest(
          reshape(batch, (i) => {
            const t = batch.ts[i]!;
            const hit =
              t >= change.from && t < change.to && index.categoryOf(batch.item[i]!) === target;
            return hit ? change.copies(k++) : 1;
          }),
        );
      }
    }
    return detector.drainAlerts();
  }

  it('raises no alert on six steady days', () => {
    expect(run().map((a) => describeAlert(a, start))).toEqual([]);
  });

  for (const [label, hour] of [
    ['afternoon', 14],
    ['night', 2],
  ] as const) {
    const onset = start + 4 * DAY + hour * HOUR + 7 * MIN + 13_000;

    it(`flags a ×4 spike of one category for 20 minutes (${label}) within 15 minutes`, () => {
      const alerts = run({ from: onset, to: onset + 20 * MIN, copies: () => 4 });
      const mine = alerts.filter((a) => a.category === target);
      expect(mine.map((a) => a.kind)).toEqual(['spike']);
      expect(mine[0]!.ts - onset).toBeGreaterThan(0);
      expect(mine[0]!.ts - onset).toBeLessThanOrEqual(RATE_DELAY_BOUND);
      expect(mine[0]!.reason).toMatch(/^cat-3: \d+ events in the 5m to .*× the/);
      // The shop as a whole may spike with it; no other category does.
      expect(alerts.every((a) => a.category === target || a.series === 'overall')).toBe(true);
    });

    it(`flags a drop of one category to 10% for 20 minutes (${label}) within 15 minutes`, () => {
      const alerts = run({
        from: onset,
        to: onset + 20 * MIN,
        copies: (k) => (k % 10 === 0 ? 1 : 0),
      });
      const mine = alerts.filter((a) => a.category === target);
      expect(mine.map((a) => a.kind)).toEqual(['drop']);
      expect(mine[0]!.ts - onset).toBeGreaterThan(0);
      expect(mine[0]!.ts - onset).toBeLessThanOrEqual(RATE_DELAY_BOUND);
      expect(alerts.every((a) => a.category === target || a.series === 'overall')).toBe(true);
    });
  }
});

describe('AnomalyDetector options and state', () => {
  const fieldOf = (fn: () => unknown): [string, unknown] | undefined => {
    try {
      fn();
    } catch (err) {
      if (isAisleError(err)) return [err.code, err.details?.field ?? err.details?.what];
      throw err;
    }
    return undefined;
  };

  it('refuses bad options naming the field', () => {
    const bad: [AnomalyOptions, string][] = [
      [{ interval: '5x' }, 'interval'],
      [{ interval: 500 }, 'interval'],
      [{ threshold: 0 }, 'threshold'],
      [{ threshold: Number.NaN }, 'threshold'],
      [{ clearThreshold: 5 }, 'clearThreshold'],
      [{ clearIntervals: 0 }, 'clearIntervals'],
      [{ confirmIntervals: 1.5 }, 'confirmIntervals'],
      [{ minCount: -1 }, 'minCount'],
      [{ conversionWindow: '7m' }, 'conversionWindow'],
      [{ seasonSlots: 0 }, 'seasonSlots'],
      [{ alpha: 0 }, 'alpha'],
      [{ varianceAlpha: 2 }, 'varianceAlpha'],
      [{ grace: '5m' }, 'grace'],
      [{ warmup: '-1d' }, 'warmup'],
      [{ types: [] }, 'types'],
      [{ types: ['inventory'] }, 'types'],
      [{ keepAlerts: 0 }, 'keepAlerts'],
      [{ categoryOf: 3 as unknown as () => number }, 'categoryOf'],
      [{ windowSize: 3 } as unknown as AnomalyOptions, 'windowSize'],
    ];
    for (const [options, field] of bad) {
      expect(fieldOf(() => new AnomalyDetector(options))).toEqual([
        'AISLE_INVALID_ARGUMENT',
        field,
      ]);
    }
    const ok = new AnomalyDetector({
      warmup: 0,
      grace: 0,
      interval: '1m',
      conversionWindow: '30m',
    });
    expect(ok.options).toMatchObject({ warmupMs: 0, graceMs: 0, intervalMs: MIN });
  });

  it('refuses a snapshot that does not fit the options', () => {
    const detector = new AnomalyDetector({ categoryOf });
    for (const batch of traffic({ perInterval: FEW, amplitude: 0.4, days: 1, seed: 1 })) {
      detector.ingest(batch);
    }
    const state = detector.exportState();
    const restore = (s: Partial<AnomalyState>, options: AnomalyOptions = { categoryOf }) =>
      fieldOf(() => AnomalyDetector.fromState(options, { ...state, ...s }))?.[0];
    expect(restore({})).toBeUndefined();
    expect(restore({}, { categoryOf, seasonSlots: 12 })).toBe('AISLE_SNAPSHOT');
    expect(restore({}, { categoryOf, conversionWindow: '2h' })).toBe('AISLE_SNAPSHOT');
    expect(restore({ rateMean: state.rateMean.subarray(1) })).toBe('AISLE_SNAPSHOT');
    expect(restore({ categories: Uint32Array.of(1, 2) })).toBe('AISLE_SNAPSHOT');
    expect(restore({ open: -5 })).toBe('AISLE_SNAPSHOT');
    expect(restore({ episode: new Uint8Array(state.episode.length).fill(9) })).toBe(
      'AISLE_SNAPSHOT',
    );
    expect(
      restore({ active: { ...state.active, kind: Uint8Array.of(7), slot: Uint32Array.of(0) } }),
    ).toBe('AISLE_SNAPSHOT');
  });
});
