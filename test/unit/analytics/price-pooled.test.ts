/**
 * Pooled elasticities on a simulated shop whose truths are known: categories with their own
 * mean elasticity, items scattered around it, and items with much, little or no price data.
 */
import { describe, expect, it } from 'vitest';
import { estimateElasticity, isRefusal } from '../../../engine/analytics/price/elasticity.js';
import { poolElasticities, type PoolInput } from '../../../engine/analytics/price/pooled.js';
import { Rng } from '../../../src/sim/index.js';
import { poisson } from './poisson.js';

type Kind = 'rich' | 'thin' | 'flat';

function sales(rng: Rng, e: number, kind: Kind) {
  const days = kind === 'rich' ? 365 : kind === 'thin' ? 40 : 60;
  const base = kind === 'rich' ? 50 : 4;
  const levels = kind === 'flat' ? [10] : kind === 'rich' ? [8, 9, 10, 11, 12] : [9, 10, 11];
  const points: { units: number; price: number; period: number }[] = [];
  let price = 10;
  for (let d = 0; d < days; d++) {
    if (d % 7 === 0) price = levels[rng.int(levels.length)]!;
    const lambda = base * (price / 10) ** e * Math.exp(0.1 * rng.normal());
    points.push({ units: poisson(rng, lambda), price, period: d });
  }
  return points;
}

describe('poolElasticities', () => {
  it('gives every item an estimate, closer to the truth than its own where data are thin', () => {
    const rng = new Rng(21);
    const truth = new Map<string, number>();
    const kinds = new Map<string, Kind>();
    const inputs: PoolInput[] = [];
    let refusedAlone = 0;
    for (let c = 0; c < 12; c++) {
      const mean = -0.8 - 2.2 * rng.next();
      for (let i = 0; i < 25; i++) {
        const item = `c${c}-i${i}`;
        const e = mean + 0.3 * rng.normal();
        const r = rng.next();
        const kind: Kind = r < 0.3 ? 'rich' : r < 0.8 ? 'thin' : 'flat';
        const points = sales(rng, e, kind);
        if (isRefusal(estimateElasticity(points))) refusedAlone++;
        const own = estimateElasticity(points, { maxCiWidth: Infinity });
        truth.set(item, e);
        kinds.set(item, kind);
        inputs.push({
          item,
          group: `c${c}`,
          own: isRefusal(own) ? null : { elasticity: own.elasticity, se: own.se },
        });
      }
    }
    const pooled = poolElasticities(inputs);
    expect(pooled.items).toHaveLength(inputs.length);
    // Alone, the per-item rule refuses many; pooled, none is left without an answer.
    expect(refusedAlone / inputs.length).toBeGreaterThan(0.4);
    expect(pooled.groups.filter((g) => g.group !== '*')).toHaveLength(12);

    let covered = 0;
    let ownErr = 0;
    let poolErr = 0;
    let thin = 0;
    let richShrink = 0;
    let rich = 0;
    for (const p of pooled.items) {
      const e = truth.get(p.item)!;
      if (p.ci95[0] <= e && e <= p.ci95[1]) covered++;
      if (p.own !== null && kinds.get(p.item) === 'thin') {
        thin++;
        ownErr += (p.own.elasticity - e) ** 2;
        poolErr += (p.elasticity - e) ** 2;
      }
      if (kinds.get(p.item) === 'rich') {
        rich++;
        richShrink += p.shrinkage;
      }
      if (kinds.get(p.item) === 'flat') expect(p.source).toBe('group');
    }
    const coverage = covered / pooled.items.length;
    // The figures docs/evaluation.md quotes, from this fixed seed.
    console.log(
      `pooled elasticities: ${((100 * refusedAlone) / inputs.length).toFixed(0)}% refused alone, ` +
        `coverage ${(100 * coverage).toFixed(1)}%, thin-item RMSE ` +
        `${Math.sqrt(ownErr / thin).toFixed(2)} → ${Math.sqrt(poolErr / thin).toFixed(2)}`,
    );
    expect(coverage).toBeGreaterThan(0.88);
    expect(coverage).toBeLessThan(0.995);
    expect(thin).toBeGreaterThan(50);
    // Thin items: the pooled estimate's error is well below their own.
    expect(Math.sqrt(poolErr / thin)).toBeLessThan(0.7 * Math.sqrt(ownErr / thin));
    // Rich items mostly keep their own estimate.
    expect(richShrink / rich).toBeLessThan(0.3);
  });

  it("recovers a category's mean and spread, and falls back to the shop for small ones", () => {
    const rng = new Rng(5);
    const inputs: PoolInput[] = [];
    for (let i = 0; i < 400; i++) {
      const e = -2 + 0.5 * rng.normal();
      const se = 0.2 + 0.3 * rng.next();
      inputs.push({ item: `a${i}`, group: 'a', own: { elasticity: e + se * rng.normal(), se } });
    }
    inputs.push({ item: 'lonely', group: 'tiny', own: { elasticity: -1, se: 0.5 } });
    inputs.push({ item: 'bare', group: 'a', own: null });
    const { groups, items } = poolElasticities(inputs);
    const a = groups.find((g) => g.group === 'a')!;
    expect(a.mean).toBeCloseTo(-2, 1);
    expect(a.tau).toBeGreaterThan(0.4);
    expect(a.tau).toBeLessThan(0.6);
    expect(items.find((x) => x.item === 'lonely')!.group).toBe('*');
    const bare = items.find((x) => x.item === 'bare')!;
    expect(bare.source).toBe('group');
    expect(bare.elasticity).toBe(a.mean);
    // The predictive interval of a new item: about the spread of the truths, ±1.96 τ.
    expect(bare.ci95[1] - bare.ci95[0]).toBeGreaterThan(2 * 1.9 * 0.4);
    expect(poolElasticities([{ item: 'x', group: undefined, own: null }]).items).toEqual([]);
  });
});
