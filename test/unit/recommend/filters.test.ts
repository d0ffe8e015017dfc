import { describe, expect, it } from 'vitest';
import { buildFilter, type FilterFacts } from '../../../engine/recommend/filters.js';

// Items 1..5 named i1..i5; categories a (1,2), b (3,4), none (5); prices 1..5 except 5 unknown.
const facts: FilterFacts = {
  itemId: (n) => (/^i[1-5]$/.test(n) ? Number(n.slice(1)) : undefined),
  categoryId: (n) => ({ a: 1, b: 2 })[n],
  categoryOf: (i) => (i <= 2 ? 1 : i <= 4 ? 2 : 0),
  priceOf: (i) => (i === 5 ? undefined : i),
  inStock: (i) => i !== 2,
  hasBought: (u, i) => u === 7 && i === 3,
};
const all = [1, 2, 3, 4, 5];
const kept = (f: ReturnType<typeof buildFilter>) => all.filter((i) => f.keep(i));

describe('buildFilter', () => {
  it('passes everything but the anchors when no filter is set', () => {
    const f = buildFilter({}, facts, 0, [4]);
    expect(kept(f)).toEqual([1, 2, 3, 5]);
    expect(f.removed.excluded).toBe(1);
  });

  it('applies each rule and counts what it removed', () => {
    expect(kept(buildFilter({ inStock: true }, facts, 0))).toEqual([1, 3, 4, 5]);
    const bought = buildFilter({ notBought: true }, facts, 7);
    expect(kept(bought)).toEqual([1, 2, 4, 5]);
    expect(bought.removed.bought).toBe(1);
    expect(kept(buildFilter({ categories: ['b'] }, facts, 0))).toEqual([3, 4]);
    expect(kept(buildFilter({ excludeCategories: ['a'] }, facts, 0))).toEqual([3, 4, 5]);
    const price = buildFilter({ minPrice: 2, maxPrice: 3 }, facts, 0);
    expect(kept(price)).toEqual([2, 3]);
    expect(price.removed.price).toBe(3);
    expect(kept(buildFilter({ exclude: ['i1', 'unknown'] }, facts, 0))).toEqual([2, 3, 4, 5]);
  });

  it('an unknown category keeps nothing rather than everything', () => {
    expect(kept(buildFilter({ categories: ['zzz'] }, facts, 0))).toEqual([]);
  });
});
