/**
 * Request durations per matched route, for /v1/stats: the most recent durations of each route in
 * a fixed ring, and their quantiles on demand. Memory is bounded twice over: the ring has a fixed
 * size, and routes are the route table's (unmatched requests are not tracked, so a scan of
 * made-up URLs adds nothing).
 */

/** Durations kept per route: enough for a stable p99, small enough to sort on every read. */
export const LATENCY_WINDOW = 1024;

/** One route's figures, as /v1/stats replies them. */
export interface RouteLatency {
  /** The route's pattern, as declared (`/v1/items/:id/similar`). */
  route: string;
  method: string;
  /** Requests answered since the server started. */
  count: number;
  /** Quantiles over the last LATENCY_WINDOW requests, milliseconds. */
  p50Ms: number;
  p99Ms: number;
}

class Ring {
  readonly values = new Float64Array(LATENCY_WINDOW);
  /** Requests seen; the next write goes to count % LATENCY_WINDOW. */
  count = 0;

  add(ms: number): void {
    this.values[this.count % LATENCY_WINDOW] = ms;
    this.count++;
  }

  /** The held durations, sorted ascending (a copy). */
  sorted(): Float64Array {
    return this.values.slice(0, Math.min(this.count, LATENCY_WINDOW)).sort();
  }
}

/** Nearest-rank quantile of sorted values; 0 for none. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

export class RouteLatencies {
  private readonly rings = new Map<string, { route: string; method: string; ring: Ring }>();

  /** Records one answered request. O(1); `route` undefined (no route matched) is skipped. */
  observe(method: string, route: string | undefined, ms: number): void {
    if (route === undefined || !Number.isFinite(ms)) return;
    const key = `${method} ${route}`;
    let entry = this.rings.get(key);
    if (entry === undefined) {
      entry = { route, method, ring: new Ring() };
      this.rings.set(key, entry);
    }
    entry.ring.add(ms);
  }

  /** Every route seen, by route then method. O(routes × LATENCY_WINDOW log LATENCY_WINDOW). */
  report(): RouteLatency[] {
    const out: RouteLatency[] = [];
    for (const { route, method, ring } of this.rings.values()) {
      const sorted = ring.sorted();
      out.push({
        route,
        method,
        count: ring.count,
        p50Ms: quantile(sorted, 0.5),
        p99Ms: quantile(sorted, 0.99),
      });
    }
    return out.sort((a, b) =>
      a.route === b.route ? a.method.localeCompare(b.method) : a.route.localeCompare(b.route),
    );
  }
}
