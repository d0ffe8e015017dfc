/**
 * Sessions by dense id, in the order they were added (the model's notion of time). Finished
 * sessions live in one flat Uint32Array addressed by offset + length; live ones, whose clicks
 * interleave, in a small array each until they are closed.
 */
export class SessionStore {
  private flat = new Uint32Array(1 << 16);
  private flatLen = 0;
  private offset = new Uint32Array(1 << 12);
  private len = new Uint32Array(1 << 12);
  private n = 0;
  private readonly liveByKey = new Map<string | number, { id: number; items: number[] }>();
  private readonly liveById = new Map<number, number[]>();

  /** Sessions stored (finished and live); ids are 0 .. count-1. */
  get count(): number {
    return this.n;
  }

  /** Stores a finished session and returns its id. */
  add(items: ArrayLike<number>): number {
    const id = this.newId();
    this.ensureFlat(items.length);
    this.offset[id] = this.flatLen;
    this.len[id] = items.length;
    for (let i = 0; i < items.length; i++) this.flat[this.flatLen++] = items[i]!;
    return id;
  }

  /** Appends a click to the live session `key` (opened on its first click); returns its id. */
  append(key: string | number, item: number): number {
    let live = this.liveByKey.get(key);
    if (live === undefined) {
      live = { id: this.newId(), items: [] };
      this.liveByKey.set(key, live);
      this.liveById.set(live.id, live.items);
    }
    live.items.push(item);
    this.len[live.id] = live.items.length;
    return live.id;
  }

  /** The id of the live session `key`, or -1. */
  liveId(key: string | number): number {
    return this.liveByKey.get(key)?.id ?? -1;
  }

  /** Moves the live session `key` into the flat store. */
  close(key: string | number): void {
    const live = this.liveByKey.get(key);
    if (live === undefined) return;
    this.ensureFlat(live.items.length);
    this.offset[live.id] = this.flatLen;
    for (const item of live.items) this.flat[this.flatLen++] = item;
    this.liveByKey.delete(key);
    this.liveById.delete(live.id);
  }

  /** Clicks of session `id`, as a view: do not keep it across additions. */
  items(id: number): ArrayLike<number> {
    const live = this.liveById.get(id);
    if (live !== undefined) return live;
    const o = this.offset[id]!;
    return this.flat.subarray(o, o + this.len[id]!);
  }

  /** Number of clicks of session `id`. */
  length(id: number): number {
    return this.len[id]!;
  }

  private newId(): number {
    const id = this.n++;
    if (id >= this.offset.length) {
      this.offset = grow(this.offset, id + 1);
      this.len = grow(this.len, id + 1);
    }
    return id;
  }

  private ensureFlat(extra: number): void {
    if (this.flatLen + extra > this.flat.length) this.flat = grow(this.flat, this.flatLen + extra);
  }
}

/** A copy of `a` at least `min` long (at least doubled, so appends stay amortised O(1)). */
export function grow(a: Uint32Array, min: number): Uint32Array<ArrayBuffer> {
  const out = new Uint32Array(Math.max(min, a.length * 2));
  out.set(a);
  return out;
}
