import { describe, expect, it } from 'vitest';
import { diversify } from '../../../engine/recommend/diversity.js';

// Items 1..6: categories 1,1,1,2,2,3; items sharing a category are fully similar.
const cat = [0, 1, 1, 1, 2, 2, 3];
const facts = {
  categoryOf: (i: number) => cat[i]!,
  similarity: (a: number, b: number) => (cat[a] === cat[b] ? 1 : 0),
};
const ids = Uint32Array.of(1, 2, 3, 4, 5, 6);
const scores = Float32Array.of(1, 0.95, 0.9, 0.6, 0.5, 0.2);

describe('diversify', () => {
  it('keeps the ranking when nothing is asked', () => {
    expect(diversify(ids, scores, 4, {}, facts)).toEqual([0, 1, 2, 3]);
  });

  it('caps items per category', () => {
    const picked = diversify(ids, scores, 4, { categoryCap: 1 }, facts);
    expect(picked.map((i) => ids[i])).toEqual([1, 4, 6]);
    expect(diversify(ids, scores, 4, { categoryCap: 2 }, facts).map((i) => ids[i])).toEqual([
      1, 2, 4, 5,
    ]);
  });

  it('MMR trades relevance for novelty as lambda falls', () => {
    expect(diversify(ids, scores, 3, { mmr: 1 }, facts).map((i) => ids[i])).toEqual([1, 2, 3]);
    expect(diversify(ids, scores, 3, { mmr: 0.5 }, facts).map((i) => ids[i])).toEqual([1, 4, 6]);
  });

  it('never caps items of unknown category', () => {
    const none = { categoryOf: () => 0, similarity: () => 0 };
    expect(diversify(ids, scores, 6, { categoryCap: 1 }, none)).toHaveLength(6);
  });
});
