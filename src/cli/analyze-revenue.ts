/**
 * Report section: weekly revenue, computed here from the purchase events (units × unit price)
 * since the engine keeps no revenue series, beside the value of the cancellations it never saw.
 */
import { image, type Section } from '../report/document.js';
import { date, int, pounds, table } from '../report/markdown.js';
import { lineChart } from '../report/svg-line.js';
import type { RetailData } from './analyze-retail.js';
import { buckets, dayStart, WEEK_MS, weekStart } from './analyze-time.js';

export function revenueSection(data: RetailData): Section {
  const sales = new Map<number, number>();
  const cancelled = new Map<number, number>();
  for (const e of data.events) {
    const w = weekStart(e.ts);
    sales.set(w, (sales.get(w) ?? 0) + e.quantity * e.price);
  }
  for (const c of data.cancelled) {
    const w = weekStart(c.ts);
    cancelled.set(w, (cancelled.get(w) ?? 0) + c.value);
  }
  const first = data.events[0]?.ts ?? 0;
  const last = data.events[data.events.length - 1]?.ts ?? 0;
  const weeks = buckets(first, last, weekStart, WEEK_MS).map((w) => ({
    week: w,
    sales: sales.get(w) ?? 0,
    cancelled: cancelled.get(w) ?? 0,
  }));
  // The first and last weeks are cut by the file's ends; peaks and means use full weeks only.
  const full = weeks.filter((w) => w.week >= dayStart(first) && w.week + WEEK_MS <= last);
  const ranked = [...full].sort((a, b) => b.sales - a.sales);
  const total = weeks.reduce((s, w) => s + w.sales, 0);
  const undoneValue = data.events.reduce(
    (s, e, i) => s + (data.undone[i] === 1 ? e.quantity * e.price : 0),
    0,
  );
  const totalCancelled = weeks.reduce((s, w) => s + w.cancelled, 0);
  const mean = full.length === 0 ? 0 : full.reduce((s, w) => s + w.sales, 0) / full.length;
  const peak = ranked[0];
  const chart = {
    file: 'revenue-weekly.svg',
    svg: lineChart({
      title: 'Weekly revenue (£, units × invoiced unit price, UTC weeks from Monday)',
      series: [
        { name: 'sales lines replayed', points: weeks.map((w) => ({ x: w.week, y: w.sales })) },
        {
          name: 'cancelled lines (dropped by the reader)',
          points: weeks.map((w) => ({ x: w.week, y: w.cancelled })),
        },
      ],
      marks:
        peak === undefined ? [] : [{ x: peak.week, y: peak.sales, shape: 'circle', series: 0 }],
      markLegend:
        peak === undefined ? [] : [{ shape: 'circle', label: 'best full week', colour: '#0072b2' }],
      xTime: true,
      yTitle: '£ per week',
    }),
  };
  const blocks = [
    `Revenue is not an engine answer yet, so it is summed here from the replayed purchase lines. ` +
      `Over the ${int(weeks.length)} weeks: ${pounds(total)} in sales lines and ${pounds(totalCancelled)} ` +
      `in cancelled lines. The reader drops the cancellations while the purchases they undo stay ` +
      `counted (${pounds(undoneValue)} of sales lines match a later cancellation of the same ` +
      `customer, item and quantity), so the sales line overstates net revenue by about that much.` +
      (peak === undefined
        ? ''
        : ` A full week averaged ${pounds(mean)}; the best was the week of ${date(peak.week)} ` +
          `with ${pounds(peak.sales)}.`),
    image(chart, 'Weekly revenue of the sales lines and of the cancelled lines'),
    ...(ranked.length < 6
      ? []
      : [
          'Best and worst full weeks:',
          table(
            ['week of', 'sales', 'cancelled'],
            [...ranked.slice(0, 3), ...ranked.slice(-3)].map((w) => [
              date(w.week),
              pounds(w.sales),
              pounds(w.cancelled),
            ]),
            ['left', 'right', 'right'],
          ),
        ]),
  ];
  return {
    title: 'Revenue over time',
    ...(peak !== undefined && {
      headline: `Weekly revenue averaged ${pounds(mean)} and peaked at ${pounds(peak.sales)} in the week of ${date(peak.week)}.`,
    }),
    blocks,
    charts: [chart],
    data: {
      total,
      undoneValue,
      totalCancelled,
      meanFullWeek: mean,
      weeks: weeks.map((w) => ({ ...w, week: date(w.week) })),
    },
  };
}
