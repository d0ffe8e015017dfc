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
import { SessionScratch } from './session-scratch.js';
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
  private current: SessionKnnParams;
  private itemSessions = new U32Lists();
  private transitions = new Transitions();
  private store = new SessionStore();
  // Scratch, reused across calls, so that a query allocates only its answer.
  private scratch = new SessionScratch();
  private decayAfter = new Float64Array(0);
  private decayBefore = new Float64Array(0);
  private lengthPow = new Float64Array(0);
  // Every session an item lists holds a click: true as built, checked when restored.
  private listedHaveClicks = true;
  // The longest item session list (a session listed twice, its clicks interleaved with
  // another's, counts twice): while it is at most the session count, no IDF is negative.
  private longestList = 0;

  constructor(params: Partial<SessionKnnParams> = {}) {
    this.current = { ...DEFAULT_SESSION_KNN_PARAMS, ...params };
  }

  /** The parameters answers are computed with. */
  get params(): Readonly<SessionKnnParams> {
    return this.current;
  }

  /**
   * Replaces the parameters (the defaults overlaid with `params`); the next query uses them.
   * Every parameter acts at query time, so the index stays as it is; only the tables computed
   * from λ3 and the length exponent are dropped, to be computed again from the new values.
   */
  setParams(params: Partial<SessionKnnParams>): void {
    this.current = { ...DEFAULT_SESSION_KNN_PARAMS, ...params };
    this.decayAfter = new Float64Array(0);
    this.decayBefore = new Float64Array(0);
    this.lengthPow = new Float64Array(0);
  }

  /**
   * The item ids of the newest `max` sessions (all when fewer), oldest first, finished and live:
   * the history a tuning of the parameters carves its validation split from. Copies; O(clicks).
   */
  history(max = Infinity): number[][] {
    const n = this.store.count;
    const out: number[][] = [];
    for (let id = Math.max(0, n - max); id < n; id++) {
      const items = this.store.items(id);
      if (items.length > 0) out.push(Array.from(items));
    }
    return out;
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
    out.listedHaveClicks = listedHaveClicks(out.store, state.itemSessions.values);
    out.measureLists();
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

  /** The id of the live session `sessionKey`, or -1 when it is not live. */
  liveId(sessionKey: SessionKey): number {
    return this.store.liveId(sessionKey);
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

  /**
   * Adds one click to a live session, opening it on its first click; it counts at once. A
   * caller that keeps the session's id (`openSession`, `liveId`) passes it as `id` to spare the
   * key lookup; it holds until the session closes or a `remap`.
   */
  addClick(sessionKey: SessionKey, item: number, id = -1): void {
    if (id < 0) {
      id = this.store.liveId(sessionKey);
      if (id < 0) id = this.store.open(sessionKey);
    }
    this.indexClick(id, item, this.store.appendTo(id, item));
  }

  /**
   * Opens a live session under `sessionKey`, which must not be live, and returns its id. Add
   * its first click at once: an empty live session is stored as one.
   */
  openSession(sessionKey: SessionKey): number {
    return this.store.open(sessionKey);
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
   * every item the index holds are ignored. Allocates only the answer; O(candidate sessions +
   * clicks of the neighbours + successors of the last items), with no term in the catalogue or
   * session count.
   */
  recommend(current: ArrayLike<number>, k: number, excludeSession = -1): Recommendation {
    const p = this.params;
    const q = this.scratch;
    this.collectDistinct(current);
    this.gatherCandidates(current.length, excludeSession);
    this.selectNeighbours(current.length);
    // Items the transitions and repeats may add, so the touched table need not grow mid-query.
    const more = (p.transitionWeight > 0 ? this.fanOut(current) : 0) + q.distinct.size;
    let maxKnn = this.voteNeighbours(more);
    const maxTr = p.transitionWeight > 0 ? this.addTransitions(current) : 0;
    if (p.idfScore > 0) maxKnn = this.weighByIdf(p.idfScore);
    const knnScale = maxKnn > 0 ? 1 / maxKnn : 0;
    const trScale = maxTr > 0 ? p.transitionWeight / maxTr : 0;
    const touched = q.touched.size;
    const score = q.score;
    const tr = q.tr;
    for (let t = 0; t < touched; t++) score[t] = score[t]! * knnScale + tr[t]! * trScale;
    if (p.repeatWeight > 0) this.addRepeats(current.length);
    const count = q.answer.select(q.touched.members, q.score, q.touched.size, k);
    return { items: q.answer.ids.slice(0, count), scores: q.answer.scores.slice(0, count) };
  }

  /**
   * The distinct items of `current` with their last positions, latest first: walking back from
   * the end meets each item first at its last click, so no sort is needed.
   */
  private collectDistinct(current: ArrayLike<number>): void {
    const q = this.scratch;
    q.resetDistinct(current.length);
    // Ids the index does not hold share no session: left out, though they count in the length.
    const items = this.itemSessions.keys;
    for (let i = current.length - 1; i >= 0; i--) {
      const item = current[i]!;
      if (item < items) q.addDistinct(item, i);
    }
  }

  /**
   * Neighbour candidates: the most recent sessions of each current item, summing the items'
   * weights. Items go oldest last click first, the order the sums were always made in, and so
   * that the last write of `candidateShared` is the most recent shared item.
   */
  private gatherCandidates(n: number, excludeSession: number): void {
    const p = this.params;
    const q = this.scratch;
    let most = 0;
    for (let d = 0; d < q.distinct.size; d++) {
      most += Math.min(p.sampleSize, this.itemSessions.length(q.distinct.members[d]!));
    }
    q.resetCandidates(most);
    const set = q.candidates;
    const sims = q.candidateSim;
    const shared = q.candidateShared;
    for (let d = q.distinct.size - 1; d >= 0; d--) {
      const item = q.distinct.members[d]!;
      const w = this.positionWeight(n - 1 - q.distinctPos[d]!, n) * this.idf(item, p.idfSimilarity);
      const sampled = this.itemSessions.tail(item, p.sampleSize);
      for (let j = 0; j < sampled.length; j++) {
        const s = sampled[j]!;
        if (s === excludeSession) continue;
        const before = set.size;
        const c = set.insert(s);
        if (set.size !== before) sims[c] = 0;
        sims[c]! += w;
        shared[c] = item;
      }
    }
  }

  /**
   * The `kNeighbours` most similar candidates into `scratch.neighbours`, best first. Candidates
   * met last hold the latest items and the newest sessions, so likely the nearest: they are
   * visited first, which spares heap moves and selects the same neighbours when (similarity, id)
   * orders the candidates totally (no NaN similarity) and the heap is one (a whole size). Where
   * similarities can be bounded without reading the neighbour's length, a candidate whose bound
   * is below the worst neighbour held is passed over: it could not have entered.
   */
  private selectNeighbours(n: number): void {
    const q = this.scratch;
    const count = q.candidates.size;
    const k = this.params.kNeighbours;
    // A heap of a size that is not whole is no heap: only the old order gives the old answer.
    const heap = Number.isInteger(Math.min(k, count));
    if (heap && this.boundable() && finiteNonNegative(q.candidateSim, count)) {
      this.selectBounded(n);
      return;
    }
    const sessions = q.candidates.members;
    const backwards = this.scoreCandidates(n) && heap;
    q.neighbours.select(sessions, q.candidateSim, count, k, backwards);
  }

  /**
   * Whether a candidate's similarity is at most its summed weights over the current session's
   * norm (times its recency decay, which is at most 1): so when its length weight is at least 1.
   * That holds for l^e on lengths l ≥ 1 (sessions an item lists hold a click) with e = 0, or a
   * finite e ≥ 1e-6 (then 2^e exceeds 1 by far more than pow's error), and with no power applied
   * after (pow need not keep order to the last bit). Rounding keeps the order of exact
   * non-negative values, so the bound holds for the doubles too.
   */
  private boundable(): boolean {
    const p = this.params;
    const e = p.lengthExponent;
    return (
      p.variant !== 'vsknn' &&
      p.similarityPower === 1 &&
      (e === 0 || (e >= 1e-6 && e < Infinity)) &&
      !Number.isNaN(p.lambdaRecency) &&
      this.listedHaveClicks
    );
  }

  /** `selectNeighbours` with bounds (see `boundable`); sums must be finite and non-negative. */
  private selectBounded(n: number): void {
    const p = this.params;
    const q = this.scratch;
    const top = q.neighbours;
    const count = q.candidates.size;
    const sessions = q.candidates.members;
    const dots = q.candidateSim;
    const rootS = Math.sqrt(p.variant === 'sknn' ? q.distinct.size : n);
    const recency = p.variant === 'stan' && !(p.lambdaRecency <= 0);
    const newest = this.store.count - 1;
    top.begin(p.kNeighbours, count);
    for (let c = count - 1; c >= 0; c--) {
      const s = sessions[c]!;
      // The decay is at most 1, so the bound without it bounds too and spares an exp.
      const loose = dots[c]! / rootS;
      if (loose < top.bar()) continue;
      const decay = recency ? Math.exp(-(newest - s) / p.lambdaRecency) : 1;
      if (recency && loose * decay < top.bar()) continue;
      const length = this.store.length(s);
      if (length >= this.lengthPow.length) this.ensureLengthPow(length);
      // As `scoreCandidates` computes it.
      let sim = dots[c]! / (rootS * this.lengthPow[length]!);
      if (recency) sim *= decay;
      top.offer(s, sim);
    }
    top.finish();
  }

  /**
   * Turns each candidate's summed weights into its similarity to the current session: the dot
   * product over the lengths' norms (V-SKNN keeps the dot product), STAN also decayed by how
   * many sessions were added since. Returns false when a similarity is NaN.
   */
  private scoreCandidates(n: number): boolean {
    const p = this.params;
    const q = this.scratch;
    const count = q.candidates.size;
    const sims = q.candidateSim;
    if (p.variant === 'vsknn') return noNaN(sims, count);
    const sessions = q.candidates.members;
    const lengths = q.candidateLength;
    this.store.lengths(sessions, count, lengths);
    let longest = 0;
    for (let c = 0; c < count; c++) if (lengths[c]! > longest) longest = lengths[c]!;
    this.ensureLengthPow(longest);
    const lengthPow = this.lengthPow;
    const rootS = Math.sqrt(p.variant === 'sknn' ? q.distinct.size : n);
    const power = p.similarityPower;
    // Not `> 0`: a NaN λ decays too (into NaN), as it always did.
    const recency = p.variant === 'stan' && !(p.lambdaRecency <= 0);
    const newest = this.store.count - 1;
    for (let c = 0; c < count; c++) {
      let sim = sims[c]! / (rootS * lengthPow[lengths[c]!]!);
      if (power !== 1) sim = Math.pow(sim, power);
      if (recency) sim *= Math.exp(-(newest - sessions[c]!) / p.lambdaRecency);
      sims[c] = sim;
    }
    return noNaN(sims, count);
  }

  /**
   * Each neighbour with a positive similarity votes for its items; returns the largest score.
   * An item gets one vote per neighbour however often it repeats there, and scores add up in
   * neighbour rank order. `more` items are expected to be touched after the votes.
   */
  private voteNeighbours(more: number): number {
    const q = this.scratch;
    const top = q.neighbours;
    q.reserveNeighbours(top.count);
    const starts = q.neighbourStart;
    const lengths = q.neighbourLength;
    this.store.spans(top.ids, top.count, starts, lengths);
    let clicks = 0;
    let longest = 0;
    for (let r = 0; r < top.count; r++) {
      clicks += lengths[r]!;
      if (lengths[r]! > longest) longest = lengths[r]!;
    }
    q.resetTouched(clicks + more);
    const stan = this.params.variant === 'stan';
    if (stan) {
      this.ensureDecays(longest);
      this.findCentres();
    }
    let max = 0;
    for (let r = 0; r < top.count; r++) {
      const sim = top.scores[r]!;
      if (sim <= 0) continue;
      const buffer = this.store.buffer(top.ids[r]!);
      const from = starts[r]!;
      if (stan) {
        max = this.voteAround(buffer, from, lengths[r]!, q.neighbourCentre[r]!, sim, r + 1, max);
      } else {
        const end = from + lengths[r]!;
        for (let i = from; i < end; i++) max = this.vote(q, buffer[i]!, sim, r + 1, max);
      }
    }
    return max;
  }

  /**
   * STAN: per neighbour, the last position of the item it shares with the current session, in
   * a pass of its own before the walks, so that the first reads of the neighbours' clicks (cache
   * misses, as the sessions lie anywhere in the store) can overlap.
   */
  private findCentres(): void {
    const q = this.scratch;
    const top = q.neighbours;
    for (let r = 0; r < top.count; r++) {
      const s = top.ids[r]!;
      const shared = q.candidateShared[q.candidates.indexOf(s)]!;
      const clicks = this.store.buffer(s);
      const from = q.neighbourStart[r]!;
      let centre = q.neighbourLength[r]! - 1;
      while (centre > 0 && clicks[from + centre] !== shared) centre--;
      q.neighbourCentre[r] = centre;
    }
  }

  /**
   * STAN: walks outwards from the shared item at `centre` in `clicks[from .. from + length)`,
   * so each item is scored at its nearest occurrence (the one after it first at equal
   * distances).
   */
  private voteAround(
    clicks: Uint32Array,
    from: number,
    length: number,
    centre: number,
    sim: number,
    voter: number,
    max: number,
  ): number {
    const after = this.decayAfter;
    const before = this.decayBefore;
    const q = this.scratch;
    for (let d = 0; d < length; d++) {
      if (centre + d < length) {
        max = this.vote(q, clicks[from + centre + d]!, sim * after[d]!, voter, max);
      }
      if (d > 0 && centre - d >= 0) {
        max = this.vote(q, clicks[from + centre - d]!, sim * before[d]!, voter, max);
      }
      if (centre - d < 0 && centre + d >= length) break;
    }
    return max;
  }

  /** Adds `w` to `item` unless neighbour `voter` already voted for it; returns the new max. */
  private vote(q: SessionScratch, item: number, w: number, voter: number, max: number): number {
    const t = q.touch(item);
    if (q.voted[t] === voter) return max;
    q.voted[t] = voter;
    const v = (q.score[t]! += w);
    return v > max ? v : max;
  }

  /** Successors of the items `addTransitions` follows, summed. */
  private fanOut(current: ArrayLike<number>): number {
    const n = current.length;
    let successors = 0;
    for (let back = 0; back < this.params.transitionDepth && back < n; back++) {
      successors += this.transitions.successors(current[n - 1 - back]!).length / 2;
    }
    return successors;
  }

  /** First-order transitions out of the last items, decayed per step back; returns the max. */
  private addTransitions(current: ArrayLike<number>): number {
    const p = this.params;
    const q = this.scratch;
    const n = current.length;
    let max = 0;
    let decay = 1;
    for (let back = 0; back < p.transitionDepth && back < n; back++, decay *= p.transitionDecay) {
      const a = current[n - 1 - back]!;
      const out = this.transitions.outCount(a);
      if (out === 0) continue;
      const succ = this.transitions.successors(a);
      for (let j = 0; j < succ.length; j += 2) {
        const t = q.touch(succ[j]!);
        const v = (q.tr[t]! += (decay * succ[j + 1]!) / out);
        if (v > max) max = v;
      }
    }
    return max;
  }

  /**
   * Weighs every neighbourhood score by the item's IDF; returns the new max. The IDF depends on
   * the item only through its session count, so it is computed once per count and query. A zero
   * score stays zero under an IDF that is finite and not negative, so when every IDF the model
   * can give is (see `idfsNonNegative`), items with none (reached by transitions alone, most of
   * them) need no count.
   */
  private weighByIdf(exponent: number): number {
    const q = this.scratch;
    const sessions = this.store.count;
    q.startIdf(sessions, exponent);
    const items = q.touched.members;
    const touched = q.touched.size;
    const score = q.score;
    const skipZero = this.idfsNonNegative(exponent);
    // Session counts first, in a pass of independent loads (see SessionStore.lengths).
    const dfs = q.df;
    for (let t = 0; t < touched; t++) {
      dfs[t] = skipZero && score[t] === 0 ? 0 : this.itemSessions.length(items[t]!);
    }
    let max = 0;
    for (let t = 0; t < touched; t++) {
      if (skipZero && score[t] === 0) continue;
      const df = dfs[t]!;
      let idf = q.idfOf(df);
      if (idf !== idf) {
        idf = Math.pow(Math.log((sessions + 1) / (df + 1)), exponent);
        q.keepIdf(df, idf);
      }
      const v = (score[t]! *= idf);
      if (v > max) max = v;
    }
    return max;
  }

  /**
   * Whether log((sessions + 1) / (df + 1))^exponent is finite and not negative for every
   * session count df an item has: the log is not negative while no list is longer than there
   * are sessions, and the power of the largest log it can be bounds the others.
   */
  private idfsNonNegative(exponent: number): boolean {
    const sessions = this.store.count;
    return (
      exponent > 0 &&
      exponent < Infinity &&
      this.longestList <= sessions &&
      Math.pow(Math.log(sessions + 1), exponent) < 1e300
    );
  }

  /** Adds the return bonus to each item of the current session, decayed by clicks back. */
  private addRepeats(n: number): void {
    const p = this.params;
    const q = this.scratch;
    for (let d = q.distinct.size - 1; d >= 0; d--) {
      const t = q.touch(q.distinct.members[d]!);
      const back = n - 1 - q.distinctPos[d]!;
      q.score[t]! += p.repeatWeight * Math.pow(p.repeatDecay, back);
    }
  }

  /**
   * exp(−d / λ3) after and before the shared item, by distance d, for d below `length`: the
   * same doubles the formula gives, computed once instead of twice per step of every walk.
   */
  private ensureDecays(length: number): void {
    if (this.decayAfter.length < length) {
      const n = Math.max(length, 2 * this.decayAfter.length, 64);
      this.decayAfter = Float64Array.from({ length: n }, (_, d) =>
        Math.exp(-d / this.params.lambdaNeighbour),
      );
      this.decayBefore = Float64Array.from({ length: n }, (_, d) =>
        Math.exp(-d / this.params.lambdaNeighbourBefore),
      );
    }
  }

  /** Makes `lengthPow[l]`, a length `l` to the power `lengthExponent`, cover `longest`. */
  private ensureLengthPow(longest: number): void {
    if (longest >= this.lengthPow.length) {
      const n = Math.max(longest + 1, 2 * this.lengthPow.length, 256);
      this.lengthPow = Float64Array.from({ length: n }, (_, l) =>
        Math.pow(l, this.params.lengthExponent),
      );
    }
  }

  /** log(sessions / sessions with the item) to the power `exponent` (1 when it is 0). */
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

  /** Sets `longestList` from the lists. O(items). */
  private measureLists(): void {
    this.longestList = 0;
    for (let item = 0; item < this.itemSessions.keys; item++) {
      this.longestList = Math.max(this.longestList, this.itemSessions.length(item));
    }
  }

  private indexClick(session: number, item: number, prev: number): void {
    // A session is listed once per item even when the item repeats in it.
    if (this.itemSessions.last(item) !== session) {
      this.itemSessions.push(item, session);
      this.longestList = Math.max(this.longestList, this.itemSessions.length(item));
    }
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
    this.measureLists();
    this.transitions.remap();
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
    this.measureLists();
    this.transitions.remap(map);
    for (let i = 0; i < nBridges; i += 2) this.transitions.add(bridges[i]!, bridges[i + 1]!);
  }

  /** Takes the steps of stored session `id` back out of the transition counts. */
  private forgetSteps(id: number): void {
    const items = this.store.items(id);
    for (let i = 1; i < items.length; i++) this.transitions.subtract(items[i - 1]!, items[i]!);
  }
}

function uncovered(kind: IdKind, id: number): never {
  throw new AisleError(
    'AISLE_INVALID_ARGUMENT',
    `session-knn: the ${kind} map does not cover id ${id}`,
    { kind, id },
  );
}

/** True when none of `values[0 .. n)` is NaN. */
function noNaN(values: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (values[i] !== values[i]) return false;
  return true;
}

/** True when every one of `values[0 .. n)` is finite and not negative. */
function finiteNonNegative(values: Float64Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (!(values[i]! >= 0 && values[i]! < Infinity)) return false;
  return true;
}

/**
 * Whether every session in `listed` holds a click. O(sessions), plus O(listed) when some
 * session holds none (sessions added empty are, but no item lists them).
 */
function listedHaveClicks(store: SessionStore, listed: Uint32Array): boolean {
  let empty: Uint8Array | undefined;
  for (let id = 0; id < store.count; id++) {
    if (store.length(id) !== 0) continue;
    empty ??= new Uint8Array(store.count);
    empty[id] = 1;
  }
  if (empty === undefined) return true;
  for (let i = 0; i < listed.length; i++) if (empty[listed[i]!] === 1) return false;
  return true;
}
