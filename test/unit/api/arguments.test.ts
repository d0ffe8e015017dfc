import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEngine,
  findNewestSnapshot,
  isAisleError,
  listSnapshots,
  readSnapshotManifest,
  restoreEngine,
  restoreNewestSnapshot,
  verifySnapshot,
  writeEngineSnapshot,
  type Engine,
} from '../../../engine/index.js';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const TS = NOW - 60_000;

const EVENTS = [
  { type: 'view', ts: TS, user: 'u1', session: 's1', item: 'a', category: 'c' },
  { type: 'view', ts: TS, user: 'u1', session: 's1', item: 'b', category: 'c' },
  { type: 'purchase', ts: TS, user: 'u1', item: 'a', order: 'o1', quantity: 1, price: 5 },
  { type: 'purchase', ts: TS, user: 'u1', item: 'b', order: 'o1', quantity: 1, price: 3 },
  { type: 'inventory', ts: TS, item: 'a', op: 'set', quantity: 4 },
  { type: 'price_change', ts: TS, item: 'a', price: 6 },
];

async function fresh(): Promise<Engine> {
  const e = await createEngine({ clock: () => NOW });
  e.ingest(EVENTS);
  return e;
}

/** What a call threw (or its promise rejected with); undefined when it returned. */
async function thrown(f: () => unknown): Promise<unknown> {
  try {
    await f();
    return undefined;
  } catch (err) {
    return err;
  }
}

type Call = (e: Engine) => unknown;
const x = <T>(v: unknown): T => v as T;

/**
 * Every public method and facet method, called with good arguments. The closed-engine test runs
 * the whole list, and the property test replaces the arguments with junk.
 */
const METHODS: Record<
  string,
  { call: Call; junk: (e: Engine, a: unknown, b: unknown) => unknown }
> = {
  ingest: { call: (e) => e.ingest([]), junk: (e, a, b) => e.ingest(x(a), x(b)) },
  ingestEvents: { call: (e) => e.ingestEvents([]), junk: (e, a) => e.ingestEvents(x(a)) },
  check: { call: (e) => e.check([]), junk: (e, a, b) => e.check(x(a), x(b)) },
  loadCatalogue: { call: (e) => e.loadCatalogue([]), junk: (e, a) => e.loadCatalogue(x(a)) },
  recommend: {
    call: (e) => e.recommend({ type: 'popular' }),
    junk: (e, a) => e.recommend(x(a)),
  },
  createRecommender: {
    call: (e) => e.createRecommender(),
    junk: (e, a) => e.createRecommender(x(a)),
  },
  trainFactors: {
    call: (e) => e.trainFactors({ als: { iterations: 1, factors: 4 } }),
    junk: (e, a) => e.trainFactors(x(a)),
  },
  stats: { call: (e) => e.stats(), junk: (e) => e.stats() },
  memory: { call: (e) => e.memory(), junk: (e) => e.memory() },
  retentionReport: { call: (e) => e.retentionReport(), junk: (e) => e.retentionReport() },
  exportState: { call: (e) => e.exportState(), junk: (e) => e.exportState() },
  watermark: { call: (e) => e.watermark, junk: (e) => e.watermark },
  factors: { call: (e) => e.factors, junk: (e) => e.factors },
  catalogue: { call: (e) => e.catalogue, junk: (e) => e.catalogue },
  noteRejected: { call: (e) => e.noteRejected(1), junk: (e, a) => e.noteRejected(x(a)) },
  'analytics.trending': {
    call: (e) => e.analytics.trending(),
    junk: (e, a) => e.analytics.trending(x(a)),
  },
  'analytics.funnel': {
    call: (e) => e.analytics.funnel({ window: '1h' }),
    junk: (e, a) => e.analytics.funnel(x(a)),
  },
  'analytics.anomalies': {
    call: (e) => e.analytics.anomalies(),
    junk: (e) => e.analytics.anomalies(),
  },
  'analytics.drainAnomalyAlerts': {
    call: (e) => e.analytics.drainAnomalyAlerts(),
    junk: (e) => e.analytics.drainAnomalyAlerts(),
  },
  'analytics.segments': {
    call: (e) => e.analytics.segments(),
    junk: (e, a) => e.analytics.segments(x(a)),
  },
  'analytics.customerSegment': {
    call: (e) => e.analytics.customerSegment('u1'),
    junk: (e, a) => e.analytics.customerSegment(x(a)),
  },
  'analytics.basketStats': {
    call: (e) => e.analytics.basketStats(),
    junk: (e) => e.analytics.basketStats(),
  },
  'analytics.revenue': {
    call: (e) => e.analytics.revenue({ window: '1d' }),
    junk: (e, a) => e.analytics.revenue(x(a)),
  },
  'analytics.groupBy': {
    call: (e) => e.analytics.groupBy({ by: 'item', window: '1d' }),
    junk: (e, a) => e.analytics.groupBy(x(a)),
  },
  'analytics.ordersOf': {
    call: (e) => e.analytics.ordersOf('a'),
    junk: (e, a) => e.analytics.ordersOf(x(a)),
  },
  'analytics.pairStats': {
    call: (e) => e.analytics.pairStats('a', 'b'),
    junk: (e, a, b) => e.analytics.pairStats(x(a), x(b)),
  },
  'inventory.report': {
    call: (e) => e.inventory.report('a'),
    junk: (e, a) => e.inventory.report(x(a)),
  },
  'inventory.alerts': {
    call: (e) => e.inventory.alerts(),
    junk: (e, a) => e.inventory.alerts(x(a)),
  },
  'inventory.alertCounts': {
    call: (e) => e.inventory.alertCounts(),
    junk: (e) => e.inventory.alertCounts(),
  },
  'inventory.drainAlerts': {
    call: (e) => e.inventory.drainAlerts(),
    junk: (e) => e.inventory.drainAlerts(),
  },
  'prices.report': {
    call: (e) => e.prices.report('a', { targetDays: 7 }),
    junk: (e, a, b) => e.prices.report(x(a), x(b)),
  },
};

/** [call, the field the message must name]; each must throw AISLE_INVALID_ARGUMENT. */
const BAD: Array<[string, Call, string]> = [
  ['ingest(null)', (e) => e.ingest(x(null)), 'events'],
  ['ingest(an object)', (e) => e.ingest(x({ events: [] })), 'events'],
  ['ingest with an unknown option', (e) => e.ingest([], x({ partail: true })), 'partail'],
  ['ingest with partial: "yes"', (e) => e.ingest([], x({ partial: 'yes' })), 'partial'],
  ['ingestEvents(null)', (e) => e.ingestEvents(x(null)), 'events'],
  ['check(null)', (e) => e.check(x(null)), 'events'],
  ['check with now NaN', (e) => e.check([], Number.NaN), 'now'],
  ['loadCatalogue(null)', (e) => e.loadCatalogue(x(null)), 'items'],
  ['loadCatalogue with a typo', (e) => e.loadCatalogue(x([{ id: 'a', prce: 3 }])), 'prce'],
  [
    'loadCatalogue with a control character',
    (e) => e.loadCatalogue([{ id: 'a\u0000' }]),
    'items[0].id',
  ],
  ['recommend(null)', (e) => e.recommend(x(null)), 'query'],
  ['recommend similar(null)', (e) => e.recommend({ type: 'similar', item: x(null) }), 'item'],
  ['recommend similar(42)', (e) => e.recommend({ type: 'similar', item: x(42) }), 'item'],
  ['recommend with a typo', (e) => e.recommend(x({ type: 'popular', kk: 3 })), 'kk'],
  ['recommend k NaN', (e) => e.recommend({ type: 'popular', k: Number.NaN }), 'k'],
  ['recommend k -1', (e) => e.recommend({ type: 'popular', k: -1 }), 'k'],
  ['createRecommender(null)', (e) => e.createRecommender(x(null)), 'options'],
  ['createRecommender typo', (e) => e.createRecommender(x({ overfech: 2 })), 'overfech'],
  [
    'createRecommender negative weight',
    (e) => e.createRecommender({ weights: { similar: { alsoViewed: -1 } } }),
    'weights.similar.alsoViewed',
  ],
  [
    'createRecommender unknown type',
    (e) => e.createRecommender(x({ weights: { similiar: {} } })),
    'similiar',
  ],
  ['createRecommender newShare 2', (e) => e.createRecommender({ newShare: 2 }), 'newShare'],
  ['noteRejected(-1)', (e) => e.noteRejected(-1), 'n'],
  ['noteRejected("1")', (e) => e.noteRejected(x('1')), 'n'],
  ['noteRejected(NaN)', (e) => e.noteRejected(Number.NaN), 'n'],
  ['analytics.trending(null)', (e) => e.analytics.trending(x(null)), 'opts'],
  ['analytics.trending k NaN', (e) => e.analytics.trending({ k: Number.NaN }), 'k'],
  ['analytics.trending category 3', (e) => e.analytics.trending({ category: x(3) }), 'category'],
  ['analytics.trending typo', (e) => e.analytics.trending(x({ cat: 'c' })), 'cat'],
  ['analytics.funnel(null)', (e) => e.analytics.funnel(x(null)), 'query'],
  ['analytics.funnel()', (e) => e.analytics.funnel(x(undefined)), 'window'],
  ['analytics.funnel window 3', (e) => e.analytics.funnel({ window: x(3) }), 'window'],
  ['analytics.funnel window nonsense', (e) => e.analytics.funnel({ window: 'soon' }), 'window'],
  ['analytics.funnel item {}', (e) => e.analytics.funnel({ window: '1h', item: x({}) }), 'item'],
  ['analytics.funnel typo', (e) => e.analytics.funnel(x({ window: '1h', itme: 'a' })), 'itme'],
  ['analytics.segments(null)', (e) => e.analytics.segments(x(null)), 'opts'],
  ['analytics.segments fresh 1', (e) => e.analytics.segments({ fresh: x(1) }), 'fresh'],
  ['analytics.customerSegment(null)', (e) => e.analytics.customerSegment(x(null)), 'user'],
  ['analytics.customerSegment(7)', (e) => e.analytics.customerSegment(x(7)), 'user'],
  ['analytics.revenue(null)', (e) => e.analytics.revenue(x(null)), 'query'],
  ['analytics.revenue step 5', (e) => e.analytics.revenue({ window: '1d', step: x(5) }), 'step'],
  [
    'analytics.revenue item and category',
    (e) => e.analytics.revenue({ window: '1d', item: 'a', category: 'c' }),
    'category',
  ],
  ['analytics.groupBy(null)', (e) => e.analytics.groupBy(x(null)), 'query'],
  ['analytics.groupBy by nonsense', (e) => e.analytics.groupBy(x({ by: 'colour' })), 'by'],
  [
    'analytics.groupBy from NaN',
    (e) => e.analytics.groupBy({ by: 'item', from: Number.NaN }),
    'from',
  ],
  ['analytics.groupBy top -1', (e) => e.analytics.groupBy({ by: 'item', top: -1 }), 'top'],
  [
    'analytics.groupBy types [1]',
    (e) => e.analytics.groupBy({ by: 'item', types: x([1]) }),
    'types',
  ],
  ['analytics.groupBy typo', (e) => e.analytics.groupBy(x({ by: 'item', windw: '1d' })), 'windw'],
  ['analytics.ordersOf(null)', (e) => e.analytics.ordersOf(x(null)), 'item'],
  ['analytics.pairStats(a, null)', (e) => e.analytics.pairStats('a', x(null)), 'other'],
  ['inventory.report(null)', (e) => e.inventory.report(x(null)), 'item'],
  ['inventory.report({})', (e) => e.inventory.report(x({})), 'item'],
  ['inventory.alerts(null)', (e) => e.inventory.alerts(x(null)), 'opts'],
  ['inventory.alerts limit 0', (e) => e.inventory.alerts({ limit: 0 }), 'limit'],
  ['inventory.alerts type nonsense', (e) => e.inventory.alerts({ type: x('fire') }), 'type'],
  ['inventory.alerts typo', (e) => e.inventory.alerts(x({ limt: 3 })), 'limt'],
  ['prices.report(null)', (e) => e.prices.report(x(null)), 'item'],
  ['prices.report targetDays -1', (e) => e.prices.report('a', { targetDays: -1 }), 'targetDays'],
  ['prices.report targetDays 0', (e) => e.prices.report('a', { targetDays: 0 }), 'targetDays'],
  [
    'prices.report targetDays NaN',
    (e) => e.prices.report('a', { targetDays: Number.NaN }),
    'targetDays',
  ],
  ['prices.report stock -3', (e) => e.prices.report('a', { stock: -3, targetDays: 7 }), 'stock'],
  ['prices.report typo', (e) => e.prices.report('a', x({ days: 7 })), 'days'],
  ['prices.report(a, null)', (e) => e.prices.report('a', x(null)), 'opts'],
];

describe('the embedded API refuses bad arguments with an AisleError naming the field', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await fresh();
  });
  afterAll(() => engine.close());

  it.each(BAD)('%s', async (_name, call, field) => {
    const err = await thrown(() => call(engine));
    expect(isAisleError(err), String(err)).toBe(true);
    if (!isAisleError(err)) return;
    expect(err.code).toBe('AISLE_INVALID_ARGUMENT');
    expect(err.message).toContain(field);
  });

  it('refuses bad trainFactors options by rejecting, never by a TypeError', async () => {
    for (const bad of [null, { als: null }, { als: { iterations: -1 } }, { onIteration: 3 }]) {
      const err = await thrown(() => engine.trainFactors(x(bad)));
      expect(isAisleError(err) && err.code, String(err)).toBe('AISLE_INVALID_ARGUMENT');
    }
  });

  it('lets every method with good arguments answer', async () => {
    const e = await fresh();
    for (const [name, m] of Object.entries(METHODS)) {
      expect(await thrown(() => m.call(e)), name).toBeUndefined();
    }
    e.close();
  });

  it('either answers or throws an AisleError, whatever the arguments', async () => {
    const names = Object.keys(METHODS).filter((n) => n !== 'trainFactors');
    const junk = fc.oneof(
      fc.anything(),
      fc.constantFrom(null, undefined, Number.NaN, -1, 0, '', 'a', [], {}, [null], { k: -1 }),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), junk, junk, async (name, a, b) => {
        const err = await thrown(() => METHODS[name]!.junk(engine, a, b));
        if (err !== undefined && !isAisleError(err)) {
          throw new Error(`${name}(${String(a)}, ${String(b)}) threw ${String(err)}`);
        }
      }),
      { numRuns: 3000, interruptAfterTimeLimit: 20_000 },
    );
  });
});

describe('a closed engine', () => {
  it('refuses every method and facet method with AISLE_CLOSED', async () => {
    const e = await fresh();
    e.close();
    for (const [name, m] of Object.entries(METHODS)) {
      const err = await thrown(() => m.call(e));
      expect(isAisleError(err) && err.code, name).toBe('AISLE_CLOSED');
    }
  });

  it('still answers health and can be closed again', async () => {
    const e = await fresh();
    e.close();
    expect(e.health()).toEqual({ ok: false, reason: 'the engine is closed' });
    expect(() => e.close()).not.toThrow();
  });
});

describe('createEngine and the snapshot functions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aisle-args-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each<[string, unknown, string]>([
    ['null', null, 'options'],
    ['an unknown option', { chunkrows: 8 }, 'chunkrows'],
    ['chunkRows 0', { chunkRows: 0 }, 'chunkRows'],
    ['retentionMs NaN', { retentionMs: Number.NaN }, 'retentionMs'],
    ['simd "yes"', { simd: 'yes' }, 'simd'],
    ['clock 5', { clock: 5 }, 'clock'],
    ['popularity null', { popularity: null }, 'popularity'],
    ['a popularity typo', { popularity: { halfLife: 3 } }, 'popularity.halfLife'],
    ['keyCaps.categories "x"', { keyCaps: { categories: 'x' } }, 'keyCaps.categories'],
    ['eventTime.mode', { eventTime: { mode: 'sometimes' } }, 'eventTime.mode'],
    ['recommend typo', { recommend: { fil: false } }, 'recommend.fil'],
    ['als typo', { als: { iteration: 3 } }, 'iteration'],
    ['sales null', { sales: null }, 'sales'],
  ])('createEngine refuses %s', async (_name, options, field) => {
    const err = await thrown(() => createEngine(x(options)));
    expect(isAisleError(err) && err.code, String(err)).toBe('AISLE_INVALID_ARGUMENT');
    expect((err as Error).message).toContain(field);
  });

  it('refuses bad snapshot arguments with AisleErrors', async () => {
    const e = await fresh();
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['write engine null', () => writeEngineSnapshot(x(null), dir, { position: 1, now: NOW })],
      ['write dir null', () => writeEngineSnapshot(e, x(null), { position: 1, now: NOW })],
      ['write opts null', () => writeEngineSnapshot(e, dir, x(null))],
      ['write now NaN', () => writeEngineSnapshot(e, dir, { position: 1, now: Number.NaN })],
      ['write typo', () => writeEngineSnapshot(e, dir, x({ position: 1, now: NOW, kep: 2 }))],
      ['restore null', () => restoreEngine(x(null))],
      ['restore options null', () => restoreEngine(dir, x(null))],
      ['restoreNewest null', () => restoreNewestSnapshot(x(null))],
      ['find null', () => findNewestSnapshot(x(null))],
      ['find onSkip 3', () => findNewestSnapshot(dir, x({ onSkip: 3 }))],
      ['list 7', () => listSnapshots(x(7))],
      ['verify {}', () => verifySnapshot(x({}))],
      ['manifest null', () => readSnapshotManifest(x(null))],
    ];
    for (const [name, call] of calls) {
      const err = await thrown(call);
      expect(isAisleError(err) && err.code, `${name}: ${String(err)}`).toBe(
        'AISLE_INVALID_ARGUMENT',
      );
    }
    e.close();
    const closed = await thrown(() => writeEngineSnapshot(e, dir, { position: 1, now: NOW }));
    expect(isAisleError(closed) && closed.code).toBe('AISLE_CLOSED');
  });
});
