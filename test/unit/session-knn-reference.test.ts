/**
 * SessionKnn.recommend against a reference: the straightforward algorithm (maps, a sort, one
 * `topK` over every candidate), read off the model's exported state. The model bounds, reorders
 * and skips work per query; every answer must still equal the reference's bit for bit, scores
 * included, for every variant and for parameters that turn the shortcuts off (powers, negative
 * or tiny exponents, NaN decays).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  SessionKnn,
  type SessionKnnParams,
  type SessionKnnState,
} from '../../engine/models/session-knn.js';
import { topK, type TopK } from '../../engine/models/top-k.js';

const isCI = process.env.CI === 'true';

/** The model as plain arrays, rebuilt from its exported state. */
class Reference {
  private readonly clicks: Uint32Array[] = [];
  private readonly lists: Uint32Array[] = [];
  private readonly successors: Uint32Array[] = [];
  private readonly out: Float64Array;

  constructor(
    private readonly p: SessionKnnParams,
    state: SessionKnnState,
  ) {
    const s = state.sessions;
    for (let id = 0; id < s.len.length; id++) {
      this.clicks.push(s.flat.subarray(s.offset[id]!, s.offset[id]! + s.len[id]!));
    }
    // Live sessions: numeric keys first, then string keys, back to back in `liveItems`.
    let at = 0;
    for (const id of [...s.liveNumberIds, ...s.liveStringIds]) {
      this.clicks[id] = s.liveItems.subarray(at, at + s.len[id]!);
      at += s.len[id]!;
    }
    at = 0;
    for (const n of state.itemSessions.lengths) {
      this.lists.push(state.itemSessions.values.subarray(at, at + n));
      at += n;
    }
    at = 0;
    for (const d of state.transitions.degree) {
      this.successors.push(state.transitions.pairs.subarray(at, at + 2 * d));
      at += 2 * d;
    }
    this.out = state.transitions.total;
  }

  /** The clicks of session `id`. */
  session(id: number): Uint32Array {
    return this.clicks[id]!;
  }

  recommend(current: ArrayLike<number>, k: number, exclude = -1): TopK {
    const p = this.p;
    const n = current.length;
    const pos = new Map<number, number>();
    for (let i = 0; i < n; i++) if (current[i]! < this.lists.length) pos.set(current[i]!, i);
    const distinct = [...pos.keys()].sort((a, b) => pos.get(a)! - pos.get(b)!);

    const sims = new Map<number, number>();
    const shared = new Map<number, number>();
    for (const item of distinct) {
      const w = this.positionWeight(n - 1 - pos.get(item)!, n) * this.idf(item, p.idfSimilarity);
      const list = this.lists[item]!;
      for (const s of list.subarray(Math.max(0, list.length - p.sampleSize))) {
        if (s === exclude) continue;
        sims.set(s, (sims.get(s) ?? 0) + w);
        shared.set(s, item);
      }
    }
    const candidates = Uint32Array.from(sims.keys());
    const scores = new Float64Array(this.clicks.length);
    const lengthS = p.variant === 'sknn' ? distinct.length : n;
    for (const s of candidates) scores[s] = this.similarity(sims.get(s)!, lengthS, s);
    const neighbours = topK(candidates, candidates.length, scores, p.kNeighbours);

    const score = new Map<number, number>();
    const tr = new Map<number, number>();
    const touch = (item: number): void => {
      if (!score.has(item)) {
        score.set(item, 0);
        tr.set(item, 0);
      }
    };
    let maxKnn = 0;
    for (let r = 0; r < neighbours.items.length; r++) {
      const s = neighbours.items[r]!;
      const sim = neighbours.scores[r]!;
      if (sim <= 0) continue;
      const items = this.clicks[s]!;
      const voted = new Set<number>();
      const vote = (item: number, w: number): void => {
        touch(item);
        if (voted.has(item)) return;
        voted.add(item);
        const v = score.get(item)! + w;
        score.set(item, v);
        if (v > maxKnn) maxKnn = v;
      };
      if (p.variant !== 'stan') {
        for (const item of items) vote(item, sim);
        continue;
      }
      let centre = items.lastIndexOf(shared.get(s)!);
      if (centre < 0) centre = 0;
      for (let d = 0; d < items.length; d++) {
        if (centre + d < items.length) {
          vote(items[centre + d]!, sim * Math.exp(-d / p.lambdaNeighbour));
        }
        if (d > 0 && centre - d >= 0) {
          vote(items[centre - d]!, sim * Math.exp(-d / p.lambdaNeighbourBefore));
        }
      }
    }
    let maxTr = 0;
    if (p.transitionWeight > 0) {
      let decay = 1;
      for (let back = 0; back < p.transitionDepth && back < n; back++, decay *= p.transitionDecay) {
        const a = current[n - 1 - back]!;
        const out = this.out[a] ?? 0;
        if (out === 0) continue;
        const succ = this.successors[a]!;
        for (let j = 0; j < succ.length; j += 2) {
          touch(succ[j]!);
          const v = tr.get(succ[j]!)! + (decay * succ[j + 1]!) / out;
          tr.set(succ[j]!, v);
          if (v > maxTr) maxTr = v;
        }
      }
    }
    if (p.idfScore > 0) {
      maxKnn = 0;
      for (const [item, v] of score) {
        const weighed = v * this.idf(item, p.idfScore);
        score.set(item, weighed);
        if (weighed > maxKnn) maxKnn = weighed;
      }
    }
    const knnScale = maxKnn > 0 ? 1 / maxKnn : 0;
    const trScale = maxTr > 0 ? p.transitionWeight / maxTr : 0;
    for (const [item, v] of score) score.set(item, v * knnScale + tr.get(item)! * trScale);
    if (p.repeatWeight > 0) {
      for (const item of distinct) {
        touch(item);
        const back = n - 1 - pos.get(item)!;
        score.set(item, score.get(item)! + p.repeatWeight * Math.pow(p.repeatDecay, back));
      }
    }
    const items = Uint32Array.from(score.keys());
    const byItem = new Float64Array(this.lists.length);
    for (const [item, v] of score) byItem[item] = v;
    return topK(items, items.length, byItem, k);
  }

  private idf(item: number, exponent: number): number {
    if (exponent === 0) return 1;
    const df = this.lists[item]?.length ?? 0;
    return Math.pow(Math.log((this.clicks.length + 1) / (df + 1)), exponent);
  }

  private positionWeight(fromEnd: number, n: number): number {
    if (this.p.variant === 'sknn') return 1;
    if (this.p.variant === 'vsknn') return (n - fromEnd) / n;
    return Math.exp(-fromEnd / this.p.lambdaPos);
  }

  private similarity(dot: number, lengthS: number, s: number): number {
    const p = this.p;
    if (p.variant === 'vsknn') return dot;
    const length = Math.pow(this.clicks[s]!.length, p.lengthExponent);
    let sim = dot / (Math.sqrt(lengthS) * length);
    if (p.similarityPower !== 1) sim = Math.pow(sim, p.similarityPower);
    if (p.variant === 'sknn' || p.lambdaRecency <= 0) return sim;
    return sim * Math.exp(-(this.clicks.length - 1 - s) / p.lambdaRecency);
  }
}

/** Parameter sets: the defaults, each variant, and ones that turn the model's shortcuts off. */
const PARAMS: Partial<SessionKnnParams>[] = [
  {},
  { variant: 'sknn' },
  { variant: 'vsknn', idfScore: 0 },
  { sampleSize: 6, kNeighbours: 4, lambdaRecency: 30 },
  { similarityPower: 2 },
  { lengthExponent: 0 },
  { lengthExponent: 1e-9 },
  { lengthExponent: -0.4, idfSimilarity: 1.5 },
  { lambdaRecency: 0, repeatWeight: 0, transitionWeight: 0 },
  // Recency decays underflow to 0 for old sessions: ties at 0 and neighbours that do not vote.
  { lambdaRecency: 0.01 },
  // NaN similarities: the order candidates are visited in then matters.
  { lambdaRecency: NaN },
  { kNeighbours: 0 },
  // Not a whole number: a top-k heap of it is not a heap, so its answer depends on order.
  { kNeighbours: 2.5 },
  { variant: 'sknn', kNeighbours: 1, sampleSize: 1, idfScore: 0.5 },
];

/** A deterministic pseudo-random source (an LCG), so failures replay. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

/** A popularity-skewed item in 1..items. */
const itemOf = (rnd: () => number, items: number): number => 1 + Math.floor(rnd() ** 2 * items);

/** Finished sessions, then interleaved clicks under number and string keys, some closed. */
function grow(model: SessionKnn, rnd: () => number, items: number): void {
  const sessions = 20 + Math.floor(rnd() * 300);
  for (let s = 0; s < sessions; s++) {
    const n = Math.floor(rnd() * 9);
    model.addSession(Array.from({ length: n }, () => itemOf(rnd, items)));
  }
  for (let c = 0; c < 200; c++) {
    const key = rnd() < 0.3 ? `live-${c % 5}` : Math.floor(rnd() * 7);
    model.addClick(key, itemOf(rnd, items));
    if (rnd() < 0.05) model.closeSession(key);
  }
}

const KEYS = ['live-0', 'live-1', 'live-2', 'live-3', 'live-4', 0, 1, 2, 3, 4, 5, 6];

function expectSame(got: TopK, want: TopK, label: string): void {
  expect([...got.items], label).toEqual([...want.items]);
  // Bit for bit: toEqual would take -0 for 0 and any NaN for another.
  expect(
    got.scores.every((v, i) => Object.is(v, want.scores[i])),
    label,
  ).toBe(true);
  expect(got.scores.length, label).toBe(want.scores.length);
}

/** Every kind of query on `model` against the reference built from its state. */
function compare(model: SessionKnn, rnd: () => number, items: number, label: string): void {
  const ref = new Reference(model.params, model.exportState());
  for (let q = 0; q < 40; q++) {
    const length = Math.floor(rnd() * 7);
    // Repeats, and now and then an id above every item held.
    const current = Array.from({ length }, () =>
      rnd() < 0.05 ? items + 5 + q : itemOf(rnd, items),
    );
    const k = [0, 1, 5, 20, 1000, 2.5][q % 6]!;
    expectSame(model.recommend(current, k), ref.recommend(current, k), `${label} ${current}`);
  }
  const restored = SessionKnn.fromState(model.params, model.exportState());
  for (const key of KEYS) {
    const want = (() => {
      const id = liveId(model.exportState(), key);
      return id < 0 ? undefined : ref.recommend(ref.session(id), 20, id);
    })();
    if (want === undefined) {
      expect(model.recommendFor(key, 20).items.length).toBe(0);
      continue;
    }
    expectSame(model.recommendFor(key, 20), want, `${label} live ${key}`);
    expectSame(restored.recommendFor(key, 20), want, `${label} restored live ${key}`);
  }
}

function liveId(state: SessionKnnState, key: string | number): number {
  const s = state.sessions;
  const keys: (string | number)[] = [...s.liveNumberKeys, ...s.liveStringKeys];
  const ids = [...s.liveNumberIds, ...s.liveStringIds];
  const at = keys.indexOf(key);
  return at < 0 ? -1 : ids[at]!;
}

describe('SessionKnn against the reference algorithm', () => {
  it.each(PARAMS.map((params, i) => [i, params] as const))(
    'answers exactly as the reference: parameters %i',
    (_, params) => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 2 ** 31 - 1 }),
          fc.integer({ min: 5, max: 80 }),
          (seed, items) => {
            const rnd = lcg(seed);
            const model = new SessionKnn(params);
            grow(model, rnd, items);
            compare(model, rnd, items, `seed ${seed}`);
            // More history after answers were given: the scratch carries over, answers may not.
            grow(model, rnd, items);
            compare(model, rnd, items, `seed ${seed}, grown`);
          },
        ),
        { numRuns: 12, interruptAfterTimeLimit: isCI ? 60_000 : 10_000 },
      );
    },
  );

  it('answers exactly as the reference after a restore that lists a session without clicks', () => {
    // A snapshot the model did not write: item 1 lists session 0, which holds no click. Restoring
    // accepts it; its similarity is then infinite (its length weight is 0), so it must stay the
    // nearest neighbour, though a bound that assumes a click per listed session would pass over
    // it as old (the decay is steep).
    const params = { kNeighbours: 1, lambdaRecency: 1 };
    const model = new SessionKnn(params);
    for (const next of [2, 3, 4, 5]) model.addSession([1, next]);
    const state = model.exportState();
    state.sessions.len = Uint32Array.from([0, 2, 2, 2]);
    state.sessions.offset = Uint32Array.from([0, 0, 2, 4]);
    state.sessions.flat = state.sessions.flat.slice(2);
    const restored = SessionKnn.fromState(params, state);
    const want = new Reference(restored.params, restored.exportState()).recommend([1], 10);
    expectSame(restored.recommend([1], 10), want, 'restored');
    expect([...want.items]).toEqual([1, 2, 3, 4, 5]);
  });
});
