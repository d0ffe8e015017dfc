import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdHashSet, TopSelector } from '../../engine/models/session-scratch.js';
import { topK } from '../../engine/models/top-k.js';

const isCI = process.env.CI === 'true';
const LIMIT = { interruptAfterTimeLimit: isCI ? 60_000 : 10_000 };

/** Scores with many ties, both zeros, infinities and (when asked) NaN. */
const score = (nan: boolean) =>
  fc.oneof(
    fc.constantFrom(0, -0, 1, 2, Infinity, -Infinity, ...(nan ? [NaN] : [])),
    fc.double({ noNaN: true }),
  );

/** Distinct ids with a score each, in the order offered. */
const candidates = (nan: boolean) =>
  fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 5000 }), score(nan)), {
    selector: ([id]) => id,
    maxLength: 300,
  });

/** `topK` over the same candidates, scores indexed by id as it takes them. */
function reference(pairs: [number, number][], k: number) {
  const ids = Uint32Array.from(pairs, ([id]) => id);
  const byId = new Float64Array(5001);
  for (const [id, s] of pairs) byId[id] = s;
  return topK(ids, ids.length, byId, k);
}

function select(pairs: [number, number][], k: number, backwards = false) {
  const top = new TopSelector();
  // A selector is reused across queries: warm it with another selection first.
  top.select(Uint32Array.of(7, 8, 9), Float64Array.of(3, 1, 2), 3, 2);
  const count = top.select(
    Uint32Array.from(pairs, ([id]) => id),
    Float64Array.from(pairs, ([, s]) => s),
    pairs.length,
    k,
    backwards,
  );
  return { items: top.ids.slice(0, count), scores: top.scores.slice(0, count) };
}

function expectSame(got: { items: Uint32Array; scores: Float64Array }, want: typeof got): void {
  expect([...got.items]).toEqual([...want.items]);
  expect(got.scores.length).toBe(want.scores.length);
  expect(got.scores.every((v, i) => Object.is(v, want.scores[i]))).toBe(true);
}

describe('TopSelector', () => {
  it('selects what topK selects, bit for bit, NaN scores included', () => {
    fc.assert(
      fc.property(candidates(true), fc.integer({ min: 0, max: 320 }), (pairs, k) => {
        expectSame(select(pairs, k), reference(pairs, k));
      }),
      LIMIT,
    );
  });

  it('selects the same visiting candidates backwards when no score is NaN', () => {
    fc.assert(
      fc.property(candidates(false), fc.integer({ min: 0, max: 320 }), (pairs, k) => {
        expectSame(select(pairs, k, true), reference(pairs, k));
      }),
      LIMIT,
    );
  });

  it('turns away what ranks below its bar once full, and nothing before', () => {
    const top = new TopSelector();
    top.begin(2, 5);
    expect(top.bar()).toBe(-Infinity);
    top.offer(1, 5);
    top.offer(2, 3);
    expect(top.bar()).toBe(3);
    top.offer(3, 4);
    expect(top.bar()).toBe(4);
    expect(top.finish()).toBe(2);
    expect([...top.ids.slice(0, 2)]).toEqual([1, 3]);
  });

  it('takes any k as topK takes it: a negative one throws, one not whole selects alike', () => {
    const ids = Uint32Array.of(4, 1, 3, 2);
    const scores = Float64Array.of(1, 2, 3, 4);
    const byId = Float64Array.of(0, 2, 4, 3, 1);
    expect(() => topK(ids, 4, byId, -1)).toThrow(RangeError);
    expect(() => new TopSelector().select(ids, scores, 4, -1)).toThrow(RangeError);
    for (const k of [NaN, Infinity, 0, -0.5, 1.5, 2.5]) {
      const pairs = [...ids].map((id, i) => [id, scores[i]!] as [number, number]);
      expectSame(select(pairs, k), topK(ids, 4, byId, k));
    }
  });
});

describe('IdHashSet', () => {
  it('keeps ids in the order added, like a Map from id to position, past any size hint', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { maxLength: 600 }), {
          maxLength: 4,
        }),
        fc.integer({ min: 0, max: 300 }),
        (rounds, expected) => {
          const set = new IdHashSet();
          for (const ids of rounds) {
            set.reset(expected);
            const want = new Map<number, number>();
            for (const id of ids) {
              if (!want.has(id)) want.set(id, want.size);
              expect(set.insert(id)).toBe(want.get(id));
            }
            expect(set.size).toBe(want.size);
            expect([...set.members.subarray(0, set.size)]).toEqual([...want.keys()]);
            for (const [id, at] of want) expect(set.indexOf(id)).toBe(at);
            expect(set.indexOf(ids.length === 0 ? 1 : (ids[0]! + 1) % 2 ** 32)).toBe(
              want.get(ids.length === 0 ? 1 : (ids[0]! + 1) % 2 ** 32) ?? -1,
            );
          }
        },
      ),
      LIMIT,
    );
  });
});
