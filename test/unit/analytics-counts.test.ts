import { describe, expect, it } from 'vitest';
import { countByItem } from '../../engine/analytics/counts.js';
import { createEngine } from '../../engine/index.js';
import { createSimulator } from '../../src/sim/index.js';
import { kernelsOf, storeOf } from '../../engine/internals.js';

describe.each([true, false])('countByItem (simd %s)', (simd) => {
  it('equals a plain count over the same events, across chunks, per type', async () => {
    const engine = await createEngine({ simd, chunkRows: 997 });
    const events = createSimulator({ seed: 9 }).next(20_000);
    for (let i = 0; i < events.length; i += 3000) engine.ingestEvents(events.slice(i, i + 3000));
    const all = new Map<string, number>();
    const views = new Map<string, number>();
    for (const e of events) {
      if (!('item' in e)) continue;
      all.set(e.item, (all.get(e.item) ?? 0) + 1);
      if (e.type === 'view') views.set(e.item, (views.get(e.item) ?? 0) + 1);
    }
    expect(countByItem(storeOf(engine), kernelsOf(engine))).toEqual(all);
    expect(countByItem(storeOf(engine), kernelsOf(engine), 'view')).toEqual(views);
  });
});
