/**
 * What the HTTP adapter costs: requests/s and p50/p99 latency over loopback (autocannon, in a
 * worker thread so that it does not share the server's event loop) for user recommendations,
 * similar items, trending and POST /v1/events with 100-event batches, at 1, 16 and 50
 * connections, with API keys and a rate limit on (reads need a key, the limit never binds), beside
 * the in-process call on the same engine in the same run, so the adapter's cost is a ratio.
 */
import autocannon from 'autocannon';
import { createEngine, type Engine, type RecommendQuery } from '../../engine/index.js';
import { parseApiKeys } from '../../src/http/api-keys.js';
import { listen } from '../../src/http/server.js';
import { createSimulator } from '../../src/sim/index.js';
import type { BenchModule, CaseResult } from '../harness.js';

const READ = 'bench-reader-0123456789';
const WRITE = 'bench-writer-0123456789';
const CONNECTIONS = [1, 16, 50] as const;
/** Distinct requests each connection cycles through (users, items, batches). */
const VARIANTS = 64;
const BATCH = 100;

interface Route {
  name: string;
  requests: autocannon.Request[];
  /** The same question asked in process; undefined for writes. */
  inProcess?: RecommendQuery[];
}

function percentile(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** The in-process call alone: each call timed, as many as fit in `seconds`. */
function inProcess(engine: Engine, queries: RecommendQuery[], seconds: number) {
  const ms: number[] = [];
  const end = performance.now() + seconds * 1000;
  for (let i = 0; performance.now() < end; i++) {
    const t = performance.now();
    engine.recommend(queries[i % queries.length]!);
    ms.push(performance.now() - t);
  }
  const sorted = Float64Array.from(ms).sort();
  const total = ms.reduce((a, b) => a + b, 0);
  return {
    rps: ms.length / (total / 1000),
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
  };
}

async function shop(
  seed: number,
  events: number,
): Promise<{ engine: Engine; users: string[]; items: string[] }> {
  const engine = await createEngine();
  const sim = createSimulator({ seed });
  engine.loadCatalogue(sim.catalogue());
  const history = sim.next(events);
  // Shifted to end a minute ago, so that the events posted during the run (stamped now) are
  // in order and inside the engine's clock screen.
  const shift = Date.now() - 60_000 - history[history.length - 1]!.ts;
  for (let i = 0; i < history.length; i += 10_000) {
    engine.ingestEvents(history.slice(i, i + 10_000).map((e) => ({ ...e, ts: e.ts + shift })));
  }
  await engine.trainFactors({ als: { factors: 32, iterations: 8 } });
  const users = [
    ...new Set(history.flatMap((e) => ('user' in e && typeof e.user === 'string' ? [e.user] : []))),
  ];
  const items = engine.recommend({ type: 'popular', k: VARIANTS }).results.map((r) => r.item);
  return { engine, users: users.slice(0, VARIANTS), items };
}

function routes(users: string[], items: string[], seed: number): Route[] {
  const auth = { authorization: `Bearer ${READ}` };
  const sim = createSimulator({ seed: seed + 1 });
  const batches = Array.from({ length: VARIANTS }, () =>
    JSON.stringify(sim.next(BATCH).map((e) => ({ ...e, ts: Date.now() - 30_000 }))),
  );
  return [
    {
      name: 'user recommendations',
      requests: users.map((u) => ({
        method: 'GET',
        path: `/v1/users/${u}/recommendations?k=10`,
        headers: auth,
      })),
      inProcess: users.map((user) => ({ type: 'user', user, k: 10 })),
    },
    {
      name: 'similar',
      requests: items.map((i) => ({
        method: 'GET',
        path: `/v1/items/${i}/similar?k=10`,
        headers: auth,
      })),
      inProcess: items.map((item) => ({ type: 'similar', item, k: 10 })),
    },
    {
      name: 'trending',
      requests: [{ method: 'GET', path: '/v1/trending?k=10', headers: auth }],
      inProcess: [{ type: 'trending', k: 10 }],
    },
    {
      name: `POST /v1/events (${BATCH} events)`,
      requests: batches.map((body) => ({
        method: 'POST',
        path: '/v1/events',
        headers: { authorization: `Bearer ${WRITE}`, 'content-type': 'application/json' },
        body,
      })),
    },
  ];
}

export const httpBench: BenchModule = {
  name: 'system/http',
  async run({ maxTime, seed }) {
    const quick = maxTime < 1;
    const seconds = quick ? 1 : 5;
    const { engine, users, items } = await shop(seed, quick ? 50_000 : 200_000);
    const { app, url } = await listen(engine, {
      port: 0,
      guard: {
        keys: parseApiKeys(`${READ}:read,${WRITE}:write`, 'bench'),
        authReads: true,
        rateLimit: { max: 1e9, windowMs: 60_000 },
      },
      connections: { maxConnections: 1024 },
    });
    const results: CaseResult[] = [];
    try {
      for (const route of routes(users, items, seed)) {
        const suite = `http ${route.name}`;
        if (route.inProcess !== undefined) {
          inProcess(engine, route.inProcess, 0.5);
          const r = inProcess(engine, route.inProcess, seconds);
          console.log(
            `  ${suite} :: in process ${r.rps.toFixed(0)}/s p50 ${r.p50.toFixed(3)} ms p99 ${r.p99.toFixed(3)} ms`,
          );
          results.push({
            suite,
            name: 'in process',
            hz: r.rps,
            rme: 0,
            mean: 1 / r.rps,
            samples: Math.round(r.rps * seconds),
            extra: { p50Ms: r.p50, p99Ms: r.p99 },
          });
        }
        for (const connections of CONNECTIONS) {
          const out = await autocannon({
            url,
            connections,
            duration: seconds,
            requests: route.requests,
            workers: 1,
          });
          const bad = out.non2xx + out.errors + out.timeouts;
          console.log(
            `  ${suite} :: ${connections} conn ${out.requests.average.toFixed(0)}/s p50 ${out.latency.p50} ms p99 ${out.latency.p99} ms${bad > 0 ? ` (${bad} not 2xx)` : ''}`,
          );
          results.push({
            suite,
            name: `HTTP, ${connections} connection${connections === 1 ? '' : 's'}`,
            hz: out.requests.average,
            rme: out.requests.average > 0 ? (100 * out.requests.stddev) / out.requests.average : 0,
            mean: 1 / Math.max(1e-9, out.requests.average),
            samples: out.requests.total,
            ...(route.inProcess === undefined && { itemsPerOp: BATCH }),
            extra: { p50Ms: out.latency.p50, p99Ms: out.latency.p99, notOk: bad },
          });
        }
      }
    } finally {
      await app.close();
      engine.close();
    }
    return results;
  },
};
