import { describe, expect, it } from 'vitest';
import { checkQuery } from '../../../engine/recommend/query.js';

describe('checkQuery', () => {
  it('fills defaults and keeps what was asked', () => {
    const q = checkQuery({ type: 'user', user: 'u1' });
    expect(q).toEqual({ type: 'user', user: 'u1', k: 10, filters: {} });
    const full = checkQuery({
      type: 'similar',
      item: 'sku',
      k: 25,
      filters: { inStock: true, categories: ['a'], minPrice: 1, maxPrice: 5, exclude: ['x'] },
      diversity: { categoryCap: 2, mmr: 0.7 },
    });
    expect(full.k).toBe(25);
    expect(full.filters.categories).toEqual(['a']);
    expect(full.diversity).toEqual({ categoryCap: 2, mmr: 0.7 });
  });

  it.each([
    [{ type: 'nope' }, /^type: must be one of/],
    [{ type: 'user' }, /^user: is required for user/],
    [{ type: 'similar' }, /^item: is required/],
    [{ type: 'bought-together', item: '' }, /^item: must be a non-empty string/],
    [{ type: 'session' }, /^session: is required/],
    [{ type: 'session', session: 'abc' }, /^session: must be a list/],
    [{ type: 'session', session: ['a', 3] }, /^session\[1\]: must be a non-empty string/],
    [{ type: 'trending', k: 0 }, /^k: must be an integer/],
    [{ type: 'trending', k: 2.5 }, /^k: must be an integer/],
    [{ type: 'trending', filters: { colour: 'red' } }, /^filters\.colour: is not a known filter/],
    [{ type: 'trending', filters: { inStock: 'yes' } }, /^filters\.inStock: must be a boolean/],
    [{ type: 'trending', filters: { notBought: true } }, /^filters\.notBought: needs a user/],
    [{ type: 'trending', filters: { minPrice: -1 } }, /^filters\.minPrice: must be a finite/],
    [{ type: 'trending', filters: { maxPrice: Number.NaN } }, /^filters\.maxPrice/],
    [{ type: 'trending', filters: { minPrice: 5, maxPrice: 1 } }, /is above filters\.maxPrice/],
    [{ type: 'trending', diversity: { categoryCap: 0 } }, /^diversity\.categoryCap/],
    [{ type: 'trending', diversity: { mmr: 2 } }, /^diversity\.mmr/],
    [{ type: 'trending', diversity: { spread: 1 } }, /^diversity\.spread: is not a known/],
  ])('refuses %j naming the field', (raw, message) => {
    expect(() => checkQuery(raw)).toThrow(message);
    try {
      checkQuery(raw);
    } catch (err) {
      expect((err as { code: string }).code).toBe('AISLE_INVALID_ARGUMENT');
    }
  });

  it('accepts a session query with only a user (their live session)', () => {
    expect(checkQuery({ type: 'session', user: 'u' }).user).toBe('u');
  });
});
