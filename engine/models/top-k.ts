/**
 * Top-k over a sparse set of candidates: a size-k min-heap, O(n log k). Higher score first; ties
 * go to the lower id so results are deterministic whatever order the candidates were touched in.
 */
export interface TopK {
  items: Uint32Array;
  scores: Float64Array;
}

/** Returns the `k` best of `candidates[0..n)` by `scores[id]`, best first. */
export function topK(candidates: Uint32Array, n: number, scores: Float64Array, k: number): TopK {
  const size = Math.min(k, n);
  const heapId = new Uint32Array(size);
  const heapScore = new Float64Array(size);
  let filled = 0;
  for (let c = 0; c < n; c++) {
    const id = candidates[c]!;
    const s = scores[id]!;
    if (filled < size) {
      siftUp(heapId, heapScore, filled++, id, s);
    } else if (size > 0 && worse(heapScore[0]!, heapId[0]!, s, id)) {
      siftDown(heapId, heapScore, size, id, s);
    }
  }
  // Popping the min-heap yields worst first; fill from the back.
  const items = new Uint32Array(filled);
  const out = new Float64Array(filled);
  for (let end = filled; end > 0; end--) {
    items[end - 1] = heapId[0]!;
    out[end - 1] = heapScore[0]!;
    siftDown(heapId, heapScore, end - 1, heapId[end - 1]!, heapScore[end - 1]!);
  }
  return { items, scores: out };
}

/** Puts (id, s) into a min-heap whose first `i` entries are held, at entry `i` then upwards. */
export function siftUp(ids: Uint32Array, sc: Float64Array, i: number, id: number, s: number): void {
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!worse(s, id, sc[p]!, ids[p]!)) break;
    ids[i] = ids[p]!;
    sc[i] = sc[p]!;
    i = p;
  }
  ids[i] = id;
  sc[i] = s;
}

/** True when (sa, ia) ranks below (sb, ib). */
export function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib);
}

/** Replaces the root of a min-heap of `size` entries with (id, s) and restores the heap. */
export function siftDown(
  ids: Uint32Array,
  sc: Float64Array,
  size: number,
  id: number,
  s: number,
): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= size) break;
    const r = l + 1;
    const m = r < size && worse(sc[r]!, ids[r]!, sc[l]!, ids[l]!) ? r : l;
    if (!worse(sc[m]!, ids[m]!, s, id)) break;
    ids[i] = ids[m]!;
    sc[i] = sc[m]!;
    i = m;
  }
  if (size > 0) {
    ids[i] = id;
    sc[i] = s;
  }
}
