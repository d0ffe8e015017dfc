/**
 * Session-based next-item recommendation: the session-kNN family (SKNN, V-SKNN, STAN) over an
 * inverted index item → sessions, blended with first-order item transitions. Online: every
 * added click is in the index and the transition counts at once.
 *
 * Time is the order sessions were added in (the training file has no timestamps but is sorted by
 * session date), so "recent" means "added late".
 */
import type { IdKind } from '../activity.js';
import { AisleError } from '../errors.js';
import { allBelow, expectState } from '../snapshot/check.js';
import { topK, type TopK } from './top-k.js';
import { Transitions, type TransitionsState } from './transitions.js';
import { grow, SessionStore, type SessionKey, type SessionStoreState } from './session-store.js';
import { U32Lists, type U32ListsState } from './u32-lists.js';

export type { SessionKey } from './session-store.js';

/** Which neighbourhood weighting to use. */
export type SessionKnnVariant = 'sknn' | 'vsknn' | 'stan';

/** Model parameters; see docs/evaluation.md for how the defaults were chosen. */
export interface SessionKnnParams {
  variant: SessionKnnVariant;
  /** Neighbour sessions kept per prediction. */
  kNeighbours: number;
  /** Most recent sessions sampled per item of the current session. */
  sampleSize: number;
  /** STAN λ1: decay (in clicks from the end) of the current session's items. */
  lambdaPos: number;
  /** STAN λ2: decay (in sessions added since) of a neighbour's recency; 0 turns it off. */
  lambdaRecency: number;
  /** STAN λ3: decay (in clicks) of a neighbour's item away from the shared item. */
  lambdaNeighbour: number;
  /** STAN λ3 for neighbour items clicked before the shared item (often less telling). */
  lambdaNeighbourBefore: number;
  /** Weight of a return to an item of the current session (the last one scores this much). */
  repeatWeight: number;
  /** Factor per click back for a return to an earlier item of the current session. */
  repeatDecay: number;
  /** Exponent of log(sessions / sessions with the item) on a current item's weight; 0 is off. */
  idfSimilarity: number;
  /** Exponent of the same IDF on a recommended item's neighbourhood score; 0 is off. */
  idfScore: number;
  /** Exponent of the neighbour's length in the similarity's denominator (0.5 is cosine). */
  lengthExponent: number;
  /** Power applied to neighbour similarities before they vote; above 1 favours the closest. */
  similarityPower: number;
  /** Weight of the transition component relative to the neighbourhood one; 0 turns it off. */
  transitionWeight: number;
  /** Factor per step back for transitions out of earlier items of the current session. */
  transitionDecay: number;
  /** How many of the last items of the current session feed the transition component. */
  transitionDepth: number;
}

/** Defaults: STAN + transitions, tuned on the Diginetica validation split (docs/evaluation.md). */
export const DEFAULT_SESSION_KNN_PARAMS: SessionKnnParams = {
  variant: 'stan',
  kNeighbours: 100,
  sampleSize: 500,
  lambdaPos: 1.5,
  lambdaRecency: 200_000,
  lambdaNeighbour: 7,
  lambdaNeighbourBefore: 7,
  repeatWeight: 0.3,
  repeatDecay: 0.8,
  idfSimilarity: 0,
  idfScore: 2,
  lengthExponent: 0.15,
  similarityPower: 1,
  transitionWeight: 0.05,
  transitionDecay: 0.5,
  transitionDepth: 3,
};

/** A ranked answer: item ids best first and their scores. */
export type Recommendation = TopK;

/**
 * What a snapshot keeps of a model: its three structures, in the order things were added, so a
 * restored model answers and grows exactly as the original would have. Parameters are not part
 * of it: they come with the build, like every model's options.
 */
export interface SessionKnnState {
  /** Sessions by id, live ones with their keys. */
  sessions: SessionStoreState;
  /** Item id → ids of the sessions that hold it, oldest first. */
  itemSessions: U32ListsState;
  transitions: TransitionsState;
}

/** Session-kNN model with an online inverted index; see the module comment. */
export class SessionKnn {
  readonly params: SessionKnnParams;
  private itemSessions = new U32Lists();
  private transitions = new Transitions();
  private store = new SessionStore();
  // Scratch, reused across calls; stamps avoid clearing arrays between calls.
  private stamp = 0;
  private itemStamp = new Uint32Array(0);
  private itemPos = new Int32Array(0);
  private itemMark = new Uint32Array(0);
  private itemScore = new Float64Array(0);
  private itemTr = new Float64Array(0);
  private itemTouched = new Uint32Array(0);
  private sessStamp = new Uint32Array(0);
  private sessSim = new Float64Array(0);
  private sessShared = new Uint32Array(0);
  private candidates = new Uint32Array(1024);
  private decayAfter = new Float64Array(0);
  private decayBefore = new Float64Array(0);
  private lengthPow = new Float64Array(0);

  constructor(params: Partial<SessionKnnParams> = {}) {
    this.params = { ...DEFAULT_SESSION_KNN_PARAMS, ...params };
  }

  /**
   * Restores a model from `exportState` with the parameters it was built with; the state is
   * not modified. Throws AisleError('AISLE_SNAPSHOT') naming what is malformed. O(state).
   */
  static fromState(params: Partial<SessionKnnParams>, state: SessionKnnState): SessionKnn {
    expectState(typeof state === 'object' && state !== null, 'session-knn: not an object');
    const out = new SessionKnn(params);
    out.itemSessions = U32Lists.fromState(state.itemSessions, 'session-knn item sessions');
    // Every stored id must be addressable in the scratch arrays sized by the counts.
    const items = out.itemSessions.keys;
    out.store = SessionStore.fromState(state.sessions, items);
    out.transitions = Transitions.fromState(state.transitions, items);
    expectState(
      allBelow(state.itemSessions.values, out.store.count),
      'session-knn: item sessions name unknown sessions',
    );
    return out;
  }

  /** A copy of the model's state, consistent as of the call. O(state). */
  exportState(): SessionKnnState {
    return {
      sessions: this.store.exportState(),
      itemSessions: this.itemSessions.exportState(),
      transitions: this.transitions.exportState(),
    };
  }

  /** Sessions in the index (closed and open). */
  get sessionCount(): number {
    return this.store.count;
  }

  /** Live (open) sessions. */
  get liveSessions(): number {
    return this.store.liveCount;
  }

  /** Clicks of the live session `sessionKey`, or 0 when it is not live. */
  liveLength(sessionKey: SessionKey): number {
    const id = this.store.liveId(sessionKey);
    return id < 0 ? 0 : this.store.length(id);
  }

  /** Bytes held by the index (growth slack included; scratch excluded). */
  bytes(): number {
    return this.store.bytes() + this.itemSessions.bytes() + this.transitions.bytes();
  }

  /** Adds a finished session (item ids in click order) and returns its session id. */
  addSession(items: ArrayLike<number>): number {
    const id = this.store.add(items);
    for (let i = 0; i < items.length; i++)
      this.indexClick(id, items[i]!, i > 0 ? items[i - 1]! : -1);
    return id;
  }

  /** Adds one click to a live session, opening it on its first click; it counts at once. */
  addClick(sessionKey: SessionKey, item: number): void {
    const id = this.store.append(sessionKey, item);
    this.indexClick(id, item, this.store.previousClick(id));
  }

  /** Moves a live session into the compact store; its clicks stay in the index. */
  closeSession(sessionKey: SessionKey): void {
    this.store.close(sessionKey);
  }

  /**
   * Renumbers ids of `kind` after a retention compaction (engine/retention.ts): `map[id]` is the
   * new id of `id`, 0 when it is dropped; kept ids keep their order and run 1..`size`. Other
   * kinds are ignored. Numeric session keys follow SessionFeed's: a positive key is a session id
   * and a negative one a negated user id; string keys and sessions added whole name neither.
   *
   * - 'session' / 'user': stored sessions, finished or live, opened under a dropped id leave the
   *   index (that is how old sessions go), with their steps from the transition counts; kept
   *   ones move to their new key.
   * - 'item': stored sessions lose their clicks of dropped items, and a session left empty goes;
   *   the item's session list and its transitions go with it.
   *
   * Surviving sessions are numbered densely in their old order, so recency keeps its order. The
   * result is exactly the model that the kept sessions (without their dropped clicks) would have
   * built, added in the same order: every answer equals that model's. Transitions count the
   * steps inside stored sessions, so they leave with their sessions, and a click between two
   * kept ones that is dropped leaves the step between those two, as if it had never been made.
   * Where only a neighbour of a ranking is dropped the kept items' scores may change (the
   * similarity counts sessions since, the IDF counts sessions), so "the old answer without the
   * dropped id" is not what this gives; the rebuilt model is.
   *
   * The arrays are sized by what the model keeps, so the new dictionary size is not needed.
   * Throws AisleError('AISLE_INVALID_ARGUMENT'), before changing anything, when `map` does not
   * cover an id the model holds. O(sessions + clicks + transition pairs).
   */
  remap(kind: IdKind, map: Uint32Array, _size: number): void {
    if (kind === 'item') this.remapItems(map);
    else if (kind === 'session') this.remapKeys(1, map, kind);
    else if (kind === 'user') this.remapKeys(-1, map, kind);
  }

  /** Recommends for a live session by key (itself excluded from its neighbours). */
  recommendFor(sessionKey: SessionKey, k: number): Recommendation {
    const id = this.store.liveId(sessionKey);
    if (id < 0) return topK(new Uint32Array(0), 0, new Float64Array(0), 0);
    return this.recommend(this.store.items(id), k, id);
  }

  /**
   * The `k` best next items after `current` (item ids in click order). Items already in the
   * session are kept: on retail data the next click is often a return to one of them. Ids above
   * every item the index holds are ignored, which bounds the scratch arrays whatever the caller
   * passes.
   */
  recommend(current: ArrayLike<number>, k: number, excludeSession = -1): Recommendation {
    const p = this.params;
    const n = current.length;
    this.prepareScratch();
    const stamp = this.nextStamp();
    // Distinct items of the current session with their last position.
    const distinct: number[] = [];
    for (let i = 0; i < n; i++) {
      const item = current[i]!;
      // Bounded by the index, not by the scratch size, so a restored model answers the same.
      if (item >= this.itemSessions.keys) continue;
      if (this.itemStamp[item] !== stamp) {
        this.itemStamp[item] = stamp;
        distinct.push(item);
      }
      this.itemPos[item] = i;
    }
    distinct.sort((a, b) => this.itemPos[a]! - this.itemPos[b]!);

    // Neighbour candidates: the most recent sessions of each item, oldest item first so the
    // last write of sessShared is the most recent shared item.
    let nCand = 0;
    for (const item of distinct) {
      const w =
        this.positionWeight(n - 1 - this.itemPos[item]!, n) * this.idf(item, p.idfSimilarity);
      const sampled = this.itemSessions.tail(item, p.sampleSize);
      for (let j = 0; j < sampled.length; j++) {
        const s = sampled[j]!;
        if (s === excludeSession) continue;
        if (this.sessStamp[s] !== stamp) {
          this.sessStamp[s] = stamp;
          this.sessSim[s] = 0;
          if (nCand === this.candidates.length) this.growCandidates();
          this.candidates[nCand++] = s;
        }
        this.sessSim[s]! += w;
        this.sessShared[s] = item;
      }
    }
    const lengthS = p.variant === 'sknn' ? distinct.length : n;
    for (let c = 0; c < nCand; c++) {
      const s = this.candidates[c]!;
      this.sessSim[s] = this.similarity(this.sessSim[s]!, lengthS, s);
    }
    const neighbours = topK(this.candidates, nCand, this.sessSim, p.kNeighbours);

    let nTouched = 0;
    const touch = (item: number): void => {
      if (this.itemStamp[item] !== stamp + 1) {
        this.itemStamp[item] = stamp + 1;
        this.itemScore[item] = 0;
        this.itemTr[item] = 0;
        this.itemTouched[nTouched++] = item;
      }
    };
    let maxKnn = 0;
    for (let r = 0; r < neighbours.items.length; r++) {
      const s = neighbours.items[r]!;
      const sim = neighbours.scores[r]!;
      if (sim <= 0) continue;
      const items = this.store.items(s);
      const scoreStamp = stamp + 2 + r;
      if (p.variant === 'stan') {
        // Walk outwards from the shared item so each item is scored at its nearest occurrence.
        const centre = lastIndexOf(items, this.sessShared[s]!);
        const { after, before } = this.decays(items.length);
        for (let d = 0; d < items.length; d++) {
          if (centre + d < items.length) {
            const w = sim * after[d]!;
            maxKnn = this.scoreItem(items[centre + d]!, w, scoreStamp, touch, maxKnn);
          }
          if (d > 0 && centre - d >= 0) {
            const w = sim * before[d]!;
            maxKnn = this.scoreItem(items[centre - d]!, w, scoreStamp, touch, maxKnn);
          }
          if (centre - d < 0 && centre + d >= items.length) break;
        }
      } else {
        for (let j = 0; j < items.length; j++)
          maxKnn = this.scoreItem(items[j]!, sim, scoreStamp, touch, maxKnn);
      }
    }
    // Per-neighbour stamps used values up to stamp + 1 + k; skip past them next call.
    this.stamp += neighbours.items.length + 2;

    let maxTr = 0;
    if (p.transitionWeight > 0) {
      let decay = 1;
      for (let back = 0; back < p.transitionDepth && back < n; back++, decay *= p.transitionDecay) {
        const a = current[n - 1 - back]!;
        const out = this.transitions.outCount(a);
        if (out === 0) continue;
        const succ = this.transitions.successors(a);
        for (let j = 0; j < succ.length; j += 2) {
          const b = succ[j]!;
          touch(b);
          const v = (this.itemTr[b]! += (decay * succ[j + 1]!) / out);
          if (v > maxTr) maxTr = v;
        }
      }
    }
    if (p.idfScore > 0) {
      maxKnn = 0;
      for (let t = 0; t < nTouched; t++) {
        const item = this.itemTouched[t]!;
        const v = (this.itemScore[item]! *= this.idf(item, p.idfScore));
        if (v > maxKnn) maxKnn = v;
      }
    }
    const knnScale = maxKnn > 0 ? 1 / maxKnn : 0;
    const trScale = maxTr > 0 ? p.transitionWeight / maxTr : 0;
    for (let t = 0; t < nTouched; t++) {
      const item = this.itemTouched[t]!;
      this.itemScore[item] = this.itemScore[item]! * knnScale + this.itemTr[item]! * trScale;
    }
    if (p.repeatWeight > 0) {
      for (const item of distinct) {
        touch(item);
        const back = n - 1 - this.itemPos[item]!;
        this.itemScore[item]! += p.repeatWeight * Math.pow(p.repeatDecay, back);
      }
    }
    return topK(this.itemTouched, nTouched, this.itemScore, k);
  }

  private scoreItem(
    item: number,
    w: number,
    scoreStamp: number,
    touch: (item: number) => void,
    max: number,
  ): number {
    touch(item);
    // Each neighbour adds to an item once, however often the item repeats in it.
    if (this.itemMark[item] === scoreStamp) return max;
    this.itemMark[item] = scoreStamp;
    const v = (this.itemScore[item]! += w);
    return v > max ? v : max;
  }

  /** log(sessions / sessions with the item) to the power `exponent` (1 when it is 0). */
  /**
   * exp(−d / λ3) after and before the shared item, by distance d: the same doubles the formula
   * gives, computed once instead of twice per step of every neighbour walk.
   */
  private decays(length: number): { after: Float64Array; before: Float64Array } {
    if (this.decayAfter.length < length) {
      const n = Math.max(length, 2 * this.decayAfter.length, 64);
      this.decayAfter = Float64Array.from({ length: n }, (_, d) =>
        Math.exp(-d / this.params.lambdaNeighbour),
      );
      this.decayBefore = Float64Array.from({ length: n }, (_, d) =>
        Math.exp(-d / this.params.lambdaNeighbourBefore),
      );
    }
    return { after: this.decayAfter, before: this.decayBefore };
  }

  /** A neighbour's length to the power `lengthExponent`, from a table by length. */
  private lengthWeight(length: number): number {
    if (length >= this.lengthPow.length) {
      const n = Math.max(length + 1, 2 * this.lengthPow.length, 256);
      this.lengthPow = Float64Array.from({ length: n }, (_, l) =>
        Math.pow(l, this.params.lengthExponent),
      );
    }
    return this.lengthPow[length]!;
  }

  private idf(item: number, exponent: number): number {
    if (exponent === 0) return 1;
    const df = this.itemSessions.length(item);
    return Math.pow(Math.log((this.store.count + 1) / (df + 1)), exponent);
  }

  private positionWeight(fromEnd: number, n: number): number {
    switch (this.params.variant) {
      case 'sknn':
        return 1;
      case 'vsknn':
        return (n - fromEnd) / n;
      case 'stan':
        return Math.exp(-fromEnd / this.params.lambdaPos);
    }
  }

  private similarity(dot: number, lengthS: number, s: number): number {
    const p = this.params;
    if (p.variant === 'vsknn') return dot;
    let sim = dot / (Math.sqrt(lengthS) * this.lengthWeight(this.store.length(s)));
    if (p.similarityPower !== 1) sim = Math.pow(sim, p.similarityPower);
    if (p.variant === 'sknn' || p.lambdaRecency <= 0) return sim;
    return sim * Math.exp(-(this.store.count - 1 - s) / p.lambdaRecency);
  }

  private indexClick(session: number, item: number, prev: number): void {
    // A session is listed once per item even when the item repeats in it.
    if (this.itemSessions.last(item) !== session) this.itemSessions.push(item, session);
    if (prev >= 0) this.transitions.add(prev, item);
  }

  /** 'session' (sign 1) or 'user' (sign -1) compaction: see `remap`. */
  private remapKeys(sign: 1 | -1, map: Uint32Array, kind: IdKind): void {
    const store = this.store;
    const n = store.count;
    for (let id = 0; id < n; id++) {
      const k = sign * store.keyOf(id);
      if (k > 0 && k >= map.length) uncovered(kind, k);
    }
    const keep = new Uint32Array(n);
    const keys = new Float64Array(n);
    let kept = 0;
    for (let id = 0; id < n; id++) {
      const key = store.keyOf(id);
      const k = sign * key;
      if (k > 0) {
        const to = map[k]!;
        if (to === 0) {
          this.forgetSteps(id);
          continue;
        }
        keys[id] = sign * to;
      } else {
        keys[id] = key;
      }
      keep[id] = ++kept;
    }
    if (kept === n) {
      // No session goes: only keys change, the index and the counts stay as they are.
      store.setKeys(keys);
      return;
    }
    store.compact(keep, kept, keys);
    this.itemSessions.remap(undefined, keep);
    this.transitions.remap();
    this.resetScratch();
  }

  /** 'item' compaction: see `remap`. */
  private remapItems(map: Uint32Array): void {
    const held = this.itemSessions.keys;
    if (held > map.length) uncovered('item', map.length);
    // Nothing held moves or goes (item 0 is never a dictionary id): leave everything as it is.
    let same = this.itemSessions.length(0) === 0;
    for (let i = 1; same && i < held; i++) same = map[i] === i;
    if (same) return;
    const store = this.store;
    const n = store.count;
    const keep = new Uint32Array(n);
    const keys = new Float64Array(n);
    let kept = 0;
    // Steps between two kept clicks that a dropped run separated, as new item ids, in pairs.
    let bridges = new Uint32Array(64);
    let nBridges = 0;
    for (let id = 0; id < n; id++) {
      const items = store.items(id);
      let prev = 0;
      let gap = false;
      let clicks = 0;
      for (let i = 0; i < items.length; i++) {
        const to = map[items[i]!]!;
        if (to === 0) {
          gap = true;
          continue;
        }
        if (gap && clicks > 0) {
          if (nBridges + 2 > bridges.length) bridges = grow(bridges, nBridges + 2);
          bridges[nBridges++] = prev;
          bridges[nBridges++] = to;
        }
        prev = to;
        gap = false;
        clicks++;
      }
      keys[id] = store.keyOf(id);
      // A session left without clicks goes, as if it had never been opened.
      if (clicks > 0) keep[id] = ++kept;
    }
    store.compact(keep, kept, keys, map);
    this.itemSessions.remap(map, kept === n ? undefined : keep);
    this.transitions.remap(map);
    for (let i = 0; i < nBridges; i += 2) this.transitions.add(bridges[i]!, bridges[i + 1]!);
    this.resetScratch();
  }

  /** Takes the steps of stored session `id` back out of the transition counts. */
  private forgetSteps(id: number): void {
    const items = this.store.items(id);
    for (let i = 1; i < items.length; i++) this.transitions.subtract(items[i - 1]!, items[i]!);
  }

  /** Scratch arrays are indexed by old ids: drop them, the next answer sizes them afresh. */
  private resetScratch(): void {
    this.stamp = 0;
    this.itemStamp = new Uint32Array(0);
    this.itemPos = new Int32Array(0);
    this.itemMark = new Uint32Array(0);
    this.itemScore = new Float64Array(0);
    this.itemTr = new Float64Array(0);
    this.itemTouched = new Uint32Array(0);
    this.sessStamp = new Uint32Array(0);
    this.sessSim = new Float64Array(0);
    this.sessShared = new Uint32Array(0);
  }

  private growCandidates(): void {
    this.candidates = grow(this.candidates, this.candidates.length + 1);
  }

  private nextStamp(): number {
    // Stamps wrap around after ~4e9 calls; restart from a clean slate then.
    if (this.stamp > 0xffff_0000 - 2 * this.params.kNeighbours) {
      this.stamp = 0;
      this.itemStamp.fill(0);
      this.itemMark.fill(0);
      this.sessStamp.fill(0);
    }
    this.stamp += 1;
    return this.stamp;
  }

  private prepareScratch(): void {
    const items = this.itemSessions.keys;
    if (this.itemStamp.length < items) {
      const size = Math.max(items, this.itemStamp.length * 2);
      this.itemStamp = grow(this.itemStamp, size);
      this.itemPos = new Int32Array(size);
      this.itemMark = new Uint32Array(size);
      this.itemScore = new Float64Array(size);
      this.itemTr = new Float64Array(size);
      this.itemTouched = new Uint32Array(size);
    }
    if (this.sessStamp.length < this.store.count) {
      const size = Math.max(this.store.count, this.sessStamp.length * 2);
      this.sessStamp = grow(this.sessStamp, size);
      this.sessSim = new Float64Array(size);
      this.sessShared = new Uint32Array(size);
    }
  }
}

function uncovered(kind: IdKind, id: number): never {
  throw new AisleError(
    'AISLE_INVALID_ARGUMENT',
    `session-knn: the ${kind} map does not cover id ${id}`,
    { kind, id },
  );
}

function lastIndexOf(items: ArrayLike<number>, item: number): number {
  for (let i = items.length - 1; i >= 0; i--) if (items[i] === item) return i;
  return 0;
}
