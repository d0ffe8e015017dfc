import { describe, expect, it } from 'vitest';
import { DecayedCounters } from '../../../engine/models/decayed-counters.js';
import { loadKernels } from '../../../engine/wasm/index.js';

const HOUR = 3_600_000;

describe('DecayedCounters', () => {
  it('equals exact exponential decay, across rescales of the reference time', async () => {
    const kernels = await loadKernels();
    const counters = new DecayedCounters(kernels, HOUR);
    counters.ensure(3);
    const { arena } = kernels;
    // One event on id 1 every 10 minutes for 10 days: far past the rescale threshold.
    const expected = [0, 0, 0];
    let t = 0;
    for (let step = 0; step < 6 * 24 * 10; step++) {
      t = step * 10 * 60_000;
      const mark = arena.scratchMark();
      const idx = arena.scratch(4);
      const ts = arena.scratch(8);
      const w = arena.scratch(8);
      arena.u32(idx, 1)[0] = 1 + (step % 2);
      arena.f64(ts, 1)[0] = t;
      arena.f64(w, 1)[0] = 2;
      counters.add(idx, ts, w, 1, t);
      arena.scratchReset(mark);
      for (let i = 1; i < 3; i++) expected[i] = expected[i]! * Math.pow(0.5, (10 * 60_000) / HOUR);
      expected[1 + (step % 2)] = expected[1 + (step % 2)]! + 2;
    }
    expect(counters.valueAt(1, t)).toBeCloseTo(expected[1]!, 9);
    expect(counters.valueAt(2, t)).toBeCloseTo(expected[2]!, 9);
    // An hour later everything has halved.
    expect(counters.valueAt(2, t + HOUR)).toBeCloseTo(expected[2]! / 2, 9);
    expect(counters.valueAt(0, t)).toBe(0);
    expect(counters.valueAt(99, t)).toBe(0);
  });

  it('keeps values when it grows', async () => {
    const kernels = await loadKernels();
    const counters = new DecayedCounters(kernels, HOUR);
    counters.ensure(10);
    const { arena } = kernels;
    const mark = arena.scratchMark();
    const idx = arena.scratch(4);
    const ts = arena.scratch(8);
    const w = arena.scratch(8);
    arena.u32(idx, 1)[0] = 7;
    arena.f64(ts, 1)[0] = 1000;
    arena.f64(w, 1)[0] = 3;
    counters.add(idx, ts, w, 1, 1000);
    arena.scratchReset(mark);
    counters.ensure(100_000);
    expect(counters.size).toBeGreaterThanOrEqual(100_000);
    expect(counters.valueAt(7, 1000)).toBe(3);
    expect(counters.valueAt(99_999, 1000)).toBe(0);
  });
});
