/**
 * The shopper population: registered users with uneven activity and 1 to 3 favourite
 * categories each. Personalised recommendations are only meaningful because of these tastes.
 */
import type { SimCatalogue } from './catalogue.js';
import { AliasTable, Rng } from './random.js';

/** Share of a user's taste-driven choices that go to the 1st, 2nd and 3rd favourite category. */
const TASTE_SPLIT: readonly (readonly number[])[] = [[1], [0.7, 1], [0.6, 0.9, 1]];

/** The generated users (internal to the simulator). */
export interface SimShoppers {
  /** `u-<n>` for user n. */
  readonly userIds: readonly string[];
  /** Favourite categories, three slots per user, unused slots are -1. */
  readonly tastes: Int32Array;
  /** How many of the three slots each user fills (1..3). */
  readonly tasteCount: Uint8Array;
  /** Who starts the next session: a few heavy users, a long tail of occasional ones. */
  readonly activity: AliasTable;
}

/** Builds the population; deterministic in `rng`'s state. */
export function buildShoppers(rng: Rng, catalogue: SimCatalogue, users: number): SimShoppers {
  const tastes = new Int32Array(users * 3).fill(-1);
  const tasteCount = new Uint8Array(users);
  const activity = new Float64Array(users);
  for (let u = 0; u < users; u++) {
    const want = rng.range(1, 3);
    let n = 0;
    for (let tries = 0; n < want && tries < 20; tries++) {
      // Popular categories are also popular favourites.
      const c = catalogue.categoryTraffic.sample(rng);
      let dup = false;
      for (let k = 0; k < n; k++) dup ||= tastes[u * 3 + k] === c;
      if (!dup) tastes[u * 3 + n++] = c;
    }
    tasteCount[u] = n;
    activity[u] = rng.logNormal(1, 1);
  }
  return {
    userIds: Array.from({ length: users }, (_, i) => `u-${i}`),
    tastes,
    tasteCount,
    activity: new AliasTable(activity),
  };
}

/** Draws one of user `u`'s favourite categories, weighted towards the first. */
export function tasteOf(shoppers: SimShoppers, u: number, rng: Rng): number {
  const split = TASTE_SPLIT[shoppers.tasteCount[u]! - 1]!;
  const r = rng.next();
  let k = 0;
  while (k < split.length - 1 && r >= split[k]!) k++;
  return shoppers.tastes[u * 3 + k]!;
}
