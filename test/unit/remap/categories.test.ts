/**
 * Renumbering the category index's items: kept items keep their category under new ids, member
 * lists keep their order without the dropped items, and the index takes new ids after the kept.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CategoryIndex } from '../../../engine/category-index.js';
import { compaction, identity } from './support.js';

/** Assignments (item, category) on small pools, so items move between categories. */
const assignments = fc.array(
  fc.tuple(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 0, max: 6 })),
  { minLength: 1, maxLength: 300 },
);

function built(list: readonly [number, number][]): CategoryIndex {
  const idx = new CategoryIndex();
  for (const [item, category] of list) idx.assign(item, category);
  return idx;
}

function answers(idx: CategoryIndex, items: number): unknown[] {
  const out: unknown[] = [];
  for (let c = 0; c <= 7; c++) out.push(Array.from(idx.itemsOf(c)));
  for (let i = 0; i <= items + 1; i++) out.push(idx.categoryOf(i));
  return out;
}

describe('CategoryIndex.remap', () => {
  it('keeps kept items in their categories, in order, under new ids; forgets dropped ones', () => {
    fc.assert(
      fc.property(
        assignments,
        fc.array(fc.boolean(), { minLength: 81, maxLength: 81 }),
        (list, drops) => {
          const idx = built(list);
          const n = 80;
          const { map, size } = compaction(n, (id) => drops[id]!);
          const lists = Array.from({ length: 8 }, (_, c) => Array.from(idx.itemsOf(c)));
          const cats = Array.from({ length: n + 1 }, (_, i) => idx.categoryOf(i));
          idx.remap('item', map, size);
          for (let c = 0; c < 8; c++) {
            const want = lists[c]!.filter((i) => map[i] !== 0).map((i) => map[i]!);
            expect(Array.from(idx.itemsOf(c))).toEqual(want);
          }
          for (let i = 1; i <= n; i++)
            if (map[i] !== 0) expect(idx.categoryOf(map[i]!)).toBe(cats[i]);
          for (let i = size + 1; i <= n + 1; i++) expect(idx.categoryOf(i)).toBe(0);
          const state = idx.exportState();
          expect(state.itemCategory.length).toBe(Math.max(1024, size + 1));
          expect(Math.max(0, ...state.members)).toBeLessThanOrEqual(size);
          // A snapshot after the remap restores, and the restored index answers alike.
          const restored = CategoryIndex.fromState(state);
          expect(answers(restored, n)).toEqual(answers(idx, n));
          // New ids after the kept ones join categories as any item does.
          idx.assign(size + 1, 3);
          idx.assign(size + 2, 3);
          expect(Array.from(idx.itemsOf(3)).slice(-2)).toEqual([size + 1, size + 2]);
          expect(idx.categoryOf(size + 2)).toBe(3);
          // Moving a kept item still takes it out of its old list.
          const first = idx.itemsOf(1)[0];
          if (first !== undefined) {
            idx.assign(first, 2);
            expect(Array.from(idx.itemsOf(1))).not.toContain(first);
            expect(Array.from(idx.itemsOf(2))).toContain(first);
          }
        },
      ),
      { seed: 31337, numRuns: 200 },
    );
  });

  it('shrinks member lists that lost members and forgets categories it emptied', () => {
    const idx = new CategoryIndex();
    for (let i = 1; i <= 3000; i++) idx.assign(i, i <= 100 ? 9 : (i % 2) + 1);
    const { map, size } = compaction(3000, (id) => id <= 100 || id % 5 !== 0);
    idx.remap('item', map, size);
    const state = idx.exportState();
    expect(Array.from(state.categories).sort()).toEqual([1, 2]);
    // 290 members each (old ids 110, 120, ... and 105, 115, ...): capacity by doubling from 16.
    expect(Array.from(state.memberLen)).toEqual([290, 290]);
    expect(Array.from(state.memberCapacity)).toEqual([512, 512]);
    expect(state.itemCategory.length).toBe(1024);
    expect(idx.itemsOf(9)).toHaveLength(0);
    expect(idx.itemsOf(1)[0]).toBe(map[110]);
  });

  it('changes nothing, state included, for a map that drops nothing or a kind it does not hold', () => {
    const idx = new CategoryIndex();
    for (let i = 1; i <= 1500; i++) idx.assign(i, (i % 5) + 1);
    idx.assign(7, 2);
    const state = idx.exportState();
    const before = answers(idx, 1500);
    const { map, size } = identity(1500);
    idx.remap('item', map, size);
    const drop = compaction(1500, () => true);
    for (const kind of ['user', 'session', 'order', 'query'] as const) {
      idx.remap(kind, drop.map, drop.size);
    }
    expect(idx.exportState()).toEqual(state);
    expect(answers(idx, 1500)).toEqual(before);
  });
});
