import { describe, expect, it } from 'vitest';
import { coordinateSearch, type Score } from '../../../src/tune/search.js';

interface P {
  a: number;
  b: number;
}

/** A separable bowl with its top at a = 3, b = 0.5. */
const bowl = (p: P): Score => ({
  objective: -((p.a - 3) ** 2) - 4 * (p.b - 0.5) ** 2,
  metrics: {},
});

const dims = [
  { name: 'a' as const, values: [0, 1, 2, 3, 4, 5] },
  { name: 'b' as const, values: [0, 0.25, 0.5, 0.75, 1] },
];

describe('coordinateSearch', () => {
  it('walks the grid to the best point and stops when a pass changes nothing', () => {
    const r = coordinateSearch<P>({
      start: { a: 0, b: 1 },
      dimensions: dims,
      evaluate: bowl,
      budgetMs: 60_000,
      minGain: 1e-9,
    });
    expect(r.best).toEqual({ a: 3, b: 0.5 });
    expect(r.stoppedBy).toBe('converged');
    expect(r.steps[0]!.params).toEqual({ a: 0, b: 1 });
    // Every kept step improved on the one kept before it.
    const kept = r.steps.filter((s) => s.kept).map((s) => s.score.objective);
    for (let i = 1; i < kept.length; i++) expect(kept[i]!).toBeGreaterThan(kept[i - 1]!);
    // Never the same point twice.
    const seen = r.steps.map((s) => JSON.stringify(s.params));
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('keeps the start when nothing beats it by the minimum gain', () => {
    const flat = (p: P): Score => ({ objective: p.a === 4 ? 0.01 : 0, metrics: {} });
    const r = coordinateSearch<P>({
      start: { a: 2, b: 0.5 },
      dimensions: dims,
      evaluate: flat,
      budgetMs: 60_000,
      minGain: 0.05,
    });
    expect(r.best).toEqual({ a: 2, b: 0.5 });
  });

  it('adds the start to a grid that lacks it', () => {
    const r = coordinateSearch<P>({
      start: { a: 2.5, b: 0.5 },
      dimensions: dims,
      evaluate: bowl,
      budgetMs: 60_000,
      minGain: 1e-9,
    });
    expect(r.best.a).toBe(3);
  });

  it('does not start an evaluation the budget cannot pay for', () => {
    let clock = 0;
    const slow = (p: P): Score => {
      clock += 10;
      return bowl(p);
    };
    const r = coordinateSearch<P>({
      start: { a: 0, b: 1 },
      dimensions: dims,
      evaluate: slow,
      budgetMs: 35,
      minGain: 1e-9,
      now: () => clock,
    });
    expect(r.stoppedBy).toBe('budget');
    expect(r.steps).toHaveLength(3);
    expect(r.ms).toBeLessThanOrEqual(35);
  });
});
