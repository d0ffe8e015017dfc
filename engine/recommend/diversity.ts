/**
 * Re-ranking for variety over an over-fetched, already filtered ranking: a cap per category and
 * maximal marginal relevance (Carbonell & Goldstein 1998), which trades an item's relevance
 * against its similarity to what is already picked.
 */
import type { Diversity } from './query.js';

export interface DiversityFacts {
  /** Category id of an item, 0 when unknown (unknown items are never capped). */
  categoryOf(item: number): number;
  /** Similarity of two items in [0, 1]. */
  similarity(a: number, b: number): number;
}

/**
 * Picks up to `k` of `ids` (best first, with `scores`) under `diversity`. Returns positions into
 * `ids`, in the new order. O(k · n) for MMR, O(n) for the cap alone.
 */
export function diversify(
  ids: Uint32Array,
  scores: Float32Array,
  k: number,
  diversity: Diversity,
  facts: DiversityFacts,
): number[] {
  const n = ids.length;
  const cap = diversity.categoryCap ?? Infinity;
  const perCategory = new Map<number, number>();
  const capped = (i: number): boolean => {
    const c = facts.categoryOf(ids[i]!);
    return c !== 0 && (perCategory.get(c) ?? 0) >= cap;
  };
  const take = (i: number, picked: number[]): void => {
    picked.push(i);
    const c = facts.categoryOf(ids[i]!);
    if (c !== 0) perCategory.set(c, (perCategory.get(c) ?? 0) + 1);
  };
  const picked: number[] = [];
  const lambda = diversity.mmr;
  if (lambda === undefined || lambda >= 1) {
    for (let i = 0; i < n && picked.length < k; i++) if (!capped(i)) take(i, picked);
    return picked;
  }
  const top = scores[0]! > 0 ? scores[0]! : 1;
  // Largest similarity of each remaining candidate to anything picked, updated per pick.
  const maxSim = new Float64Array(n);
  const used = new Uint8Array(n);
  while (picked.length < k) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < n; i++) {
      if (used[i] === 1 || capped(i)) continue;
      const value = lambda * (scores[i]! / top) - (1 - lambda) * maxSim[i]!;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    if (best < 0) break;
    used[best] = 1;
    take(best, picked);
    for (let i = 0; i < n; i++) {
      if (used[i] === 1) continue;
      const s = facts.similarity(ids[i]!, ids[best]!);
      if (s > maxSim[i]!) maxSim[i] = s;
    }
  }
  return picked;
}
