/**
 * Windowed group-by over one column chunk of the event log: the rows whose ts lies in [from, to)
 * and whose type is in a mask, summed per group (events, units, revenue).
 *
 * Three passes, so that a refused chunk writes nothing: select the matching rows into `sel`,
 * range-check their keys (and groups, through the lookup), then scatter-add. Retail filters are
 * selective (purchases are a few percent of events, windows a slice of the log), so the first
 * pass is the one that sees every row, and both builds read timestamps only for blocks of rows
 * holding an asked-for type: the SIMD build tests 16 rows per step (one swizzle for the types,
 * i64x2 compares for the window), the scalar build 8 type codes per u64 load, then appends each
 * row index and advances past the ones that fail, with no branch to mispredict.
 */
import { STATUS_BAD_ARGUMENT, STATUS_INDEX_OUT_OF_RANGE, STATUS_OK } from './status';

/** Types are tested through a 16-lane byte table (i8x16.swizzle), so codes 0..15 can be asked. */
const MAX_TYPE_MASK: u32 = 0xffff;

/**
 * Per group g, for the rows i < n with from <= ts[i] < to and bit type[i] of `typeMask` set,
 * with g = keys[i], or lookup[keys[i]] when `lookup` is not 0:
 * counts[g] += 1 (u32, wrapping), units[g] += quantity[i], revenue[g] += quantity[i] * price[i]
 * (f64, summed in row order).
 *
 * `counts`: nGroups u32; `units`, `revenue`: nGroups f64 (8-byte aligned); `ts`: n i64 epoch ms
 * (8-byte aligned); `type`: n u8; `keys`: n u32; `lookup`: nLookup u32 or 0 for none;
 * `quantity`: n i32; `price`: n f32; `sel`: n u32 of scratch (its contents are undefined after
 * the call). Type codes above 15 never match.
 *
 * STATUS_BAD_ARGUMENT when typeMask has a bit above 15; STATUS_INDEX_OUT_OF_RANGE when a
 * selected row's key is >= nLookup (with a lookup) or its group is >= nGroups. Either way no
 * output is written. O(n + selected rows).
 */
export function window_group_by_u32(
  counts: usize,
  units: usize,
  revenue: usize,
  nGroups: u32,
  ts: usize,
  type: usize,
  keys: usize,
  lookup: usize,
  nLookup: u32,
  quantity: usize,
  price: usize,
  n: u32,
  from: i64,
  to: i64,
  typeMask: u32,
  sel: usize,
): i32 {
  if (typeMask > MAX_TYPE_MASK) return STATUS_BAD_ARGUMENT;
  const m = selectRows(sel, ts, type, n, from, to, typeMask);
  if (m == 0) return STATUS_OK;
  if (!groupsBelow(sel, m, keys, lookup, nLookup, nGroups)) return STATUS_INDEX_OUT_OF_RANGE;
  if (lookup == 0) {
    for (let j: u32 = 0; j < m; j++) {
      const i = <usize>load<u32>(sel + ((<usize>j) << 2));
      addRow(counts, units, revenue, load<u32>(keys + (i << 2)), quantity, price, i);
    }
  } else {
    for (let j: u32 = 0; j < m; j++) {
      const i = <usize>load<u32>(sel + ((<usize>j) << 2));
      const g = load<u32>(lookup + ((<usize>load<u32>(keys + (i << 2))) << 2));
      addRow(counts, units, revenue, g, quantity, price, i);
    }
  }
  return STATUS_OK;
}

function addRow(
  counts: usize,
  units: usize,
  revenue: usize,
  g: u32,
  quantity: usize,
  price: usize,
  i: usize,
): void {
  const q = <f64>load<i32>(quantity + (i << 2));
  const c = counts + ((<usize>g) << 2);
  const u = units + ((<usize>g) << 3);
  const r = revenue + ((<usize>g) << 3);
  store<u32>(c, load<u32>(c) + 1);
  store<f64>(u, load<f64>(u) + q);
  store<f64>(r, load<f64>(r) + q * <f64>load<f32>(price + (i << 2)));
}

/** Writes the indexes of the matching rows to `sel`, in row order; returns how many. O(n). */
function selectRows(
  sel: usize,
  ts: usize,
  type: usize,
  n: u32,
  from: i64,
  to: i64,
  typeMask: u32,
): u32 {
  if (to <= from) return 0;
  const span = <u64>(to - from);
  let m: u32 = 0;
  let i: u32 = 0;
  if (ASC_FEATURE_SIMD) {
    // Lane t is all ones when type t is asked for; swizzle gives 0 for codes >= 16.
    let low: u64 = 0;
    let high: u64 = 0;
    for (let t: u64 = 0; t < 8; t++) {
      low |= (<u64>((typeMask >> (<u32>t)) & 1) * 0xff) << (t << 3);
      high |= (<u64>((typeMask >> (<u32>(t + 8))) & 1) * 0xff) << (t << 3);
    }
    const table = i64x2.replace_lane(i64x2.splat(low), 1, high);
    const lo = i64x2.splat(from);
    const hi = i64x2.splat(to);
    const n16 = n & ~15;
    for (; i < n16; i += 16) {
      const ok = i8x16.swizzle(table, v128.load(type + <usize>i));
      if (!v128.any_true(ok)) continue;
      const p = ts + ((<usize>i) << 3);
      // 16 i64 lane masks narrowed to 16 byte lanes, in row order.
      const w0 = inWindow(p, 0, lo, hi);
      const w1 = inWindow(p, 32, lo, hi);
      const w2 = inWindow(p, 64, lo, hi);
      const w3 = inWindow(p, 96, lo, hi);
      const h0 = i16x8.narrow_i32x4_s(w0, w1);
      const h1 = i16x8.narrow_i32x4_s(w2, w3);
      let bits = i8x16.bitmask(v128.and(ok, i8x16.narrow_i16x8_s(h0, h1)));
      while (bits != 0) {
        store<u32>(sel + ((<usize>m) << 2), i + <u32>ctz(bits));
        m++;
        bits &= bits - 1;
      }
    }
  } else {
    // Eight type codes per load; a block without an asked-for type is passed over whole, which
    // for a selective filter is most blocks, behind a branch that is nearly always predicted.
    const n8 = n & ~7;
    for (; i < n8; i += 8) {
      const w = load<u64>(type + <usize>i);
      const hit =
        typeBit(typeMask, w) |
        typeBit(typeMask, w >> 8) |
        typeBit(typeMask, w >> 16) |
        typeBit(typeMask, w >> 24) |
        typeBit(typeMask, w >> 32) |
        typeBit(typeMask, w >> 40) |
        typeBit(typeMask, w >> 48) |
        typeBit(typeMask, w >> 56);
      if (hit == 0) continue;
      for (let j = i; j < i + 8; j++) m = keepRow(sel, m, ts, type, j, from, span, typeMask);
    }
  }
  for (; i < n; i++) m = keepRow(sel, m, ts, type, i, from, span, typeMask);
  return m;
}

/** 1 when the low byte of `code` is a type the mask asks for. */
function typeBit(typeMask: u32, code: u64): u32 {
  const t = <u32>(code & 0xff);
  return select<u32>(typeMask >> t, 0, t < 16) & 1;
}

/**
 * Appends row i to `sel` and advances past it only when it matches: a store per row but no
 * branch, so rows that match at random cost no mispredictions. Returns the new count.
 */
function keepRow(
  sel: usize,
  m: u32,
  ts: usize,
  type: usize,
  i: u32,
  from: i64,
  span: u64,
  typeMask: u32,
): u32 {
  const v = load<i64>(ts + ((<usize>i) << 3));
  store<u32>(sel + ((<usize>m) << 2), i);
  // from <= v < to as one unsigned compare of offsets (to > from here).
  const inside = <u64>(v - from) < span;
  return m + (typeBit(typeMask, load<u8>(type + <usize>i)) & select<u32>(1, 0, inside));
}

function inWindow(p: usize, offset: usize, lo: v128, hi: v128): v128 {
  const a = v128.load(p + offset);
  const b = v128.load(p + offset, 16);
  const ma = v128.and(i64x2.ge_s(a, lo), i64x2.lt_s(a, hi));
  const mb = v128.and(i64x2.ge_s(b, lo), i64x2.lt_s(b, hi));
  // Each i64 mask is all ones or all zeros, so its low half carries it into an i32 lane.
  return i32x4.shuffle(ma, mb, 0, 2, 4, 6);
}

/**
 * True when every selected row's key is below nLookup (with a lookup) and its group below
 * nGroups. Keys are checked before the lookup is read, so a bad key never reads past the table.
 */
function groupsBelow(
  sel: usize,
  m: u32,
  keys: usize,
  lookup: usize,
  nLookup: u32,
  nGroups: u32,
): bool {
  const limit = lookup == 0 ? nGroups : nLookup;
  if (limit == 0) return false;
  let hi: u32 = 0;
  for (let j: u32 = 0; j < m; j++) {
    const i = <usize>load<u32>(sel + ((<usize>j) << 2));
    hi = max(hi, load<u32>(keys + (i << 2)));
  }
  if (hi >= limit) return false;
  if (lookup == 0) return true;
  if (nGroups == 0) return false;
  hi = 0;
  for (let j: u32 = 0; j < m; j++) {
    const i = <usize>load<u32>(sel + ((<usize>j) << 2));
    hi = max(hi, load<u32>(lookup + ((<usize>load<u32>(keys + (i << 2))) << 2)));
  }
  return hi < nGroups;
}
