import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { U32Lists, type U32ListsState } from '../../../engine/models/u32-lists.js';

/** Values pushed are below this, so that a values map covers them all. */
const VALUES = 24;

type Op =
  | { kind: 'push'; keys: number[]; values: number[] }
  | { kind: 'remap'; keys: number[] | undefined; values: number[] | undefined }
  | { kind: 'restore' };

/** Arrays of arrays doing what the `U32Lists` docs say. */
class Reference {
  lists: number[][] = [];

  push(key: number, value: number): void {
    while (this.lists.length <= key) this.lists.push([]);
    this.lists[key]!.push(value);
  }

  remap(keys?: number[], values?: number[]): void {
    const out: number[][] = [];
    this.lists.forEach((list, key) => {
      const to = keys === undefined ? key : (keys[key] ?? 0);
      if (keys !== undefined && to === 0) return;
      let kept = list;
      if (values !== undefined) {
        kept = [];
        for (const v of list) {
          const w = values[v]!;
          if (w !== 0 && w - 1 !== kept.at(-1)) kept.push(w - 1);
        }
      }
      if (kept.length > 0) out[to] = kept;
    });
    this.lists = Array.from(out, (list) => list ?? []);
  }

  state(): U32ListsState {
    return {
      lengths: Uint32Array.from(this.lists, (l) => l.length),
      values: Uint32Array.from(this.lists.flat()),
    };
  }
}

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    // Few keys, pushed in turn, many times: lists pass several block sizes and take up blocks
    // that other lists gave back.
    arbitrary: fc.record({
      kind: fc.constant('push' as const),
      keys: fc.array(fc.oneof(fc.nat(3), fc.nat(40)), { minLength: 1, maxLength: 3 }),
      values: fc.array(fc.nat(VALUES - 1), { minLength: 1, maxLength: 80 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('remap' as const),
      // Targets repeated later are dropped below, so that the map is one-to-one.
      keys: fc.option(fc.array(fc.nat(45), { maxLength: 45 }), { nil: undefined }),
      // Few distinct targets: kept neighbours often become equal and must be deduplicated.
      values: fc.option(fc.array(fc.nat(6), { minLength: VALUES, maxLength: VALUES }), {
        nil: undefined,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'restore' as const }) },
);

function oneToOne(keys: number[] | undefined): number[] | undefined {
  if (keys === undefined) return undefined;
  const seen = new Set<number>();
  return keys.map((to) => {
    if (seen.has(to)) return 0;
    seen.add(to);
    return to;
  });
}

function expectSame(lists: U32Lists, ref: Reference): void {
  expect(lists.keys).toBe(ref.lists.length);
  expect(lists.exportState()).toEqual(ref.state());
  let held = 0;
  for (let key = 0; key <= ref.lists.length; key++) {
    const list = ref.lists[key] ?? [];
    held += list.length;
    expect(lists.length(key)).toBe(list.length);
    expect(lists.last(key)).toBe(list.at(-1) ?? -1);
    for (const max of [0, 1, 3, 1000]) {
      expect(Array.from(lists.tail(key, max))).toEqual(max === 0 ? [] : list.slice(-max));
    }
  }
  // Every element and every key's bookkeeping is counted.
  expect(lists.bytes()).toBeGreaterThanOrEqual(4 * held + 12 * ref.lists.length);
}

describe('U32Lists', () => {
  it('matches arrays of arrays over pushes, remaps and restores', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        let lists = new U32Lists();
        const ref = new Reference();
        for (const o of ops) {
          if (o.kind === 'push') {
            o.values.forEach((v, i) => {
              const key = o.keys[i % o.keys.length]!;
              lists.push(key, v);
              ref.push(key, v);
            });
          } else if (o.kind === 'remap') {
            const keys = oneToOne(o.keys);
            lists.remap(keys, o.values);
            ref.remap(keys, o.values);
          } else {
            const state = lists.exportState();
            const copy = { lengths: state.lengths.slice(), values: state.values.slice() };
            lists = U32Lists.fromState(state);
            // Growing the restored lists leaves the state as it was.
            const again = U32Lists.fromState(state);
            for (let key = 0; key < 5; key++) again.push(key, key);
            expect(state).toEqual(copy);
          }
          expectSame(lists, ref);
        }
      }),
      { numRuns: 300, interruptAfterTimeLimit: 20_000 },
    );
  });

  it('restores a state written key by key, empty keys included', () => {
    const state: U32ListsState = {
      lengths: Uint32Array.of(0, 2, 0, 3, 0),
      values: Uint32Array.of(7, 8, 1, 2, 3),
    };
    const lists = U32Lists.fromState(state);
    expect(lists.keys).toBe(5);
    expect(Array.from(lists.tail(1, 10))).toEqual([7, 8]);
    expect(Array.from(lists.tail(3, 2))).toEqual([2, 3]);
    expect(lists.last(4)).toBe(-1);
    lists.push(1, 9);
    lists.push(4, 5);
    expect(lists.exportState()).toEqual({
      lengths: Uint32Array.of(0, 3, 0, 3, 1),
      values: Uint32Array.of(7, 8, 9, 1, 2, 3, 5),
    });
    expect(state.values).toEqual(Uint32Array.of(7, 8, 1, 2, 3));
    expect(() =>
      U32Lists.fromState({ lengths: Uint32Array.of(2), values: Uint32Array.of(1) }),
    ).toThrow(expect.objectContaining({ code: 'AISLE_SNAPSHOT' }));
  });

  it('reuses the blocks that restored lists give back as they grow', () => {
    // Lists of every length up to 40, packed back to back: growing them all in turn releases
    // blocks of every size, in pieces, which the lists growing after them take up.
    const ref = new Reference();
    for (let key = 0; key < 40; key++) for (let i = 0; i <= key; i++) ref.push(key, key * 100 + i);
    const lists = U32Lists.fromState(ref.state());
    for (let round = 0; round < 70; round++) {
      for (let key = 0; key < 45; key++) {
        lists.push(key, round);
        ref.push(key, round);
      }
    }
    expectSame(lists, ref);
  });

  it('gives memory back when a remap removes most keys', () => {
    const lists = new U32Lists();
    const keys = 50_000;
    for (let i = 0; i < 4 * keys; i++) lists.push(i % keys, i);
    // Grown lists leave released blocks behind; a remap packs what is kept.
    for (let key = 0; key < keys; key += 100) for (let i = 0; i < 20; i++) lists.push(key, i);
    const before = lists.bytes();
    expect(before).toBeGreaterThan(16 * keys);
    const map = Uint32Array.from({ length: keys }, (_, key) =>
      key % 100 === 0 ? key / 100 + 1 : 0,
    );
    lists.remap(map);
    expect(lists.keys).toBe(keys / 100 + 1);
    expect(lists.length(1)).toBe(24);
    expect(lists.bytes()).toBeLessThan(before / 20);
    // Exactly the 500 kept lists of 24 and the three per-key arrays: no slack is left.
    expect(lists.bytes()).toBe(4 * 24 * (keys / 100) + 12 * (keys / 100 + 1));
  });
});
