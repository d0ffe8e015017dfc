/**
 * In-process ingest: prepared batches from the simulator into the event store and the online
 * models, SIMD and scalar engines side by side, plus the validating path from wire objects.
 */
import { createEngine, type RetailEvent } from '../../engine/index.js';
import { createSimulator } from '../../src/sim/index.js';
import { runSuite, type BenchModule, type CaseResult } from '../harness.js';

const EVENTS = 1_000_000;
const BATCH = 10_000;

function prepare(seed: number): { events: RetailEvent[][]; wire: unknown[][] } {
  const sim = createSimulator({ seed });
  const events: RetailEvent[][] = [];
  const wire: unknown[][] = [];
  for (let n = 0; n < EVENTS; n += BATCH) {
    const batch = sim.next(BATCH);
    events.push(batch);
    // Wire objects as JSON.parse gives them, with ISO strings for some timestamps.
    wire.push(JSON.parse(JSON.stringify(batch)) as unknown[]);
  }
  return { events, wire };
}

function cycler<T>(batches: T[]): () => T {
  let i = 0;
  return () => batches[i++ % batches.length]!;
}

export const ingestBench: BenchModule = {
  name: 'system/ingest',
  async run({ maxTime, seed }) {
    const { events, wire } = prepare(seed);
    const simd = await createEngine({ simd: true });
    const scalar = await createEngine({ simd: false });
    const validating = await createEngine({ simd: true });
    const nextSimd = cycler(events);
    const nextScalar = cycler(events);
    const nextWire = cycler(wire);
    const results: CaseResult[] = runSuite(
      `ingest ${BATCH}-event batches`,
      [
        { name: 'engine-simd', fn: () => simd.ingestEvents(nextSimd()), itemsPerOp: BATCH },
        { name: 'engine-scalar', fn: () => scalar.ingestEvents(nextScalar()), itemsPerOp: BATCH },
        {
          name: 'engine-simd+validate',
          fn: () => {
            validating.ingest(nextWire());
          },
          itemsPerOp: BATCH,
        },
      ],
      maxTime,
    );
    const stats = simd.stats();
    for (const r of results) {
      r.extra = {
        bytesPerEvent: Number(stats.bytesPerEvent.toFixed(2)),
        storedEvents: stats.storedEvents,
      };
    }
    return results;
  },
};
