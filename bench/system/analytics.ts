/**
 * Retail analytics on a growing shop, and the event log beside DuckDB.
 *
 * 1. Answer latency of the incremental analytics (trending, funnels, inventory) at 1M events and
 *    again at 10M (100k and 1M with --quick): each call timed alone, p50/p99, and the ratio of the
 *    two sizes, which should stay near 1 because no answer reads the log.
 * 2. Windowed group-by over the log at the larger size (revenue, units and purchases per item, and
 *    per category through an item → category table, in the last 7 days and over the whole log):
 *    the WASM kernels (SIMD and scalar builds), plain TypeScript, and DuckDB over the same rows,
 *    loaded through its appender (loading timed apart). The answers must agree or the run fails.
 * 3. The engine's live 1-hour funnel against DuckDB counting the same funnel over the log.
 * 4. The kernel alone on one chunk already in WASM memory, SIMD against scalar.
 *
 * The shop: 100,000 items in 200 categories, 50,000 users, an event every 250 ms of simulated
 * time on average (10M events span about a month), no retention window.
 */
import {
  BIGINT,
  DuckDBDataChunk,
  DuckDBInstance,
  FLOAT,
  INTEGER,
  UINTEGER,
  UTINYINT,
  type DuckDBConnection,
  type DuckDBType,
} from '@duckdb/node-api';
import os from 'node:os';
import {
  groupByWindow,
  groupByWindowJs,
  type GroupRow,
  type WindowQuery,
} from '../../engine/analytics/scan.js';
import { createEngine, EVENT_TYPE_CODE, type Engine } from '../../engine/index.js';
import type { EventChunk } from '../../engine/store/index.js';
import { loadKernels, reference, type Kernels } from '../../engine/wasm/index.js';
import { createSimulator, type Simulator } from '../../src/sim/index.js';
import { rng, runSuite, type BenchModule, type CaseResult } from '../harness.js';
import { kernelsOf, storeOf } from '../../engine/internals.js';

const SHOP = { items: 100_000, users: 50_000, categories: 200, meanGapMs: 250 };
const BATCH = 50_000;
const DAY = 86_400_000;
/** Rows a group-by answer keeps: a dashboard's table. */
const TOP = 100;
/** Largest relative difference allowed between two revenue sums of the same rows. */
const REVENUE_TOLERANCE = 1e-9;
const PURCHASE = EVENT_TYPE_CODE.purchase;

const mib = (bytes: number): number => Math.round(bytes / 2 ** 20);
const fmt = (n: number): string => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const at = (sorted: Float64Array, q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

interface Shop {
  engine: Engine;
  sim: Simulator;
  skus: string[];
  categories: string[];
  ingested: number;
  ingestSeconds: number;
}

/** Ingests until `target` events, printing the rate every tenth of the way. */
function grow(shop: Shop, target: number): CaseResult {
  const from = shop.ingested;
  const every = Math.max(BATCH, (target - from) / 10);
  let seconds = 0;
  const started = performance.now();
  let shown = from;
  while (shop.ingested < target) {
    const batch = shop.sim.next(Math.min(BATCH, target - shop.ingested));
    const t0 = performance.now();
    shop.engine.ingestEvents(batch);
    seconds += (performance.now() - t0) / 1000;
    shop.ingested += batch.length;
    if (shop.ingested - shown >= every || shop.ingested === target) {
      shown = shop.ingested;
      const wall = (performance.now() - started) / 1000;
      console.log(
        `  ingested ${shop.ingested.toLocaleString('en-US')} / ${target.toLocaleString('en-US')}: ${Math.round((shop.ingested - from) / seconds).toLocaleString('en-US')} events/s in the engine, ${wall.toFixed(1)} s with generation, heap ${mib(process.memoryUsage().heapUsed)} MiB`,
      );
    }
  }
  shop.ingestSeconds += seconds;
  const events = target - from;
  return {
    suite: 'analytics: ingest (every online model)',
    name: `${fmt(from)} → ${fmt(target)} events`,
    hz: events / seconds,
    rme: 0,
    mean: seconds / events,
    samples: 1,
    extra: {
      events,
      seconds: round(seconds, 2),
      heapUsedMiB: mib(process.memoryUsage().heapUsed),
      rssMiB: mib(process.memoryUsage().rss),
    },
  };
}

interface Probe {
  name: string;
  ask(i: number): unknown;
}

function probes(shop: Shop): Probe[] {
  const { engine, skus, categories } = shop;
  return [
    { name: 'trending({k:10})', ask: () => engine.recommend({ type: 'trending', k: 10 }) },
    {
      name: 'trending({k:10, category})',
      ask: (i) =>
        engine.recommend({ type: 'trending', k: 10, category: categories[i % categories.length]! }),
    },
    { name: "funnel({window:'1h'})", ask: () => engine.analytics.funnel({ window: '1h' }) },
    {
      name: "funnel({window:'7d', category})",
      ask: (i) =>
        engine.analytics.funnel({ window: '7d', category: categories[i % categories.length]! }),
    },
    { name: 'inventoryReport(sku)', ask: (i) => engine.inventory.report(skus[i % skus.length]!) },
    { name: 'inventoryAlerts({limit:100})', ask: () => engine.inventory.alerts({ limit: 100 }) },
    { name: 'inventoryAlerts() (every open alert)', ask: () => engine.inventory.alerts() },
    { name: 'trendingReport({k:10})', ask: () => engine.analytics.trending({ k: 10 }) },
    { name: "revenue({window:'1d'})", ask: () => engine.analytics.revenue({ window: '1d' }) },
    {
      name: "revenue({window:'7d', category})",
      ask: (i) =>
        engine.analytics.revenue({ window: '7d', category: categories[i % categories.length]! }),
    },
    { name: 'segments()', ask: () => engine.analytics.segments() },
    { name: 'basketStats()', ask: () => engine.analytics.basketStats() },
  ];
}

/** Each call timed alone, after an untimed warm-up; milliseconds, sorted. */
function latencies(p: Probe, n: number): Float64Array {
  for (let i = 0; i < Math.min(n, 200); i++) p.ask(i);
  gc();
  const ms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    p.ask(i);
    ms[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }
  return ms.sort();
}

function latencyRows(shop: Shop, n: number): CaseResult[] {
  const size = fmt(shop.ingested);
  return probes(shop).map((p) => {
    const ms = latencies(p, n);
    const mean = ms.reduce((a, b) => a + b, 0) / n;
    const answer = p.ask(0);
    console.log(
      `  ${size} ${p.name.padEnd(32)} p50 ${at(ms, 0.5).toFixed(4)} ms, p99 ${at(ms, 0.99).toFixed(4)} ms, max ${ms[n - 1]!.toFixed(3)} ms`,
    );
    return {
      suite: `analytics latency at ${size} events`,
      name: p.name,
      hz: 1000 / mean,
      rme: 0,
      mean: mean / 1000,
      samples: n,
      extra: {
        events: shop.ingested,
        p50Ms: round(at(ms, 0.5)),
        p99Ms: round(at(ms, 0.99)),
        maxMs: round(ms[n - 1]!),
        meanMs: round(mean),
        loadAverage1m: round(os.loadavg()[0]!, 2),
        // Lists (rankings, open alerts) cost what they hold, so their length is recorded.
        ...(Array.isArray(answer) && { answerLength: answer.length }),
      },
    };
  });
}

/** Adds the later size's p50 and p99 over the earlier one's to the later rows. */
function flatness(small: CaseResult[], large: CaseResult[]): void {
  for (const [i, r] of large.entries()) {
    const s = small[i]!.extra!;
    const e = r.extra!;
    const p50 = Number(e['p50Ms']) / Number(s['p50Ms']);
    const p99 = Number(e['p99Ms']) / Number(s['p99Ms']);
    e['p50RatioToSmaller'] = round(p50, 2);
    e['p99RatioToSmaller'] = round(p99, 2);
    console.log(
      `  ${r.name.padEnd(32)} p50 ×${p50.toFixed(2)}, p99 ×${p99.toFixed(2)} from ${fmt(Number(s['events']))} to ${fmt(Number(e['events']))} events: ${p50 < 1.5 ? 'flat' : 'grows'}`,
    );
  }
}

const LOG_TYPES: readonly DuckDBType[] = [BIGINT, UTINYINT, UINTEGER, UINTEGER, INTEGER, FLOAT];

/** Copies the log's columns DuckDB needs, 2,048 rows (a DuckDB vector) per data chunk. */
async function loadDuckDb(
  shop: Shop,
  categoryOf: Uint32Array,
): Promise<{ db: DuckDBInstance; con: DuckDBConnection; seconds: number }> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const started = performance.now();
  await con.run(
    'CREATE TABLE events (ts BIGINT, type UTINYINT, "user" UINTEGER, item UINTEGER, quantity INTEGER, price FLOAT)',
  );
  await con.run('CREATE TABLE items (item UINTEGER, category UINTEGER)');
  const events = await con.createAppender('events');
  const size = 2048;
  for (const c of storeOf(shop.engine).chunks()) {
    const columns = [c.ts, c.type, c.user, c.item, c.quantity, c.price];
    for (let from = 0; from < c.length; from += size) {
      const n = Math.min(size, c.length - from);
      const chunk = DuckDBDataChunk.create(LOG_TYPES, n);
      columns.forEach((col, j) => {
        const v = chunk.getColumnVector(j);
        for (let i = 0; i < n; i++) v.setItem(i, col[from + i]! as never);
        v.flush();
      });
      events.appendDataChunk(chunk);
    }
  }
  events.closeSync();
  const items = await con.createAppender('items');
  for (let id = 1; id < categoryOf.length; id++) {
    if (categoryOf[id] === 0) continue;
    items.appendUInteger(id);
    items.appendUInteger(categoryOf[id]!);
    items.endRow();
  }
  items.closeSync();
  return { db, con, seconds: (performance.now() - started) / 1000 };
}

/** Item id → category id, from the catalogue the shop loaded. */
function categoryTable(engine: Engine): Uint32Array {
  const { item, category } = storeOf(engine).dicts;
  const out = new Uint32Array(item.size + 1);
  for (const it of engine.catalogue.values()) {
    const id = item.lookup(it.id);
    const c = it.category === undefined ? undefined : category.lookup(it.category);
    if (id !== undefined && c !== undefined) out[id] = c;
  }
  return out;
}

interface GroupQuery {
  name: string;
  query: WindowQuery;
}

function groupSql(q: WindowQuery, limit: number | undefined): string {
  const key = q.by === 'item' ? 'e.item' : 'c.category';
  const join = q.by === 'item' ? '' : ' JOIN items c ON c.item = e.item';
  const window =
    (Number.isFinite(q.from) ? ` AND e.ts >= ${q.from}` : '') +
    (Number.isFinite(q.to) ? ` AND e.ts < ${q.to}` : '');
  return (
    `SELECT ${key} AS key, count(*) AS events, sum(e.quantity) AS units, ` +
    `sum(e.quantity * CAST(e.price AS DOUBLE)) AS revenue FROM events e${join} ` +
    `WHERE e.type = ${PURCHASE} AND ${key} <> 0${window} GROUP BY ${key} ` +
    `ORDER BY revenue DESC, events DESC, key${limit === undefined ? '' : ` LIMIT ${limit}`}`
  );
}

async function duckRows(con: DuckDBConnection, shop: Shop, q: WindowQuery, limit?: number) {
  const reader = await con.runAndReadAll(groupSql(q, limit));
  const dict = storeOf(shop.engine).dicts[q.by];
  return reader.getRows().map(([key, events, units, revenue]): GroupRow => ({
    key: dict.value(Number(key))!,
    events: Number(events),
    units: Number(units),
    revenue: Number(revenue),
  }));
}

/**
 * Throws unless two answers hold the same rows: sums within float tolerance, and near ties may
 * come in either order.
 */
function agree(what: string, ours: GroupRow[], theirs: GroupRow[]): void {
  const fail = (why: string): never => {
    throw new Error(`analytics bench: ${what} disagrees with DuckDB: ${why}`);
  };
  const close = (a: number, b: number): boolean =>
    Math.abs(a - b) <= REVENUE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
  if (ours.length !== theirs.length) fail(`${ours.length} rows against ${theirs.length}`);
  const byKey = new Map(theirs.map((r) => [r.key, r]));
  const last = theirs[theirs.length - 1];
  for (const [i, r] of ours.entries()) {
    if (!close(r.revenue, theirs[i]!.revenue)) {
      fail(`row ${i}: revenue ${r.revenue} against ${theirs[i]!.revenue}`);
    }
    const t = byKey.get(r.key);
    // A row may only be missing at the cut of a top-k, tied with the last row kept there.
    if (t === undefined) {
      if (last === undefined || !close(r.revenue, last.revenue)) fail(`no row for ${r.key}`);
      continue;
    }
    if (t.events !== r.events || t.units !== r.units || !close(t.revenue, r.revenue)) {
      fail(`${r.key}: ${JSON.stringify(r)} against ${JSON.stringify(t)}`);
    }
  }
}

interface Contender {
  name: string;
  run(): unknown;
}

/**
 * Rounds of one call per contender, each round starting with the next one, so that load from
 * elsewhere on a shared machine, and the collector's leftovers, fall on all of them alike.
 * Promises (DuckDB) are awaited inside the timing.
 */
async function race(suite: string, contenders: Contender[], rounds: number): Promise<CaseResult[]> {
  const ms = contenders.map(() => new Float64Array(rounds));
  for (const c of contenders) for (let w = 0; w < 3; w++) await c.run();
  for (let r = 0; r < rounds; r++) {
    gc();
    // The collector finishes sweeping on other threads: let it, rather than time it.
    await new Promise((resolve) => setTimeout(resolve, 10));
    for (let j = 0; j < contenders.length; j++) {
      const i = (r + j) % contenders.length;
      const t0 = performance.now();
      const out = contenders[i]!.run();
      if (out instanceof Promise) await out;
      ms[i]![r] = performance.now() - t0;
    }
  }
  const results = contenders.map((c, i): CaseResult => {
    const sorted = ms[i]!.sort();
    const mean = sorted.reduce((a, b) => a + b, 0) / rounds;
    return {
      suite,
      name: c.name,
      hz: 1000 / mean,
      rme: 0,
      mean: mean / 1000,
      samples: rounds,
      extra: {
        minMs: round(sorted[0]!, 3),
        medianMs: round(at(sorted, 0.5), 3),
        p90Ms: round(at(sorted, 0.9), 3),
      },
    };
  });
  const duck = results.find((r) => r.name === 'duckdb');
  for (const r of results) {
    const ratio =
      duck === undefined ? 1 : Number(r.extra!['medianMs']) / Number(duck.extra!['medianMs']);
    r.extra!['medianRatioToDuckdb'] = round(ratio, 3);
    console.log(
      `  ${suite} :: ${r.name.padEnd(13)} min ${r.extra!['minMs']} ms, median ${r.extra!['medianMs']} ms, p90 ${r.extra!['p90Ms']} ms, ×${ratio.toFixed(3)} DuckDB's median`,
    );
  }
  return results;
}

async function groupBys(
  shop: Shop,
  con: DuckDBConnection,
  categoryOf: Uint32Array,
  rounds: number,
): Promise<CaseResult[]> {
  const { engine } = shop;
  const store = storeOf(engine);
  const simd = kernelsOf(engine).simd ? kernelsOf(engine) : undefined;
  const scalar = await loadKernels({ simd: false });
  const now = shop.sim.now();
  const week = { from: now - 7 * DAY, to: now + 1 };
  const all = { from: -Infinity, to: Infinity };
  const queries: GroupQuery[] = [
    { name: 'by item, 7 days', query: { by: 'item', ...week } },
    { name: 'by item, whole log', query: { by: 'item', ...all } },
    { name: 'by category, 7 days', query: { by: 'category', ...week, categoryOf } },
    { name: 'by category, whole log', query: { by: 'category', ...all, categoryOf } },
  ];
  const out: CaseResult[] = [];
  for (const { name, query } of queries) {
    const q: WindowQuery = { ...query, types: ['purchase'], top: TOP };
    const kernels: [string, Kernels][] = [['wasm-scalar', scalar]];
    if (simd !== undefined) kernels.unshift(['wasm-simd', simd]);
    // Every answer in full, untimed: the kernels and plain TypeScript exactly, DuckDB within
    // rounding.
    const full = { ...q, top: undefined };
    const js = groupByWindowJs(store, full);
    for (const [k, kk] of kernels) {
      const rows = groupByWindow(store, kk, full);
      if (JSON.stringify(rows) !== JSON.stringify(js)) {
        throw new Error(`analytics bench: ${name}: ${k} and plain TypeScript disagree`);
      }
    }
    agree(`${name} (every row)`, js, await duckRows(con, shop, q));
    agree(`${name} (top ${TOP})`, groupByWindowJs(store, q), await duckRows(con, shop, q, TOP));
    const contenders: Contender[] = kernels.map(([k, kk]) => ({
      name: k,
      run: () => groupByWindow(store, kk, q),
    }));
    contenders.push({ name: 'plain-ts', run: () => groupByWindowJs(store, q) });
    contenders.push({ name: 'duckdb', run: () => duckRows(con, shop, q, TOP) });
    const suite = `group-by purchases ${name}, top ${TOP}, ${fmt(shop.ingested)} events`;
    const results = await race(suite, contenders, rounds);
    for (const r of results) {
      r.extra!['groups'] = js.length;
      r.extra!['purchases'] = js.reduce((a, g) => a + g.events, 0);
    }
    out.push(...results);
  }
  return out;
}

/** The engine's live 1-hour shop funnel against DuckDB counting it from the log. */
async function funnelRequery(shop: Shop, con: DuckDBConnection, rounds: number) {
  const live = shop.engine.analytics.funnel({ window: '1h' });
  const steps = [EVENT_TYPE_CODE.view, EVENT_TYPE_CODE.add_to_cart, PURCHASE];
  const counts = steps.map((t) => `count(*) FILTER (WHERE type = ${t})`);
  const users = steps.map(
    (t) => `count(DISTINCT "user") FILTER (WHERE type = ${t} AND "user" <> 0)`,
  );
  const sql =
    `SELECT ${[...counts, ...users].join(', ')} FROM events ` +
    `WHERE ts >= ${live.from} AND ts < ${live.to} AND item <> 0 AND type IN (${steps.join(', ')})`;
  const requery = async (): Promise<number[]> =>
    (await con.runAndReadAll(sql)).getRows()[0]!.map((v) => Number(v));
  const got = await requery();
  const want = [live.views, live.carts, live.purchases];
  if (live.users !== null) want.push(live.users.views, live.users.carts, live.users.purchases);
  if (want.some((v, i) => v !== got[i])) {
    throw new Error(
      `analytics bench: funnel 1h ${want.join('/')} but DuckDB counts ${got.join('/')}`,
    );
  }
  const results = await race(
    `live funnel 1h vs DuckDB re-query, ${fmt(shop.ingested)} events`,
    [
      { name: 'engine.funnel', run: () => shop.engine.analytics.funnel({ window: '1h' }) },
      { name: 'duckdb', run: requery },
    ],
    rounds * 4,
  );
  for (const r of results) {
    r.extra!['views'] = live.views;
    r.extra!['carts'] = live.carts;
    r.extra!['purchases'] = live.purchases;
  }
  return results;
}

/** One chunk resident in a kernel instance's memory, and a call of the kernel over it. */
function residentKernel(k: Kernels, c: EventChunk, groups: number, typeMask: number): () => void {
  const n = c.length;
  const p = {
    counts: k.arena.allocZeroed(groups * 4),
    units: k.arena.allocZeroed(groups * 8),
    revenue: k.arena.allocZeroed(groups * 8),
    ts: k.arena.alloc(n * 8),
    type: k.arena.alloc(n),
    keys: k.arena.alloc(n * 4),
    quantity: k.arena.alloc(n * 4),
    price: k.arena.alloc(n * 4),
    sel: k.arena.alloc(n * 4),
  };
  new BigInt64Array(k.memory.buffer, p.ts, n).set(c.ts);
  k.arena.u8(p.type, n).set(c.type);
  k.arena.u32(p.keys, n).set(c.item);
  k.arena.i32(p.quantity, n).set(c.quantity);
  k.arena.f32(p.price, n).set(c.price);
  const args = {
    ...p,
    nGroups: groups,
    lookup: 0,
    nLookup: 0,
    n,
    from: -Infinity,
    to: Infinity,
    typeMask,
  };
  return () => k.windowGroupByU32(args);
}

/**
 * The kernel alone on the log's newest full chunk (ordinary traffic; the first one is the opening
 * stock feed): what SIMD buys once the rows are in WASM memory.
 */
async function kernelOnly(shop: Shop, maxTime: number): Promise<CaseResult[]> {
  const store = storeOf(shop.engine);
  const chunk = [...store.chunks()].filter((c) => c.length === store.chunkRows).pop()!;
  const groups = store.dicts.item.size + 1;
  const simd = await loadKernels({ simd: true });
  const scalar = await loadKernels({ simd: false });
  const out: CaseResult[] = [];
  for (const [label, mask] of [
    ['purchases', 1 << PURCHASE],
    ['every type', 0x7f],
  ] as const) {
    const counts = new Uint32Array(groups);
    const units = new Float64Array(groups);
    const revenue = new Float64Array(groups);
    const sel = new Uint32Array(chunk.length);
    const plain = {
      counts,
      units,
      revenue,
      nGroups: groups,
      ts: chunk.ts,
      type: chunk.type,
      keys: chunk.item,
      quantity: chunk.quantity,
      price: chunk.price,
      n: chunk.length,
      from: -Infinity,
      to: Infinity,
      typeMask: mask,
      sel,
    };
    // The shop's heap is large: a collection owed from earlier work would land in these cases.
    gc();
    const results = runSuite(
      `window_group_by_u32 kernel, one ${fmt(chunk.length)}-row chunk in WASM memory, ${label}`,
      [
        {
          name: 'wasm-simd',
          fn: residentKernel(simd, chunk, groups, mask),
          itemsPerOp: chunk.length,
        },
        {
          name: 'wasm-scalar',
          fn: residentKernel(scalar, chunk, groups, mask),
          itemsPerOp: chunk.length,
        },
        { name: 'plain-ts', fn: () => reference.windowGroupByU32(plain), itemsPerOp: chunk.length },
      ],
      maxTime,
    );
    out.push(...results);
  }
  return out;
}

export const analyticsBench: BenchModule = {
  name: 'system/analytics',
  async run({ maxTime, seed }) {
    const quick = maxTime < 1;
    const [small, large] = quick ? [100_000, 1_000_000] : [1_000_000, 10_000_000];
    const samples = quick ? 500 : 2_000;
    const rounds = quick ? 10 : 40;
    const sim = createSimulator({ seed, ...SHOP });
    const engine = await createEngine();
    const catalogue = sim.catalogue();
    engine.loadCatalogue(catalogue);
    const next = rng(seed ^ 0xa11);
    const pick = <T>(xs: readonly T[], n: number): T[] =>
      Array.from({ length: n }, () => xs[Math.floor(next() * xs.length)]!);
    const shop: Shop = {
      engine,
      sim,
      skus: pick(
        catalogue.map((c) => c.id),
        1000,
      ),
      categories: pick([...new Set(catalogue.map((c) => c.category!))], 200),
      ingested: 0,
      ingestSeconds: 0,
    };
    const load = (): number => round(os.loadavg()[0]!, 2);
    const results: CaseResult[] = [];
    results.push(grow(shop, small));
    const smallRows = latencyRows(shop, samples);
    results.push(...smallRows, grow(shop, large));
    const largeRows = latencyRows(shop, samples);
    flatness(smallRows, largeRows);
    results.push(...largeRows);

    const categoryOf = categoryTable(engine);
    console.log(`  loading ${shop.ingested.toLocaleString('en-US')} events into DuckDB ...`);
    const duck = await loadDuckDb(shop, categoryOf);
    const threads = (await duck.con.runAndReadAll("SELECT current_setting('threads')")).getRows();
    console.log(
      `  DuckDB loaded in ${duck.seconds.toFixed(1)} s (${String(threads[0]![0])} threads)`,
    );
    const loadRow: CaseResult = {
      suite: 'analytics: DuckDB load (appender, data chunks of 2,048 rows)',
      name: `${fmt(shop.ingested)} events`,
      hz: shop.ingested / duck.seconds,
      rme: 0,
      mean: duck.seconds / shop.ingested,
      samples: 1,
      itemsPerOp: 1,
      extra: {
        seconds: round(duck.seconds, 2),
        duckdbThreads: Number(threads[0]![0]),
        // Other work on a shared machine shows in the timings; the load says how much there was.
        loadAverage1mBefore: load(),
      },
    };
    results.push(loadRow);
    results.push(...(await groupBys(shop, duck.con, categoryOf, rounds)));
    results.push(...(await funnelRequery(shop, duck.con, rounds)));
    duck.con.closeSync();
    duck.db.closeSync();
    results.push(...(await kernelOnly(shop, maxTime)));
    loadRow.extra!['loadAverage1mAfter'] = load();
    engine.close();
    return results;
  },
};
