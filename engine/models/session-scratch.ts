/**
 * Per-query scratch of the session-kNN model (session-knn.ts), reused across queries so that a
 * query allocates nothing but its answer.
 *
 * The sets a query builds (the distinct items of the current session, the candidate neighbour
 * sessions, the items scored) are small open-addressing tables over dense member lists, sized to
 * the query. The arrays over every item and every session they replace were stamped rather than
 * cleared, but each lookup there was a cache miss behind a branch the CPU could not predict (new
 * or seen): a table that fits L1 makes it a hit. What a query accumulates per member (a
 * candidate's similarity, an item's score) sits side by side in dense arrays by member position.
 */
import { grow, growF64 } from './session-store.js';
import { siftDown, siftUp, worse } from './top-k.js';

/**
 * Ids in the order they were added, found through a table sized to the query: O(1) add and
 * lookup, and an O(table) reset.
 */
export class IdHashSet {
  /** Members in the order they were added; positions 0 .. size-1. */
  members = new Uint32Array(64);
  size = 0;
  // Member position + 1 per slot, 0 when empty; slots 0 .. mask in use, at most half full.
  private slots = new Uint32Array(128);
  private mask = 127;
  private shift = 25;

  /**
   * Empties the set, with a table sized for `expected` members (more only cost a rehash).
   * O(table).
   */
  reset(expected: number): void {
    let size = 128;
    while (size < 2 * expected) size *= 2;
    this.size = 0;
    this.rehash(size);
  }

  /** Position of `id`, added last when it is new (the caller sees `size` grow). */
  insert(id: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let h = Math.imul(id, 0x9e3779b1) >>> this.shift; ; h = (h + 1) & mask) {
      const at = slots[h]!;
      if (at === 0) return this.append(id, h);
      if (this.members[at - 1] === id) return at - 1;
    }
  }

  /** Position of `id`, or -1. */
  indexOf(id: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let h = Math.imul(id, 0x9e3779b1) >>> this.shift; ; h = (h + 1) & mask) {
      const at = slots[h]!;
      if (at === 0) return -1;
      if (this.members[at - 1] === id) return at - 1;
    }
  }

  /** Adds `id` in the empty slot `h`; past half full, moves to a table twice the size. */
  private append(id: number, h: number): number {
    const i = this.size++;
    if (i === this.members.length) this.members = grow(this.members, i + 1);
    this.members[i] = id;
    this.slots[h] = i + 1;
    if (2 * this.size > this.mask + 1) this.rehash(2 * (this.mask + 1));
    return i;
  }

  private rehash(size: number): void {
    const slots = size > this.slots.length ? new Uint32Array(size) : this.slots.fill(0, 0, size);
    this.slots = slots;
    this.mask = size - 1;
    this.shift = Math.clz32(size) + 1;
    for (let i = 0; i < this.size; i++) {
      let h = Math.imul(this.members[i]!, 0x9e3779b1) >>> this.shift;
      while (slots[h] !== 0) h = (h + 1) & this.mask;
      slots[h] = i + 1;
    }
  }
}

/** Everything one query of the session-kNN model works in; dense values grow with the sets. */
export class SessionScratch {
  /** Distinct items of the current session, latest last click first. */
  readonly distinct = new IdHashSet();
  /** Per distinct item (by position in `distinct`): its last position in the session. */
  distinctPos = new Int32Array(64);
  /** Candidate neighbour sessions, in the order first met. */
  readonly candidates = new IdHashSet();
  /** Per candidate: its summed item weights, then (unless bounded) its similarity. */
  candidateSim = new Float64Array(64);
  /** Per candidate: the last-clicked item of the current session it shares. */
  candidateShared = new Uint32Array(64);
  /** Per candidate: its click count. */
  candidateLength = new Uint32Array(64);
  readonly neighbours = new TopSelector();
  /** Per neighbour (by rank): where its clicks start in the store, and how many. */
  neighbourStart = new Uint32Array(64);
  neighbourLength = new Uint32Array(64);
  /** Per neighbour (STAN): the position of the shared item its walk starts from. */
  neighbourCentre = new Uint32Array(64);
  /** Items scored by this query, in the order first touched. */
  readonly touched = new IdHashSet();
  /** Per touched item: neighbourhood score, then the blended score. */
  score = new Float64Array(64);
  /** Per touched item: transition score. */
  tr = new Float64Array(64);
  /** Per touched item: 1 + the rank of the last neighbour that voted for it (0: none yet). */
  voted = new Uint32Array(64);
  /** Per touched item: sessions holding it. */
  df = new Uint32Array(64);
  readonly answer = new TopSelector();
  // IDF by an item's session count, for `idfSessions` sessions and `idfExponent`: valid where
  // `idfRound` holds `round`.
  private idfValue = new Float64Array(0);
  private idfRound = new Uint32Array(0);
  private round = 1;
  private idfSessions = -1;
  private idfExponent = NaN;

  /** Empties the distinct items for a session of `clicks` clicks. */
  resetDistinct(clicks: number): void {
    this.distinct.reset(clicks);
  }

  /** Adds `item` to the distinct items at `position` unless it is one; false when it was. */
  addDistinct(item: number, position: number): boolean {
    const set = this.distinct;
    const before = set.size;
    const d = set.insert(item);
    if (set.size === before) return false;
    if (d === this.distinctPos.length) {
      const grown = new Int32Array(2 * d);
      grown.set(this.distinctPos);
      this.distinctPos = grown;
    }
    this.distinctPos[d] = position;
    return true;
  }

  /**
   * Empties the candidates, which will be at most `most`, and sizes their values: so they do not
   * grow while candidates are added.
   */
  resetCandidates(most: number): void {
    this.candidates.reset(most);
    if (this.candidateSim.length < most) {
      const size = Math.max(most, 2 * this.candidateSim.length);
      this.candidateSim = new Float64Array(size);
      this.candidateShared = new Uint32Array(size);
      this.candidateLength = new Uint32Array(size);
    }
  }

  /** Sizes the per-neighbour arrays for `count` neighbours. */
  reserveNeighbours(count: number): void {
    if (this.neighbourStart.length < count) {
      this.neighbourStart = new Uint32Array(count);
      this.neighbourLength = new Uint32Array(count);
      this.neighbourCentre = new Uint32Array(count);
    }
  }

  /** Empties the touched items, expecting about `expected` of them. */
  resetTouched(expected: number): void {
    this.touched.reset(expected);
  }

  /** The position of `item` among the touched items, adding it with zero scores if new. */
  touch(item: number): number {
    const set = this.touched;
    const before = set.size;
    const t = set.insert(item);
    if (set.size !== before) {
      if (t === this.score.length) this.growTouched();
      this.score[t] = 0;
      this.tr[t] = 0;
      this.voted[t] = 0;
    }
    return t;
  }

  /**
   * Starts memoising IDF values for `sessions` sessions and `exponent`: the values of another
   * count or exponent are dropped (in O(1), by moving to a new round).
   */
  startIdf(sessions: number, exponent: number): void {
    if (sessions === this.idfSessions && Object.is(exponent, this.idfExponent)) return;
    this.idfSessions = sessions;
    this.idfExponent = exponent;
    if (++this.round === 0xffff_ffff) {
      this.idfRound.fill(0);
      this.round = 1;
    }
  }

  /**
   * The memoised IDF of an item held by `df` sessions, or NaN when there is none (a NaN value
   * is then computed again each time, which gives the same NaN).
   */
  idfOf(df: number): number {
    return df < this.idfRound.length && this.idfRound[df] === this.round ? this.idfValue[df]! : NaN;
  }

  /** Memoises the IDF of an item held by `df` sessions. */
  keepIdf(df: number, value: number): void {
    if (df >= this.idfRound.length) {
      this.idfRound = grow(this.idfRound, Math.max(df + 1, 1024));
      this.idfValue = growF64(this.idfValue, this.idfRound.length);
    }
    this.idfRound[df] = this.round;
    this.idfValue[df] = value;
  }

  private growTouched(): void {
    const min = this.score.length + 1;
    this.score = growF64(this.score, min);
    this.tr = growF64(this.tr, min);
    this.voted = grow(this.voted, min);
    this.df = new Uint32Array(this.score.length);
  }
}

/**
 * The `k` best (id, score) pairs of a dense candidate list, best first: higher score first, ties
 * to the lower id. The same size-k min-heap, making the same moves, as `topK` (top-k.ts), so
 * that visiting candidates in the same order gives the same answer bit for bit, NaN scores and
 * odd k included; only its heap and result live here and are reused.
 */
export class TopSelector {
  /** The selected ids, best first, positions 0 .. count-1 (after `finish`). */
  ids = new Uint32Array(0);
  /** Their scores. */
  scores = new Float64Array(0);
  /** Pairs selected by the last `finish`. */
  count = 0;
  // The min-heap while selecting, with room for `size` pairs, `filled` of them held.
  private heapId = new Uint32Array(0);
  private heapScore = new Float64Array(0);
  private size = 0;
  private filled = 0;

  /**
   * Selects the `k` best of candidates `ids[c]` scored `scores[c]`, c in 0 .. n-1, visited from
   * the last when `backwards`. Without NaN scores the order of the visit changes nothing but the
   * work: (score, id) orders the candidates totally, and a candidate that ranks below the heap's
   * worst costs one comparison, so visiting likely winners first saves heap moves.
   */
  select(ids: Uint32Array, scores: Float64Array, n: number, k: number, backwards = false): number {
    this.begin(k, n);
    for (let i = 0; i < n; i++) {
      const c = backwards ? n - 1 - i : i;
      this.offer(ids[c]!, scores[c]!);
    }
    return this.finish();
  }

  /** Starts selecting the `k` best of `n` candidates, offered one by one. */
  begin(k: number, n: number): void {
    const size = Math.min(k, n);
    if (!(size >= 0 && size <= this.heapId.length && Number.isInteger(size))) {
      // Sized as topK sizes its heap, so that a k it rejects (negative) throws alike and one
      // it takes oddly (not whole) is taken the same odd way.
      this.heapId = new Uint32Array(size);
      this.heapScore = new Float64Array(size);
    }
    this.size = size;
    this.filled = 0;
  }

  /**
   * While selecting: a score that a candidate must reach to enter, -Infinity until the heap is
   * full. A candidate scoring below it would be turned away.
   */
  bar(): number {
    return this.size > 0 && this.filled === this.size ? this.heapScore[0]! : -Infinity;
  }

  /** Offers a candidate: it enters when it ranks above the worst held, or there is room. */
  offer(id: number, s: number): void {
    const heapId = this.heapId;
    const heapScore = this.heapScore;
    if (this.filled < this.size) {
      siftUp(heapId, heapScore, this.filled++, id, s);
    } else if (this.size > 0 && worse(heapScore[0]!, heapId[0]!, s, id)) {
      siftDown(heapId, heapScore, this.size, id, s);
    }
  }

  /** Ends the selection: `ids` and `scores` then hold the selected pairs, best first. */
  finish(): number {
    const filled = this.filled;
    if (this.ids.length < filled) {
      this.ids = new Uint32Array(Math.max(filled, 2 * this.ids.length));
      this.scores = new Float64Array(this.ids.length);
    }
    const heapId = this.heapId;
    const heapScore = this.heapScore;
    // Popping the min-heap yields worst first; fill from the back.
    for (let end = filled; end > 0; end--) {
      this.ids[end - 1] = heapId[0]!;
      this.scores[end - 1] = heapScore[0]!;
      siftDown(heapId, heapScore, end - 1, heapId[end - 1]!, heapScore[end - 1]!);
    }
    this.count = filled;
    return filled;
  }
}
