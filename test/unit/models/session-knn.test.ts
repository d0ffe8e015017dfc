import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import {
  SessionKnn,
  type SessionKnnParams,
  type SessionKnnState,
} from '../../../engine/models/session-knn.js';
import { topK } from '../../../engine/models/top-k.js';
import { Transitions } from '../../../engine/models/transitions.js';
import { decodeState, encodeState } from '../../../engine/snapshot/sections.js';

/** Only the neighbourhood: no transitions, repeats, IDF; plain cosine. */
const PLAIN: Partial<SessionKnnParams> = {
  transitionWeight: 0,
  repeatWeight: 0,
  idfScore: 0,
  lengthExponent: 0.5,
  lambdaRecency: 0,
};

const ranked = (model: SessionKnn, current: number[], k = 10): number[] => [
  ...model.recommend(current, k).items,
];

describe('SessionKnn', () => {
  it('recommends what the neighbour sessions sharing the current items contain', () => {
    const model = new SessionKnn({ ...PLAIN, variant: 'sknn' });
    model.addSession([1, 2, 3]);
    model.addSession([7, 8, 9]);
    const items = ranked(model, [1]);
    expect(items).toContain(2);
    expect(items).toContain(3);
    expect(items).not.toContain(8);
  });

  it('ranks the neighbour sharing more items first (SKNN cosine)', () => {
    const model = new SessionKnn({ ...PLAIN, variant: 'sknn' });
    model.addSession([1, 2, 10]);
    model.addSession([1, 20]);
    expect(ranked(model, [1, 2]).indexOf(10)).toBeLessThan(ranked(model, [1, 2]).indexOf(20));
  });

  it('V-SKNN and STAN favour neighbours of the latest click', () => {
    for (const variant of ['vsknn', 'stan'] as const) {
      const model = new SessionKnn({ ...PLAIN, variant, lambdaPos: 1 });
      model.addSession([1, 10]); // shares the first click
      model.addSession([2, 20]); // shares the last click
      const items = ranked(model, [1, 2]);
      expect(items.indexOf(20), variant).toBeLessThan(items.indexOf(10));
    }
  });

  it('STAN favours recent neighbour sessions', () => {
    const model = new SessionKnn({ ...PLAIN, variant: 'stan', lambdaRecency: 1 });
    model.addSession([1, 10]);
    model.addSession([1, 20]);
    expect(ranked(model, [1])[1]).toBe(20);
    expect(ranked(model, [1])).toEqual([1, 20, 10]);
  });

  it('STAN favours neighbour items near the shared item', () => {
    const model = new SessionKnn({ ...PLAIN, variant: 'stan', lambdaNeighbour: 1 });
    model.addSession([1, 30, 31, 32, 33]);
    const items = ranked(model, [1]);
    expect(items.slice(0, 5)).toEqual([1, 30, 31, 32, 33]);
  });

  it('samples only the most recent sessions of an item', () => {
    const model = new SessionKnn({ ...PLAIN, variant: 'sknn', sampleSize: 1 });
    model.addSession([1, 10]);
    model.addSession([1, 20]);
    expect(ranked(model, [1])).not.toContain(10);
  });

  it('keeps only the k nearest neighbours', () => {
    const model = new SessionKnn({ ...PLAIN, variant: 'sknn', kNeighbours: 1 });
    model.addSession([1, 2, 10]);
    model.addSession([1, 20, 21, 22, 23, 24]);
    expect(ranked(model, [1, 2])).not.toContain(20);
  });

  it('an online click changes the next answer at once', () => {
    const model = new SessionKnn({ ...PLAIN, variant: 'stan' });
    model.addSession([1, 10]);
    model.addSession([5, 50]);
    model.addClick('u', 1);
    expect(model.recommendFor('u', 5).items[0]).not.toBe(50);
    model.addClick('u', 5);
    expect([...model.recommendFor('u', 3).items]).toContain(50);
    // The live session is a neighbour of others immediately, but never of itself.
    model.addClick('u', 99);
    expect(ranked(model, [5])).toContain(99);
    expect([...model.recommendFor('u', 10).items]).not.toContain(99);
    model.closeSession('u');
    expect(ranked(model, [5])).toContain(99);
    expect(model.sessionCount).toBe(3);
  });

  it('blends item transitions: the usual next item wins among equal neighbours', () => {
    const model = new SessionKnn({ ...PLAIN, variant: 'sknn', transitionWeight: 1 });
    model.addSession([3, 1, 2]);
    model.addSession([4, 2, 1]);
    // Neighbourhood alone ties 1, 2, 3, 4 after [1]; the transition 1 → 2 breaks the tie.
    expect(ranked(model, [1])[0]).toBe(2);
  });

  it('boosts a return to the current session items when asked', () => {
    const model = new SessionKnn({ ...PLAIN, variant: 'sknn', repeatWeight: 5 });
    model.addSession([8, 9]);
    expect(ranked(model, [7, 8])[0]).toBe(8);
    expect(ranked(model, [7, 8])[1]).toBe(7);
  });

  it('answers empty for unknown items and an unknown session', () => {
    const model = new SessionKnn();
    model.addSession([1, 2]);
    expect(model.recommend([12345], 5).items.length).toBe(0);
    expect(model.recommendFor('nobody', 5).items.length).toBe(0);
  });

  it('ignores ids above every item it holds, whatever it answered before', () => {
    const model = new SessionKnn();
    model.addSession([1, 50]);
    // A long id first grows the scratch arrays; the answer must not depend on that.
    model.recommend([1, 4000], 5);
    expect([...model.recommend([1, 60], 5).items]).toEqual([1, 50]);
    expect(model.recommend([60], 5).items.length).toBe(0);
  });
});

/** A deterministic pseudo-random source (an LCG), so failures replay. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** A popularity-skewed item in 1..200. */
const itemOf = (rnd: () => number): number => 1 + Math.floor(rnd() ** 2 * 200);

/** The same, but never a multiple of 10: those stay unseen gaps among known ids. */
const knownItem = (rnd: () => number): number => {
  const item = itemOf(rnd);
  return item % 10 === 0 ? item + 1 : item;
};

/** Adds closed sessions and leaves live ones open under string and number keys. */
function build(model: SessionKnn, rnd: () => number, sessions: number): void {
  for (let s = 0; s < sessions; s++) {
    const n = 1 + Math.floor(rnd() * 8);
    model.addSession(Array.from({ length: n }, () => knownItem(rnd)));
  }
  for (let c = 0; c < 60; c++) {
    const key = c % 3 === 0 ? `live-${c % 7}` : c % 5;
    model.addClick(key, knownItem(rnd));
  }
}

/** The same further history for both: clicks, closes and finished sessions. */
function continueBoth(models: SessionKnn[], rnd: () => number): void {
  for (let step = 0; step < 300; step++) {
    const r = rnd();
    const key = r < 0.3 ? `live-${step % 4}` : Math.floor(r * 9);
    const item = knownItem(rnd);
    const close = rnd() < 0.05;
    const session = rnd() < 0.1 ? [knownItem(rnd), knownItem(rnd)] : undefined;
    for (const m of models) {
      m.addClick(key, item);
      if (close) m.closeSession(key);
      if (session !== undefined) m.addSession(session);
    }
  }
}

/** Through the snapshot file codec, as a real snapshot would carry it. */
function throughBytes<T>(state: T): T {
  const { pieces } = encodeState(state);
  const bytes = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return decodeState(bytes) as T;
}

function expectSnapshotError(fn: () => unknown, what: RegExp, label = ''): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(isAisleError(caught) && caught.code === 'AISLE_SNAPSHOT', `${label}: ${caught}`).toBe(
    true,
  );
  expect((caught as Error).message, label).toMatch(what);
}

describe('SessionKnn state', () => {
  it('a restored model answers and grows exactly as the original', () => {
    const variants: Partial<SessionKnnParams>[] = [
      {},
      // Small samples make the order of each item's session list matter.
      { sampleSize: 8, kNeighbours: 10, lambdaRecency: 50 },
      { variant: 'sknn', idfSimilarity: 1 },
    ];
    for (const params of variants) {
      const rnd = lcg(7);
      const original = new SessionKnn(params);
      build(original, rnd, 400);
      // Warm the scratch arrays first: a restored model starts without them.
      original.recommend([1, 2, 3], 20);
      const restored = SessionKnn.fromState(params, throughBytes(original.exportState()));
      expect(restored.sessionCount).toBe(original.sessionCount);
      expect(restored.liveSessions).toBe(original.liveSessions);
      expect(restored.exportState()).toEqual(original.exportState());

      continueBoth([original, restored], lcg(11));
      expect(restored.exportState()).toEqual(original.exportState());
      const probe = lcg(13);
      for (let q = 0; q < 200; q++) {
        const current = Array.from({ length: 1 + Math.floor(probe() * 5) }, () =>
          // Now and then an id above every known one; unseen gaps come from itemOf itself.
          probe() < 0.05 ? 1000 + q : itemOf(probe),
        );
        expect(restored.recommend(current, 20)).toEqual(original.recommend(current, 20));
      }
      for (const key of ['live-0', 'live-1', 'live-2', 'live-3', 0, 1, 2, 3, 4, 5, 6, 7, 8]) {
        const answer = original.recommendFor(key, 20);
        expect(restored.recommendFor(key, 20), String(key)).toEqual(answer);
      }
    }
  });

  it('keeps live sessions under their keys, numbers and strings apart', () => {
    const model = new SessionKnn();
    model.addSession([1, 2, 3]);
    model.addClick(7, 1);
    model.addClick('7', 3);
    const restored = SessionKnn.fromState({}, throughBytes(model.exportState()));
    expect(restored.liveSessions).toBe(2);
    expect(restored.recommendFor(7, 5)).toEqual(model.recommendFor(7, 5));
    expect(restored.recommendFor('7', 5)).toEqual(model.recommendFor('7', 5));
    restored.addClick(7, 2);
    model.addClick(7, 2);
    expect(restored.recommendFor(7, 5)).toEqual(model.recommendFor(7, 5));
    restored.closeSession('7');
    expect(restored.recommendFor('7', 5).items.length).toBe(0);
    expect(restored.sessionCount).toBe(3);
  });

  it('round-trips an empty model', () => {
    const restored = SessionKnn.fromState({}, new SessionKnn().exportState());
    expect(restored.sessionCount).toBe(0);
    restored.addSession([1, 2]);
    expect([...restored.recommend([1], 5).items]).toContain(2);
  });

  it('rejects malformed state, naming what is wrong', () => {
    const good = (): SessionKnnState => {
      const m = new SessionKnn();
      m.addSession([1, 2, 3]);
      m.addSession([2, 4]);
      m.addClick('a', 1);
      m.addClick('a', 4);
      m.addClick(9, 3);
      return m.exportState();
    };
    SessionKnn.fromState({}, good());
    const broken: [string, (s: SessionKnnState) => void, RegExp][] = [
      [
        'no item lists',
        (s) => delete (s as Partial<SessionKnnState>).itemSessions,
        /item sessions/,
      ],
      [
        'lengths off',
        (s) => (s.itemSessions.lengths[1] = 99),
        /item sessions: lengths do not match/,
      ],
      ['unknown session', (s) => (s.itemSessions.values[0] = 40), /unknown sessions/],
      ['offset type', (s) => (s.sessions.offset = new Float64Array(4) as never), /session arrays/],
      ['clicks past the end', (s) => (s.sessions.offset[1] = 100), /session 1 runs past/],
      ['unknown item', (s) => (s.sessions.flat[0] = 999), /unknown items/],
      ['live clicks short', (s) => (s.sessions.len[2] = 5), /live clicks/],
      [
        'duplicate live id',
        (s) => (s.sessions.liveNumberIds[0] = s.sessions.liveStringIds[0]!),
        /live session ids/,
      ],
      ['string key type', (s) => (s.sessions.liveStringKeys = [5 as never]), /live session keys/],
      ['transition total', (s) => (s.transitions.total[1] = 7), /total of item 1/],
      ['transition successor', (s) => (s.transitions.pairs[0] = 999), /successors of item/],
      ['not an object', (s) => (s.transitions = null as never), /transitions: not an object/],
    ];
    for (const [name, spoil, what] of broken) {
      const state = good();
      spoil(state);
      expectSnapshotError(() => SessionKnn.fromState({}, state), what, name);
    }
    expectSnapshotError(() => SessionKnn.fromState({}, null as never), /not an object/);
  });
});

describe('topK', () => {
  it('returns the best first, ties to the lower id', () => {
    const scores = new Float64Array([0, 5, 1, 5, 3, 9]);
    const got = topK(new Uint32Array([5, 4, 3, 2, 1, 0]), 6, scores, 3);
    expect([...got.items]).toEqual([5, 1, 3]);
    expect([...got.scores]).toEqual([9, 5, 5]);
    expect(topK(new Uint32Array([1, 2]), 2, scores, 10).items.length).toBe(2);
  });
});

describe('Transitions', () => {
  it('counts a → b steps online', () => {
    const t = new Transitions();
    t.add(1, 2);
    t.add(1, 2);
    t.add(1, 3);
    expect(t.count(1, 2)).toBe(2);
    expect(t.count(1, 3)).toBe(1);
    expect(t.count(2, 1)).toBe(0);
    expect(t.outCount(1)).toBe(3);
    expect(t.outCount(7)).toBe(0);
  });
});
