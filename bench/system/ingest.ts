/**
 * In-process ingest: a fresh simulated stream into the event store and the online models, SIMD
 * and scalar engines side by side, plus the path an adapter takes (JSON text parsed, validated,
 * ingested).
 *
 * Each batch is generated outside the timed region and dropped after it, as in production:
 * cycling a prepared set would replay ids the dictionaries and pair tables already hold, and
 * retaining millions of event objects would time the garbage collector's marking instead.
 * So this module times whole passes itself instead of handing a closure to `benchmark`.
 */
import { createEngine, type Engine, type RetailEvent } from '../../engine/index.js';
import { createSimulator } from '../../src/sim/index.js';
import type { BenchModule, CaseResult } from '../harness.js';

const BATCH = 10_000;
/** Events of each contender's untimed warm-up pass. */
const WARM_EVENTS = 300_000;

interface Contender {
  name: string;
  make(): Promise<Engine>;
  ingest(engine: Engine, batch: RetailEvent[], wire: string): void;
}

const CONTENDERS: Contender[] = [
  {
    name: 'engine-simd',
    make: () => createEngine({ simd: true }),
    ingest: (e, batch) => e.ingestEvents(batch),
  },
  {
    name: 'engine-scalar',
    make: () => createEngine({ simd: false }),
    ingest: (e, batch) => e.ingestEvents(batch),
  },
  {
    name: 'engine-simd+parse+validate',
    make: () => createEngine({ simd: true }),
    ingest: (e, _batch, wire) => {
      e.ingest(JSON.parse(wire) as unknown[]);
    },
  },
];

/** Seconds spent ingesting `events` fresh events into a new engine. */
async function pass(
  c: Contender,
  seed: number,
  events: number,
): Promise<{ s: number; engine: Engine }> {
  const sim = createSimulator({ seed });
  const engine = await c.make();
  let seconds = 0;
  for (let n = 0; n < events; n += BATCH) {
    const batch = sim.next(BATCH);
    const wire = c.name.includes('parse') ? JSON.stringify(batch) : '';
    const t0 = process.hrtime.bigint();
    c.ingest(engine, batch, wire);
    seconds += Number(process.hrtime.bigint() - t0) / 1e9;
  }
  return { s: seconds, engine };
}

function summarise(
  name: string,
  events: number,
  seconds: number[],
  stats: ReturnType<Engine['stats']>,
): CaseResult {
  const rates = seconds.map((s) => events / s).sort((a, b) => a - b);
  const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
  const sd = Math.sqrt(
    seconds.reduce((a, s) => a + (s - mean) ** 2, 0) / Math.max(1, seconds.length - 1),
  );
  return {
    suite: `ingest fresh stream, ${BATCH}-event batches`,
    name,
    // One "op" is one batch, like the other suites' per-call rates.
    hz: events / BATCH / mean,
    rme: (100 * sd) / mean / Math.sqrt(seconds.length),
    mean: mean / (events / BATCH),
    samples: seconds.length,
    itemsPerOp: BATCH,
    extra: {
      eventsPerPass: events,
      medianEventsPerSecond: Math.round(rates[Math.floor(rates.length / 2)]!),
      bytesPerEvent: Number(stats.bytesPerEvent.toFixed(2)),
      storedEvents: stats.storedEvents,
    },
  };
}

export const ingestBench: BenchModule = {
  name: 'system/ingest',
  async run({ maxTime, seed }) {
    // maxTime scales the work: 2 s → 2M events per pass, 3 passes per contender.
    const events = Math.max(BATCH * 10, Math.round((maxTime * 1_000_000) / BATCH) * BATCH);
    const rounds = maxTime < 1 ? 2 : 3;
    const seconds = new Map<string, number[]>(CONTENDERS.map((c) => [c.name, []]));
    const last = new Map<string, ReturnType<Engine['stats']>>();
    // An untimed pass each first, so that no contender's first round pays for compiling the
    // ingest path (the first one to run would, alone).
    for (const c of CONTENDERS)
      (await pass(c, seed + 1, Math.min(events, WARM_EVENTS))).engine.close();
    // Rounds interleave the contenders so machine noise falls on all of them alike.
    for (let r = 0; r < rounds; r++) {
      for (const c of CONTENDERS) {
        (globalThis as { gc?: () => void }).gc?.();
        const { s, engine } = await pass(c, seed, events);
        seconds.get(c.name)!.push(s);
        // Only the engine being timed is alive during a pass, as in a service: engines kept
        // from earlier passes would make every collection mark their state too.
        last.set(c.name, engine.stats());
        engine.close();
        console.log(
          `  ${c.name} round ${r + 1}: ${Math.round(events / s).toLocaleString()} events/s`,
        );
      }
    }
    return CONTENDERS.map((c) =>
      summarise(c.name, events, seconds.get(c.name)!, last.get(c.name)!),
    );
  },
};
