/**
 * Compaction of the session-kNN model: `SessionKnn.remap` for sessions, users and items, checked
 * against a model given the same operations without the dropped ids (the kNN similarity of a
 * kept neighbour may change when another is dropped, so "the old answer without the dropped id"
 * is not the reference; the model that never saw them is), through a snapshot, and on with new
 * ids after it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdKind } from '../../../engine/activity.js';
import { isAisleError } from '../../../engine/errors.js';
import {
  SessionKnn,
  type SessionKey,
  type SessionKnnParams,
} from '../../../engine/models/session-knn.js';
import { canonical, LoggedKnn, newKey, replay } from './sessions-support.js';
import { compaction, lcg, throughBytes } from './support.js';

const SESSIONS = 40;
const USERS = 20;
const ITEMS = 80;

const VARIANTS: Partial<SessionKnnParams>[] = [
  // The defaults: STAN, transitions, repeats, IDF on the score, recency.
  {},
  // Small samples and neighbourhoods make the order of each item's session list matter.
  { sampleSize: 6, kNeighbours: 5, lambdaRecency: 30 },
  { variant: 'sknn', idfSimilarity: 1, transitionWeight: 0.3 },
  { variant: 'vsknn', transitionDepth: 1 },
];

/** Keys in SessionFeed's convention: session ids, negated user ids, and a few string keys. */
function keyOf(rnd: () => number, sessions: number, users: number): SessionKey {
  const r = rnd();
  if (r < 0.65) return 1 + Math.floor(rnd() * sessions);
  if (r < 0.95) return -(1 + Math.floor(rnd() * users));
  return `str-${Math.floor(rnd() * 3)}`;
}

/** A popularity-skewed item in 1..items. */
const itemOf = (rnd: () => number, items: number): number => 1 + Math.floor(rnd() ** 2 * items);

/** Clicks into interleaved live sessions, closes, and whole anonymous sessions. */
function operate(
  model: SessionKnn,
  rnd: () => number,
  steps: number,
  ids: { sessions: number; users: number; items: number },
): void {
  for (let s = 0; s < steps; s++) {
    const r = rnd();
    if (r < 0.78) model.addClick(keyOf(rnd, ids.sessions, ids.users), itemOf(rnd, ids.items));
    else if (r < 0.93) model.closeSession(keyOf(rnd, ids.sessions, ids.users));
    else {
      const n = 1 + Math.floor(rnd() * 5);
      model.addSession(Array.from({ length: n }, () => itemOf(rnd, ids.items)));
    }
  }
}

/** Every answer a test compares: queries over `items` ids (and above), and each live key. */
function answers(model: SessionKnn, items: number, sessions: number, users: number) {
  const probe = lcg(99);
  const out: unknown[] = [];
  for (let q = 0; q < 60; q++) {
    const n = 1 + Math.floor(probe() * 5);
    // Now and then an id above every kept one.
    const current = Array.from({ length: n }, () => 1 + Math.floor(probe() * (items + 3)));
    out.push(model.recommend(current, 15));
  }
  const keys: SessionKey[] = ['str-0', 'str-1', 'str-2'];
  for (let s = 1; s <= sessions; s++) keys.push(s);
  for (let u = 1; u <= users; u++) keys.push(-u);
  for (const key of keys) out.push(model.recommendFor(key, 15));
  return out;
}

function sizeOf(kind: IdKind): number {
  return kind === 'session' ? SESSIONS : kind === 'user' ? USERS : ITEMS;
}

describe('SessionKnn.remap', () => {
  it('equals the model that never saw the dropped ids, through a snapshot and after', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fff_ffff }),
        fc.constantFrom<IdKind>('session', 'user', 'item'),
        fc.integer({ min: 0, max: VARIANTS.length - 1 }),
        fc.integer({ min: 0, max: 100 }),
        (seed, kind, variant, percent) => {
          const params = VARIANTS[variant]!;
          const rnd = lcg(seed);
          const model = new LoggedKnn(params);
          operate(model, rnd, 500, { sessions: SESSIONS, users: USERS, items: ITEMS });
          // Warm the scratch arrays: they are indexed by the old ids.
          model.recommend([1, 2, 3], 10);
          const { map, size } = compaction(sizeOf(kind), () => rnd() * 100 < percent);
          model.remap(kind, map, size);
          const oracle = replay(model.log, kind, map, params);
          expect(canonical(model)).toEqual(canonical(oracle));
          expect(model.sessionCount).toBe(oracle.sessionCount);
          expect(model.liveSessions).toBe(oracle.liveSessions);

          const ids = {
            sessions: kind === 'session' ? size : SESSIONS,
            users: kind === 'user' ? size : USERS,
            items: kind === 'item' ? size : ITEMS,
          };
          const expected = answers(oracle, ids.items, ids.sessions, ids.users);
          expect(answers(model, ids.items, ids.sessions, ids.users)).toEqual(expected);
          // No answer names an item past the kept ones.
          for (const a of expected as { items: Uint32Array }[]) {
            for (const i of a.items) expect(i).toBeLessThanOrEqual(ids.items);
          }

          const restored = SessionKnn.fromState(params, throughBytes(model.exportState()));
          expect(restored.exportState()).toEqual(model.exportState());
          expect(answers(restored, ids.items, ids.sessions, ids.users)).toEqual(expected);

          // New ids come after the kept ones; all three go on alike.
          const more = { sessions: ids.sessions + 5, users: ids.users + 5, items: ids.items + 10 };
          for (const m of [model, restored, oracle]) operate(m, lcg(seed ^ 0x5bd1), 150, more);
          const after = answers(oracle, more.items, more.sessions, more.users);
          expect(answers(model, more.items, more.sessions, more.users)).toEqual(after);
          expect(answers(restored, more.items, more.sessions, more.users)).toEqual(after);
          expect(canonical(model)).toEqual(canonical(oracle));
        },
      ),
      { seed: 20_250_101, numRuns: 48 },
    );
  });

  it('drops the stored sessions of a dropped id, finished and live, and their steps', () => {
    const model = new SessionKnn({ transitionWeight: 1 });
    model.addClick(1, 10);
    model.addClick(1, 11);
    model.closeSession(1);
    model.addClick(2, 10);
    model.addClick(2, 12);
    model.addClick(1, 10); // session 1 again, live
    model.addClick(1, 13);
    expect(model.sessionCount).toBe(3);
    const { map, size } = compaction(2, (id) => id === 1);
    model.remap('session', map, size);
    expect(model.sessionCount).toBe(1);
    expect(model.liveSessions).toBe(1);
    expect(model.liveLength(1)).toBe(2); // session 2 is now 1
    // Only 10 → 12 is left: nothing of session 1 is recommended.
    expect([...model.recommend([10], 10).items].sort()).toEqual([10, 12]);
    expect(model.exportState().transitions.total[10]).toBe(1);
  });

  it('an item compaction removes the clicks, joins the steps around them, empties sessions', () => {
    const model = new SessionKnn();
    model.addSession([1, 2, 3]);
    model.addSession([2, 2]);
    model.addClick(-4, 2);
    const { map, size } = compaction(3, (id) => id === 2);
    model.remap('item', map, size);
    // [1, 3] is left (as [1, 2]); the all-2 sessions, finished and live, are gone.
    expect(model.sessionCount).toBe(1);
    expect(model.liveSessions).toBe(0);
    expect(canonical(model).sessions).toEqual([{ key: 0, live: undefined, items: [1, 2] }]);
    expect(canonical(model).steps).toEqual(['1>2:1']);
  });

  it('a compaction that drops nothing changes no answer and no state', () => {
    for (const kind of ['session', 'user', 'item'] as const) {
      const model = new SessionKnn();
      operate(model, lcg(5), 400, { sessions: SESSIONS, users: USERS, items: ITEMS });
      const before = model.exportState();
      const expected = answers(model, ITEMS, SESSIONS, USERS);
      const { map, size } = compaction(sizeOf(kind), () => false);
      model.remap(kind, map, size);
      expect(model.exportState(), kind).toEqual(before);
      expect(answers(model, ITEMS, SESSIONS, USERS), kind).toEqual(expected);
      // Kinds the model does not hold are ignored.
      model.remap('order', new Uint32Array(3), 0);
      expect(model.exportState()).toEqual(before);
    }
  });

  it('renumbering ids it does not hold translates every answer exactly', () => {
    for (const kind of ['session', 'user', 'item'] as const) {
      // Only even ids are used; the compaction drops the odd ones and halves the rest.
      const even = (n: number) => 2 * Math.ceil(n / 2);
      const model = new SessionKnn();
      const rnd = lcg(17);
      for (let s = 0; s < 500; s++) {
        const r = rnd();
        const key =
          r < 0.6 ? even(1 + Math.floor(rnd() * SESSIONS)) : -even(1 + Math.floor(rnd() * USERS));
        model.addClick(key, even(itemOf(rnd, ITEMS)));
        if (rnd() < 0.15) model.closeSession(key);
      }
      const { map, size } = compaction(sizeOf(kind) + 1, (id) => id % 2 === 1);
      const queries = Array.from({ length: 40 }, () =>
        Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => even(itemOf(rnd, ITEMS))),
      );
      const keys: number[] = [];
      for (let s = 2; s <= SESSIONS; s += 2) keys.push(s);
      for (let u = 2; u <= USERS; u += 2) keys.push(-u);
      const item = (i: number) => (kind === 'item' ? map[i]! : i);
      const translate = (r: { items: Uint32Array; scores: Float64Array }) => ({
        items: r.items.map(item),
        scores: r.scores,
      });
      const before = {
        queries: queries.map((q) => translate(model.recommend(q, 15))),
        keys: keys.map((k) => translate(model.recommendFor(k, 15))),
      };
      model.remap(kind, map, size);
      expect(
        {
          queries: queries.map((q) => model.recommend(q.map(item), 15)),
          keys: keys.map((k) => model.recommendFor(newKey(kind, map, k)!, 15)),
        },
        kind,
      ).toEqual(before);
    }
  });

  it('keeps sessions added whole and string-keyed ones, which name no id', () => {
    const model = new SessionKnn();
    model.addSession([1, 2]);
    model.addClick('web', 1);
    model.addClick(0, 1);
    model.addClick(2.5, 2);
    model.addClick(1, 2);
    model.addClick(2, 1);
    for (const kind of ['session', 'user'] as const) {
      const { map, size } = compaction(2, (id) => kind === 'session' && id === 1);
      model.remap(kind, map, size);
    }
    expect(model.sessionCount).toBe(5);
    expect(model.liveLength('web')).toBe(1);
    expect(model.liveLength(0)).toBe(1);
    expect(model.liveLength(2.5)).toBe(1);
    // Session 2 is now 1.
    expect(model.liveLength(1)).toBe(1);
    expect(model.exportState().sessions.keys).toEqual(new Float64Array([0, 0, 0, 0, 1]));
  });

  it('refuses a map that does not cover the ids it holds, changing nothing', () => {
    const model = new SessionKnn();
    model.addClick(7, 3);
    model.addClick(-9, 5);
    const before = model.exportState();
    for (const [kind, length] of [
      ['session', 7],
      ['user', 9],
      ['item', 5],
    ] as const) {
      let caught: unknown;
      try {
        model.remap(kind, new Uint32Array(length), 0);
      } catch (err) {
        caught = err;
      }
      expect(isAisleError(caught) && caught.code === 'AISLE_INVALID_ARGUMENT', kind).toBe(true);
      expect(model.exportState()).toEqual(before);
    }
  });

  it('restores state from before sessions recorded their keys', () => {
    const model = new SessionKnn();
    model.addClick(3, 1);
    model.addClick(3, 2);
    model.closeSession(3);
    model.addClick(4, 2);
    model.addClick(4, 1);
    const state = model.exportState();
    delete state.sessions.keys;
    const old = SessionKnn.fromState({}, state);
    expect(old.recommend([2], 5)).toEqual(model.recommend([2], 5));
    // The finished session names no id now, so it stays; the live one still goes with its id.
    const { map, size } = compaction(4, () => true);
    old.remap('session', map, size);
    expect(old.sessionCount).toBe(1);
    expect(old.liveSessions).toBe(0);
    expect(old.exportState().sessions.keys).toEqual(new Float64Array([0]));
  });

  it('rejects stored keys that disagree with the live keys', () => {
    const model = new SessionKnn();
    model.addClick(3, 1);
    const state = model.exportState();
    state.sessions.keys = new Float64Array([4]);
    expect(() => SessionKnn.fromState({}, state)).toThrow(/records another key/);
    state.sessions.keys = new Float64Array([0.5]);
    expect(() => SessionKnn.fromState({}, state)).toThrow(/session keys/);
  });

  it('frees the memory of the sessions it drops', () => {
    const model = new SessionKnn();
    const rnd = lcg(3);
    const n = 60_000;
    for (let s = 1; s <= n; s++) {
      const len = 1 + Math.floor(rnd() * 8);
      for (let c = 0; c < len; c++) model.addClick(s, itemOf(rnd, 5000));
      model.closeSession(s);
    }
    const before = model.bytes();
    // The oldest three quarters leave, as retention drops them.
    const { map, size } = compaction(n, (id) => id <= (3 * n) / 4);
    model.remap('session', map, size);
    expect(model.sessionCount).toBe(n / 4);
    expect(model.bytes()).toBeLessThan(0.4 * before);
  });
});
