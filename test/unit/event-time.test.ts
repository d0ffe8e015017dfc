/**
 * The engine's clock: events too far ahead of it, or older than retention, are refused, and no
 * single event can move it.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine, type RetailEvent } from '../../engine/index.js';
import { EventClock, resolveEventTime } from '../../engine/event-time.js';
import { AisleError } from '../../engine/errors.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 5, 1, 12);

/** An hour of steady traffic ending at NOW: 10 views a minute over 5 items, a purchase a minute. */
function steadyHour(): RetailEvent[] {
  const out: RetailEvent[] = [];
  for (let m = 0; m < 60; m++) {
    const ts = NOW - HOUR + m * 60_000;
    for (let v = 0; v < 10; v++) {
      out.push({
        type: 'view',
        ts: ts + v,
        user: `u${v}`,
        session: `s${m}-${v}`,
        item: `i${v % 5}`,
      });
    }
    out.push({
      type: 'purchase',
      ts: ts + 50,
      user: `u${m % 10}`,
      item: `i${m % 5}`,
      order: `o${m}`,
      quantity: 1,
      price: 10,
    });
  }
  return out;
}

async function liveEngine(opts: { retentionMs?: number } = {}): Promise<Engine> {
  return createEngine({ clock: () => NOW, ...opts });
}

/** Answers that a broken clock would change. */
function answers(e: Engine): unknown {
  return {
    trending: e.analytics.trending({ k: 5 }).items,
    funnel1h: e.analytics.funnel({ window: '1h' }),
    funnel1d: e.analytics.funnel({ window: '1d' }),
    user: e.recommend({ type: 'user', user: 'nobody', k: 10 }).results.map((r) => r.item),
    streamTime: e.stats().streamTime,
  };
}

describe('event time in wall mode', () => {
  it('refuses an event far in the future, naming ts, and leaves every answer as it was', async () => {
    const a = await liveEngine();
    const b = await liveEngine();
    a.ingest(steadyHour());
    b.ingest(steadyHour());
    const res = a.ingest([{ type: 'view', ts: 4102444799999, item: 'i1' }]);
    expect(res.accepted).toBe(0);
    expect(res.rejected).toHaveLength(1);
    expect(res.rejected[0]).toMatchObject({ index: 0, field: 'ts' });
    expect(res.rejected[0]!.reason).toMatch(/ahead of the engine's clock/);
    expect(answers(a)).toEqual(answers(b));
    expect(a.stats().rejected).toBe(1);
    // Later events still count: a purchase a minute on is in the 1-hour window of both.
    const later: RetailEvent = {
      type: 'purchase',
      ts: NOW + 60_000,
      item: 'i2',
      order: 'late',
      quantity: 1,
      price: 10,
    };
    a.ingest([later]);
    b.ingest([later]);
    expect(answers(a)).toEqual(answers(b));
    expect(a.analytics.funnel({ window: '1h' }).purchases).toBe(
      b.analytics.funnel({ window: '1h' }).purchases,
    );
    expect(a.watermark).toBe(NOW + 60_000);
  });

  it('accepts events within the skew, refuses an hour ahead, and keeps the rest with partial', async () => {
    const e = await liveEngine();
    const ok = e.ingest([{ type: 'view', ts: NOW + 4 * 60_000, item: 'a' }]);
    expect(ok.accepted).toBe(1);
    const mixed = [
      { type: 'view', ts: NOW, item: 'a' },
      { type: 'view', ts: NOW + HOUR, item: 'b' },
      { type: 'view', ts: 'not a time', item: 'c' },
      { type: 'view', ts: NOW + 1, item: 'd' },
    ];
    const all = e.ingest(mixed);
    expect(all.accepted).toBe(0);
    expect(all.rejected.map((r) => [r.index, r.field])).toEqual([
      [1, 'ts'],
      [2, 'ts'],
    ]);
    const part = e.ingest(mixed, { partial: true });
    expect(part.accepted).toBe(2);
    expect(e.stats().events).toBe(3);
    expect(e.watermark).toBe(NOW + 4 * 60_000);
  });

  it('takes its skew from the options', async () => {
    const e = await createEngine({ clock: () => NOW, eventTime: { maxFutureSkewMs: 2 * HOUR } });
    expect(e.ingest([{ type: 'view', ts: NOW + HOUR, item: 'a' }]).accepted).toBe(1);
    await expect(createEngine({ eventTime: { maxFutureSkewMs: -1 } })).rejects.toThrow(
      /maxFutureSkewMs/,
    );
  });

  it('refuses events older than the retention horizon', async () => {
    const e = await liveEngine({ retentionMs: 24 * HOUR });
    e.ingest([{ type: 'view', ts: NOW, item: 'a' }]);
    const old = e.ingest([{ type: 'view', ts: NOW - 25 * HOUR, item: 'b' }]);
    expect(old.rejected[0]).toMatchObject({ index: 0, field: 'ts' });
    expect(old.rejected[0]!.reason).toMatch(/retention horizon/);
    expect(e.ingest([{ type: 'view', ts: NOW - 23 * HOUR, item: 'b' }]).accepted).toBe(1);
  });

  it('returns clock refusals from the trusted path instead of applying them', async () => {
    const e = await liveEngine();
    const res = e.ingestEvents([
      { type: 'view', ts: NOW, item: 'a' },
      { type: 'view', ts: NOW + 10 * HOUR, item: 'b' },
    ]);
    expect(res.accepted).toBe(1);
    expect(res.rejected).toEqual([expect.objectContaining({ index: 1, field: 'ts' })]);
    expect(e.stats().items).toBe(1);
    expect(e.watermark).toBe(NOW);
  });
});

describe('event time in stream mode', () => {
  it('follows a replay across a night without events, and refuses a lone event from the future', async () => {
    const e = await createEngine({ eventTime: { mode: 'stream' } });
    const evening = Array.from({ length: 20 }, (_, i) => ({
      type: 'view' as const,
      ts: NOW + i * 1000,
      item: `e${i}`,
    }));
    expect(e.ingestEvents(evening).accepted).toBe(20);
    const morning = NOW + 12 * HOUR;
    const batch: RetailEvent[] = [
      ...Array.from({ length: 10 }, (_, i) => ({
        type: 'view' as const,
        ts: morning + i * 1000,
        item: `m${i}`,
      })),
      { type: 'view', ts: morning + 400 * 24 * HOUR, item: 'future' },
    ];
    const res = e.ingestEvents(batch);
    expect(res.accepted).toBe(10);
    expect(res.rejected).toEqual([expect.objectContaining({ index: 10, field: 'ts' })]);
    expect(res.rejected[0]!.reason).toMatch(/watermark/);
    expect(e.watermark).toBe(morning + 9000);
  });

  it('refuses a lone event far ahead of the watermark, in a batch of its own', async () => {
    const e = await createEngine({ eventTime: { mode: 'stream' } });
    e.ingestEvents([{ type: 'view', ts: NOW, item: 'a' }]);
    const res = e.ingestEvents([{ type: 'view', ts: NOW + 2 * HOUR, item: 'b' }]);
    expect(res.accepted).toBe(0);
    expect(e.watermark).toBe(NOW);
  });
});

describe('EventClock', () => {
  it('needs the confirmations it is given before the watermark jumps', () => {
    const clock = new EventClock(
      resolveEventTime({ mode: 'stream', confirmations: 3, maxFutureSkewMs: 10 }),
      () => undefined,
    );
    clock.advance(1000);
    expect(clock.screen([5000, 5001], 0).refused).toHaveLength(2);
    const three = clock.screen([5000, 5001, 5009], 0);
    expect(three.refused).toHaveLength(0);
    expect(three.watermark).toBe(5009);
    expect(clock.watermark).toBe(1000);
  });

  it('refuses bad options naming the field', () => {
    expect(() => resolveEventTime({ mode: 'x' as 'wall' })).toThrow(AisleError);
    expect(() => resolveEventTime({ confirmations: 0 })).toThrow(/confirmations/);
  });
});

describe('caps on categories and locations', () => {
  it('refuses a new category or location past its cap, naming the field, and takes known ones', async () => {
    const e = await createEngine({ clock: () => NOW, keyCaps: { categories: 3, locations: 1 } });
    const views = ['c1', 'c2', 'c3', 'c4', 'c1', 'c5'].map((category, i): RetailEvent => ({
      type: 'view',
      ts: NOW + i,
      item: `i${i}`,
      category,
    }));
    const res = e.ingestEvents(views);
    expect(res.accepted).toBe(4);
    expect(res.rejected.map((r) => [r.index, r.field])).toEqual([
      [3, 'category'],
      [5, 'category'],
    ]);
    // The refused events moved no clock: the newest accepted one is the watermark.
    expect(e.watermark).toBe(NOW + 4);
    const stock = e.ingest([
      { type: 'inventory', ts: NOW, item: 'i1', op: 'set', quantity: 5, location: 'l1' },
      { type: 'inventory', ts: NOW, item: 'i1', op: 'set', quantity: 5, location: 'l2' },
    ]);
    expect(stock.accepted).toBe(0);
    expect(stock.rejected).toEqual([
      { index: 1, field: 'location', reason: 'would be a new location past the cap of 1' },
    ]);
    expect(e.ingest([{ type: 'view', ts: NOW, item: 'x', category: 'c2' }]).accepted).toBe(1);
  });
});
