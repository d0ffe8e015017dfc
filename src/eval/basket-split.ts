/**
 * Temporal split and targets for next-basket evaluation on purchase logs (Online Retail).
 *
 * Split: the test period is the last `testDays` days of the data, ending at the last event;
 * training is everything before. The validation split repeats the cut inside training only, so
 * tuning never sees the test period. A whole order falls on one side, by the time of its earliest
 * line (an invoice can span a minute change); an order placed exactly at the boundary is test.
 *
 * What is evaluated:
 * - known customers, who bought both in training and in the test period: their targets are the
 *   distinct items they bought in the test period, split into `repeat` (they bought it in
 *   training too) and `new` (they did not);
 * - cold customers, first seen in the test period: counted and scored on their own, since only
 *   popularity-style recommenders have anything to go on;
 * - bought-together: every test order of an identified customer with at least two distinct
 *   items gives one case, one item hidden (chosen by a seeded hash of the order id, so a case
 *   does not depend on iteration order) and the rest as the query.
 * Purchases without a customer stay in training, where they still teach co-occurrence and
 * popularity; in the test period there is nobody to score them for, so they are not evaluated.
 */
import type { PurchaseEvent } from '../../engine/events.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export type BasketSplitMode = 'test' | 'validation';

export interface BasketSplitOptions {
  /** 'test' (default) holds out the last `testDays`; 'validation' cuts again inside training. */
  mode?: BasketSplitMode;
  /** Length of the test period in days (default 30). */
  testDays?: number;
  /** Length of the validation period in days, carved from training (default 30). */
  validationDays?: number;
}

/** Training and test events of one split, each in input order, plus where the cut fell. */
export interface BasketSplit {
  mode: BasketSplitMode;
  train: PurchaseEvent[];
  test: PurchaseEvent[];
  /** Orders placed at or after this time (epoch ms) are test. */
  boundary: number;
}

/** Earliest line time of every order: an order is placed once, whatever its lines say. */
function orderTimes(events: readonly PurchaseEvent[]): Map<string, number> {
  const times = new Map<string, number>();
  for (const e of events) {
    const t = times.get(e.order);
    if (t === undefined || e.ts < t) times.set(e.order, e.ts);
  }
  return times;
}

function cut(
  events: readonly PurchaseEvent[],
  days: number,
  times: ReadonlyMap<string, number>,
): { train: PurchaseEvent[]; test: PurchaseEvent[]; boundary: number } {
  if (events.length === 0) throw new Error('basket split: no events to split');
  if (!(days > 0)) throw new Error(`basket split: period of ${days} days`);
  let last = -Infinity;
  for (const e of events) if (e.ts > last) last = e.ts;
  const boundary = last - days * DAY_MS;
  const train: PurchaseEvent[] = [];
  const test: PurchaseEvent[] = [];
  for (const e of events) (times.get(e.order)! >= boundary ? test : train).push(e);
  return { train, test, boundary };
}

/** Splits purchases in time; see the file header for what each side is used for. */
export function splitBaskets(
  events: readonly PurchaseEvent[],
  opts: BasketSplitOptions = {},
): BasketSplit {
  const mode = opts.mode ?? 'test';
  const times = orderTimes(events);
  const outer = cut(events, opts.testDays ?? 30, times);
  if (mode === 'test') return { mode, ...outer };
  if (outer.train.length === 0) throw new Error('basket split: nothing before the test period');
  return { mode, ...cut(outer.train, opts.validationDays ?? 30, times) };
}

/** Distinct test-period items of one known customer. */
export interface CustomerTargets {
  user: string;
  all: ReadonlySet<string>;
  /** Also bought by this customer in training. */
  repeat: ReadonlySet<string>;
  /** Not bought by this customer in training. */
  new: ReadonlySet<string>;
}

/** Who is scored for next-basket: known customers with their targets, cold ones apart. */
export interface BasketTargets {
  known: CustomerTargets[];
  /** First seen in the test period: all their items are new, so `repeat` is empty. */
  cold: CustomerTargets[];
}

function itemsByUser(events: readonly PurchaseEvent[]): Map<string, Set<string>> {
  const byUser = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.user === undefined) continue;
    let items = byUser.get(e.user);
    if (items === undefined) byUser.set(e.user, (items = new Set()));
    items.add(e.item);
  }
  return byUser;
}

/** Targets per customer, in order of first test purchase. */
export function customerTargets(split: BasketSplit): BasketTargets {
  const history = itemsByUser(split.train);
  const known: CustomerTargets[] = [];
  const cold: CustomerTargets[] = [];
  for (const [user, all] of itemsByUser(split.test)) {
    const past = history.get(user);
    const repeat = new Set<string>();
    const fresh = new Set<string>();
    for (const item of all) (past?.has(item) === true ? repeat : fresh).add(item);
    (past === undefined ? cold : known).push({ user, all, repeat, new: fresh });
  }
  return { known, cold };
}

/** One bought-together case: complete `query` with `hidden`. */
export interface BasketCase {
  order: string;
  query: string[];
  hidden: string;
}

/** FNV-1a of a string, then a splitmix32 finaliser so nearby seeds and ids spread out. */
function seededHash(text: string, seed: number): number {
  let h = 0x811c9dc5 ^ (Math.trunc(seed) >>> 0);
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h = (h + 0x9e3779b9) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Which of `n` items to hide for `order` under `seed`. */
export function hiddenIndex(order: string, n: number, seed: number): number {
  return Math.floor((seededHash(order, seed) / 4294967296) * n);
}

/**
 * Bought-together cases from the test orders of identified customers, in order of first line;
 * items keep first-appearance order and orders with fewer than two distinct items give none.
 */
export function basketCases(split: BasketSplit, seed = 1): BasketCase[] {
  const orders = new Map<string, Set<string>>();
  for (const e of split.test) {
    if (e.user === undefined) continue;
    let items = orders.get(e.order);
    if (items === undefined) orders.set(e.order, (items = new Set()));
    items.add(e.item);
  }
  const cases: BasketCase[] = [];
  for (const [order, distinct] of orders) {
    if (distinct.size < 2) continue;
    const items = [...distinct];
    const h = hiddenIndex(order, items.length, seed);
    cases.push({ order, hidden: items[h]!, query: items.filter((_, i) => i !== h) });
  }
  return cases;
}
