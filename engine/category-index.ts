/**
 * Which items belong to which category, by dense ids, so per-category rankings scan only their
 * own items. An item has one category; a later one moves it.
 */
import type { IdKind } from './activity.js';
import { allBelow, expectState, isArrayOf, sum } from './snapshot/check.js';
import { keepsAll } from './remap-map.js';

/** What a snapshot keeps of the index; member lists in their order, which ties in rankings follow. */
export interface CategoryIndexState {
  /** Category id per item id (0 = none), at its allocated length. */
  itemCategory: Uint32Array;
  /** Category ids in the member map's insertion order. */
  categories: Uint32Array;
  /** Per category (same order): members held, and allocated length of the member list. */
  memberLen: Uint32Array;
  memberCapacity: Uint32Array;
  /** Every category's members, category by category, `memberLen[i]` entries each. */
  members: Uint32Array;
}

export class CategoryIndex {
  private itemCategory = new Uint32Array(1024);
  private members = new Map<number, { ids: Uint32Array; len: number }>();

  /**
   * Restores an index from `exportState`. Throws AisleError('AISLE_SNAPSHOT') when the arrays do
   * not describe one. O(items + members).
   */
  static fromState(state: CategoryIndexState): CategoryIndex {
    const n = state.categories?.length ?? 0;
    expectState(
      isArrayOf(state.itemCategory, Uint32Array) &&
        isArrayOf(state.categories, Uint32Array) &&
        isArrayOf(state.memberLen, Uint32Array, n) &&
        isArrayOf(state.memberCapacity, Uint32Array, n) &&
        isArrayOf(state.members, Uint32Array, sum(state.memberLen)) &&
        allBelow(state.members, state.itemCategory.length),
      'category index: arrays',
    );
    const out = new CategoryIndex();
    out.itemCategory = state.itemCategory;
    // Every member lists its own category, once; every categorised item is a member; lists are
    // no longer than growth by doubling from 16 can make them.
    const maxCapacity = Math.max(16, 2 * state.itemCategory.length);
    const listed = new Uint8Array(state.itemCategory.length);
    const seen = new Set<number>();
    let at = 0;
    for (let i = 0; i < n; i++) {
      const category = state.categories[i]!;
      const len = state.memberLen[i]!;
      const cap = state.memberCapacity[i]!;
      expectState(
        category !== 0 && !seen.has(category) && len <= cap && cap <= maxCapacity,
        `category index: category ${category} overflows or repeats`,
      );
      seen.add(category);
      for (let j = at; j < at + len; j++) {
        const item = state.members[j]!;
        expectState(
          item !== 0 && listed[item] === 0 && state.itemCategory[item] === category,
          `category index: item ${item} is listed in the wrong category`,
        );
        listed[item] = 1;
      }
      const ids = new Uint32Array(cap);
      ids.set(state.members.subarray(at, at + len));
      out.members.set(state.categories[i]!, { ids, len });
      at += len;
    }
    let categorised = 0;
    for (const c of state.itemCategory) if (c !== 0) categorised++;
    expectState(categorised === at, 'category index: an item is missing from its category');
    return out;
  }

  /** A copy of the state, consistent as of the call. O(items + members). */
  exportState(): CategoryIndexState {
    const n = this.members.size;
    const categories = new Uint32Array(n);
    const memberLen = new Uint32Array(n);
    const memberCapacity = new Uint32Array(n);
    let total = 0;
    let i = 0;
    for (const [category, m] of this.members) {
      categories[i] = category;
      memberLen[i] = m.len;
      memberCapacity[i++] = m.ids.length;
      total += m.len;
    }
    const members = new Uint32Array(total);
    let at = 0;
    for (const m of this.members.values()) {
      members.set(m.ids.subarray(0, m.len), at);
      at += m.len;
    }
    return {
      itemCategory: this.itemCategory.slice(),
      categories,
      memberLen,
      memberCapacity,
      members,
    };
  }

  /** Category id per item id below `size` (0 where none): a copy, for bulk scans of the log. */
  table(size: number): Uint32Array {
    const out = new Uint32Array(size);
    out.set(this.itemCategory.subarray(0, Math.min(size, this.itemCategory.length)));
    return out;
  }

  /** Category id of `item`, 0 when unknown. */
  categoryOf(item: number): number {
    return item < this.itemCategory.length ? this.itemCategory[item]! : 0;
  }

  /** Records `item` in `category` (both dense ids > 0). O(1) amortised; O(category) on a move. */
  assign(item: number, category: number): void {
    if (item === 0 || category === 0) return;
    if (item >= this.itemCategory.length) {
      const bigger = new Uint32Array(Math.max(item + 1, this.itemCategory.length * 2));
      bigger.set(this.itemCategory);
      this.itemCategory = bigger;
    }
    const prev = this.itemCategory[item]!;
    if (prev === category) return;
    if (prev !== 0) this.remove(item, prev);
    this.itemCategory[item] = category;
    let m = this.members.get(category);
    if (m === undefined) {
      m = { ids: new Uint32Array(16), len: 0 };
      this.members.set(category, m);
    }
    if (m.len === m.ids.length) {
      const bigger = new Uint32Array(m.len * 2);
      bigger.set(m.ids);
      m.ids = bigger;
    }
    m.ids[m.len++] = item;
  }

  /**
   * Renumbers item ids (engine/retention.ts): a kept item keeps its category under its new id, a
   * dropped item leaves its category. Member lists keep their order (new ids ascend with old
   * ones), so per-category rankings and their ties are the old ones translated. A list that lost
   * members is reallocated to the capacity growth from 16 gives its length, and a category left
   * empty by the remap is forgotten; category ids are not renumbered. Other kinds are not held.
   * A map that drops nothing changes nothing. O(items + members).
   */
  remap(kind: IdKind, map: Uint32Array, size: number): void {
    if (kind !== 'item' || keepsAll(map, size)) return;
    const old = this.itemCategory;
    const table = new Uint32Array(Math.max(1024, size + 1));
    const end = Math.min(map.length, old.length);
    for (let id = 1; id < end; id++) {
      const to = map[id]!;
      if (to !== 0) table[to] = old[id]!;
    }
    this.itemCategory = table;
    const members = new Map<number, { ids: Uint32Array; len: number }>();
    for (const [category, m] of this.members) {
      const ids = m.ids;
      let len = 0;
      for (let j = 0; j < m.len; j++) {
        // Ids past the map were never issued by the dictionary: nothing to keep.
        const to = map[ids[j]!] ?? 0;
        if (to !== 0) ids[len++] = to;
      }
      if (len === m.len) {
        members.set(category, m);
        continue;
      }
      if (len === 0) continue;
      let cap = 16;
      while (cap < len) cap *= 2;
      if (cap < ids.length) {
        const fit = new Uint32Array(cap);
        fit.set(ids.subarray(0, len));
        members.set(category, { ids: fit, len });
      } else {
        members.set(category, { ids, len });
      }
    }
    this.members = members;
  }

  /** Items of `category`; a view valid until the next `assign`. */
  itemsOf(category: number): Uint32Array {
    const m = this.members.get(category);
    return m === undefined ? new Uint32Array(0) : m.ids.subarray(0, m.len);
  }

  private remove(item: number, category: number): void {
    const m = this.members.get(category);
    if (m === undefined) return;
    const at = m.ids.subarray(0, m.len).indexOf(item);
    if (at < 0) return;
    m.ids[at] = m.ids[m.len - 1]!;
    m.len--;
  }
}
