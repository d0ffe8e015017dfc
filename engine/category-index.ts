/**
 * Which items belong to which category, by dense ids, so per-category rankings scan only their
 * own items. An item has one category; a later one moves it.
 */
export class CategoryIndex {
  private itemCategory = new Uint32Array(1024);
  private readonly members = new Map<number, { ids: Uint32Array; len: number }>();

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
