/**
 * Item-to-item transition counts (a clicked, then b next), online. Per item a one typed array of
 * interleaved (b, count) pairs, contiguous for scoring. Most out-degrees are small and a linear
 * scan finds b fastest; popular items collect hundreds of successors, so past SCAN_LIMIT an
 * open-addressing index of b → position, one per such list, finds it instead. One small index
 * per list rather than one shared (a, b) table: a probe touches a's index and then a's list,
 * which the count update touches anyway, instead of three arrays spread over the whole table.
 */
import { AisleError } from '../errors.js';
import { expectState, isArrayOf, sum } from '../snapshot/check.js';

/** What a snapshot keeps of the counts, successors in their original order. */
export interface TransitionsState {
  /** Per item a (0 .. items-1): distinct successors. */
  degree: Uint32Array;
  /** Per item a: steps out of a (the sum of its counts). */
  total: Float64Array;
  /** Every item's (b, count) pairs, item by item, `degree[a]` pairs each. */
  pairs: Uint32Array;
}

const SCAN_LIMIT = 16;

export class Transitions {
  private pairs: Uint32Array[] = [];
  private degree: number[] = [];
  private total: number[] = [];
  // Per item a with more than SCAN_LIMIT successors: slots holding a pair's position in a's
  // list + 1 (0 is empty), by a hash of b, half full at most; EMPTY_INDEX for the other items.
  private index: Int32Array[] = [];

  /**
   * Restores counts from `exportState` (copied once: counts are incremented in place). With
   * `items`, every successor must be below it. Throws AisleError('AISLE_SNAPSHOT') when the
   * arrays disagree. O(pairs).
   */
  static fromState(state: TransitionsState, items = Infinity): Transitions {
    expectState(typeof state === 'object' && state !== null, 'transitions: not an object');
    const n = state.degree?.length ?? 0;
    expectState(
      isArrayOf(state.degree, Uint32Array) &&
        isArrayOf(state.total, Float64Array, n) &&
        isArrayOf(state.pairs, Uint32Array, 2 * sum(state.degree)),
      'transitions: array lengths',
    );
    const flat = state.pairs.slice();
    const out = new Transitions();
    let at = 0;
    for (let a = 0; a < n; a++) {
      const d = state.degree[a]!;
      const list = flat.subarray(at, at + 2 * d);
      let steps = 0;
      let ok = true;
      for (let i = 0; i < list.length; i += 2) {
        ok &&= list[i]! < items && list[i + 1]! > 0;
        steps += list[i + 1]!;
      }
      expectState(ok, `transitions: successors of item ${a}`);
      expectState(steps === state.total[a], `transitions: total of item ${a}`);
      out.pairs.push(d === 0 ? EMPTY : list);
      out.degree.push(d);
      out.total.push(steps);
      out.index.push(d > SCAN_LIMIT ? buildIndex(list, d) : EMPTY_INDEX);
      at += 2 * d;
    }
    return out;
  }

  /** A copy of the counts. O(pairs). */
  exportState(): TransitionsState {
    const degree = Uint32Array.from(this.degree);
    const pairs = new Uint32Array(2 * sum(degree));
    let at = 0;
    for (let a = 0; a < degree.length; a++) {
      pairs.set(this.successors(a), at);
      at += 2 * degree[a]!;
    }
    return { degree, total: Float64Array.from(this.total), pairs };
  }

  /** Bytes held (allocated, so doubling slack included). */
  bytes(): number {
    let b = this.pairs.length * 32;
    for (const list of this.pairs) b += list.byteLength;
    for (const index of this.index) b += index.byteLength;
    return b;
  }

  /** Counts one a → b step. Self-steps (a reload of the same item) are counted too. */
  add(a: number, b: number): void {
    while (this.pairs.length <= a) {
      this.pairs.push(EMPTY);
      this.degree.push(0);
      this.total.push(0);
      this.index.push(EMPTY_INDEX);
    }
    let list = this.pairs[a]!;
    const d = this.degree[a]!;
    this.total[a]! += 1;
    // The empty slot where b goes when it is new (lists past SCAN_LIMIT).
    let slot = -1;
    if (d <= SCAN_LIMIT) {
      for (let i = 0; i < 2 * d; i += 2) {
        if (list[i] === b) {
          list[i + 1]! += 1;
          return;
        }
      }
    } else {
      const index = this.index[a]!;
      const mask = index.length - 1;
      slot = hashB(b) & mask;
      for (let p = index[slot]!; p !== 0; p = index[slot]!) {
        if (list[2 * p - 2] === b) {
          list[2 * p - 1]! += 1;
          return;
        }
        slot = (slot + 1) & mask;
      }
    }
    if (2 * d === list.length) {
      const grown = new Uint32Array(Math.max(8, list.length * 2));
      grown.set(list);
      this.pairs[a] = list = grown;
    }
    list[2 * d] = b;
    list[2 * d + 1] = 1;
    this.degree[a] = d + 1;
    if (d < SCAN_LIMIT) return;
    const index = this.index[a]!;
    // The list outgrows the scan, or its index would pass half full: (re)build it.
    if (slot < 0 || 2 * (d + 1) > index.length) this.index[a] = buildIndex(list, d + 1);
    else index[slot] = d + 1;
  }

  /**
   * Takes back one a → b step, because the stored session that made it is forgotten. The pair
   * stays at its place until `remap` removes the pairs whose count fell to 0. Throws
   * AisleError('AISLE_INVALID_ARGUMENT') when there is no such step to take back.
   */
  subtract(a: number, b: number): void {
    const i = this.position(a, b);
    const list = this.pairs[a]!;
    if (i < 0 || list[2 * i + 1] === 0) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        `transitions: no step ${a} → ${b} to take back`,
      );
    }
    list[2 * i + 1]! -= 1;
    this.total[a]! -= 1;
  }

  /**
   * Renumbers items (a retention compaction) and removes the pairs whose count fell to 0: with
   * `items`, a becomes `items[a]` and b `items[b]`, and every pair with an end mapped to 0 goes
   * (so do its steps from the total). Successors keep their order. The lists go back to back
   * into one buffer, the layout `fromState` builds, and the index is rebuilt to fit.
   * O(items + pairs).
   */
  remap(items?: ArrayLike<number>): void {
    const old = this.pairs;
    const oldDegree = this.degree;
    const kept = new Uint32Array(old.length);
    let pairs = 0;
    let count = 0;
    for (let a = 0; a < old.length; a++) {
      const to = items === undefined ? a : (items[a] ?? 0);
      if (items !== undefined && to === 0) continue;
      const list = old[a]!;
      let c = 0;
      for (let i = 0; i < 2 * oldDegree[a]!; i += 2) {
        if (list[i + 1] !== 0 && (items === undefined || items[list[i]!] !== 0)) c++;
      }
      kept[a] = c;
      pairs += c;
      if (c > 0 && to + 1 > count) count = to + 1;
    }
    const flat = new Uint32Array(2 * pairs);
    this.pairs = new Array<Uint32Array>(count).fill(EMPTY);
    this.degree = new Array<number>(count).fill(0);
    this.total = new Array<number>(count).fill(0);
    this.index = new Array<Int32Array>(count).fill(EMPTY_INDEX);
    let at = 0;
    for (let a = 0; a < old.length; a++) {
      const d = kept[a]!;
      if (d === 0) continue;
      const to = items === undefined ? a : items[a]!;
      const list = old[a]!;
      const start = at;
      let steps = 0;
      for (let i = 0; i < 2 * oldDegree[a]!; i += 2) {
        const c = list[i + 1]!;
        if (c === 0) continue;
        let b = list[i]!;
        if (items !== undefined) {
          b = items[b]!;
          if (b === 0) continue;
        }
        flat[at++] = b;
        flat[at++] = c;
        steps += c;
      }
      this.pairs[to] = flat.subarray(start, at);
      this.degree[to] = d;
      if (d > SCAN_LIMIT) this.index[to] = buildIndex(this.pairs[to]!, d);
      this.total[to] = steps;
    }
  }

  /** Position of b in a's successors, or -1. */
  private position(a: number, b: number): number {
    if (a >= this.pairs.length) return -1;
    const d = this.degree[a]!;
    const list = this.pairs[a]!;
    if (d <= SCAN_LIMIT) {
      for (let i = 0; i < d; i++) if (list[2 * i] === b) return i;
      return -1;
    }
    const index = this.index[a]!;
    const mask = index.length - 1;
    let slot = hashB(b) & mask;
    for (let p = index[slot]!; p !== 0; p = index[slot]!) {
      if (list[2 * p - 2] === b) return p - 1;
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  /** Number of steps out of `a`. */
  outCount(a: number): number {
    return a < this.total.length ? this.total[a]! : 0;
  }

  /** Count of a → b (linear in the out-degree of a; for tests and explanations). */
  count(a: number, b: number): number {
    const list = this.successors(a);
    for (let i = 0; i < list.length; i += 2) if (list[i] === b) return list[i + 1]!;
    return 0;
  }

  /** Interleaved (b, count) pairs out of `a`, as a view: do not keep it. */
  successors(a: number): Uint32Array {
    return a < this.pairs.length ? this.pairs[a]!.subarray(0, 2 * this.degree[a]!) : EMPTY;
  }
}

const EMPTY = new Uint32Array(0);
const EMPTY_INDEX = new Int32Array(0);

function hashB(b: number): number {
  let h = Math.imul(b ^ (b >>> 16), 0x85ebca6b);
  h ^= h >>> 13;
  return h;
}

/** An index of the first `d` successors of `list`, at most half full (see `Transitions.index`). */
function buildIndex(list: Uint32Array, d: number): Int32Array {
  let size = 64;
  while (size < 4 * d) size *= 2;
  const index = new Int32Array(size);
  const mask = size - 1;
  for (let i = 0; i < d; i++) {
    let slot = hashB(list[2 * i]!) & mask;
    while (index[slot] !== 0) slot = (slot + 1) & mask;
    index[slot] = i + 1;
  }
  return index;
}
