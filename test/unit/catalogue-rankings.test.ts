/** A catalogue feed that moves items between categories is seen by the next ranking at once. */
import { describe, expect, it } from 'vitest';
import { createEngine, type RetailEvent } from '../../engine/index.js';

describe('catalogue feed and cached rankings', () => {
  it('a category ranking asked before and after a feed answers from the feed', async () => {
    const e = await createEngine({ eventTime: { mode: 'stream' } });
    e.loadCatalogue([
      { id: 'a', category: 'tea' },
      { id: 'b', category: 'tea' },
      { id: 'c', category: 'coffee' },
    ]);
    const t = Date.UTC(2026, 0, 1);
    const events: RetailEvent[] = [];
    for (let i = 0; i < 30; i++) {
      events.push({ type: 'view', ts: t + i, item: i % 3 === 0 ? 'c' : i % 3 === 1 ? 'a' : 'b' });
    }
    e.ingestEvents(events);
    const tea = (): string[] =>
      e.recommend({ type: 'popular', k: 5, category: 'tea' }).results.map((r) => r.item);
    expect(tea().sort()).toEqual(['a', 'b']);
    // Nothing ingested in between: only the feed changed.
    e.loadCatalogue([{ id: 'c', category: 'tea' }]);
    expect(tea().sort()).toEqual(['a', 'b', 'c']);
  });
});
