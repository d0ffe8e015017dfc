/**
 * The byte counts behind the memory budget: typed arrays exact, shared buffers once, large
 * containers sampled and scaled without counting a shared buffer once per sampled view.
 */
import { describe, expect, it } from 'vitest';
import { estimateBytes } from '../../engine/memory.js';

describe('estimateBytes', () => {
  it('counts typed arrays exactly and a buffer shared by two fields once', () => {
    const buffer = new ArrayBuffer(4096);
    const part = { a: new Uint32Array(buffer, 0, 512), b: new Uint32Array(buffer, 2048, 512) };
    const bytes = estimateBytes(part);
    expect(bytes).toBeGreaterThanOrEqual(4096);
    expect(bytes).toBeLessThan(4096 + 200);
  });

  it('counts many lists carved from one pool as the pool, not the pool once per sampled list', () => {
    const pool = new Uint32Array(1000 * 100);
    const lists = Array.from({ length: 1000 }, (_, i) => pool.subarray(i * 100, (i + 1) * 100));
    const bytes = estimateBytes({ lists });
    expect(bytes).toBeGreaterThan(pool.byteLength * 0.9);
    expect(bytes).toBeLessThan(pool.byteLength * 1.2);
  });

  it('scales a large map from a sample of its entries', () => {
    const map = new Map<number, Float64Array>();
    for (let i = 0; i < 5000; i++) map.set(i, new Float64Array(16));
    const bytes = estimateBytes({ map });
    const payload = 5000 * 16 * 8;
    expect(bytes).toBeGreaterThan(payload);
    expect(bytes).toBeLessThan(payload * 2);
  });

  it('leaves out what it is told to', () => {
    const shared = { big: new Float64Array(100_000) };
    expect(estimateBytes({ shared, own: 1 }, { exclude: [shared] })).toBeLessThan(1000);
  });
});

describe('engine.memory', () => {
  it('counts the recommender’s candidate pools, which grow with the queries answered', async () => {
    const { createEngine } = await import('../../engine/index.js');
    const e = await createEngine({ eventTime: { mode: 'stream' } });
    const t = Date.UTC(2026, 0, 1);
    const events = Array.from({ length: 3_000 }, (_, i) => ({
      type: 'view' as const,
      ts: t + i,
      user: `u${i % 50}`,
      session: `s${Math.floor(i / 4)}`,
      item: `i${(i * 7) % 2_000}`,
    }));
    e.ingestEvents(events);
    const before = e.memory().parts.recommender!;
    expect(before).toBeGreaterThan(0);
    e.recommend({ type: 'user', user: 'u1', k: 10 });
    e.recommend({ type: 'popular', k: 500 });
    expect(e.memory().parts.recommender!).toBeGreaterThan(before);
  });
});
