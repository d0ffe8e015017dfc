/**
 * Retention end to end: ids that fall out of the horizon are dropped from every part, answers
 * stay consistent (a dropped user is a cold-start user), a snapshot after a compaction restores
 * to the same answers, and a memory budget pulls the horizon in with a warning.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine, type RetailEvent } from '../../engine/index.js';
import { restoreEngine, writeEngineSnapshot } from '../../engine/snapshot/index.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 2, 1);

/** A shop over `hours`: 40 items in 4 categories, users that come for a while and go. */
function shop(hours: number, seed = 1): RetailEvent[] {
  let s = seed;
  const rand = (): number => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const out: RetailEvent[] = [];
  let order = 0;
  for (let m = 0; m < hours * 60; m++) {
    const ts = T0 + m * MIN;
    // Users are named by the hour they shop in: every hour brings new ones.
    const hour = Math.floor(m / 60);
    for (let v = 0; v < 6; v++) {
      const user = `u${hour}-${Math.floor(rand() * 8)}`;
      const item = `i${Math.floor(rand() * rand() * 40)}`;
      const session = `s${hour}-${user}`;
      out.push({
        type: 'view',
        ts: ts + v,
        user,
        session,
        item,
        category: `c${Number(item.slice(1)) % 4}`,
      });
      if (rand() < 0.15) {
        out.push({ type: 'add_to_cart', ts: ts + v, user, session, item, quantity: 1 });
      }
      if (rand() < 0.08) {
        out.push({
          type: 'purchase',
          ts: ts + v,
          user,
          session,
          item,
          order: `o${order++}`,
          quantity: 1,
          price: 5 + (Number(item.slice(1)) % 7),
        });
      }
      if (rand() < 0.1) {
        out.push({ type: 'search', ts: ts + v, user, session, query: `query ${m}-${v}` });
      }
    }
  }
  return out;
}

async function bounded(extra: Parameters<typeof createEngine>[0] = {}): Promise<Engine> {
  return createEngine({
    retentionMs: 2 * HOUR,
    retention: { checkEvery: 500, minDead: 16 },
    eventTime: { mode: 'stream' },
    ...extra,
  });
}

function feed(e: Engine, events: RetailEvent[]): void {
  for (let i = 0; i < events.length; i += 400) e.ingestEvents(events.slice(i, i + 400));
}

/** Answers a shopper or merchandiser would see, by name. */
function answers(e: Engine, users: string[], items: string[]): unknown {
  return {
    stats: e.stats(),
    trending: e.analytics.trending({ k: 5 }).items,
    popular: e.recommend({ type: 'popular', k: 5 }).results,
    funnel: e.analytics.funnel({ window: '1h' }),
    users: users.map((user) => e.recommend({ type: 'user', user, k: 5 })),
    similar: items.map((item) => e.recommend({ type: 'similar', item, k: 5 }).results),
    bought: items.map((item) => e.recommend({ type: 'bought-together', item, k: 5 })),
    inventory: items.map((item) => e.inventory.report(item)),
    segments: users.map((user) => e.analytics.customerSegment(user)),
  };
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('retention', () => {
  it('drops users, sessions, orders and queries that left the horizon, and keeps the rest', async () => {
    const e = await bounded();
    feed(e, shop(10));
    const r = e.retentionReport();
    expect(r.warnings).toEqual([]);
    for (const kind of ['user', 'session', 'order', 'query'] as const) {
      expect(r.compactions[kind], kind).toBeGreaterThan(0);
      expect(r.dropped[kind], kind).toBeGreaterThan(0);
    }
    // About two hours of users are kept (8 a hour), plus the slack before a compaction is due.
    expect(e.stats().users).toBeLessThan(8 * 5);
    // Users of the last hour are known; users of the first hour are gone.
    expect(
      e.analytics.customerSegment('u9-1').known || e.analytics.customerSegment('u9-2').known,
    ).toBe(true);
    expect(e.analytics.customerSegment('u0-1').known).toBe(false);
  });

  it('answers a dropped user as a never-seen one', async () => {
    const e = await bounded();
    feed(e, shop(10));
    const dropped = e.recommend({ type: 'user', user: 'u0-1', k: 8 });
    const never = e.recommend({ type: 'user', user: 'nobody-ever', k: 8 });
    expect(dropped.results).toEqual(never.results);
    expect(dropped.fallback).toEqual(never.fallback);
  });

  it('restores a snapshot taken after compactions to the same answers', async () => {
    const e = await bounded();
    feed(e, shop(8));
    expect(e.retentionReport().compactions.user).toBeGreaterThan(0);
    const users = ['u7-0', 'u7-3', 'u6-5', 'u0-1'];
    const items = ['i0', 'i3', 'i11', 'i39'];
    const before = answers(e, users, items);
    const dir = await mkdtemp(join(tmpdir(), 'aisle-retention-'));
    dirs.push(dir);
    const w = await writeEngineSnapshot(e, dir, { position: 1, now: T0 });
    const back = await restoreEngine(w.dir, {
      retention: { checkEvery: 500, minDead: 16 },
      eventTime: { mode: 'stream' },
    });
    expect(answers(back, users, items)).toEqual(before);
    // Both go on alike: the same next hour gives the same answers.
    const next = shop(9).slice(-3000);
    feed(e, next);
    feed(back, next);
    expect(answers(back, users, items)).toEqual(answers(e, users, items));
  });

  it('forgets pairs and per-item funnel buckets older than the horizon, and restores the same', async () => {
    // Two catalogue items (kept whatever their age) seen and bought together once, at the start.
    const together: RetailEvent[] = ['old-a', 'old-b'].flatMap((item, i) => [
      { type: 'view', ts: T0 + i, user: 'early', session: 'early-s', item },
      {
        type: 'purchase',
        ts: T0 + i,
        user: 'early',
        order: 'early-o',
        item,
        quantity: 1,
        price: 4,
      },
    ]);
    const catalogue = [
      { id: 'old-a', category: 'c0', price: 4 },
      { id: 'old-b', category: 'c0', price: 4 },
    ];
    const run = async (e: Engine, hours: number): Promise<void> => {
      e.loadCatalogue(catalogue);
      e.ingestEvents(together);
      feed(e, shop(hours).slice(12));
    };
    const kept = await createEngine({ eventTime: { mode: 'stream' } });
    const e = await bounded();
    await run(kept, 10);
    await run(e, 10);
    // Items recommended for having been seen with the anchor (not as a fallback).
    const names = (r: { results: { item: string; reason?: string }[] }): string[] =>
      r.results.filter((x) => /together/.test(x.reason ?? '')).map((x) => x.item);
    // Without retention the pair is still there; ten hours on, a 2-hour horizon has forgotten it.
    expect(names(kept.recommend({ type: 'similar', item: 'old-a', k: 50 }))).toContain('old-b');
    expect(names(kept.recommend({ type: 'bought-together', item: 'old-a', k: 50 }))).toContain(
      'old-b',
    );
    expect(names(e.recommend({ type: 'similar', item: 'old-a', k: 50 }))).not.toContain('old-b');
    expect(names(e.recommend({ type: 'bought-together', item: 'old-a', k: 50 }))).not.toContain(
      'old-b',
    );
    expect(kept.analytics.funnel({ window: '1d', item: 'old-a' }).views).toBe(1);
    expect(e.analytics.funnel({ window: '1d', item: 'old-a' }).views).toBe(0);
    // The shop's own funnel keeps its whole day.
    expect(e.analytics.funnel({ window: '1d' }).views).toBe(
      kept.analytics.funnel({ window: '1d' }).views,
    );
    expect(e.memory().parts.alsoViewed!).toBeLessThan(kept.memory().parts.alsoViewed!);
    const items = ['i0', 'i3', 'i11', 'old-a'];
    const before = answers(e, [], items);
    const dir = await mkdtemp(join(tmpdir(), 'aisle-retention-'));
    dirs.push(dir);
    const w = await writeEngineSnapshot(e, dir, { position: 1, now: T0 });
    const back = await restoreEngine(w.dir, {
      retention: { checkEvery: 500, minDead: 16 },
      eventTime: { mode: 'stream' },
    });
    expect(answers(back, [], items)).toEqual(before);
    const next = shop(11).slice(-4000);
    feed(e, next);
    feed(back, next);
    expect(answers(back, [], items)).toEqual(answers(e, [], items));
  });

  it('keeps catalogue items however long they go without events', async () => {
    const e = await bounded();
    e.loadCatalogue([{ id: 'shelf-warmer', category: 'c1', price: 3 }]);
    feed(e, shop(10));
    expect(e.retentionReport().compactions.item).toBeGreaterThanOrEqual(0);
    expect(e.catalogue.get('shelf-warmer')).toBeDefined();
    expect(e.inventory.report('shelf-warmer').known).toBe(true);
  });

  it('pulls the horizon in under a memory budget and says so', async () => {
    const e = await createEngine({
      retentionMs: 30 * 24 * HOUR,
      retention: { checkEvery: 500, minDead: 16, memoryBudget: 4 * 2 ** 20, minRetentionMs: HOUR },
      eventTime: { mode: 'stream' },
    });
    feed(e, shop(10));
    const r = e.retentionReport();
    expect(r.effectiveRetentionMs).toBeLessThan(30 * 24 * HOUR);
    expect(r.warnings.join(' ')).toMatch(/memory budget pulled retention in/);
  });

  it('caps users, least recently seen first', async () => {
    const e = await createEngine({
      retention: { checkEvery: 500, minDead: 16, maxUsers: 20 },
      eventTime: { mode: 'stream' },
    });
    feed(e, shop(6));
    expect(e.retentionReport().dropped.user).toBeGreaterThan(0);
    expect(e.analytics.customerSegment('u0-1').known).toBe(false);
  });

  it('keeps a flood of unique 1 KiB search queries within the budget, and goes on serving', async () => {
    const budget = 16 * 2 ** 20;
    const e = await createEngine({
      clock: () => T0,
      retentionMs: 30 * 24 * HOUR,
      retention: { checkEvery: 2_000, memoryBudget: budget },
    });
    feed(
      e,
      shop(2).map((ev) => ({ ...ev, ts: T0 - 2 * HOUR + (ev.ts - T0) })),
    );
    const pad = 'x'.repeat(1000);
    let peak = 0;
    // 80,000 queries of 1 KiB: five times the budget in strings alone, all within a minute.
    for (let b = 0; b < 40; b++) {
      const batch: RetailEvent[] = [];
      for (let i = 0; i < 2_000; i++) {
        const n = b * 2_000 + i;
        batch.push({ type: 'search', ts: T0 - 60_000 + b, user: `f${n}`, query: `${n} ${pad}` });
      }
      const res = e.ingest(batch);
      expect(res.accepted).toBe(2_000);
      peak = Math.max(peak, e.memory().total);
    }
    // A flood overshoots for a few checks before the least recently seen ids go; then it fits.
    expect(peak).toBeLessThan(budget * 2.5);
    expect(e.memory().total).toBeLessThan(budget * 1.25);
    const r = e.retentionReport();
    expect(r.dropped.query).toBeGreaterThan(40_000);
    expect(r.warnings.join(' ')).toMatch(/memory budget/);
    expect(
      e.analytics.trending({ k: 3 }).items.length +
        e.recommend({ type: 'popular', k: 3 }).results.length,
    ).toBeGreaterThan(0);
  });

  it('measures more often near the budget and acts before it is crossed', async () => {
    const budget = 512 * 2 ** 20;
    let held = 0.85 * budget;
    const e = await createEngine({
      retentionMs: 30 * 24 * HOUR,
      eventTime: { mode: 'stream' },
      retention: { checkEvery: 4_000, memoryBudget: budget, probe: () => held },
    });
    const events = shop(48);
    e.ingestEvents(events.slice(0, 8_000));
    // 85% of the budget: under the mark, nothing pulled in, but the next measurement comes early.
    expect(e.retentionReport().effectiveRetentionMs).toBe(30 * 24 * HOUR);
    held = 0.95 * budget;
    e.ingestEvents(events.slice(8_000, 8_500));
    expect(e.retentionReport().effectiveRetentionMs).toBeLessThan(30 * 24 * HOUR);
    // Far under the budget the checks keep their interval: a rise in between waits for the next.
    const far = await createEngine({
      retentionMs: 30 * 24 * HOUR,
      eventTime: { mode: 'stream' },
      retention: { checkEvery: 4_000, memoryBudget: budget, probe: () => held },
    });
    held = 0.5 * budget;
    far.ingestEvents(events.slice(0, 8_000));
    held = 0.95 * budget;
    far.ingestEvents(events.slice(8_000, 8_500));
    expect(far.retentionReport().effectiveRetentionMs).toBe(30 * 24 * HOUR);
  });

  it('keeps the budget against the process when the host gives a probe', async () => {
    const opts = {
      retentionMs: 30 * 24 * HOUR,
      eventTime: { mode: 'stream' as const },
    };
    const budget = 512 * 2 ** 20;
    const counted = await createEngine({
      ...opts,
      retention: { checkEvery: 500, minDead: 16, memoryBudget: budget },
    });
    const probed = await createEngine({
      ...opts,
      retention: { checkEvery: 500, minDead: 16, memoryBudget: budget, probe: () => 2 * budget },
    });
    feed(counted, shop(6));
    feed(probed, shop(6));
    // The engine's own count is far under 512 MiB; the process, as the probe tells it, is not.
    expect(counted.retentionReport().effectiveRetentionMs).toBe(30 * 24 * HOUR);
    expect(probed.retentionReport().effectiveRetentionMs).toBeLessThan(6 * HOUR);
    await expect(
      createEngine({ retention: { probe: 42 as unknown as () => number } }),
    ).rejects.toThrow(/probe/);
  });
});
