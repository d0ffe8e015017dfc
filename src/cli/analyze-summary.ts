/**
 * Report section: what was read from the Online Retail file, what the netting of cancellations
 * removed, and what the engine was fed.
 */
import type { Engine } from '../../engine/index.js';
import type { Section } from '../report/document.js';
import { date, int, percent, pounds, table, WEEKDAYS_PLURAL } from '../report/markdown.js';
import { itemLabel, type RetailData } from './analyze-retail.js';
import { median } from './analyze-stats.js';
import { DAY_MS, dayStart } from './analyze-time.js';

const WHY: Readonly<Record<string, string>> = {
  cancellation: 'invoice number starts with `C`: a cancellation',
  adjustment: 'invoice number starts with `A`: a bad-debt adjustment',
  non_product: 'stock code is no product (postage, manual lines, bank charges, fees)',
  non_positive: 'quantity or unit price not above zero (stock write-offs, free lines)',
};

/**
 * Runs of days without sales, leaving out the weekdays that never trade (they would split every
 * holiday into pieces), as `2010-12-23 to 2011-01-03` or a single date.
 */
function closures(
  days: ReadonlySet<number>,
  first: number,
  last: number,
  byWeekday: readonly number[],
): string[] {
  const out: string[] = [];
  let runStart: number | undefined;
  let runEnd = 0;
  const close = () => {
    if (runStart === undefined) return;
    out.push(runStart === runEnd ? date(runStart) : `${date(runStart)} to ${date(runEnd)}`);
    runStart = undefined;
  };
  for (let d = dayStart(first); d <= last; d += DAY_MS) {
    if (byWeekday[new Date(d).getUTCDay()] === 0) continue;
    if (days.has(d)) close();
    else {
      runStart ??= d;
      runEnd = d;
    }
  }
  close();
  return out;
}

export function summarySection(data: RetailData, engine: Engine, limit?: number): Section {
  const { events, counts, cancelled } = data;
  const stats = engine.stats();
  // Invoices, units and value (to the cent) of the replayed lines, as the engine counted them.
  const baskets = engine.analytics.basketStats();
  const first = events[0]?.ts ?? 0;
  const last = events[events.length - 1]?.ts ?? 0;
  const customers = new Set<string>();
  // Lines per invoice, for their median and maximum: the engine's basket quantiles are nearest-rank
  // and it keeps no maximum.
  const linesPerInvoice = new Map<string, number>();
  const days = new Set<number>();
  const byWeekday = [0, 0, 0, 0, 0, 0, 0];
  let anonymous = 0;
  for (const e of events) {
    if (e.user === undefined) anonymous++;
    else customers.add(e.user);
    linesPerInvoice.set(e.order, (linesPerInvoice.get(e.order) ?? 0) + 1);
    days.add(dayStart(e.ts));
    byWeekday[new Date(e.ts).getUTCDay()]!++;
  }
  const calendarDays = events.length === 0 ? 0 : (dayStart(last) - dayStart(first)) / DAY_MS + 1;
  const lines = [...linesPerInvoice.values()].sort((a, b) => a - b);
  const medianLines = median(lines);
  const cancelledValue = cancelled.reduce((sum, c) => sum + c.value, 0);
  let nettedUnits = 0;
  let nettedValue = 0;
  for (const e of data.netted) {
    nettedUnits += e.quantity;
    nettedValue += e.quantity * e.price;
  }
  const unmatched = cancelled.filter((_, i) => data.matched[i] === 0);
  const unmatchedValue = unmatched.reduce((sum, c) => sum + c.value, 0);
  const unmatchedAnonymous = unmatched.filter((c) => c.user === undefined).length;
  const biggest = [...data.netted]
    .sort((a, b) => b.quantity * b.price - a.quantity * a.price)
    .slice(0, 2);
  const dropped = Object.entries(counts.skipped).map(([reason, n]) => [
    `\`${reason}\``,
    int(n),
    WHY[reason] ?? '',
  ]);
  const closedWeekdays = WEEKDAYS_PLURAL.filter((_, d) => byWeekday[d] === 0);
  const gaps = closures(days, first, last, byWeekday);

  const blocks = [
    [
      `- **Rows read:** ${int(counts.rows)}` +
        (limit === undefined
          ? ' (the whole file).'
          : ` (only the first ${int(limit)}: \`--limit\`).`),
      `- **Events replayed:** ${int(stats.events)} purchase lines into one fresh engine, in time ` +
        `order: the reader's ${int(counts.events)} less the ${int(data.netted.length)} netted out below.`,
      `- **Time span:** ${date(first)} to ${date(last)} (${int(calendarDays)} calendar days, ` +
        `${int(days.size)} with sales). Times are UTC as the reader reads them; the file has no zone, ` +
        `so summer hours are one hour off UK time.`,
      `- **Customers:** ${int(customers.size)}; ${int(anonymous)} lines (${percent(anonymous / Math.max(1, events.length))}) ` +
        `have no customer id and count as anonymous purchases.`,
      `- **Items:** ${int(stats.items)} stock codes; **invoices:** ${int(baskets.orders)}, ` +
        `a median of ${int(medianLines)} lines each and up to ${int(lines[lines.length - 1] ?? 0)}.`,
      `- **Units and value:** ${int(baskets.units)} units for ${pounds(baskets.revenue)} at the invoiced unit prices, ` +
        `after netting.`,
      `- **Days without trading:** ` +
        (closedWeekdays.length === 0
          ? 'every weekday has sales'
          : `no sales at all on ${closedWeekdays.join(', ')}`) +
        (gaps.length === 0 ? '.' : `; besides, none on ${gaps.join(', ')}.`),
    ].join('\n'),
    `Rows dropped by the reader (${int(counts.rows - counts.events)} in all):`,
    table(['reason', 'rows', 'why'], dropped, ['left', 'right', 'left']),
    `**Cancellations are netted out.** The reader drops the ${int(cancelled.length)} cancelled ` +
      `product lines (${pounds(cancelledValue)}) but keeps the purchases they undo, so before the ` +
      `replay the analysis removes each purchase line that a later cancellation of the same ` +
      `customer, item and quantity undoes: ${int(data.netted.length)} lines, ${int(nettedUnits)} ` +
      `units, ${pounds(nettedValue)}.` +
      (biggest.length === 0
        ? ''
        : ` The largest: ` +
          biggest
            .map(
              (e) =>
                `${int(e.quantity)} × ${itemLabel(data, e.item)} (${pounds(e.quantity * e.price)}, ${date(e.ts)})`,
            )
            .join(' and ') +
          '.') +
      (unmatched.length === 0
        ? ''
        : ` The other ${int(unmatched.length)} cancellation lines (${pounds(unmatchedValue)}) match ` +
          `no purchase line exactly (${int(unmatchedAnonymous)} have no customer id; the rest cancel ` +
          `part of a line or a purchase from before the file), so their purchases stay in.`),
  ];
  return {
    title: 'Dataset summary',
    headline:
      `${int(counts.rows)} rows gave ${int(stats.events)} purchase lines from ${int(customers.size)} ` +
      `customers over ${int(calendarDays)} days, after netting out ${int(data.netted.length)} ` +
      `purchase lines (${pounds(nettedValue)}) that later cancellations undo.`,
    blocks,
    charts: [],
    data: {
      rows: counts.rows,
      limit: limit ?? null,
      events: stats.events,
      skipped: counts.skipped,
      first,
      last,
      calendarDays,
      tradingDays: days.size,
      customers: customers.size,
      anonymousLines: anonymous,
      items: stats.items,
      invoices: baskets.orders,
      medianLinesPerInvoice: medianLines,
      units: baskets.units,
      value: baskets.revenue,
      linesByWeekday: byWeekday,
      readerEvents: counts.events,
      cancelledLines: cancelled.length,
      cancelledValue,
      nettedLines: data.netted.length,
      nettedUnits,
      nettedValue,
      unmatchedCancelledLines: unmatched.length,
      unmatchedCancelledValue: unmatchedValue,
      unmatchedAnonymous,
    },
  };
}
