import { describe, expect, it } from 'vitest';
import { SpikeDetector } from '../../src/derived/trending-spikes.js';

const rec = (item: string, score: number) => ({ item, score, reason: 'trending', category: 'c' });
const H = 3_600_000;

describe('SpikeDetector', () => {
  it('announces an item once per spike, again only after a cooldown out of the list', () => {
    const d = new SpikeDetector({ k: 10, minScore: 3, cooldownMs: H });
    expect(d.check([rec('a', 5), rec('b', 2)], 0).map((s) => s.item)).toEqual(['a']);
    expect(d.check([rec('a', 6), rec('b', 3.5)], 1000).map((s) => s.item)).toEqual(['b']);
    // a stays in the list: no repeat however long.
    for (let t = H / 2; t <= 2 * H; t += H / 2) expect(d.check([rec('a', 6)], t)).toEqual([]);
    // a leaves, comes back within the cooldown: no repeat; after it: announced again.
    expect(d.check([], 2 * H + 1000)).toEqual([]);
    expect(d.check([rec('a', 7)], 2 * H + 2000)).toEqual([]);
    expect(d.check([], 3 * H + 3000)).toEqual([]);
    const again = d.check([rec('a', 7)], 4 * H);
    expect(again).toEqual([
      { type: 'trending_spike', ts: 4 * H, item: 'a', score: 7, reason: 'trending', category: 'c' },
    ]);
  });
});
