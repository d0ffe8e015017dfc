/**
 * Report section: what the engine called trending at the end of each week of the replay, with
 * week-scale half-lives, and the weekly units of the items it named most often.
 */
import type { Engine, EngineOptions, PurchaseEvent, TrendingReport } from '../../engine/index.js';
import { image, type Section } from '../report/document.js';
import {
  date,
  fixed,
  int,
  minute,
  percent,
  plural,
  table,
  weekday,
  WEEKDAYS_PLURAL,
} from '../report/markdown.js';
import { lineChart, type Mark } from '../report/svg-line.js';
import { itemLabel, type RetailData } from './analyze-retail.js';
import { median } from './analyze-stats.js';
import { buckets, DAY_MS, WEEK_MS, weekStart } from './analyze-time.js';

/**
 * Popularity half-lives of the replay's engine. The defaults suit a live shop's traffic (an
 * hour-scale recent rate); on a wholesaler's invoices that only describes the last invoice, so
 * the recent rate gets half a week and the usual rate two months.
 */
export const WEEKLY_POPULARITY = {
  shortHalfLifeMs: 3.5 * DAY_MS,
  longHalfLifeMs: 8 * WEEK_MS,
} as const satisfies EngineOptions['popularity'];

/** The engine's trending answer as it stood at the end of one week. */
export interface WeekTrend {
  /** Monday 00:00 UTC starting the week. */
  week: number;
  /** Stream time of the answer: the week's last event. */
  asOf: number;
  report: TrendingReport;
}

const CHARTED = 5;
/**
 * An item first sold (in the file) less than this before a week's end counts as newly launched;
 * only week ends at least this far into the file can tell.
 */
const NEW_MS = 4 * WEEK_MS;

function halfLife(ms: number): string {
  const days = ms / DAY_MS;
  if (days >= 14 && days % 7 === 0) return `${days / 7}-week`;
  if (days >= 1) return `${fixed(days, Number.isInteger(days) ? 0 : 1)}-day`;
  return `${ms / 3_600_000}-hour`;
}

/** `a 3.5-day`, `an 8-week`: numbers said with a vowel first (eight, eleven, eighteen) take `an`. */
function article(phrase: string): string {
  return `${/^8|^1[18](\D|$)/.test(phrase) ? 'an' : 'a'} ${phrase}`;
}

/** Per item, its purchases' times and orders in time order, to count orders in a time range. */
function purchaseIndex(events: readonly PurchaseEvent[]) {
  const byItem = new Map<string, { ts: number[]; order: string[] }>();
  for (const e of events) {
    let it = byItem.get(e.item);
    if (it === undefined) byItem.set(e.item, (it = { ts: [], order: [] }));
    it.ts.push(e.ts);
    it.order.push(e.order);
  }
  const below = (ts: readonly number[], at: number) => {
    let lo = 0;
    let hi = ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ts[mid]! < at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return {
    /** Distinct orders holding the item in (from, to]. */
    orders(item: string, from: number, to: number): number {
      const it = byItem.get(item);
      if (it === undefined) return 0;
      return new Set(it.order.slice(below(it.ts, from + 1), below(it.ts, to + 1))).size;
    },
    firstSold(item: string): number | undefined {
      return byItem.get(item)?.ts[0];
    },
  };
}

/** Units bought per item and week, from the engine's group-by over each week of the log. */
function weeklyUnits(engine: Engine, weeks: readonly number[]): Map<string, Map<number, number>> {
  const byItem = new Map<string, Map<number, number>>();
  for (const w of weeks) {
    const { rows } = engine.analytics.groupBy({
      by: 'item',
      from: w,
      to: w + WEEK_MS,
      types: ['purchase'],
    });
    for (const r of rows) {
      let m = byItem.get(r.key);
      if (m === undefined) byItem.set(r.key, (m = new Map()));
      m.set(w, r.units);
    }
  }
  return byItem;
}

/** `engine` is the replay's, read after the replay for the weekly units. */
export function trendingSection(
  data: RetailData,
  engine: Engine,
  weeks: readonly WeekTrend[],
): Section {
  const index = purchaseIndex(data.events);
  const report = weeks[weeks.length - 1]?.report;
  const first = data.events[0]?.ts ?? 0;
  const last = data.events[data.events.length - 1]?.ts ?? 0;
  const entries = weeks.flatMap((w) =>
    w.report.items.map((r) => {
      const firstSold = index.firstSold(r.item) ?? w.asOf;
      return {
        week: w.week,
        item: r.item,
        orders: index.orders(r.item, w.asOf - WEEK_MS, w.asOf),
        judged: w.asOf - first >= NEW_MS,
        launched: w.asOf - firstSold < NEW_MS,
      };
    }),
  );
  const judged = entries.filter((e) => e.judged);
  const launched = judged.filter((e) => e.launched).length;
  const launchedShare = percent(launched / Math.max(1, judged.length), 0);
  const thin = entries.filter((e) => e.orders < 3).length;
  const empty = weeks.filter((w) => w.report.items.length === 0).length;
  const endDays = [0, 0, 0, 0, 0, 0, 0];
  for (const w of weeks) endDays[new Date(w.asOf).getUTCDay()]!++;
  const usual = endDays.indexOf(Math.max(...endDays));

  const timesTrending = new Map<string, number>();
  for (const e of entries) timesTrending.set(e.item, (timesTrending.get(e.item) ?? 0) + 1);
  const allWeeks = buckets(first, last, weekStart, WEEK_MS);
  const unitsByWeek = weeklyUnits(engine, allWeeks);
  const totalUnits = (item: string) =>
    [...(unitsByWeek.get(item)?.values() ?? [])].reduce((a, b) => a + b, 0);
  const most = [...timesTrending]
    .sort((a, b) => b[1] - a[1] || totalUnits(b[0]) - totalUnits(a[0]) || (a[0] < b[0] ? -1 : 1))
    .slice(0, CHARTED);

  const marks: Mark[] = [];
  const series = most.map(([item], i) => {
    const units = unitsByWeek.get(item)!;
    for (const w of weeks) {
      if (w.report.items.some((r) => r.item === item)) {
        marks.push({ x: w.week, y: units.get(w.week) ?? 0, shape: 'circle', series: i });
      }
    }
    return {
      name: itemLabel(data, item).slice(0, 40),
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

  const rows = weeks.map((w) => {
    const [top, ...rest] = w.report.items;
    return [
      date(w.week),
      `${weekday(w.asOf)} ${minute(w.asOf).slice(5)}`,
      top === undefined ? '(nothing trending)' : itemLabel(data, top.item),
      top === undefined || top.lift === null ? '' : `${fixed(top.lift, 1)}×`,
      top === undefined ? '' : `${fixed(top.recent, 0)} / ${fixed(top.expected, 0)}`,
      top === undefined ? '' : int(index.orders(top.item, w.asOf - WEEK_MS, w.asOf)),
      rest.map((r) => r.item).join(', '),
    ];
  });
  // Online Retail has no categories; a dataset with them gets the engine's trending categories.
  const categoryWeeks = weeks.filter((w) => w.report.categories.length > 0);
  const categoryBlocks =
    categoryWeeks.length === 0
      ? []
      : [
          'Trending categories at each week end (categories with no week listed had none):',
          table(
            ['week of', 'top category', 'lift', 'others'],
            categoryWeeks.map((w) => {
              const [top, ...rest] = w.report.categories;
              return [
                date(w.week),
                top!.category,
                top!.lift === null ? 'new' : `${fixed(top!.lift, 1)}×`,
                rest.map((c) => c.category).join(', '),
              ];
            }),
            ['left', 'left', 'right', 'left'],
          ),
        ];
  const s = WEEKLY_POPULARITY;
  const blocks = [
    `The replay's engine ran with week-scale popularity options instead of its hour-scale ` +
      `default, which on a wholesaler's invoices only describes the last invoice: ` +
      `${article(halfLife(s.shortHalfLifeMs))} half-life for the recent rate (\`shortHalfLifeMs\`) and ` +
      `${article(halfLife(s.longHalfLifeMs))} one for the usual rate (\`longHalfLifeMs\`). At the end of every week ` +
      `(Monday to Sunday, UTC; stream time is the week's last invoice, on a ` +
      `${WEEKDAYS_PLURAL[usual]!.slice(0, -1)} in ${int(endDays[usual]!)} of ` +
      `${plural(weeks.length, 'week')}) the replay asked for \`trendingReport({k: 5})\`: items ` +
      `whose recent purchases (each line weighing 5 × √units) exceed what their usual rate ` +
      `predicts, as a Poisson z-score of at least ${report?.minZ ?? ''} with a recent weight of at ` +
      `least ${report?.minSupport ?? ''}. The lift is recent over expected.`,
    `The engine named ${int(timesTrending.size)} distinct items in ${int(entries.length)} weekly ` +
      `places` +
      (empty > 0 ? ` (nothing trending at ${int(empty)} week ends)` : '') +
      `.` +
      (judged.length === 0
        ? ''
        : ` Of the ${int(judged.length)} places from week ends at least four weeks into the file, ` +
          `${launchedShare} went to items first sold less than four weeks before: launches, whose ` +
          `usual rate is still small.`) +
      ` An item in the list was bought on a median of ` +
      `${int(median(entries.map((e) => e.orders)))} invoices in the seven days to the week's end, ` +
      `and ${int(thin)} places rested on fewer than three. The baseline is young in the first ` +
      `weeks (the file starts on ${date(first)}), so early lifts are modest.`,
    image(
      chart,
      'Weekly units of the items that trended most often, with the weeks they trended marked',
    ),
    `Most often trending: ` +
      most.map(([item, n]) => `${itemLabel(data, item)} (${plural(n, 'week')})`).join('; ') +
      '.',
    'The top item at each week end, with its recent and expected weights and the invoices that ' +
      'bought it in the seven days to the week end:',
    table(
      [
        'week of',
        'as of (UTC)',
        'top trending item',
        'lift',
        'recent / expected',
        'invoices',
        'the other four',
      ],
      rows,
      ['left', 'left', 'left', 'right', 'right', 'right', 'left'],
    ),
    ...categoryBlocks,
  ];
  const top = most[0];
  return {
    title: 'Weekly trending products',
    headline:
      `With week-scale half-lives, trending named ${int(timesTrending.size)} items over ` +
      `${plural(weeks.length, 'week')}` +
      (judged.length === 0
        ? ''
        : `; past the file's first four weeks, ${launchedShare} of its places went to products ` +
          `launched in the four weeks before`) +
      (top === undefined
        ? '.'
        : `; the item named most often was ${itemLabel(data, top[0])} (${plural(top[1], 'week')}).`),
    blocks,
    charts: [chart],
    data: {
      popularity: WEEKLY_POPULARITY,
      minZ: report?.minZ ?? null,
      minSupport: report?.minSupport ?? null,
      places: entries.length,
      placesAfterFourWeeks: judged.length,
      launchedPlaces: launched,
      medianInvoices: median(entries.map((e) => e.orders)),
      placesUnderThreeInvoices: thin,
      weeks: weeks.map((w) => ({
        week: date(w.week),
        asOf: w.asOf,
        items: w.report.items.map((r) => ({
          ...r,
          description: data.descriptions.get(r.item) ?? null,
          invoices7d: index.orders(r.item, w.asOf - WEEK_MS, w.asOf),
        })),
        categories: w.report.categories,
      })),
      mostOften: most.map(([item, weeksTrending]) => ({ item, weeks: weeksTrending })),
    },
  };
}
