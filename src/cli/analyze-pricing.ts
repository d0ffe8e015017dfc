/**
 * Report section: what the price analytics can say beyond one item's regression. Demand counted
 * in purchase lines instead of units (quantity discounts then stop reading as price response),
 * elasticities pooled across the shop for the items whose own data cannot carry one, and the
 * profit-maximising price of one well-measured item with its profit curve.
 */
import type { Engine, ElasticitiesView } from '../../engine/index.js';
import { image, type Chart, type Section } from '../report/document.js';
import { fixed, int, percent, table } from '../report/markdown.js';
import { lineChart } from '../report/svg-line.js';
import { itemLabel, itemsWithPriceVariation, type RetailData } from './analyze-retail.js';
import { quantile } from './analyze-stats.js';

/** The data hold no costs: the curve assumes this margin at today's price, and says so. */
const ASSUMED_MARGIN = 0.4;

function ownValues(v: ElasticitiesView, items: ReadonlySet<string>): number[] {
  const out: number[] = [];
  for (const r of v.items) {
    if (items.has(r.item) && !('refused' in r.own)) out.push(r.own.elasticity);
  }
  return out.sort((a, b) => a - b);
}

export function pricingSection(data: RetailData, engine: Engine): Section {
  const varied = new Set(itemsWithPriceVariation(data));
  const units = ownValues(engine.prices.elasticities(), varied);
  const byLines = engine.prices.elasticities({ demand: 'lines', pooled: true });
  const lines = ownValues(byLines, varied);
  const pooled = byLines.items.filter((r) => varied.has(r.item) && r.pooled !== undefined);
  const fromGroup = pooled.filter((r) => r.pooled!.source === 'group').length;
  const pooledValues = pooled.map((r) => r.pooled!.elasticity).sort((a, b) => a - b);
  const shop = byLines.groups?.find((g) => g.group === '*');
  const medUnits = units.length > 0 ? quantile(units, 0.5) : null;
  const medLines = lines.length > 0 ? quantile(lines, 0.5) : null;

  // The example: the elastic item (by lines) with the tightest own interval that sold in the
  // last two weeks, priced for profit at the assumed margin.
  const candidates = byLines.items
    .filter((r) => varied.has(r.item) && !('refused' in r.own) && r.own.elasticity < -1)
    .sort((a, b) => {
      const wa = 'refused' in a.own ? Infinity : a.own.ci95[1] - a.own.ci95[0];
      const wb = 'refused' in b.own ? Infinity : b.own.ci95[1] - b.own.ci95[0];
      return wa - wb || (a.item < b.item ? -1 : 1);
    });
  let example: { item: string; rec: ReturnType<Engine['prices']['recommend']> } | undefined;
  for (const c of candidates.slice(0, 20)) {
    const rec = engine.prices.recommend(c.item, { margin: ASSUMED_MARGIN, demand: 'lines' });
    if (!('refused' in rec)) {
      example = { item: c.item, rec };
      break;
    }
  }
  const charts: Chart[] = [];
  const blocks: string[] = [
    `Demand counted as units reads a wholesaler's quantity discounts as price response: a day ` +
      `with a big order has both more units and a lower mean price paid. Counted as purchase ` +
      `lines (orders holding the item), an order's size no longer moves the figure. Over the ` +
      `${int(varied.size)} items sold at several prices:`,
    table(
      ['demand counted as', 'items with an estimate', 'median', 'quartiles'],
      [
        [
          'units',
          int(units.length),
          medUnits === null ? '–' : fixed(medUnits, 2),
          units.length === 0
            ? '–'
            : `${fixed(quantile(units, 0.25), 2)} to ${fixed(quantile(units, 0.75), 2)}`,
        ],
        [
          'purchase lines',
          int(lines.length),
          medLines === null ? '–' : fixed(medLines, 2),
          lines.length === 0
            ? '–'
            : `${fixed(quantile(lines, 0.25), 2)} to ${fixed(quantile(lines, 0.75), 2)}`,
        ],
      ],
      ['left', 'right', 'right', 'right'],
    ),
    medUnits === null || medLines === null
      ? 'Too few estimates to compare the medians.'
      : `Counting lines moves the median from ${fixed(medUnits, 2)} to ${fixed(medLines, 2)} ` +
        `(${medLines > medUnits ? 'towards' : 'away from'} zero by ${fixed(Math.abs(medLines - medUnits), 2)}).`,
    `**Pooled.** The items' own estimates (by lines, each with its standard error, however wide) ` +
      `give the shop's mean elasticity and how much items differ around it` +
      (shop === undefined
        ? '; there were too few estimates to pool.'
        : ` (mean ${fixed(shop.mean, 2)} ± ${fixed(1.96 * shop.seMean, 2)}, spread τ = ` +
          `${fixed(shop.tau, 2)}, from ${int(shop.items)} items). Each item's estimate is then ` +
          `shrunk towards that mean by how little its own data say, and an item with no ` +
          `estimate of its own gets the shop's predictive interval. ` +
          `${int(pooled.length)} of ${int(varied.size)} items get an estimate this way ` +
          `(${int(fromGroup)} from the shop's alone, ${percent(pooled.length / Math.max(1, varied.size))} in all), ` +
          `median ${pooledValues.length > 0 ? fixed(quantile(pooledValues, 0.5), 2) : '–'}. The data have no ` +
          `categories, so the shop is the one group; with categories in the catalogue, items ` +
          `borrow from their own category.`),
  ];
  if (example !== undefined && !('refused' in example.rec)) {
    const r = example.rec;
    // The example was chosen for its own estimate, so it has one.
    const own = 'refused' in r.elasticity ? undefined : r.elasticity;
    const chart: Chart = {
      file: 'price-profit-curve.svg',
      svg: lineChart({
        title: `Expected profit a day by price: ${itemLabel(data, example.item)}`,
        series: [
          {
            name: 'expected profit a day',
            points: r.curve.map((p) => ({ x: p.price, y: p.profit })),
          },
        ],
        marks: [
          { x: r.current.price, y: r.current.profit, shape: 'circle', colour: '#555555' },
          { x: r.recommended.price, y: r.recommended.profit, shape: 'up', series: 0 },
        ],
        markLegend: [
          { shape: 'circle', label: `today, £${fixed(r.current.price, 2)}`, colour: '#555555' },
          { shape: 'up', label: `recommended, £${fixed(r.recommended.price, 2)}` },
        ],
        xTitle: 'price (£)',
        yTitle: 'expected profit a day (£)',
        dots: false,
      }),
    };
    charts.push(chart);
    blocks.push(
      `**A price for profit.** For ${itemLabel(data, example.item)} (own elasticity by lines ` +
        `${own === undefined ? '–' : fixed(own.elasticity, 2)}, 95% interval ` +
        `${own === undefined ? '–' : `${fixed(own.ci95[0], 2)} to ${fixed(own.ci95[1], 2)}`}), with the cost assumed at ${percent(1 - ASSUMED_MARGIN, 0)} ` +
        `of today's price (the data have no costs), the price that maximises expected profit ` +
        `within a 20% step and 10% beyond the observed prices is **£${fixed(r.recommended.price, 2)}** ` +
        `against £${fixed(r.current.price, 2)} today: ${fixed(r.recommended.demand, 1)} units a day ` +
        `instead of ${fixed(r.current.demand, 1)}, profit £${fixed(r.recommended.profit, 2)} instead ` +
        `of £${fixed(r.current.profit, 2)} a day${r.bound === null ? '' : ` (held by the ${r.bound} constraint)`}.`,
      image(
        chart,
        'Expected profit a day over the allowed prices, today and the recommendation marked',
      ),
    );
  } else {
    blocks.push('No elastic item with a pace of sales at its current price to price for profit.');
  }
  return {
    title: 'Price recommendation',
    headline:
      medUnits !== null && medLines !== null
        ? `Counting orders rather than units moves the median elasticity from ${fixed(medUnits, 2)} to ` +
          `${fixed(medLines, 2)}; pooled, ${int(pooled.length)} of ${int(varied.size)} items get an estimate.`
        : `Pooled, ${int(pooled.length)} of ${int(varied.size)} items get an elasticity estimate.`,
    blocks,
    charts,
    data: {
      assumedMargin: ASSUMED_MARGIN,
      medianByUnits: medUnits,
      medianByLines: medLines,
      estimatedByUnits: units.length,
      estimatedByLines: lines.length,
      pooled: pooled.length,
      pooledFromShopAlone: fromGroup,
      shop: shop ?? null,
      example:
        example === undefined || 'refused' in example.rec
          ? null
          : {
              item: example.item,
              current: example.rec.current,
              recommended: example.rec.recommended,
              bound: example.rec.bound,
            },
    },
  };
}
