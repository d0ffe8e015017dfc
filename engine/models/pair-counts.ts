/**
 * Weighted counts of unordered item pairs, with the neighbour list of each item.
 *
 * A pair is stored once, as (min, max): co-occurrence is symmetric, and one probe per update
 * instead of two halves the random memory traffic that dominates ingest.
 * Open addressing over flat typed arrays: a `Map` keyed by pairs costs an allocation and a
 * string or float key per update, which is most of the ingest budget at 500k events/s.
 */

const EMPTY = 0xffffffff;

export class PairCounts {
  private capacity: number;
  private mask: number;
  private keysA: Uint32Array;
  private keysB: Uint32Array;
  private values: Float32Array;
  private used = 0;
  /** neighbours[a] lists every b with a count for {a, b}, in first-seen order. */
  private readonly neighbours: Uint32Array[] = [];
  private readonly degree: number[] = [];

  constructor(initialCapacity = 1 << 16) {
    this.capacity = 1 << Math.ceil(Math.log2(Math.max(16, initialCapacity)));
    this.mask = this.capacity - 1;
    this.keysA = new Uint32Array(this.capacity).fill(EMPTY);
    this.keysB = new Uint32Array(this.capacity);
    this.values = new Float32Array(this.capacity);
  }

  /** Number of distinct unordered pairs held. */
  get size(): number {
    return this.used;
  }

  /** Bytes held by the table and the neighbour lists. */
  bytes(): number {
    let n = this.capacity * 12;
    for (const list of this.neighbours) if (list !== undefined) n += list.byteLength;
    return n;
  }

  /** Adds `w` to the count of {a, b}. Amortised O(1). */
  add(x: number, y: number, w: number): void {
    const a = x < y ? x : y;
    const b = x < y ? y : x;
    let slot = this.slot(a, b);
    if (this.keysA[slot] === EMPTY) {
      if ((this.used + 1) * 2 > this.capacity) {
        this.grow();
        slot = this.slot(a, b);
      }
      this.keysA[slot] = a;
      this.keysB[slot] = b;
      this.used++;
      this.link(a, b);
      if (a !== b) this.link(b, a);
    }
    this.values[slot] = this.values[slot]! + w;
  }

  /** Count of {a, b}, 0 when never seen. */
  get(x: number, y: number): number {
    const a = x < y ? x : y;
    const b = x < y ? y : x;
    const slot = this.slot(a, b);
    return this.keysA[slot] === EMPTY ? 0 : this.values[slot]!;
  }

  /** Items seen with `a`; a view of an internal buffer, valid until the next `add`. */
  neighboursOf(a: number): Uint32Array {
    const list = this.neighbours[a];
    if (list === undefined) return new Uint32Array(0);
    return list.subarray(0, this.degree[a]);
  }

  private slot(a: number, b: number): number {
    // Murmur3-style mixing of both halves keeps clustered dense ids apart.
    let h = Math.imul(a, 0xcc9e2d51) ^ Math.imul(b ^ (b >>> 16), 0x1b873593);
    h ^= h >>> 15;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    let slot = h & this.mask;
    const keysA = this.keysA;
    const keysB = this.keysB;
    while (keysA[slot] !== EMPTY && (keysA[slot] !== a || keysB[slot] !== b)) {
      slot = (slot + 1) & this.mask;
    }
    return slot;
  }

  private link(a: number, b: number): void {
    let list = this.neighbours[a];
    const d = this.degree[a] ?? 0;
    if (list === undefined) {
      list = new Uint32Array(4);
      this.neighbours[a] = list;
    } else if (d === list.length) {
      const bigger = new Uint32Array(d * 2);
      bigger.set(list);
      list = bigger;
      this.neighbours[a] = list;
    }
    list[d] = b;
    this.degree[a] = d + 1;
  }

  private grow(): void {
    const oldA = this.keysA;
    const oldB = this.keysB;
    const oldV = this.values;
    this.capacity *= 2;
    this.mask = this.capacity - 1;
    this.keysA = new Uint32Array(this.capacity).fill(EMPTY);
    this.keysB = new Uint32Array(this.capacity);
    this.values = new Float32Array(this.capacity);
    for (let i = 0; i < oldA.length; i++) {
      const a = oldA[i]!;
      if (a === EMPTY) continue;
      const slot = this.slot(a, oldB[i]!);
      this.keysA[slot] = a;
      this.keysB[slot] = oldB[i]!;
      this.values[slot] = oldV[i]!;
    }
  }
}
