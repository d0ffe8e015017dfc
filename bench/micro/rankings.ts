/**
 * Popular and trending over every item right after an ingest, as a live query path asks them:
 * the TypeScript loop over every id (how they were scored before, and how a category is still
 * scored) beside the engine's path (one WASM pass of scores, the popular best list and the
 * trending support list kept between asks). 100,000 items with skewed traffic; each operation
 * is a one-event batch followed by the ask.
 */
import type { RetailEvent } from '../../engine/events.js';
import { DEFAULT_POPULARITY, Popularity } from '../../engine/models/popularity.js';
import { EventStore } from '../../engine/store/index.js';
import { loadKernels } from '../../engine/wasm/index.js';
import { rng, runSuite, type BenchModule, type CaseResult } from '../harness.js';

const K = 256;

export const rankingsBench: BenchModule = {
  name: 'micro/rankings',
  async run({ maxTime, seed }) {
    const items = maxTime < 1 ? 20_000 : 100_000;
    const kernels = await loadKernels();
    const next = rng(seed);
    let t = Date.UTC(2026, 0, 1);
    const views = (n: number): RetailEvent[] =>
      Array.from({ length: n }, () => ({
        type: 'view' as const,
        ts: (t += 200),
        item: `i${Math.floor(items * next() ** 2)}`,
      }));
    const store = new EventStore();
    const model = new Popularity(kernels, DEFAULT_POPULARITY);
    for (let i = 0; i < 100; i++)
      model.ingest(store.append(views(10_000)), store.dicts.item.size + 1);
    const every = Uint32Array.from({ length: store.dicts.item.size + 1 }, (_, i) => i);
    const ingestOne = (): void => model.ingest(store.append(views(1)), store.dicts.item.size + 1);
    const results: CaseResult[] = [];
    for (const [what, ask] of [
      ['popular', (c?: Uint32Array) => model.popular(K, c)],
      ['trending', (c?: Uint32Array) => model.trending(K, c)],
    ] as const) {
      results.push(
        ...runSuite(
          `${what} k=${K} after a 1-event ingest, ${every.length - 1} items`,
          [
            { name: 'typescript loop over every id', fn: () => (ingestOne(), ask(every)) },
            { name: 'engine (wasm pass, kept lists)', fn: () => (ingestOne(), ask()) },
          ],
          maxTime,
        ),
      );
    }
    return results;
  },
};
