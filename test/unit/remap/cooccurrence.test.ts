/**
 * Renumbering the co-occurrence models ("also viewed" by session or user, "also bought" by
 * order): an oracle with plain arrays and maps, remapped by the same maps, answers exactly as the
 * model does through any sequence of batches and compactions of items and context keys.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdKind } from '../../../engine/activity.js';
import { EVENT_TYPE_CODE, type RetailEvent } from '../../../engine/events.js';
import {
  Cooccurrence,
  type CooccurrenceOptions,
  type Neighbour,
} from '../../../engine/models/cooccurrence.js';
import { EventStore, type EncodedBatch } from '../../../engine/store/index.js';
import { compaction, compactStore, identity, mulberry32, pick } from './support.js';

const VIEWED: CooccurrenceOptions = {
  types: [EVENT_TYPE_CODE.view, EVENT_TYPE_CODE.add_to_cart],
  context: 'session',
  window: 3,
  idleMs: 40,
  shrink: 2,
};

const BOUGHT: CooccurrenceOptions = {
  types: [EVENT_TYPE_CODE.purchase],
  context: 'order',
  window: 4,
  idleMs: 60,
  shrink: 1,
};

/** The model's contract in plain structures: rings as arrays oldest first, pairs by "a,b". */
class Oracle {
  readonly contexts = new Map<number, { items: number[]; ts: number }>();
  pairs = new Map<string, number>();
  occ = new Map<number, number>();
  opened = 0;
  private batches = 0;
  private readonly isType = new Set<number>();

  constructor(readonly o: CooccurrenceOptions) {
    for (const t of o.types) this.isType.add(t);
  }

  ingest(b: EncodedBatch): void {
    let newest = -Infinity;
    for (let i = 0; i < b.length; i++) {
      if (!this.isType.has(b.type[i]!) || b.item[i] === 0) continue;
      const key =
        this.o.context === 'session'
          ? b.session[i] !== 0
            ? b.session[i]!
            : -b.user[i]!
          : b.ref[i]!;
      if (key === 0) continue;
      newest = Math.max(newest, b.ts[i]!);
      this.place(key, b.item[i]!, b.ts[i]!);
    }
    if (++this.batches % 64 === 0 && newest > -Infinity) {
      for (const [key, c] of this.contexts) {
        if (c.ts < newest - this.o.idleMs) this.contexts.delete(key);
      }
    }
  }

  private place(key: number, it: number, t: number): void {
    let c = this.contexts.get(key);
    if (c === undefined) {
      c = { items: [], ts: t };
      this.contexts.set(key, c);
      this.opened++;
    }
    c.ts = t;
    if (c.items.includes(it)) return;
    for (const other of c.items) {
      const k = pairKey(it, other);
      this.pairs.set(k, (this.pairs.get(k) ?? 0) + 1);
    }
    this.occ.set(it, (this.occ.get(it) ?? 0) + 1);
    c.items.push(it);
    if (c.items.length > this.o.window) c.items.shift();
  }

  remap(kind: IdKind, map: Uint32Array): void {
    if (kind === 'item') {
      const pairs = new Map<string, number>();
      for (const [k, v] of this.pairs) {
        const [a, b] = k.split(',').map(Number) as [number, number];
        if (map[a] !== 0 && map[b] !== 0) pairs.set(pairKey(map[a]!, map[b]!), v);
      }
      this.pairs = pairs;
      const occ = new Map<number, number>();
      for (const [a, v] of this.occ) if (map[a] !== 0) occ.set(map[a]!, v);
      this.occ = occ;
      for (const c of this.contexts.values()) {
        c.items = c.items.filter((a) => map[a] !== 0).map((a) => map[a]!);
      }
      return;
    }
    const users = kind === 'user';
    const held = this.o.context === 'session' ? kind === 'session' || users : kind === 'order';
    if (!held) return;
    const entries = [...this.contexts];
    this.contexts.clear();
    for (const [key, c] of entries) {
      if (users ? key > 0 : key < 0) this.contexts.set(key, c);
      else if (map[Math.abs(key)] !== 0) this.contexts.set(users ? -map[-key]! : map[key]!, c);
    }
  }

  countOf(a: number, b: number): number {
    return this.pairs.get(pairKey(a, b)) ?? 0;
  }

  neighbours(a: number, k: number): Neighbour[] {
    const na = this.occ.get(a) ?? 0;
    if (na === 0) return [];
    const out: Neighbour[] = [];
    for (const [key, c] of this.pairs) {
      const [x, y] = key.split(',').map(Number) as [number, number];
      if (x !== a && y !== a) continue;
      const b = x === a ? y : x;
      const nb = this.occ.get(b) ?? 0;
      const score = (c / Math.sqrt(na * nb)) * (c / (c + this.o.shrink));
      out.push({ item: b, score, count: c });
    }
    out.sort((p, q) => q.score - p.score || p.item - q.item);
    return out.slice(0, k);
  }
}

function pairKey(a: number, b: number): string {
  return a < b ? `${a},${b}` : `${b},${a}`;
}

/** A batch of 1..6 events on small pools, so contexts repeat and rings fill. */
function batch(next: () => number, t: { now: number }, round: number): RetailEvent[] {
  const out: RetailEvent[] = [];
  const n = 1 + pick(next, 6);
  for (let j = 0; j < n; j++) {
    t.now += 1 + pick(next, 3);
    const item = `i${pick(next, 24)}${round > 0 && next() < 0.2 ? `-r${round}` : ''}`;
    const who = {
      ...(next() < 0.7 && { session: `s${pick(next, 14)}` }),
      ...(next() < 0.8 && { user: `u${pick(next, 8)}` }),
    };
    const r = next();
    if (r < 0.5) out.push({ type: 'view', ts: t.now, item, ...who });
    else if (r < 0.65) out.push({ type: 'add_to_cart', ts: t.now, item, quantity: 1, ...who });
    else if (r < 0.7) out.push({ type: 'remove_from_cart', ts: t.now, item, quantity: 1, ...who });
    else {
      out.push({
        type: 'purchase',
        ts: t.now,
        item,
        order: `o${pick(next, 10)}${round > 0 ? `-r${round}` : ''}`,
        quantity: 1 + pick(next, 3),
        price: 2,
        ...who,
      });
    }
  }
  return out;
}

interface Rig {
  store: EventStore;
  model: Cooccurrence;
  oracle: Oracle;
}

function rig(options: CooccurrenceOptions): Rig {
  return { store: new EventStore(), model: new Cooccurrence(options), oracle: new Oracle(options) };
}

function feed(r: Rig, events: RetailEvent[]): void {
  const b = r.store.append(events);
  r.model.ingest(b);
  r.oracle.ingest(b);
}

/** Every answer of the model against the oracle's, for every item id known. */
function expectSame(model: Cooccurrence, oracle: Oracle, items: number): void {
  expect(model.contextCount).toBe(oracle.opened);
  expect(model.liveContexts).toBe(oracle.contexts.size);
  expect(model.pairCount).toBe(oracle.pairs.size);
  for (let a = 1; a <= items + 1; a++) {
    expect(model.occurrencesOf(a)).toBe(oracle.occ.get(a) ?? 0);
    expect(model.neighbours(a, 100)).toEqual(oracle.neighbours(a, 100));
    expect(model.neighbours(a, 2)).toEqual(oracle.neighbours(a, 2));
  }
}

/** Answers of the model for every item id below `items`, for comparing two models. */
function answers(model: Cooccurrence, items: number): unknown[] {
  const out: unknown[] = [model.contextCount, model.liveContexts, model.pairCount];
  for (let a = 1; a <= items + 1; a++) {
    out.push(model.occurrencesOf(a), model.neighbours(a, 100));
  }
  return out;
}

/** A random drop set over the kind's ids (about a third), as retention's map. */
function randomDrop(next: () => number, size: number) {
  const share = 0.15 + next() * 0.4;
  return compaction(size, () => next() < share);
}

const KINDS: Record<'session' | 'order', IdKind[]> = {
  session: ['item', 'session', 'user'],
  order: ['item', 'order'],
};

describe.each([
  ['also viewed', VIEWED],
  ['also bought', BOUGHT],
])('Cooccurrence.remap (%s)', (_name, options) => {
  it('answers as the oracle through batches and compactions of every kind it holds', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        const next = mulberry32(seed);
        const r = rig(options);
        const t = { now: 1000 };
        for (let round = 0; round < 5; round++) {
          const batches = 20 + pick(next, 60);
          for (let b = 0; b < batches; b++) feed(r, batch(next, t, round));
          const kinds = KINDS[options.context];
          const kind = kinds[pick(next, kinds.length)]!;
          const { map, size } = randomDrop(next, r.store.dicts[kind].size);
          r.model.remap(kind, map, size);
          r.oracle.remap(kind, map);
          compactStore(r.store, kind, map);
          expectSame(r.model, r.oracle, r.store.dicts.item.size);
        }
        for (let b = 0; b < 70; b++) feed(r, batch(next, t, 9));
        expectSame(r.model, r.oracle, r.store.dicts.item.size);
      }),
      { seed: 20260105, numRuns: 25 },
    );
  });

  it('keeps kept items translated, drops pairs of dropped items, and frees memory', () => {
    const next = mulberry32(7);
    const r = rig(options);
    const t = { now: 1000 };
    for (let b = 0; b < 300; b++) feed(r, batch(next, t, 0));
    const n = r.store.dicts.item.size;
    const before = new Map<number, Neighbour[]>();
    for (let a = 1; a <= n; a++) before.set(a, r.model.neighbours(a, 100));
    const { map, size } = compaction(n, (id) => id % 3 === 1);
    const back = new Uint32Array(size + 1);
    for (let id = 1; id <= n; id++) if (map[id] !== 0) back[map[id]!] = id;
    r.model.remap('item', map, size);
    for (let a = 1; a <= size; a++) {
      const want = before
        .get(back[a]!)!
        .filter((x) => map[x.item] !== 0)
        .map((x) => ({ ...x, item: map[x.item]! }));
      expect(r.model.neighbours(a, 100)).toEqual(want);
      expect(r.model.neighbours(a, 3)).toEqual(want.slice(0, 3));
    }
    // Ids past the kept ones are unknown until the dictionary issues them again.
    for (let a = size + 1; a <= n + 1; a++) {
      expect(r.model.neighbours(a, 10)).toEqual([]);
      expect(r.model.occurrencesOf(a)).toBe(0);
    }
    const s = r.model.exportState();
    expect(s.occurrences.length).toBe(Math.max(1024, size + 1));
    // The restore checks: neighbour lists and pair keys name only ids the dictionary has.
    expect(s.pairs.degree.length).toBeLessThanOrEqual(size + 1);
    expect(Math.max(0, ...s.pairs.neighbours)).toBeLessThanOrEqual(size);
    for (let i = 0; i < s.pairs.keysA.length; i++) {
      if (s.pairs.keysA[i] === 0xffffffff) continue;
      expect(s.pairs.keysA[i]).toBeLessThan(s.pairs.keysB[i]!);
      expect(s.pairs.keysB[i]).toBeLessThanOrEqual(size);
    }
    expect(s.pairs.used * 2).toBeLessThanOrEqual(s.pairs.keysA.length);
    expect(s.pairs.keysA.length).toBeLessThan(1 << 16);
  });

  it('changes nothing, state included, for a map that drops nothing', () => {
    const next = mulberry32(11);
    const r = rig(options);
    const t = { now: 1000 };
    for (let b = 0; b < 200; b++) feed(r, batch(next, t, 0));
    const state = r.model.exportState();
    const items = r.store.dicts.item.size;
    const before = answers(r.model, items);
    for (const kind of ['item', 'session', 'user', 'order', 'query'] as const) {
      const { map, size } = identity(r.store.dicts[kind].size);
      r.model.remap(kind, map, size);
    }
    expect(r.model.exportState()).toEqual(state);
    expect(answers(r.model, items)).toEqual(before);
  });

  it('restores after a remap to the same answers, and both go on alike', () => {
    const next = mulberry32(23);
    const r = rig(options);
    const t = { now: 1000 };
    for (let b = 0; b < 200; b++) feed(r, batch(next, t, 0));
    for (const kind of KINDS[options.context]) {
      const { map, size } = randomDrop(next, r.store.dicts[kind].size);
      r.model.remap(kind, map, size);
      r.oracle.remap(kind, map);
      compactStore(r.store, kind, map);
    }
    const restored = Cooccurrence.fromState(options, r.model.exportState());
    const items = r.store.dicts.item.size;
    expect(answers(restored, items)).toEqual(answers(r.model, items));
    expect(restored.exportState()).toEqual(r.model.exportState());
    for (let b = 0; b < 100; b++) {
      const batchOf = r.store.append(batch(next, t, 3));
      r.model.ingest(batchOf);
      restored.ingest(batchOf);
      r.oracle.ingest(batchOf);
    }
    const now = r.store.dicts.item.size;
    expect(answers(restored, now)).toEqual(answers(r.model, now));
    expectSame(restored, r.oracle, now);
  });

  it('pairs new items issued after the remap with the kept items of a live context', () => {
    const r = rig(options);
    const key = (n: string) =>
      options.context === 'session' ? { session: n, user: 'u' } : { user: 'u' };
    const ev = (ts: number, item: string, ctx: string): RetailEvent =>
      options.context === 'session'
        ? { type: 'view', ts, item, ...key(ctx) }
        : { type: 'purchase', ts, item, order: ctx, quantity: 1, price: 1, ...key(ctx) };
    feed(r, [ev(1, 'a', 'c1'), ev(2, 'gone', 'c1'), ev(3, 'b', 'c1'), ev(4, 'gone', 'c2')]);
    const id = (s: string) => r.store.dicts.item.lookup(s)!;
    const drop = id('gone');
    const { map, size } = compaction(r.store.dicts.item.size, (x) => x === drop);
    r.model.remap('item', map, size);
    compactStore(r.store, 'item', map);
    expect(r.store.dicts.item.lookup('gone')).toBeUndefined();
    feed(r, [ev(5, 'fresh', 'c1'), ev(6, 'gone', 'c1')]);
    expect(id('fresh')).toBe(size + 1);
    expect(id('gone')).toBe(size + 2);
    // "gone" is a new item: it pairs with a, b and fresh, once, and owes nothing to its past.
    expect(r.model.occurrencesOf(id('gone'))).toBe(1);
    expect(r.model.countOf(id('gone'), id('a'))).toBe(1);
    expect(r.model.countOf(id('fresh'), id('b'))).toBe(1);
    expect(r.model.countOf(id('a'), id('b'))).toBe(1);
    expect(
      r.model
        .neighbours(id('fresh'), 10)
        .map((x) => r.store.dicts.item.value(x.item))
        .sort(),
    ).toEqual(['a', 'b', 'gone']);
  });
});

describe('Cooccurrence.remap of context keys', () => {
  it('forgets a dropped session or user context; one seen again opens anew', () => {
    const r = rig(VIEWED);
    feed(r, [
      { type: 'view', ts: 1, item: 'a', session: 's1' },
      { type: 'view', ts: 2, item: 'b', session: 's2' },
      { type: 'view', ts: 3, item: 'c', user: 'u1' },
      { type: 'view', ts: 4, item: 'd', user: 'u2' },
    ]);
    const sessions = compaction(2, (s) => s === 1);
    r.model.remap('session', sessions.map, sessions.size);
    compactStore(r.store, 'session', sessions.map);
    const users = compaction(2, (u) => u === 1);
    r.model.remap('user', users.map, users.size);
    compactStore(r.store, 'user', users.map);
    expect(r.model.liveContexts).toBe(2);
    expect(r.model.contextCount).toBe(4);
    feed(r, [
      { type: 'view', ts: 5, item: 'x', session: 's1' },
      { type: 'view', ts: 6, item: 'y', session: 's2' },
      { type: 'view', ts: 7, item: 'z', user: 'u1' },
      { type: 'view', ts: 8, item: 'w', user: 'u2' },
    ]);
    const id = (s: string) => r.store.dicts.item.lookup(s)!;
    // s1 and u1 start empty; s2 and u2 kept their items under their new keys.
    expect(r.model.neighbours(id('x'), 5)).toEqual([]);
    expect(r.model.neighbours(id('z'), 5)).toEqual([]);
    expect(r.model.neighbours(id('y'), 5).map((n) => n.item)).toEqual([id('b')]);
    expect(r.model.neighbours(id('w'), 5).map((n) => n.item)).toEqual([id('d')]);
    expect(r.model.contextCount).toBe(6);
    // The two forgotten contexts' slots were reused, not new ones taken.
    expect(r.model.exportState().slots).toBe(4);
  });

  it('ignores kinds the model does not hold', () => {
    const r = rig(BOUGHT);
    feed(r, [
      { type: 'purchase', ts: 1, item: 'a', order: 'o1', quantity: 1, price: 1, session: 's1' },
      { type: 'purchase', ts: 2, item: 'b', order: 'o1', quantity: 1, price: 1, session: 's1' },
    ]);
    const state = r.model.exportState();
    const drop = compaction(1, () => true);
    r.model.remap('session', drop.map, drop.size);
    r.model.remap('user', drop.map, drop.size);
    r.model.remap('query', drop.map, drop.size);
    expect(r.model.exportState()).toEqual(state);
  });
});
