import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import {
  createDictionaries,
  Dictionary,
  DICTIONARY_NAMES,
} from '../../../engine/store/dictionary.js';

describe('Dictionary', () => {
  it('hands out dense ids from 1 in first-seen order and reuses them', () => {
    const d = new Dictionary();
    expect(d.size).toBe(0);
    expect(d.id('b')).toBe(1);
    expect(d.id('a')).toBe(2);
    expect(d.id('b')).toBe(1);
    expect(d.id('c')).toBe(3);
    expect(d.size).toBe(3);
    expect(d.values()).toEqual(['b', 'a', 'c']);
  });

  it('lookup never adds', () => {
    const d = new Dictionary();
    d.id('x');
    expect(d.lookup('x')).toBe(1);
    expect(d.lookup('y')).toBeUndefined();
    expect(d.size).toBe(1);
    expect(d.id('y')).toBe(2);
  });

  it('value maps ids back; 0 and unknown ids are undefined', () => {
    const d = new Dictionary();
    d.id('x');
    d.id('y');
    expect(d.value(1)).toBe('x');
    expect(d.value(2)).toBe('y');
    expect(d.value(0)).toBeUndefined();
    expect(d.value(3)).toBeUndefined();
  });

  it.each(['', '__proto__', 'constructor', '0', '😀', 'a\u0000b'])(
    'treats %j as a plain key',
    (key) => {
      const d = new Dictionary();
      d.id('other');
      expect(d.id(key)).toBe(2);
      expect(d.lookup(key)).toBe(2);
      expect(d.value(2)).toBe(key);
    },
  );

  it('fromValues restores ids and rejects duplicates', () => {
    const d = Dictionary.fromValues(['p', 'q']);
    expect(d.lookup('q')).toBe(2);
    expect(d.id('r')).toBe(3);
    let caught: unknown;
    try {
      Dictionary.fromValues(['p', 'q', 'p']);
    } catch (err) {
      caught = err;
    }
    expect(isAisleError(caught) && caught.code).toBe('AISLE_INVALID_ARGUMENT');
  });

  it('createDictionaries makes one empty dictionary per name', () => {
    const dicts = createDictionaries();
    expect(Object.keys(dicts).sort()).toEqual([...DICTIONARY_NAMES].sort());
    for (const name of DICTIONARY_NAMES) expect(dicts[name].size).toBe(0);
    expect(dicts.user).not.toBe(dicts.session);
  });
});
