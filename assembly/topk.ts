/**
 * Top-k selection over a score array, with no scratch memory: a bounded binary min-heap lives in
 * the caller's output arrays (root = the worst kept entry), then an in-place heapsort leaves the
 * output sorted best first. O(n log k) worst case; typically O(n) because most scores lose to the
 * root, and the SIMD build skips whole vectors of them with one compare.
 *
 * Order: higher score first; equal scores by lower index. NaN scores are skipped. -0 equals +0.
 */

// `a` ranks below `b`: lower score, or the same score and a higher index.
function worse<T>(sa: T, ia: u32, sb: T, ib: u32): bool {
  return sa < sb || (sa == sb && ia > ib);
}

function siftDown<T>(outIdx: usize, outScore: usize, size: u32, pos: u32): void {
  const shift = alignof<T>();
  const s = load<T>(outScore + ((<usize>pos) << shift));
  const id = load<u32>(outIdx + ((<usize>pos) << 2));
  while (true) {
    let c = (pos << 1) + 1;
    if (c >= size) break;
    let cs = load<T>(outScore + ((<usize>c) << shift));
    let ci = load<u32>(outIdx + ((<usize>c) << 2));
    const c2 = c + 1;
    if (c2 < size) {
      const s2 = load<T>(outScore + ((<usize>c2) << shift));
      const i2 = load<u32>(outIdx + ((<usize>c2) << 2));
      if (worse<T>(s2, i2, cs, ci)) {
        c = c2;
        cs = s2;
        ci = i2;
      }
    }
    if (!worse<T>(cs, ci, s, id)) break;
    store<T>(outScore + ((<usize>pos) << shift), cs);
    store<u32>(outIdx + ((<usize>pos) << 2), ci);
    pos = c;
  }
  store<T>(outScore + ((<usize>pos) << shift), s);
  store<u32>(outIdx + ((<usize>pos) << 2), id);
}

function siftUp<T>(outIdx: usize, outScore: usize, pos: u32): void {
  const shift = alignof<T>();
  const s = load<T>(outScore + ((<usize>pos) << shift));
  const id = load<u32>(outIdx + ((<usize>pos) << 2));
  while (pos > 0) {
    const p = (pos - 1) >> 1;
    const ps = load<T>(outScore + ((<usize>p) << shift));
    const pi = load<u32>(outIdx + ((<usize>p) << 2));
    if (!worse<T>(s, id, ps, pi)) break;
    store<T>(outScore + ((<usize>pos) << shift), ps);
    store<u32>(outIdx + ((<usize>pos) << 2), pi);
    pos = p;
  }
  store<T>(outScore + ((<usize>pos) << shift), s);
  store<u32>(outIdx + ((<usize>pos) << 2), id);
}

// Candidate i beats the root only with a strictly higher score: ties keep the earlier (lower) index.
function offer<T>(outIdx: usize, outScore: usize, k: u32, i: u32, s: T): void {
  if (s > load<T>(outScore)) {
    store<T>(outScore, s);
    store<u32>(outIdx, i);
    siftDown<T>(outIdx, outScore, k, 0);
  }
}

function topk<T>(outIdx: usize, outScore: usize, scores: usize, n: u32, k: u32): i32 {
  if (k == 0) return 0;
  const shift = alignof<T>();
  let size: u32 = 0;
  let i: u32 = 0;
  // Fill phase: the first k non-NaN scores.
  for (; i < n && size < k; i++) {
    const s = load<T>(scores + ((<usize>i) << shift));
    if (s != s) continue; // NaN
    store<T>(outScore + ((<usize>size) << shift), s);
    store<u32>(outIdx + ((<usize>size) << 2), i);
    siftUp<T>(outIdx, outScore, size);
    size++;
  }
  if (size == k) {
    if (ASC_FEATURE_SIMD) {
      // A vector whose lanes are all <= root (or NaN: gt is false) cannot change the heap.
      const lanes: u32 = sizeof<T>() == 4 ? 4 : 2;
      const nv = i + ((n - i) & ~(lanes - 1));
      for (; i < nv; i += lanes) {
        const p = scores + ((<usize>i) << shift);
        const v = v128.load(p);
        const root = load<T>(outScore);
        const any =
          sizeof<T>() == 4
            ? v128.any_true(f32x4.gt(v, f32x4.splat(<f32>root)))
            : v128.any_true(f64x2.gt(v, f64x2.splat(<f64>root)));
        if (!any) continue;
        for (let l: u32 = 0; l < lanes; l++) {
          offer<T>(outIdx, outScore, k, i + l, load<T>(p + ((<usize>l) << shift)));
        }
      }
    }
    for (; i < n; i++) offer<T>(outIdx, outScore, k, i, load<T>(scores + ((<usize>i) << shift)));
  }
  // Heapsort: move the current worst to the end, shrink, repeat; leaves best first.
  // u32 arithmetic: size - 1 would wrap when nothing was kept, hence the bound on the loop start.
  for (let end = size > 0 ? size - 1 : 0; end > 0; end--) {
    const s0 = load<T>(outScore);
    const i0 = load<u32>(outIdx);
    store<T>(outScore, load<T>(outScore + ((<usize>end) << shift)));
    store<u32>(outIdx, load<u32>(outIdx + ((<usize>end) << 2)));
    store<T>(outScore + ((<usize>end) << shift), s0);
    store<u32>(outIdx + ((<usize>end) << 2), i0);
    siftDown<T>(outIdx, outScore, end, 0);
  }
  return <i32>size;
}

/**
 * Writes the best min(k, non-NaN count) entries of the n f32 `scores` to `outIdx` (u32) and
 * `outScore` (f32), best first, and returns that count. Outputs must hold k entries and must not
 * overlap `scores`. All arrays at least 4-byte aligned.
 */
export function topk_f32(outIdx: usize, outScore: usize, scores: usize, n: u32, k: u32): i32 {
  return topk<f32>(outIdx, outScore, scores, n, k);
}

/** topk_f32 for f64 scores: `scores` and `outScore` are f64 (8-byte aligned), `outIdx` u32. */
export function topk_f64(outIdx: usize, outScore: usize, scores: usize, n: u32, k: u32): i32 {
  return topk<f64>(outIdx, outScore, scores, n, k);
}
