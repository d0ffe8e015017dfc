/**
 * The soak benchmark's stream: a simulated shop whose shoppers come and go, then a flood of
 * unique ids.
 *
 * - Shop traffic: the simulator at one event every 250 ms of simulated time on average, its users
 *   renamed every week (`u-17` becomes `u-17.w12`), so new users and sessions appear every minute
 *   and old ones stop coming back, as in a real shop.
 * - Flood: events whose users, sessions, items, orders and queries are all new (queries of 1,024
 *   characters), at the same pace of simulated time, mixed into the shop's traffic one in two.
 */
import type { RetailEvent } from '../../engine/index.js';
import { createSimulator } from '../../src/sim/index.js';

const WEEK = 7 * 86_400_000;
const QUERY_LENGTH = 1024;

export interface SoakStream {
  /** The next `n` events (shop traffic, then the flood once `shop` events have been given). */
  next(n: number): RetailEvent[];
  /** Events given so far. */
  readonly given: number;
  /** The catalogue of the simulated shop. */
  catalogue(): ReturnType<ReturnType<typeof createSimulator>['catalogue']>;
}

export function soakStream(opts: { seed: number; shop: number }): SoakStream {
  const sim = createSimulator({ seed: opts.seed, meanGapMs: 250 });
  let given = 0;
  let unique = 0;
  const pad = 'q'.repeat(QUERY_LENGTH - 24);
  const rename = (e: RetailEvent): RetailEvent => {
    if (!('user' in e) || e.user === undefined) return e;
    return { ...e, user: `${e.user}.w${Math.floor(e.ts / WEEK)}` };
  };
  const floodEvent = (ts: number): RetailEvent => {
    const n = unique++;
    const user = `flood-user-${n}`;
    const session = `flood-session-${n}`;
    const item = `flood-item-${n}`;
    switch (n % 4) {
      case 0:
        return { type: 'view', ts, user, session, item };
      case 1:
        return { type: 'add_to_cart', ts, user, session, item, quantity: 1 };
      case 2:
        return {
          type: 'purchase',
          ts,
          user,
          session,
          item,
          order: `flood-order-${n}`,
          quantity: 1,
          price: 9.99,
        };
      default:
        return {
          type: 'search',
          ts,
          user,
          session,
          query: `${String(n).padStart(20, '0')} ${pad}`,
        };
    }
  };
  return {
    get given() {
      return given;
    },
    catalogue: () => sim.catalogue(),
    next(n: number): RetailEvent[] {
      const out: RetailEvent[] = [];
      const shopLeft = Math.max(0, opts.shop - given);
      const fromShop = Math.min(n, shopLeft);
      for (const e of sim.next(fromShop)) out.push(rename(e));
      const rest = n - fromShop;
      if (rest > 0) {
        // Half the flood's slots carry shop traffic, so the shop goes on during the flood.
        const mixed = sim.next(Math.ceil(rest / 2)).map(rename);
        let m = 0;
        for (let i = 0; i < rest; i++) {
          if (i % 2 === 0 && m < mixed.length) out.push(mixed[m++]!);
          else out.push(floodEvent(sim.now()));
        }
      }
      given += out.length;
      return out;
    },
  };
}
