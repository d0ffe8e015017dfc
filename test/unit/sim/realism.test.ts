/**
 * The stream must look enough like a shop for recommendations on it to make sense: these are
 * the statistical facts other parts of aisle (and its demo) rely on.
 */
import { describe, expect, it } from 'vitest';
import type { RetailEvent } from '../../../engine/events.js';
import { createSimulator } from '../../../src/sim/index.js';

const sim = createSimulator({ seed: 42 });
const catalogue = sim.catalogue();
const events: RetailEvent[] = sim.next(600_000);
const categoryOf = new Map(catalogue.map((i) => [i.id, i.category!]));

interface SessionTrace {
  user: string | undefined;
  views: string[];
  carted: boolean;
  bought: boolean;
}

const sessions = new Map<string, SessionTrace>();
for (const e of events) {
  if (e.type === 'inventory' || e.type === 'price_change' || e.session === undefined) continue;
  let s = sessions.get(e.session);
  if (s === undefined) {
    s = { user: e.user, views: [], carted: false, bought: false };
    sessions.set(e.session, s);
  }
  if (e.type === 'view') s.views.push(e.item);
  if (e.type === 'add_to_cart') s.carted = true;
  if (e.type === 'purchase') s.bought = true;
}

const orders = new Map<string, string[]>();
for (const e of events) {
  if (e.type === 'purchase') orders.set(e.order, [...(orders.get(e.order) ?? []), e.item]);
}

describe('simulated traffic realism', () => {
  it('about 8% of sessions add to cart and about 3% purchase', () => {
    let carted = 0;
    let bought = 0;
    for (const s of sessions.values()) {
      if (s.carted) carted++;
      if (s.bought) bought++;
    }
    const cartRate = carted / sessions.size;
    const buyRate = bought / sessions.size;
    console.log(
      `sessions ${sessions.size}, cart rate ${(cartRate * 100).toFixed(2)}%, ` +
        `purchase rate ${(buyRate * 100).toFixed(2)}%, orders ${orders.size}`,
    );
    expect(cartRate).toBeGreaterThan(0.07);
    expect(cartRate).toBeLessThan(0.09);
    expect(buyRate).toBeGreaterThan(0.025);
    expect(buyRate).toBeLessThan(0.035);
  });

  it('concentrates views on a Zipf head: the top 1% of items get a big share', () => {
    const views = new Map<string, number>();
    let total = 0;
    for (const e of events) {
      if (e.type !== 'view') continue;
      views.set(e.item, (views.get(e.item) ?? 0) + 1);
      total++;
    }
    const sorted = [...views.values()].sort((a, b) => b - a);
    const head = Math.ceil(catalogue.length / 100);
    const share = sorted.slice(0, head).reduce((a, b) => a + b, 0) / total;
    console.log(`top 1% of items (${head}) get ${(share * 100).toFixed(1)}% of ${total} views`);
    expect(share).toBeGreaterThan(0.15);
    // ...yet the long tail is still browsed.
    expect(views.size).toBeGreaterThan(catalogue.length * 0.9);
  });

  it('interleaves many concurrent sessions', () => {
    const window = events.slice(100_000, 101_000).filter((e) => 'session' in e);
    const distinct = new Set(window.map((e) => ('session' in e ? e.session : '')));
    expect(distinct.size).toBeGreaterThan(200);
  });

  it('clusters a session’s consecutive views around similar or complementary items', () => {
    let pairs = 0;
    let related = 0;
    for (const s of sessions.values()) {
      for (let i = 1; i < s.views.length; i++) {
        const a = s.views[i - 1]!;
        const b = s.views[i]!;
        pairs++;
        if (categoryOf.get(a) === categoryOf.get(b) || sim.complementsOf(a).includes(b)) related++;
      }
    }
    // By chance, two views share a category well under 10% of the time.
    expect(related / pairs).toBeGreaterThan(0.6);
  });

  it('steers a user’s views towards their favourite categories', () => {
    let views = 0;
    let favourite = 0;
    for (const s of sessions.values()) {
      if (s.user === undefined) continue;
      const tastes = new Set(sim.tastesOf(s.user));
      for (const item of s.views) {
        views++;
        if (tastes.has(categoryOf.get(item)!)) favourite++;
      }
    }
    expect(favourite / views).toBeGreaterThan(0.6);
  });

  it('buys complements together far above chance', () => {
    let linePairs = 0;
    let complementPairs = 0;
    let multiLine = 0;
    for (const items of orders.values()) {
      if (items.length > 1) multiLine++;
      for (let i = 0; i < items.length; i++) {
        for (let j = i + 1; j < items.length; j++) {
          linePairs++;
          const [a, b] = [items[i]!, items[j]!];
          if (sim.complementsOf(a).includes(b) || sim.complementsOf(b).includes(a)) {
            complementPairs++;
          }
        }
      }
    }
    const rate = complementPairs / linePairs;
    // A random pair of items is complementary with probability about 4 / items.
    const chance = 4 / catalogue.length;
    console.log(
      `${multiLine} of ${orders.size} orders have several lines; ` +
        `${(rate * 100).toFixed(1)}% of line pairs are complements`,
    );
    expect(multiLine / orders.size).toBeGreaterThan(0.2);
    expect(rate).toBeGreaterThan(0.2);
    expect(rate / chance).toBeGreaterThan(100);
  });

  it('views complements right after each other far above chance', () => {
    let pairs = 0;
    let complementFollows = 0;
    for (const s of sessions.values()) {
      for (let i = 1; i < s.views.length; i++) {
        pairs++;
        if (sim.complementsOf(s.views[i - 1]!).includes(s.views[i]!)) complementFollows++;
      }
    }
    expect(complementFollows / pairs).toBeGreaterThan(0.05);
  });

  it('draws search words from category and brand vocabulary', () => {
    const words = new Set<string>();
    for (const item of catalogue) words.add(String(item.attributes!.brand));
    const searches = events.filter((e) => e.type === 'search');
    expect(searches.length).toBeGreaterThan(1_000);
    let withBrand = 0;
    for (const e of searches) {
      if (e.type === 'search' && e.query.split(' ').some((w) => words.has(w))) withBrand++;
    }
    expect(withBrand / searches.length).toBeGreaterThan(0.2);
    expect(withBrand / searches.length).toBeLessThan(0.6);
  });

  it('has anonymous sessions as well as users who come back', () => {
    const perUser = new Map<string, number>();
    let anonymous = 0;
    for (const s of sessions.values()) {
      if (s.user === undefined) anonymous++;
      else perUser.set(s.user, (perUser.get(s.user) ?? 0) + 1);
    }
    expect(anonymous / sessions.size).toBeGreaterThan(0.05);
    expect(anonymous / sessions.size).toBeLessThan(0.15);
    expect(Math.max(...perUser.values())).toBeGreaterThan(10);
  });
});
