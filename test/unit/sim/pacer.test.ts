import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RetailEvent } from '../../../engine/events.js';
import { createSimulator, fillHistory, startPacer } from '../../../src/sim/index.js';

const SMALL = { items: 200, categories: 10, users: 300, concurrentSessions: 20 } as const;

describe('startPacer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('emits about rate events per second of wall time, carrying fractions', () => {
    const sim = createSimulator(SMALL);
    const got: RetailEvent[] = [];
    const pacer = startPacer(sim, (batch) => got.push(...batch), { rate: 333, tickMs: 50 });
    vi.advanceTimersByTime(10_000);
    // 333/s * 10 s, minus at most the fraction still owed.
    expect(got.length).toBeGreaterThanOrEqual(3_329);
    expect(got.length).toBeLessThanOrEqual(3_330);
    expect(pacer.emitted).toBe(got.length);
    pacer.stop();
    vi.advanceTimersByTime(10_000);
    expect(got.length).toBe(pacer.emitted);
    pacer.stop();
  });

  it('handles rates below one event per tick', () => {
    const sim = createSimulator(SMALL);
    let n = 0;
    const pacer = startPacer(sim, (batch) => (n += batch.length), { rate: 3 });
    vi.advanceTimersByTime(60_000);
    expect(n).toBeGreaterThanOrEqual(179);
    expect(n).toBeLessThanOrEqual(180);
    pacer.stop();
  });

  it('delivers the simulator stream in order', () => {
    const sim = createSimulator(SMALL);
    const got: RetailEvent[] = [];
    const pacer = startPacer(sim, (batch) => got.push(...batch), { rate: 1_000, tickMs: 20 });
    vi.advanceTimersByTime(2_000);
    pacer.stop();
    expect(JSON.stringify(got)).toBe(JSON.stringify(createSimulator(SMALL).next(got.length)));
  });

  it('survives a throwing sink and counts the errors', () => {
    const sim = createSimulator(SMALL);
    const seen: unknown[] = [];
    let calls = 0;
    const pacer = startPacer(
      sim,
      () => {
        calls++;
        if (calls % 2 === 0) throw new Error('sink down');
      },
      { rate: 100, tickMs: 100, onError: (err) => seen.push(err) },
    );
    vi.advanceTimersByTime(1_000);
    pacer.stop();
    expect(calls).toBe(10);
    expect(pacer.errors).toBe(5);
    expect(seen).toHaveLength(5);
    expect(pacer.emitted).toBe(100);
  });

  it('rejects a bad rate or tick', () => {
    const sim = createSimulator(SMALL);
    expect(() => startPacer(sim, () => {}, { rate: -1 })).toThrow(RangeError);
    expect(() => startPacer(sim, () => {}, { rate: 10, tickMs: 0 })).toThrow(RangeError);
  });
});

describe('fillHistory', () => {
  it('pushes n events synchronously in batches', () => {
    const sim = createSimulator(SMALL);
    const sizes: number[] = [];
    const done = fillHistory(sim, (batch) => sizes.push(batch.length), 25_000, 10_000);
    expect(done).toBe(25_000);
    expect(sizes).toEqual([10_000, 10_000, 5_000]);
    expect(sim.stats().events).toBe(25_000);
  });

  it('lets sink errors propagate', () => {
    const sim = createSimulator(SMALL);
    expect(() =>
      fillHistory(
        sim,
        () => {
          throw new Error('boom');
        },
        10,
      ),
    ).toThrow('boom');
  });
});
