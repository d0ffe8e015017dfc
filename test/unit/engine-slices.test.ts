/**
 * Ingest in slices (`beginIngest`): the batch is checked whole first, then applied a slice per
 * step, so a host can answer queries in between; the end state is that of the same slices sent
 * as batches, and a refused batch applies nothing.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, type Engine, type RetailEvent } from '../../engine/index.js';
import { isAisleError } from '../../engine/errors.js';

const T = Date.UTC(2026, 0, 5);

function stream(n: number): RetailEvent[] {
  const out: RetailEvent[] = [];
  for (let i = 0; i < n; i++) {
    out.push({
      type: 'view',
      ts: T + i * 1000,
      user: `u${i % 7}`,
      session: `s${i % 13}`,
      item: `i${i % 11}`,
    });
    if (i % 5 === 0) {
      out.push({
        type: 'purchase',
        ts: T + i * 1000 + 1,
        user: `u${i % 7}`,
        item: `i${i % 11}`,
        order: `o${i}`,
        quantity: 1,
        price: 5,
      });
    }
  }
  return out;
}

const make = (): Promise<Engine> => createEngine({ eventTime: { mode: 'stream' } });

function answers(e: Engine): unknown {
  return {
    stats: e.stats(),
    popular: e.recommend({ type: 'popular', k: 5 }),
    similar: e.recommend({ type: 'similar', item: 'i3', k: 5 }),
    bought: e.recommend({ type: 'bought-together', item: 'i3', k: 5 }),
    user: e.recommend({ type: 'user', user: 'u2', k: 5 }),
    funnel: e.analytics.funnel({ window: '1d' }),
  };
}

describe('beginIngest', () => {
  it('applies a slice per step, ending where the same slices sent as batches end', async () => {
    const events = stream(1_000);
    const sliced = await make();
    const batched = await make();
    const job = sliced.beginIngest(events, { slice: 250 });
    expect(job.result).toEqual({ accepted: events.length, rejected: [] });
    let steps = 0;
    const seen: number[] = [];
    while (!job.done) {
      job.step();
      steps++;
      // Between steps the engine answers from what is in so far.
      seen.push(sliced.stats().events);
    }
    expect(steps).toBe(Math.ceil(events.length / 250));
    expect(seen).toEqual(seen.map((_, i) => Math.min(events.length, (i + 1) * 250)));
    expect(job.step()).toBe(true);
    for (let i = 0; i < events.length; i += 250) batched.ingest(events.slice(i, i + 250));
    expect(answers(sliced)).toEqual(answers(batched));
  });

  it('refuses a batch with a bad event before applying any slice, or keeps the rest with partial', async () => {
    const events: unknown[] = stream(300);
    events[120] = { type: 'view', ts: 'yesterday', item: 'i1' };
    const e = await make();
    const job = e.beginIngest(events, { slice: 50 });
    expect(job.done).toBe(true);
    expect(job.result.accepted).toBe(0);
    expect(job.result.rejected[0]).toMatchObject({ index: 120, field: 'ts' });
    expect(e.stats().events).toBe(0);
    const partial = e.beginIngest(events, { slice: 50, partial: true });
    expect(partial.result.accepted).toBe(events.length - 1);
    while (!partial.step());
    expect(e.stats().events).toBe(events.length - 1);
  });

  it('stops with a typed error when the engine is closed between steps', async () => {
    const e = await make();
    const job = e.beginIngest(stream(100), { slice: 40 });
    job.step();
    e.close();
    let err: unknown;
    try {
      job.step();
    } catch (x) {
      err = x;
    }
    expect(isAisleError(err) && err.code).toBe('AISLE_CLOSED');
  });

  it('names a bad slice size', async () => {
    const e = await make();
    expect(() => e.beginIngest(stream(3), { slice: 0 })).toThrow(/slice/);
  });
});
