/**
 * Business filters as one predicate over dense item ids, counting what each rule removed so an
 * answer can say why it is short or why it fell back.
 */
import type { RecommendFilters } from './query.js';

/** What the filters need to know about items and the asking user. */
export interface FilterFacts {
  /** Dense id of an item name, undefined when never seen. */
  itemId(name: string): number | undefined;
  /** Dense id of a category name, undefined when never seen. */
  categoryId(name: string): number | undefined;
  /** Category id of an item, 0 when unknown. */
  categoryOf(item: number): number;
  priceOf(item: number): number | undefined;
  inStock(item: number): boolean;
  hasBought(user: number, item: number): boolean;
}

export type FilterRule = 'excluded' | 'outOfStock' | 'bought' | 'category' | 'price';

export interface ItemFilter {
  keep(item: number): boolean;
  /** `keep` without counting: for fill-ins, which re-examine items the models already offered. */
  passes(item: number): boolean;
  /** Candidates removed per rule so far. */
  readonly removed: Record<FilterRule, number>;
}

/**
 * Builds the predicate. `user` is the asking user's dense id (0 = unknown); `anchors` are items
 * never worth returning (the item a `similar` query is about).
 */
export function buildFilter(
  filters: RecommendFilters,
  facts: FilterFacts,
  user: number,
  anchors: readonly number[] = [],
): ItemFilter {
  const excluded = new Set<number>(anchors);
  for (const name of filters.exclude ?? []) {
    const id = facts.itemId(name);
    if (id !== undefined) excluded.add(id);
  }
  const idsOf = (names: readonly string[] | undefined): Set<number> | undefined => {
    if (names === undefined) return undefined;
    const out = new Set<number>();
    for (const n of names) {
      const id = facts.categoryId(n);
      if (id !== undefined) out.add(id);
    }
    return out;
  };
  const only = idsOf(filters.categories);
  const not = idsOf(filters.excludeCategories);
  const { minPrice, maxPrice } = filters;
  const priced = minPrice !== undefined || maxPrice !== undefined;
  const inStock = filters.inStock === true;
  const notBought = filters.notBought === true && user !== 0;
  const removed: Record<FilterRule, number> = {
    excluded: 0,
    outOfStock: 0,
    bought: 0,
    category: 0,
    price: 0,
  };
  const anyExcluded = excluded.size > 0;
  /** The first rule that drops `item`, or undefined when it passes. */
  const rejects = (item: number): FilterRule | undefined => {
    if (anyExcluded && excluded.has(item)) return 'excluded';
    if (only !== undefined || not !== undefined) {
      const c = facts.categoryOf(item);
      if ((only !== undefined && !only.has(c)) || (not !== undefined && not.has(c))) {
        return 'category';
      }
    }
    if (priced) {
      const p = facts.priceOf(item);
      if (p === undefined || (minPrice !== undefined && p < minPrice)) return 'price';
      if (maxPrice !== undefined && p > maxPrice) return 'price';
    }
    if (notBought && facts.hasBought(user, item)) return 'bought';
    if (inStock && !facts.inStock(item)) return 'outOfStock';
    return undefined;
  };
  const keep = (item: number): boolean => {
    const rule = rejects(item);
    if (rule !== undefined) removed[rule]++;
    return rule === undefined;
  };
  const passes = (item: number): boolean => rejects(item) === undefined;
  return { keep, passes, removed };
}
