/**
 * Report section: weekly revenue as the engine answered it during the replay (`engine.revenue`,
 * exact in cents), checked against the replayed purchase lines, beside the value netted out.
 */
import type { Engine, RevenueResult, RevenueView } from '../../engine/index.js';
import { image, type Section } from '../report/document.js';
import { date, fixed, int, plural, pounds, table } from '../report/markdown.js';
import { lineChart } from '../report/svg-line.js';
import type { RetailData } from './analyze-retail.js';
import { buckets, dayStart, WEEK_MS, weekStart } from './analyze-time.js';

const MINUTE_MS = 60_000;

/** The engine's revenue answers at the close of one week of the replay. */
export interface WeekRevenue {
  /** Monday 00:00 UTC starting the week. */
  week: number;
  /** Stream time of the answers: the week's last event. */
  asOf: number;
  /** From `week` to the end of the engine's bucket holding `asOf`: the week's revenue. */
  revenue: RevenueResult;
  /** The plain 7-day window ending with that bucket, as a live dashboard would ask. */
  last7d: RevenueResult;
}

/** `1-hour`, `1-minute`: a bucket width in words. */
function bucketName(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}-hour`;
  if (ms % MINUTE_MS === 0) return `${ms / MINUTE_MS}-minute`;
  return `${ms / 1000}-second`;
}

function total(view: RevenueView): RevenueResult {
  if ('points' in view) throw new Error('revenue: expected a total, got a series');
  return view;
}

/**
 * The engine's revenue for the week starting at `week` (a Monday 00:00 UTC), asked at the week's
 * close. The window is the time since `week` rounded up to whole minutes; the engine rounds it up
 * to its bucket width and ends it with the bucket holding stream time, so it starts at `week`
 * exactly (checked) and successive weeks tile the stream.
 */
export function weekRevenue(engine: Engine, week: number): WeekRevenue {
  const asOf = engine.stats().streamTime ?? week;
  const minutes = Math.max(1, Math.ceil((asOf + 1 - week) / MINUTE_MS));
  const revenue = total(engine.analytics.revenue({ window: `${minutes}m` }));
  if (revenue.from !== week) {
    throw new Error(
      `revenue: the window since ${date(week)} starts at ${new Date(revenue.from).toISOString()}`,
    );
  }
  return { week, asOf, revenue, last7d: total(engine.analytics.revenue({ window: '7d' })) };
}

export function revenueSection(data: RetailData, closes: readonly WeekRevenue[]): Section {
  const byWeek = new Map(closes.map((c) => [c.week, c]));
  const netted = new Map<number, number>();
  for (const e of data.netted) {
    const w = weekStart(e.ts);
    netted.set(w, (netted.get(w) ?? 0) + e.quantity * e.price);
  }
  const first = data.events[0]?.ts ?? 0;
  const last = data.events[data.events.length - 1]?.ts ?? 0;
  // Weeks without a single sale (the Christmas closure) had no close to ask at: zero.
  const weeks = buckets(first, last, weekStart, WEEK_MS).map((w) => {
    const r = byWeek.get(w)?.revenue;
    return {
      week: w,
      revenue: r?.revenue ?? 0,
      orders: r?.orders ?? 0,
      lines: r?.lines ?? 0,
      netted: netted.get(w) ?? 0,
    };
  });
  const engineTotal = closes.reduce((s, c) => s + c.revenue.revenue, 0);
  const replayedTotal = data.events.reduce((s, e) => s + e.quantity * e.price, 0);
  const difference = engineTotal - replayedTotal;
  const overlaps = closes
    .map((c) => ({ week: c.week, extra: c.last7d.revenue - c.revenue.revenue }))
    .filter((o) => o.extra >= 0.005);
  const doubleCounted = overlaps.reduce((s, o) => s + o.extra, 0);
  const nettedTotal = weeks.reduce((s, w) => s + w.netted, 0);
  // The first and last weeks are cut by the file's ends, and a week without a single sale was a
  // closure: peaks and means use full weeks of trading only.
  const full = weeks.filter(
    (w) => w.week >= dayStart(first) && w.week + WEEK_MS <= last && w.lines > 0,
  );
  const closed = weeks.filter((w) => w.lines === 0);
  const agree =
    Math.abs(difference) < 0.005 ? 'to the penny' : `within £${fixed(Math.abs(difference), 2)}`;
  const ranked = [...full].sort((a, b) => b.revenue - a.revenue);
  const mean = full.length === 0 ? 0 : full.reduce((s, w) => s + w.revenue, 0) / full.length;
  const peak = ranked[0];
  const widths = [...new Set(closes.map((c) => c.revenue.resolution))].sort((a, b) => b - a);
  const bucket = widths.map((w) => `${bucketName(w)} bucket`).join(' (or the ') || 'bucket';
  const chart = {
    file: 'revenue-weekly.svg',
    svg: lineChart({
      title: 'Weekly revenue (£, from the engine; UTC weeks from Monday)',
      series: [
        {
          name: 'revenue replayed (engine.revenue)',
          points: weeks.map((w) => ({ x: w.week, y: w.revenue })),
        },
        {
          name: 'purchases netted out (undone by a later cancellation)',
          points: weeks.map((w) => ({ x: w.week, y: w.netted })),
        },
      ],
      marks:
        peak === undefined ? [] : [{ x: peak.week, y: peak.revenue, shape: 'circle', series: 0 }],
      markLegend:
        peak === undefined ? [] : [{ shape: 'circle', label: 'best full week', colour: '#0072b2' }],
      xTime: true,
      yTitle: '£ per week',
    }),
  };
  const blocks = [
    `Weekly revenue is the engine's answer, asked live during the replay: at each week's close ` +
      `(its last invoice) \`engine.revenue\` summed, in whole cents, the window from the week's ` +
      `Monday 00:00 UTC to the end of the ${bucket}${widths.length > 1 ? ')' : ''} holding that ` +
      `invoice. These windows tile the stream, and the figures check out: the ` +
      `${plural(closes.length, 'weekly figure')} add up to ${pounds(engineTotal)} and the replayed ` +
      `purchase lines to ${pounds(replayedTotal)}: they agree ${agree}.` +
      (overlaps.length === 0
        ? ''
        : ` A plain \`window: '7d'\` asked at the same moment is no weekly total: it reaches back ` +
          `into the week before whenever that week traded later into its last day, as in ` +
          `${int(overlaps.length)} of ${int(closes.length)} weeks (${pounds(doubleCounted)} counted twice).`),
    `The ${pounds(nettedTotal)} of purchases netted out before the replay are in no engine figure; ` +
      `the chart shows them in the week they were bought.` +
      (peak === undefined
        ? ''
        : ` A full week of trading averaged ${pounds(mean)}; the best was the week of ` +
          `${date(peak.week)} with ${pounds(peak.revenue)}.`) +
      (closed.length === 0
        ? ''
        : ` The shop sold nothing in the week${closed.length === 1 ? '' : 's'} of ` +
          `${closed.map((w) => date(w.week)).join(', ')}.`),
    image(chart, 'Weekly revenue from the engine, and the purchases netted out'),
    ...(ranked.length < 6
      ? []
      : [
          'Best and worst full weeks of trading:',
          table(
            ['week of', 'revenue', 'orders', 'lines', 'netted out'],
            [...ranked.slice(0, 3), ...ranked.slice(-3)].map((w) => [
              date(w.week),
              pounds(w.revenue),
              int(w.orders),
              int(w.lines),
              w.netted === 0 ? '' : pounds(w.netted),
            ]),
            ['left', 'right', 'right', 'right', 'right'],
          ),
        ]),
  ];
  return {
    title: 'Revenue over time',
    ...(peak !== undefined && {
      headline:
        `Weekly revenue from the engine averaged ${pounds(mean)} and peaked at ` +
        `${pounds(peak.revenue)} in the week of ${date(peak.week)}; the weekly figures add up to ` +
        `the replayed lines ${agree}.`,
    }),
    blocks,
    charts: [chart],
    data: {
      engineTotal,
      replayedTotal,
      difference,
      nettedTotal,
      meanFullWeek: mean,
      weeksWhere7dOverlaps: overlaps.length,
      doubleCountedBy7d: doubleCounted,
      weeks: closes.map((c) => ({
        week: date(c.week),
        asOf: c.asOf,
        from: c.revenue.from,
        to: c.revenue.to,
        resolution: c.revenue.resolution,
        revenue: c.revenue.revenue,
        units: c.revenue.units,
        lines: c.revenue.lines,
        orders: c.revenue.orders,
        last7d: c.last7d.revenue,
        netted: netted.get(c.week) ?? 0,
      })),
    },
  };
}
