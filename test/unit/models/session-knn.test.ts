import { describe, expect, it } from 'vitest';
import { SessionKnn, type SessionKnnParams } from '../../../engine/models/session-knn.js';
import { topK } from '../../../engine/models/top-k.js';
import { Transitions } from '../../../engine/models/transitions.js';

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
