import { describe, expect, it } from 'vitest';
import { createSimulator } from '../../../src/sim/index.js';

describe('simulator throughput', () => {
  // A sanity print, not an assertion: timing depends on the machine and its load.
  it('generates a million events', () => {
    const sim = createSimulator();
    sim.next(100_000);
    const start = performance.now();
    const events = sim.next(1_000_000);
    const ms = performance.now() - start;
    console.log(`next(1e6): ${ms.toFixed(0)} ms, ${Math.round((1e6 / ms) * 1000)} events/s`);
    expect(events).toHaveLength(1_000_000);
  });
});
