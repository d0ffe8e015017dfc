/**
 * Pooled elasticities: items with little data borrow strength from the other items of their
 * category.
 *
 * Each category is a random-effects model: the items' true elasticities scatter around the
 * category's mean μ with variance τ², and each item's own estimate scatters around its truth with
 * its own variance se². μ and τ² come from the items' own estimates (DerSimonian-Laird, the
 * standard moment estimator of meta-analysis); then every item gets the empirical-Bayes estimate
 *
 *     e* = (1 − B) · e + B · μ,     B = se² / (se² + τ²),
 *
 * weighted by how much its own data say against how much the category varies, with variance
 * (1 − B) · se² + B² · se(μ)². An item whose own data say much (se small) keeps its estimate; an
 * item whose data say little moves towards its category. An item without an estimate of its own
 * (no price variation, too few days) gets the category's predictive interval, μ ± t · √(τ² +
 * se(μ)²): what a new item of that category is likely to have, honestly wide.
 *
 * A category with fewer than `minGroup` own estimates pools with the whole shop instead. Own
 * estimates enter with their standard errors whatever their width (the per-item rule that
 * refuses an interval wider than 2 is for a figure shown alone; pooled, a wide estimate only
 * gets a small weight).
 */
import { studentTQuantile } from './elasticity.js';

/** One item to pool: its category (undefined: none) and its own estimate, if it has one. */
export interface PoolInput {
  item: string;
  group: string | undefined;
  own: { elasticity: number; se: number } | null;
}

/** A category's fit: the mean of its items' elasticities and how much they vary. */
export interface GroupFit {
  /** The category, or '*' for the whole shop. */
  group: string;
  /** Items with an own estimate in the fit. */
  items: number;
  mean: number;
  /** Standard error of the mean. */
  seMean: number;
  /** Standard deviation of the true elasticities around the mean (√τ²). */
  tau: number;
}

export interface PooledElasticity {
  item: string;
  elasticity: number;
  se: number;
  ci95: [number, number];
  /** 'own+group': the item's estimate shrunk towards its group's mean; 'group': the group's alone. */
  source: 'own+group' | 'group';
  /** The fit it borrowed from (its category, or '*'). */
  group: string;
  /** B: the weight of the group's mean (0: the item's own estimate, 1: the group's). */
  shrinkage: number;
  own: { elasticity: number; se: number } | null;
}

export interface PooledElasticities {
  items: PooledElasticity[];
  groups: GroupFit[];
}

const SHOP = '*';

/** DerSimonian-Laird over estimates with variances; null for fewer than two. */
export function fitGroup(
  group: string,
  own: readonly { elasticity: number; se: number }[],
): GroupFit | null {
  const k = own.length;
  if (k < 2) return null;
  let sw = 0;
  let sw2 = 0;
  let swe = 0;
  for (const o of own) {
    const w = 1 / (o.se * o.se);
    sw += w;
    sw2 += w * w;
    swe += w * o.elasticity;
  }
  const fixedMean = swe / sw;
  let q = 0;
  for (const o of own) q += ((o.elasticity - fixedMean) / o.se) ** 2;
  const c = sw - sw2 / sw;
  const tau2 = c > 0 ? Math.max(0, (q - (k - 1)) / c) : 0;
  let sws = 0;
  let swse = 0;
  for (const o of own) {
    const w = 1 / (o.se * o.se + tau2);
    sws += w;
    swse += w * o.elasticity;
  }
  return { group, items: k, mean: swse / sws, seMean: Math.sqrt(1 / sws), tau: Math.sqrt(tau2) };
}

/**
 * Pools every item's estimate with its category's (or, where the category has fewer than
 * `minGroup` own estimates, the whole shop's). Items without an own estimate get the group's
 * predictive interval; with no group of at least two estimates they are left out. O(items).
 */
export function poolElasticities(
  inputs: readonly PoolInput[],
  options: { minGroup?: number } = {},
): PooledElasticities {
  const minGroup = Math.max(2, options.minGroup ?? 5);
  const usable = (o: PoolInput['own']): o is { elasticity: number; se: number } =>
    o !== null && Number.isFinite(o.elasticity) && o.se > 0 && Number.isFinite(o.se);
  const byGroup = new Map<string, { elasticity: number; se: number }[]>();
  const all: { elasticity: number; se: number }[] = [];
  for (const x of inputs) {
    if (!usable(x.own)) continue;
    all.push(x.own);
    if (x.group === undefined) continue;
    let list = byGroup.get(x.group);
    if (list === undefined) byGroup.set(x.group, (list = []));
    list.push(x.own);
  }
  const fits = new Map<string, GroupFit>();
  const shop = fitGroup(SHOP, all);
  if (shop !== null) fits.set(SHOP, shop);
  for (const [g, list] of byGroup) {
    if (list.length < minGroup) continue;
    const f = fitGroup(g, list);
    if (f !== null) fits.set(g, f);
  }
  const items: PooledElasticity[] = [];
  for (const x of inputs) {
    const g = (x.group !== undefined ? fits.get(x.group) : undefined) ?? shop;
    if (g === null || g === undefined) continue;
    items.push(pooledFor(x.item, usable(x.own) ? x.own : null, g));
  }
  return { items, groups: [...fits.values()] };
}

/** One item's pooled estimate under its group's fit: shrunk when it has its own, else the group's. */
export function pooledFor(
  item: string,
  own: { elasticity: number; se: number } | null,
  g: GroupFit,
): PooledElasticity {
  const tau2 = g.tau * g.tau;
  // Degrees of freedom of the group's spread: its items less the mean.
  const t = studentTQuantile(0.975, Math.max(1, g.items - 1));
  if (own !== null && own.se > 0 && Number.isFinite(own.se) && Number.isFinite(own.elasticity)) {
    const v = own.se * own.se;
    const b = v / (v + tau2);
    const e = (1 - b) * own.elasticity + b * g.mean;
    const se = Math.sqrt((1 - b) * v + b * b * g.seMean * g.seMean);
    const z = b === 0 ? 1.959964 : t;
    return {
      item,
      elasticity: e,
      se,
      ci95: [e - z * se, e + z * se],
      source: 'own+group',
      group: g.group,
      shrinkage: b,
      own: { ...own },
    };
  }
  const se = Math.sqrt(tau2 + g.seMean * g.seMean);
  return {
    item,
    elasticity: g.mean,
    se,
    ci95: [g.mean - t * se, g.mean + t * se],
    source: 'group',
    group: g.group,
    shrinkage: 1,
    own: null,
  };
}
