/**
 * hnswlib-node is a native addon that only an HNSW index needs, so an engine whose catalogue stays
 * on the exact index must never load it. Each test file runs in its own worker, so the module
 * cache starts without it; the engine is imported inside the test, after that is checked.
 */
import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const cache = createRequire(import.meta.url).cache;
const hnswlibLoaded = () =>
  Object.keys(cache).some((key) => key.includes(`${sep}hnswlib-node${sep}`));

describe('hnswlib-node loading', () => {
  it('is not loaded by an engine that only uses the exact index', async () => {
    expect(hnswlibLoaded()).toBe(false);
    const { createEngine } = await import('../../../engine/index.js');
    const { createSimulator } = await import('../../../src/sim/index.js');
    const engine = await createEngine();
    try {
      const sim = createSimulator({ seed: 3, items: 200, users: 300, categories: 5 });
      engine.loadCatalogue(sim.catalogue());
      for (let i = 0; i < 5; i++) engine.ingestEvents(sim.next(2_000));
      const report = await engine.trainFactors({ als: { factors: 8, iterations: 2 } });
      expect(report.index).toBe('exact');
      expect(report.indexedItems).toBeGreaterThan(0);
    } finally {
      engine.close();
    }
    expect(hnswlibLoaded()).toBe(false);
  });

  // Without this the check above could pass because it never sees the addon at all.
  it('is loaded when an HNSW index is built', async () => {
    const { HnswIndex } = await import('../../../engine/ann/index.js');
    const index = new HnswIndex(4);
    index.add(Uint32Array.of(1), Float32Array.of(1, 0, 0, 0));
    expect(index.size).toBe(1);
    expect(hnswlibLoaded()).toBe(true);
  });
});
