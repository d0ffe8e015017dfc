/**
 * The property snapshots exist for: ingest part A, snapshot, restore into a new engine, ingest
 * part B, and every answer and stat equals (bit for bit) one engine that ingested A and B.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createEngine,
  findNewestSnapshot,
  restoreEngine,
  writeEngineSnapshot,
  type Engine,
  type EngineOptions,
} from '../../../engine/index.js';
import type { SimulatorOptions } from '../../../src/sim/index.js';
import {
  answers,
  feed,
  firstDifference,
  simulatedStream,
  tempDirs,
  type Stream,
} from './support.js';

const EVENTS = 30_000;
const CATEGORIES = ['cat-0', 'cat-1', 'cat-5', 'cat-11', 'no-such-category'];
const FIXED_ITEMS = ['sku-0', 'sku-3', 'sku-250', 'sku-799', 'never-seen'];
const NOW = Date.UTC(2026, 5, 1);

interface Config {
  name: string;
  engine: EngineOptions;
  sim: SimulatorOptions;
  /** Whether the stream is long enough for anything to trend. */
  trends: boolean;
}

const CONFIGS: Config[] = [
  // 30k events 50 ms apart: 25 minutes, too young a stream for anything to trend.
  { name: 'defaults', engine: {}, sim: {}, trends: false },
  {
    // 30k events 8 s apart span ~66 h: old log chunks are evicted, idle contexts are swept and
    // their ring slots reused, and the 10-minute counters move tRef (rescale) several times.
    name: 'retention, sweeps and rescaling',
    engine: {
      retentionMs: 6 * 3_600_000,
      chunkRows: 1024,
      popularity: { shortHalfLifeMs: 10 * 60_000, minTrendSupport: 2, minTrendZ: 1 },
      alsoViewed: { idleMs: 3 * 60_000 },
      alsoBought: { idleMs: 60_000 },
    },
    sim: { meanGapMs: 8000 },
    trends: true,
  },
];

const dirs = tempDirs();

describe.each([true, false])('snapshot identity (simd %s)', (simd) => {
  describe.each(CONFIGS)('$name', ({ engine: options, sim, trends }) => {
    let stream: Stream;
    let single: Engine;
    let items: string[];
    let expected: ReturnType<typeof answers>;

    const fresh = async (): Promise<Engine> => {
      const engine = await createEngine({ ...options, simd });
      engine.loadCatalogue(stream.catalogue);
      return engine;
    };

    beforeAll(async () => {
      // Small batches in the long stream: more of them, so more sweeps (one per 64 batches).
      stream = simulatedStream(EVENTS, sim, trends ? 100 : 400);
      single = await fresh();
      feed(single, stream, 0, stream.batches.length);
      items = [
        ...single.recommend({ type: 'popular', k: 15 }).results.map((r) => r.item),
        ...FIXED_ITEMS,
      ];
      expected = answers(single, items, CATEGORIES);
    });

    it('sanity: the stream exercises what the property is about', () => {
      const stats = single.stats();
      expect(stats.events).toBe(EVENTS);
      expect(stats.rejected).toBeGreaterThan(0);
      if (trends) expect(expected.trending.length).toBeGreaterThan(0);
      expect(expected.similar.some((s) => s.bought.fallback === undefined)).toBe(true);
      if (options.retentionMs !== undefined) {
        expect(stats.storedEvents).toBeLessThan(EVENTS);
        const state = single.exportState();
        // Idle sessions were forgotten (sessions outnumber live contexts) ...
        expect(state.alsoViewed.contextKeys.length).toBeLessThan(stats.sessions / 4);
        // ... and the 10-minute counters moved their reference time on by many half-lives.
        const first = stream.batches[0]![0]!.ts;
        expect(state.popularity.short.tRef! - first).toBeGreaterThan(9 * 3_600_000);
      }
    });

    it('restoring at any batch boundary and ingesting the rest equals one pass', async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: stream.batches.length }), async (split) => {
          const base = await dirs();
          const first = await fresh();
          feed(first, stream, 0, split);
          await writeEngineSnapshot(first, base, { position: { batch: split }, now: NOW });
          first.close();

          const found = await findNewestSnapshot(base);
          expect(found?.manifest.position).toEqual({ batch: split });
          const restored = await restoreEngine(found!.dir, { simd });
          feed(restored, stream, split, stream.batches.length);
          expect(answers(restored, items, CATEGORIES)).toEqual(expected);
          expect(firstDifference(restored.exportState(), single.exportState())).toBeUndefined();
        }),
        { numRuns: 4, seed: 20260601, interruptAfterTimeLimit: 60_000 },
      );
    });

    it('captures the state at the call, while ingest goes on during the write', async () => {
      const split = Math.floor(stream.batches.length / 2);
      const base = await dirs();
      const engine = await fresh();
      feed(engine, stream, 0, split);
      const writing = writeEngineSnapshot(engine, base, { position: split, now: NOW });
      // Ingest more before the files are written: none of it may reach the snapshot.
      feed(engine, stream, split, split + 10);
      const written = await writing;
      expect(written.manifest.position).toBe(split);

      const restored = await restoreEngine(written.dir, { simd });
      feed(restored, stream, split, stream.batches.length);
      expect(answers(restored, items, CATEGORIES)).toEqual(expected);
    });

    it('survives a chain of restores', async () => {
      const base = await dirs();
      const cuts = [0, 7, 40, stream.batches.length - 3, stream.batches.length];
      let engine = await fresh();
      for (let i = 0; i + 1 < cuts.length; i++) {
        feed(engine, stream, cuts[i]!, cuts[i + 1]!);
        const { dir } = await writeEngineSnapshot(engine, base, { position: cuts[i + 1]!, now: i });
        engine.close();
        engine = await restoreEngine(dir, { simd });
      }
      expect(answers(engine, items, CATEGORIES)).toEqual(expected);
    });
  });
});
