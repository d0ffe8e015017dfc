import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LATENCY_WINDOW, RouteLatencies } from '../../../src/http/latency.js';

/** Nearest-rank quantile, the plain way. */
function reference(values: number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

describe('RouteLatencies', () => {
  it('gives the quantiles of the last LATENCY_WINDOW durations of each route', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 500, noNaN: true }), { maxLength: 3 * LATENCY_WINDOW }),
        (durations) => {
          const l = new RouteLatencies();
          for (const ms of durations) l.observe('GET', '/v1/items/:id/similar', ms);
          const report = l.report();
          if (durations.length === 0) return report.length === 0;
          const kept = durations.slice(-LATENCY_WINDOW);
          const [r] = report;
          return (
            report.length === 1 &&
            r!.count === durations.length &&
            r!.p50Ms === reference(kept, 0.5) &&
            r!.p99Ms === reference(kept, 0.99)
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('keeps routes and methods apart, sorted, and skips unmatched requests and non-numbers', () => {
    const l = new RouteLatencies();
    l.observe('POST', '/v1/events', 3);
    l.observe('GET', '/v1/stats', 1);
    l.observe('GET', '/v1/events', 2);
    l.observe('GET', undefined, 9);
    l.observe('GET', '/v1/stats', Number.NaN);
    expect(l.report().map((r) => `${r.method} ${r.route} ${r.count}`)).toEqual([
      'GET /v1/events 1',
      'POST /v1/events 1',
      'GET /v1/stats 1',
    ]);
  });
});
