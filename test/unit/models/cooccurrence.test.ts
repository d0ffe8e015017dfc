import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_CODE, type RetailEvent } from '../../../engine/events.js';
import { Cooccurrence, type CooccurrenceOptions } from '../../../engine/models/cooccurrence.js';
import { EventStore } from '../../../engine/store/index.js';

const OPTS: CooccurrenceOptions = {
  types: [EVENT_TYPE_CODE.view],
  context: 'session',
  window: 3,
  idleMs: 1000,
  shrink: 0,
};

function feed(model: Cooccurrence, store: EventStore, events: RetailEvent[]): void {
  model.ingest(store.append(events));
}

const view = (ts: number, item: string, session?: string, user?: string): RetailEvent => ({
  type: 'view',
  ts,
  item,
  ...(session !== undefined && { session }),
  ...(user !== undefined && { user }),
});

describe('Cooccurrence', () => {
  it('pairs a new item with the distinct items in its window only', () => {
    const store = new EventStore();
    const model = new Cooccurrence(OPTS);
    // a b a c d e: "a" repeated is not a new occurrence; e pairs only with the last 3 distinct.
    feed(
      model,
      store,
      ['a', 'b', 'a', 'c', 'd', 'e'].map((it, i) => view(i, it, 's1')),
    );
    const id = (s: string) => store.dicts.item.lookup(s)!;
    const partners = (s: string) =>
      model
        .neighbours(id(s), 10)
        .map((n) => store.dicts.item.value(n.item))
        .sort();
    expect(partners('e')).toEqual(['b', 'c', 'd']);
    expect(partners('a')).toEqual(['b', 'c', 'd']);
    expect(model.occurrencesOf(id('a'))).toBe(1);
    expect(model.pairCount).toBe(3 + 3 + 3);
  });

  it('keeps sessions apart, falls back to the user without a session, and ignores other types', () => {
    const store = new EventStore();
    const model = new Cooccurrence(OPTS);
    feed(model, store, [
      view(1, 'a', 's1'),
      view(2, 'b', 's2'),
      view(3, 'c', undefined, 'u1'),
      view(4, 'd', undefined, 'u1'),
      { type: 'purchase', ts: 5, item: 'e', order: 'o', quantity: 1, price: 1, session: 's1' },
    ]);
    const id = (s: string) => store.dicts.item.lookup(s)!;
    expect(model.neighbours(id('a'), 5)).toEqual([]);
    expect(model.neighbours(id('c'), 5).map((n) => n.item)).toEqual([id('d')]);
    expect(model.liveContexts).toBe(3);
  });

  it('scores by cosine over contexts and forgets idle contexts', () => {
    const store = new EventStore();
    const model = new Cooccurrence(OPTS);
    const events: RetailEvent[] = [];
    for (let s = 0; s < 10; s++)
      events.push(view(s, 'x', `s${s}`), view(s, s < 6 ? 'y' : 'z', `s${s}`));
    feed(model, store, events);
    const id = (s: string) => store.dicts.item.lookup(s)!;
    const [first, second] = model.neighbours(id('x'), 2);
    expect(first).toEqual({ item: id('y'), count: 6, score: 6 / Math.sqrt(10 * 6) });
    expect(second!.item).toBe(id('z'));
    // 64 batches later, at a time past idleMs, old sessions are swept.
    for (let b = 0; b < 64; b++) feed(model, store, [view(10_000 + b, 'w', 'late')]);
    expect(model.liveContexts).toBe(1);
  });

  it('refuses a window that does not fit its ring counters', () => {
    expect(() => new Cooccurrence({ ...OPTS, window: 0 })).toThrow(/window/);
    expect(() => new Cooccurrence({ ...OPTS, window: 256 })).toThrow(/window/);
    expect(() => new Cooccurrence({ ...OPTS, rowCacheEntries: 0 })).toThrow(/rowCacheEntries/);
    expect(() => new Cooccurrence({ ...OPTS, rowCacheEntries: 1.5 })).toThrow(/rowCacheEntries/);
  });

  it('answers from its neighbour-row cache exactly as a cold model would, between ingests', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(fc.nat(30), fc.nat(6)), { minLength: 1, maxLength: 40 }), {
          minLength: 1,
          maxLength: 12,
        }),
        (batches) => {
          const store = new EventStore();
          const warm = new Cooccurrence({ ...OPTS, shrink: 1 });
          let ts = 0;
          for (const batch of batches) {
            feed(
              warm,
              store,
              batch.map(([item, session]) => view(ts++, `i${item}`, `s${session}`)),
            );
            // A restored model starts with no cached rows: it is the reference.
            const cold = Cooccurrence.fromState(warm.options, warm.exportState());
            for (let item = 1; item <= store.dicts.item.size; item++) {
              expect(warm.neighbours(item, 5)).toEqual(cold.neighbours(item, 5));
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
