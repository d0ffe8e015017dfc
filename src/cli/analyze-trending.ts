/**
 * Report section: what the engine called trending at the end of each week of the replay, and
 * the weekly units of the items it named most often.
 */
import { DEFAULT_POPULARITY } from '../../engine/models/popularity.js';
import type { PurchaseEvent, Recommendation } from '../../engine/index.js';
import { image, type Section } from '../report/document.js';
import { date, int, minute, plural, table, weekday, WEEKDAYS_PLURAL } from '../report/markdown.js';
import { lineChart, type Mark } from '../report/svg-line.js';
import type { RetailData } from './analyze-retail.js';
import { buckets, WEEK_MS, weekStart } from './analyze-time.js';

/** The engine's trending answer as it stood at the end of one week. */
export interface WeekTrend {
  /** Monday 00:00 UTC starting the week. */
  week: number;
  /** Stream time of the answer: the week's last event. */
  asOf: number;
  items: Recommendation[];
}

const CHARTED = 5;

function hours(ms: number): string {
  const h = ms / 3_600_000;
  return h >= 48 && h % 24 === 0 ? `${h / 24}-day` : `${h}-hour`;
}

/** Orders of each item's purchases in time order, to find the latest one before a time. */
function purchaseIndex(events: readonly PurchaseEvent[]) {
  const byItem = new Map<string, { ts: number[]; order: string[] }>();
  for (const e of events) {
    let it = byItem.get(e.item);
    if (it === undefined) byItem.set(e.item, (it = { ts: [], order: [] }));
    it.ts.push(e.ts);
    it.order.push(e.order);
  }
  return (item: string, at: number): string | undefined => {
    const it = byItem.get(item);
    if (it === undefined) return undefined;
    let lo = 0;
    let hi = it.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (it.ts[mid]! <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? undefined : it.order[lo - 1];
  };
}

export function trendingSection(data: RetailData, weeks: readonly WeekTrend[]): Section {
  const label = (item: string) => `${item} ${data.descriptions.get(item) ?? ''}`.trim();
  const lastOrder = purchaseIndex(data.events);
  const invoicesPerWeek = weeks
    .filter((w) => w.items.length > 0)
    .map((w) => new Set(w.items.map((r) => lastOrder(r.item, w.asOf))).size);
  const oneInvoice = invoicesPerWeek.filter((n) => n === 1).length;
  const twoOrFewer = invoicesPerWeek.filter((n) => n <= 2).length;
  const empty = weeks.filter((w) => w.items.length === 0).length;
  const p = DEFAULT_POPULARITY;
  const endDays = [0, 0, 0, 0, 0, 0, 0];
  for (const w of weeks) endDays[new Date(w.asOf).getUTCDay()]!++;
  const usual = endDays.indexOf(Math.max(...endDays));
  const lastDay = [WEEKDAYS_PLURAL[usual]!.slice(0, -1), endDays[usual]!] as const;

  const timesTrending = new Map<string, number>();
  for (const w of weeks)
    for (const r of w.items) timesTrending.set(r.item, (timesTrending.get(r.item) ?? 0) + 1);
  const unitsByWeek = new Map<string, Map<number, number>>();
  for (const e of data.events) {
    let m = unitsByWeek.get(e.item);
    if (m === undefined) unitsByWeek.set(e.item, (m = new Map()));
    const w = weekStart(e.ts);
    m.set(w, (m.get(w) ?? 0) + e.quantity);
  }
  const totalUnits = (item: string) =>
    [...(unitsByWeek.get(item)?.values() ?? [])].reduce((a, b) => a + b, 0);
  const most = [...timesTrending]
    .sort((a, b) => b[1] - a[1] || totalUnits(b[0]) - totalUnits(a[0]) || (a[0] < b[0] ? -1 : 1))
    .slice(0, CHARTED);

  const first = data.events[0]?.ts ?? 0;
  const last = data.events[data.events.length - 1]?.ts ?? 0;
  const allWeeks = buckets(first, last, weekStart, WEEK_MS);
  const marks: Mark[] = [];
  const series = most.map(([item], i) => {
    const units = unitsByWeek.get(item)!;
    for (const w of weeks) {
      if (w.items.some((r) => r.item === item)) {
        marks.push({ x: w.week, y: units.get(w.week) ?? 0, shape: 'circle', series: i });
      }
    }
    return {
      name: label(item).slice(0, 40),
      points: allWeeks.map((w) => ({ x: w, y: units.get(w) ?? 0 })),
    };
  });
  const chart = {
    file: 'trending-weekly-units.svg',
    svg: lineChart({
      title: `Weekly units of the ${most.length} items trending most often`,
      series,
      marks,
      markLegend: [{ shape: 'circle', label: 'week the item was in the trending top 5' }],
      xTime: true,
      yTitle: 'units per week',
    }),
  };

  // Units later cancelled, per item and week: a trend made of a cancelled order deserves a flag.
  const cancelledByWeek = new Map<string, number>();
  data.events.forEach((e, i) => {
    if (data.undone[i] === 0) return;
    const key = `${e.item} ${weekStart(e.ts)}`;
    cancelledByWeek.set(key, (cancelledByWeek.get(key) ?? 0) + e.quantity);
  });
  const mostlyCancelled = (item: string, week: number) =>
    (cancelledByWeek.get(`${item} ${week}`) ?? 0) * 2 >= (unitsByWeek.get(item)?.get(week) ?? 0);
  const flagged: string[] = [];
  const rows = weeks.map((w) => {
    const [top, ...rest] = w.items;
    const cancelled = top !== undefined && mostlyCancelled(top.item, w.week);
    if (cancelled) flagged.push(`${label(top.item)} (week of ${date(w.week)})`);
    return [
      date(w.week),
      `${weekday(w.asOf)} ${minute(w.asOf).slice(5)}`,
      top === undefined ? '(nothing trending)' : `${label(top.item)}${cancelled ? ' ¹' : ''}`,
      top === undefined ? '' : top.reason.replace(/^trending: /, ''),
      rest.map((r) => r.item).join(', '),
    ];
  });
  const blocks = [
    `At the end of every week (weeks start on Monday, UTC) the replay asked the engine for ` +
      `\`trending({k: 5})\`: items whose recent activity (${hours(p.shortHalfLifeMs)} half-life) ` +
      `stands out against their longer-run rate (${hours(p.longHalfLifeMs)} half-life), as a Poisson ` +
      `z-score of at least ${p.minTrendZ} with at least ${p.minTrendSupport} weighted interactions. ` +
      `Stream time at a week's end is the week's last invoice (on a ${lastDay[0]} in ` +
      `${int(lastDay[1])} of ${plural(weeks.length, 'week')}), so each list says what the last ` +
      `hours of trading lifted, not what rose over the week.`,
    `The engine named ${int(new Set(timesTrending.keys()).size)} distinct items over ` +
      `${int(weeks.length)} weeks` +
      (empty > 0 ? ` (nothing trending at ${int(empty)} week ends)` : '') +
      `. In ${int(twoOrFewer)} of ${int(invoicesPerWeek.length)} weeks the five items' latest ` +
      `purchases came from at most two invoices (${plural(oneInvoice, 'week')}: all five from one). On ` +
      `wholesale data, where one invoice holds dozens of lines, an hour-scale trend is mostly ` +
      `"what the last big order contained"; a weekly view of trends would need a half-life of days.`,
    image(
      chart,
      'Weekly units of the items that trended most often, with the weeks they trended marked',
    ),
    `Most often trending: ` +
      most.map(([item, n]) => `${label(item)} (${plural(n, 'week')})`).join('; ') +
      '.',
    'The top item at each week end (the lift is the short-window count over what the baseline expects):',
    table(['week of', 'as of (UTC)', 'top trending item', 'lift', 'the other four'], rows),
    ...(flagged.length === 0
      ? []
      : [
          `¹ At least half of the item's units that week were cancelled later (on \`C\` invoices, ` +
            `which the reader drops while the purchases stay): ${flagged.join('; ')}.`,
        ]),
  ];
  return {
    title: 'Weekly trending products',
    headline:
      `Trending at a week's end mostly names the lines of its last big invoices: in ` +
      `${int(twoOrFewer)} of ${int(invoicesPerWeek.length)} weeks the top five came from at most two invoices.`,
    blocks,
    charts: [chart],
    data: {
      weeks: weeks.map((w) => ({
        week: date(w.week),
        asOf: w.asOf,
        items: w.items.map((r) => ({ ...r, description: data.descriptions.get(r.item) ?? null })),
        invoices:
          w.items.length === 0 ? 0 : new Set(w.items.map((r) => lastOrder(r.item, w.asOf))).size,
      })),
      mostOften: most.map(([item, weeksTrending]) => ({ item, weeks: weeksTrending })),
    },
  };
}
