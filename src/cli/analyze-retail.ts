/**
 * The Online Retail file read once for the analysis: the reader's purchase events and row
 * counts, plus what the events leave out and the report needs, namely product descriptions and
 * the product lines of cancelled invoices. The reader drops cancellations but keeps the purchases
 * they undo; the analysis nets them out (drops those purchases) before the replay.
 */
import type { PurchaseEvent } from '../../engine/index.js';
import {
  emptyRetailCounts,
  isProductCode,
  readOnlineRetailRows,
  retailCustomer,
  retailTime,
  type RetailRowCounts,
} from '../datasets/online-retail.js';

export interface CancelledLine {
  /** Customer id, as the reader writes it; undefined for anonymous lines. */
  user: string | undefined;
  item: string;
  ts: number;
  /** Units cancelled (positive). */
  quantity: number;
  /** Units × unit price. */
  value: number;
}

export interface RetailData {
  /**
   * The purchase events replayed, in time order (the file's order, which is already by time): the
   * reader's events less `netted`.
   */
  events: PurchaseEvent[];
  /** The reader's purchase events that a later cancellation undoes, left out of the replay. */
  netted: PurchaseEvent[];
  /** The reader's counts: `events` is before netting. */
  counts: RetailRowCounts;
  /** Stock code → the description its sales rows carry most often. */
  descriptions: Map<string, string>;
  /** Product lines of cancellation invoices (`C…`), in file order. */
  cancelled: CancelledLine[];
  /** Per cancelled line (same index): 1 when it undid a purchase in `netted`. */
  matched: Uint8Array;
}

function mostFrequent(counts: Map<string, number>): string {
  let best = '';
  let n = 0;
  for (const [text, c] of counts) {
    if (c > n || (c === n && text < best)) [best, n] = [text, c];
  }
  return best;
}

/** Stock code and description, as the report names an item; the code alone without one. */
export function itemLabel(data: Pick<RetailData, 'descriptions'>, item: string): string {
  return `${item} ${data.descriptions.get(item) ?? ''}`.trim();
}

/** A cancellation record's product line; undefined for other codes or no units or price. */
function cancelledLine(record: Record<string, string>): CancelledLine | undefined {
  const item = record.StockCode ?? '';
  const quantity = -Number(record.Quantity);
  const price = Number(record.UnitPrice);
  if (!(isProductCode(item) && quantity > 0 && price > 0)) return undefined;
  return {
    user: retailCustomer(record),
    item,
    ts: retailTime(record),
    quantity,
    value: quantity * price,
  };
}

/** Reads the first `limit` data rows (all by default). */
export async function readRetail(file: string, limit = Infinity): Promise<RetailData> {
  const counts = emptyRetailCounts();
  const events: PurchaseEvent[] = [];
  const cancelled: CancelledLine[] = [];
  const texts = new Map<string, Map<string, number>>();
  for await (const { record, mapped } of readOnlineRetailRows(file, counts, limit)) {
    if (typeof mapped === 'string') {
      const line = mapped === 'cancellation' ? cancelledLine(record) : undefined;
      if (line !== undefined) cancelled.push(line);
      continue;
    }
    events.push(mapped);
    const text = (record.Description ?? '').replace(/\s+/g, ' ').trim();
    if (text !== '') {
      let byText = texts.get(mapped.item);
      if (byText === undefined) texts.set(mapped.item, (byText = new Map()));
      byText.set(text, (byText.get(text) ?? 0) + 1);
    }
  }
  // A stable sort keeps the file's order within a minute; it only matters for a file not in time order.
  events.sort((a, b) => a.ts - b.ts);
  const descriptions = new Map<string, string>();
  for (const [item, byText] of texts) descriptions.set(item, mostFrequent(byText));
  const { undone, matched } = matchCancellations(events, cancelled);
  const kept: PurchaseEvent[] = [];
  const netted: PurchaseEvent[] = [];
  events.forEach((e, i) => (undone[i] === 1 ? netted : kept).push(e));
  return { events: kept, netted, counts, descriptions, cancelled, matched };
}

/**
 * Pairs cancellations with the purchases they undo: for each cancellation line, in time order,
 * the latest unmatched earlier purchase of the same customer, item and quantity. Anonymous lines
 * cannot be told apart and are never matched; a cancellation of part of a line, or of a purchase
 * from before the file, matches nothing. `undone` is per event, `matched` per cancelled line.
 */
export function matchCancellations(
  events: readonly PurchaseEvent[],
  cancelled: readonly CancelledLine[],
): { undone: Uint8Array; matched: Uint8Array } {
  const undone = new Uint8Array(events.length);
  const matched = new Uint8Array(cancelled.length);
  const key = (user: string, item: string, quantity: number) =>
    `${user}\u0000${item}\u0000${quantity}`;
  const open = new Map<string, number[]>();
  const byTime = cancelled
    .map((c, i) => ({ c, i }))
    .filter(({ c }) => c.user !== undefined)
    .sort((a, b) => a.c.ts - b.c.ts);
  let next = 0;
  for (const { c, i } of byTime) {
    for (; next < events.length && events[next]!.ts <= c.ts; next++) {
      const e = events[next]!;
      if (e.user === undefined) continue;
      const k = key(e.user, e.item, e.quantity);
      const list = open.get(k);
      if (list === undefined) open.set(k, [next]);
      else list.push(next);
    }
    const match = open.get(key(c.user!, c.item, c.quantity))?.pop();
    if (match !== undefined) {
      undone[match] = 1;
      matched[i] = 1;
    }
  }
  return { undone, matched };
}

/** Items sold at more than one unit price, in first-sale order: those a price analysis can use. */
export function itemsWithPriceVariation(data: Pick<RetailData, 'events'>): string[] {
  const prices = new Map<string, Set<number>>();
  for (const e of data.events) {
    let s = prices.get(e.item);
    if (s === undefined) prices.set(e.item, (s = new Set()));
    s.add(e.price);
  }
  return [...prices].filter(([, s]) => s.size > 1).map(([item]) => item);
}
