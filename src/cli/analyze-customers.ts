/**
 * Report section: the engine's RFM customer segments and basket statistics at the end of the
 * replay, with a chart of each segment's share of customers and of revenue.
 */
import type { BasketStats, SegmentsView } from '../../engine/index.js';
import { image, type Section } from '../report/document.js';
import { date, fixed, int, percent, pounds, table } from '../report/markdown.js';
import { groupedBarChart } from '../report/svg-bar.js';
import type { RetailData } from './analyze-retail.js';

/** The engine's answers the section reads, taken when the replay ends. */
export interface CustomerFigures {
  segments: SegmentsView;
  baskets: BasketStats;
}

const share = (r: number | null) => (r === null ? '' : percent(r));
/** `1, 2, 3 and 5`. */
function list(values: readonly number[], format: (v: number) => string): string {
  const parts = values.map(format);
  return parts.length < 2
    ? parts.join('')
    : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

export function customersSection(data: RetailData, figures: CustomerFigures): Section {
  const { segments: seg, baskets: b } = figures;
  const present = seg.segments.filter((s) => s.customers > 0);
  const byShare = [...present].sort((x, y) => (y.revenueShare ?? 0) - (x.revenueShare ?? 0));
  const top = byShare[0];
  const anonymous = data.events.filter((e) => e.user === undefined);
  const anonymousValue = anonymous.reduce((s, e) => s + e.quantity * e.price, 0);
  const chart = {
    file: 'customer-segments.svg',
    svg: groupedBarChart({
      title: 'RFM segments: share of customers and of their revenue',
      series: ['customers', 'revenue'],
      groups: present.map((s) => ({
        label: s.segment,
        values: [(s.customerShare ?? 0) * 100, (s.revenueShare ?? 0) * 100],
        notes: [share(s.customerShare), share(s.revenueShare)],
      })),
      valueTitle: '% of customers (with an id) and of their revenue',
      format: (v) => `${int(v)}%`,
    }),
  };
  const c = seg.cuts;
  const blocks = [
    `At the end of the replay (stream time ${date(seg.computedAt)}) \`segments({fresh: true})\` ` +
      `scored the ${int(seg.customers)} customers with an id by quintiles of recency, frequency ` +
      `(orders) and monetary value (spend), and named their segments from R and the mean of F and ` +
      `M. The scores step up at a last purchase under ${list(c.recencyDays, (d) => fixed(d, 0))} ` +
      `days ago, more than ${list(c.frequency, (n) => int(n))} orders, and more than ` +
      `${list(c.monetary, (v) => pounds(v))} spent. Anonymous lines ` +
      `(${pounds(anonymousValue)}, ${percent(anonymousValue / Math.max(1, b.revenue))} of revenue) ` +
      `belong to no customer and are left out of the segments, not of the baskets.`,
    table(
      [
        'segment',
        'customers',
        'share',
        'revenue share',
        'mean recency (days)',
        'mean orders',
        'mean spend',
      ],
      present.map((s) => [
        s.segment,
        int(s.customers),
        share(s.customerShare),
        share(s.revenueShare),
        s.recencyDays === null ? '' : fixed(s.recencyDays, 0),
        s.frequency === null ? '' : fixed(s.frequency, 1),
        s.monetary === null ? '' : pounds(s.monetary),
      ]),
      ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ),
    image(chart, 'Share of customers and of revenue per RFM segment'),
    `\`basketStats()\` over all ${int(b.orders)} orders, anonymous ones included: ` +
      `${fixed(b.linesPerOrder ?? 0, 1)} lines per order (median ${int(b.basketLines?.median ?? 0)}, ` +
      `90th percentile ${int(b.basketLines?.p90 ?? 0)}); order value mean ${pounds(b.meanOrderValue ?? 0)}, ` +
      `median ${pounds(b.orderValue?.median ?? 0)}, 90th percentile ${pounds(b.orderValue?.p90 ?? 0)} ` +
      `(quantiles within ${percent(b.relativeError)}); ${share(b.singleLineShare)} of orders hold a ` +
      `single line. A mean well above the median is the wholesaler's few large orders.`,
  ];
  return {
    title: 'Customers and baskets',
    ...(top !== undefined && {
      headline:
        `The ${top.segment} segment, ${share(top.customerShare)} of ${int(seg.customers)} customers, ` +
        `brought ${share(top.revenueShare)} of their revenue; the median order was ` +
        `${pounds(b.orderValue?.median ?? 0)} (mean ${pounds(b.meanOrderValue ?? 0)}) with ` +
        `${int(b.basketLines?.median ?? 0)} lines.`,
    }),
    blocks,
    charts: [chart],
    data: { segments: seg, baskets: b, anonymousLines: anonymous.length, anonymousValue },
  };
}
