/**
 * Seeded starting factors. `implicit` draws them uniformly from [0, 0.01): small enough that the
 * first solves are driven by the data, not by the start.
 */

const INIT_SCALE = 0.01;

/** mulberry32: a fast 32-bit generator whose whole state is the seed, so runs repeat exactly. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills `out` from `next` with values in [0, 0.01). */
export function fillInitial(out: Float32Array, next: () => number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = next() * INIT_SCALE;
  return out;
}
