import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import {
  createDictionaries,
  Dictionary,
  DICTIONARY_NAMES,
  hashUnits,
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

describe('Dictionary against a Map', () => {
  // Short ids over a tiny alphabet collide often; a wide unit (≥ 256) and an astral symbol make
  // the two-byte storage path; '' and prefixes of each other test the length checks.
  const id = fc.oneof(
    fc.string({ unit: fc.constantFrom('a', 'b', 'é', 'ÿ'), maxLength: 4 }),
    fc.string({ unit: fc.constantFrom('a', 'Ā', '中', '😀'), maxLength: 3 }),
    fc.string({ maxLength: 12 }),
  );
  const op = fc.oneof(
    fc.record({ kind: fc.constant('id' as const), s: id }),
    fc.record({ kind: fc.constant('lookup' as const), s: id }),
    fc.record({ kind: fc.constant('compact' as const), keep: fc.func(fc.boolean()) }),
    fc.record({ kind: fc.constant('value' as const), at: fc.nat(40) }),
  );

  it('hands out, finds, decodes and compacts the same ids as a reference', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
        const d = new Dictionary();
        let ref: string[] = [];
        for (const o of ops) {
          if (o.kind === 'id') {
            const at = ref.indexOf(o.s);
            if (at < 0) ref.push(o.s);
            expect(d.id(o.s)).toBe(at < 0 ? ref.length : at + 1);
          } else if (o.kind === 'lookup') {
            const at = ref.indexOf(o.s);
            expect(d.lookup(o.s)).toBe(at < 0 ? undefined : at + 1);
          } else if (o.kind === 'value') {
            expect(d.value(o.at)).toBe(o.at === 0 ? undefined : ref[o.at - 1]);
          } else {
            const map = new Uint32Array(ref.length + 1);
            const kept: string[] = [];
            ref.forEach((s, i) => {
              if (o.keep(s)) {
                kept.push(s);
                map[i + 1] = kept.length;
              }
            });
            d.compact(map);
            ref = kept;
          }
          expect(d.size).toBe(ref.length);
        }
        expect(d.values()).toEqual(ref);
        for (let i = 0; i < ref.length; i++) expect(d.value(i + 1)).toBe(ref[i]);
        for (const s of ref) expect(d.lookup(s)).toBe(ref.indexOf(s) + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('tells apart values that share a hash', () => {
    expect(hashUnits('u31992')).toBe(hashUnits('u605430'));
    const d = new Dictionary();
    d.id('u31992');
    expect(d.lookup('u605430')).toBeUndefined();
    expect(d.id('u605430')).toBe(2);
    expect(d.id('u31992')).toBe(1);
    expect(d.value(2)).toBe('u605430');
  });

  it('holds many values off the heap and shrinks when compacted', () => {
    const d = new Dictionary();
    for (let i = 0; i < 200_000; i++) d.id(`session-${i}`);
    const full = d.bytes();
    expect(d.lookup('session-123456')).toBe(123_457);
    expect(d.value(199_999)).toBe('session-199998');
    const map = new Uint32Array(d.size + 1);
    for (let i = 1; i <= 1000; i++) map[d.size - 1000 + i] = i;
    d.compact(map);
    expect(d.size).toBe(1000);
    expect(d.bytes()).toBeLessThan(full / 50);
    expect(d.lookup('session-199000')).toBe(1);
    expect(d.lookup('session-0')).toBeUndefined();
    expect(d.id('session-0')).toBe(1001);
  });
});
