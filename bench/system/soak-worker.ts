/**
 * One soak run in a process of its own (so that one run's heap does not colour the next one's
 * RSS): feeds the soak stream to an engine and prints a JSON line every sample.
 *
 *   node --expose-gc dist/bench/system/soak-worker.js <json options>
 *
 * Options: mode `bounded` (retention, budget and caps as a server runs them) or `unbounded` (no
 * retention: the engine as it was before the contract, stopped at `rssCeiling` so it cannot take
 * the machine down), `shop` and `flood` event counts, `every` (events between samples), `seed`.
 */
import { createEngine, type EngineOptions } from '../../engine/index.js';
import { soakStream } from './soak-stream.js';

export interface SoakOptions {
  mode: 'bounded' | 'unbounded';
  shop: number;
  flood: number;
  every: number;
  seed: number;
  /** Bytes: the memory budget of the bounded run. */
  budget: number;
  /** Stream time kept by the bounded run (ms). */
  retentionMs: number;
  /** RSS at which the unbounded run stops (bytes). */
  rssCeiling: number;
}

export interface SoakSample {
  events: number;
  phase: 'shop' | 'flood';
  rss: number;
  heapUsed: number;
  arrayBuffers: number;
  /** The engine's own count (`memory().total`). */
  engineBytes: number;
  /** The same count by part (`memory().parts`). */
  parts: Record<string, number>;
  effectiveRetentionMs: number | null;
  /** Ingest rate over the events since the previous sample. */
  eventsPerSecond: number;
  storedEvents: number;
  users: number;
  items: number;
  sessions: number;
  warnings: string[];
  droppedIds: Record<string, number>;
}

const BATCH = 10_000;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2] ?? '{}') as SoakOptions;
  const options: EngineOptions =
    o.mode === 'bounded'
      ? {
          retentionMs: o.retentionMs,
          retention: { memoryBudget: o.budget, probe: () => process.memoryUsage.rss() },
          eventTime: { mode: 'stream' },
        }
      : { eventTime: { mode: 'stream' } };
  const engine = await createEngine(options);
  const stream = soakStream({ seed: o.seed, shop: o.shop });
  engine.loadCatalogue(stream.catalogue());
  const total = o.shop + o.flood;
  let seconds = 0;
  let lastSampleAt = 0;
  while (stream.given < total) {
    const batch = stream.next(Math.min(BATCH, total - stream.given));
    const t0 = performance.now();
    engine.ingestEvents(batch);
    seconds += (performance.now() - t0) / 1000;
    if (stream.given - lastSampleAt < o.every && stream.given < total) continue;
    const events = stream.given - lastSampleAt;
    lastSampleAt = stream.given;
    gc();
    const m = process.memoryUsage();
    const s = engine.stats();
    const r = engine.retentionReport();
    const memory = engine.memory();
    const sample: SoakSample = {
      events: stream.given,
      phase: stream.given <= o.shop ? 'shop' : 'flood',
      rss: m.rss,
      heapUsed: m.heapUsed,
      arrayBuffers: m.arrayBuffers,
      engineBytes: memory.total,
      parts: memory.parts,
      effectiveRetentionMs: r.effectiveRetentionMs,
      eventsPerSecond: events / seconds,
      storedEvents: s.storedEvents,
      users: s.users,
      items: s.items,
      sessions: s.sessions,
      warnings: r.warnings,
      droppedIds: r.dropped,
    };
    seconds = 0;
    process.stdout.write(`${JSON.stringify(sample)}\n`);
    if (o.mode === 'unbounded' && m.rss > o.rssCeiling) break;
  }
  engine.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
