/**
 * Report section: own-price elasticity from the engine's price report for every item sold at
 * more than one price, how many the engine estimated and why it refused the rest.
 */
import {
  DEFAULT_ELASTICITY,
  DEFAULT_PRICE_HISTORY,
  type ElasticityEstimate,
} from '../../engine/analytics/price/index.js';
import type { Engine } from '../../engine/index.js';
import { image, type Section } from '../report/document.js';
import { fixed, int, percent, table } from '../report/markdown.js';
import { histogramChart } from '../report/svg-histogram.js';
import { itemLabel, itemsWithPriceVariation, type RetailData } from './analyze-retail.js';
import { quantile } from './analyze-stats.js';

/** Refusals grouped by cause; the engine's own words go in the example column. */
const CAUSES: readonly [RegExp, string][] = [
  [/^too few periods/, 'too few days with sales'],
  [/^no price variation/, 'one price only (in the days the history keeps)'],
  [/^not enough price variation: \d+ price level/, 'too few days at a second price'],
  [/^not enough price variation: the price levels/, 'prices too close together'],
  [/^price moved only with time/, 'price change confounded with the trend'],
  [/^estimate too uncertain/, '95% interval too wide'],
];

function cause(refusal: string): string {
  for (const [re, name] of CAUSES) if (re.test(refusal)) return name;
  return refusal.split(':')[0]!;
}

export function priceSection(data: RetailData, engine: Engine): Section {
  const varied = itemsWithPriceVariation(data);
  const estimates: { item: string; e: ElasticityEstimate }[] = [];
  const refusals = new Map<string, { n: number; example: string }>();
  for (const item of varied) {
    const r = engine.prices.report(item).elasticity;
    if ('refused' in r) {
      const c = cause(r.refused);
      const seen = refusals.get(c) ?? { n: 0, example: r.refused };
      seen.n++;
      refusals.set(c, seen);
    } else estimates.push({ item, e: r });
  }
  const values = estimates.map((x) => x.e.elasticity).sort((a, b) => a - b);
  const median = quantile(values, 0.5);
  const negative = values.filter((v) => v < 0).length;
  const elastic = values.filter((v) => v < -1).length;
  const tightest = [...estimates]
    .sort(
      (a, b) =>
        a.e.ci95[1] - a.e.ci95[0] - (b.e.ci95[1] - b.e.ci95[0]) || (a.item < b.item ? -1 : 1),
    )
    .slice(0, 10);
  const d = DEFAULT_ELASTICITY;
  const some = values.length > 0;
  const chart = some
    ? {
        file: 'elasticity-histogram.svg',
        svg: histogramChart({
          title: `Own-price elasticity estimates of ${int(values.length)} items (bins of 0.25)`,
          values,
          binWidth: 0.25,
          xTitle: 'elasticity: % change in units per 1% change in price',
          yTitle: 'items',
          markers: [
            { x: 0, label: '0: price does not matter' },
            { x: median, label: `median ${fixed(median, 2)}` },
          ],
        }),
      }
    : undefined;
  const refusalRows = [...refusals]
    .sort((a, b) => b[1].n - a[1].n)
    .map(([c, r]) => [c, int(r.n), r.example]);
  const tightestTable = table(
    ['item', 'elasticity', '95% interval', 'days', 'price levels', 'price range', 'R²'],
    tightest.map(({ item, e }) => [
      itemLabel(data, item),
      fixed(e.elasticity, 2),
      `${fixed(e.ci95[0], 2)} to ${fixed(e.ci95[1], 2)}`,
      int(e.periods),
      int(e.priceLevels),
      `£${fixed(e.priceRange[0], 2)}–£${fixed(e.priceRange[1], 2)}`,
      fixed(e.r2, 2),
    ]),
    ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
  );
  const blocks = [
    `For each of the ${int(varied.length)} items sold at more than one unit price, the engine's ` +
      `\`priceReport\` regressed log daily units on log mean price paid, with a time trend, over ` +
      `the last ${int(DEFAULT_PRICE_HISTORY.maxPeriods)} days its price history keeps. It reports ` +
      `an estimate with its 95% interval only when the data can carry one: at least ` +
      `${d.minPeriods} days with sales, ${d.minLevels} price levels of ${d.minPeriodsPerLevel} days ` +
      `or more at least ${percent(d.minSpread, 0)} apart, and an interval at most ${d.maxCiWidth} wide.`,
    `**${int(estimates.length)} items got an estimate and ${int(varied.length - estimates.length)} ` +
      `were refused.**` +
      (some
        ? ` Of the estimates, ${percent(negative / values.length)} are negative and ` +
          `${percent(elastic / values.length)} below −1; the median is ${fixed(median, 2)} ` +
          `(quartiles ${fixed(quantile(values, 0.25), 2)} and ${fixed(quantile(values, 0.75), 2)}).`
        : ''),
    ...(chart === undefined ? [] : [image(chart, 'Histogram of the elasticity estimates')]),
    '**Caveat: read any estimate as an upper bound on price sensitivity.** This wholesaler gives ' +
      'quantity discounts, so a day with a large order has both more units and a lower mean price ' +
      'paid; the regression reads that as demand answering price.' +
      (some
        ? ` The median of ${fixed(median, 2)} describes the price list's volume breaks at least as ` +
          'much as how customers react to a price change.'
        : ''),
    'Why estimates were refused:',
    table(['cause', 'items', "example of the engine's reason"], refusalRows, [
      'left',
      'right',
      'left',
    ]),
    ...(some ? ['The ten estimates with the tightest 95% intervals:', tightestTable] : []),
  ];
  return {
    title: 'Price elasticity',
    headline:
      `${int(estimates.length)} of ${int(varied.length)} items sold at several prices got an elasticity ` +
      `estimate` +
      (some
        ? ` (median ${fixed(median, 2)}, biased towards sensitivity by quantity discounts)`
        : '') +
      `; ${int(varied.length - estimates.length)} were refused.`,
    blocks,
    charts: chart === undefined ? [] : [chart],
    data: {
      itemsWithPriceVariation: varied.length,
      estimated: estimates.length,
      refused: varied.length - estimates.length,
      refusals: Object.fromEntries([...refusals].map(([c, r]) => [c, r.n])),
      median: some ? median : null,
      quartiles: some ? [quantile(values, 0.25), quantile(values, 0.75)] : null,
      negativeShare: values.length === 0 ? null : negative / values.length,
      estimates: estimates.map(({ item, e }) => ({ item, ...e })),
    },
  };
}
