import { describe, expect, it } from 'vitest';
import { CategoryIndex } from '../../engine/category-index.js';

describe('CategoryIndex', () => {
  it('lists members per category and moves an item that changes category', () => {
    const idx = new CategoryIndex();
    for (let i = 1; i <= 3000; i++) idx.assign(i, (i % 3) + 1);
    expect(idx.itemsOf(1)).toHaveLength(1000);
    expect(idx.categoryOf(3)).toBe(1);
    idx.assign(3, 2);
    expect(idx.categoryOf(3)).toBe(2);
    expect(Array.from(idx.itemsOf(1))).not.toContain(3);
    expect(Array.from(idx.itemsOf(2))).toContain(3);
    expect(idx.itemsOf(1)).toHaveLength(999);
    expect(idx.itemsOf(42)).toHaveLength(0);
    expect(idx.categoryOf(10_000)).toBe(0);
  });

  it('ignores absent ids (0)', () => {
    const idx = new CategoryIndex();
    idx.assign(0, 1);
    idx.assign(1, 0);
    expect(idx.itemsOf(1)).toHaveLength(0);
    expect(idx.categoryOf(1)).toBe(0);
  });
});
