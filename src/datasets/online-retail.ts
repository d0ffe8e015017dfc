/**
 * The UCI Online Retail file (CSV, optionally gzipped) as purchase events, in file order.
 *
 * Row handling, so that the stream holds real product sales only:
 * - invoices starting with `C` are cancellations and `A` bad-debt adjustments: skipped;
 * - stock codes that are not products (`POST`, `DOT`, `M`, `D`, `BANK CHARGES`, `AMAZONFEE`,
 *   ...; product codes start with five digits): skipped;
 * - quantity or unit price not above zero: skipped;
 * - an empty CustomerID gives an anonymous purchase (no `user`); `17850.0` becomes `17850`;
 * - `InvoiceDate` has no zone; it is read as UTC.
 */
import { parse } from 'csv-parse';
import fs from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import type { PurchaseEvent } from '../../engine/index.js';

export interface RetailRowCounts {
  rows: number;
  events: number;
  skipped: Record<'cancellation' | 'adjustment' | 'non_product' | 'non_positive', number>;
}

/** One CSV record as read, with what `retailRowToEvent` makes of it. */
export interface RetailRow {
  record: Record<string, string>;
  mapped: PurchaseEvent | keyof RetailRowCounts['skipped'];
}

const PRODUCT_CODE = /^\d{5}/;

/** Counts before the first row. */
export function emptyRetailCounts(): RetailRowCounts {
  return {
    rows: 0,
    events: 0,
    skipped: { cancellation: 0, adjustment: 0, non_product: 0, non_positive: 0 },
  };
}

/** Whether a stock code is a product's: product codes start with five digits. */
export function isProductCode(code: string): boolean {
  return PRODUCT_CODE.test(code);
}

/** A record's `InvoiceDate` (`2010-12-01 08:26:00`, no zone) read as UTC, epoch ms. */
export function retailTime(record: Record<string, string>): number {
  return Date.parse(`${(record.InvoiceDate ?? '').replace(' ', 'T')}Z`);
}

/** A record's `CustomerID` as a user id (`17850.0` becomes `17850`); undefined when empty. */
export function retailCustomer(record: Record<string, string>): string | undefined {
  const customer = record.CustomerID ?? '';
  return customer === '' ? undefined : String(Math.trunc(Number(customer)));
}

/** Resolves `--data` (a folder holding online-retail.csv.gz, or the file itself). */
export function onlineRetailFile(data: string): string {
  const stat = fs.statSync(data, { throwIfNoEntry: false });
  if (stat === undefined) throw new Error(`--data ${data}: no such file or folder`);
  if (stat.isFile()) return data;
  for (const name of ['online-retail.csv.gz', 'online-retail.csv']) {
    const candidate = path.join(data, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`--data ${data}: no online-retail.csv.gz in that folder`);
}

/** Maps one CSV record; returns the reason when the row is not a product sale. */
export function retailRowToEvent(
  row: Record<string, string>,
): PurchaseEvent | keyof RetailRowCounts['skipped'] {
  const invoice = row.InvoiceNo ?? '';
  if (invoice.startsWith('C')) return 'cancellation';
  if (invoice.startsWith('A')) return 'adjustment';
  const code = row.StockCode ?? '';
  if (!isProductCode(code)) return 'non_product';
  const quantity = Number(row.Quantity);
  const price = Number(row.UnitPrice);
  if (!(quantity > 0) || !(price > 0) || !Number.isInteger(quantity)) return 'non_positive';
  const event: PurchaseEvent = {
    type: 'purchase',
    ts: retailTime(row),
    item: code,
    order: invoice,
    quantity,
    price,
  };
  const user = retailCustomer(row);
  if (user !== undefined) event.user = user;
  return event;
}

/**
 * Streams the file's records in file order, each with its mapping; `counts` fills in as it goes,
 * a record counted before it is yielded. Reads at most `limit` records. The file is closed when
 * the loop ends, whether it ran to the end or stopped early.
 */
export async function* readOnlineRetailRows(
  file: string,
  counts: RetailRowCounts = emptyRetailCounts(),
  limit = Infinity,
): AsyncGenerator<RetailRow> {
  const source = fs.createReadStream(file);
  const input = file.endsWith('.gz') ? source.pipe(createGunzip()) : source;
  const parser = input.pipe(parse({ columns: true, relax_quotes: true }));
  let read = 0;
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      if (read >= limit) break;
      read++;
      counts.rows++;
      const mapped = retailRowToEvent(record);
      if (typeof mapped === 'string') counts.skipped[mapped]++;
      else counts.events++;
      yield { record, mapped };
    }
  } finally {
    source.destroy();
  }
}

/** Streams the file as batches of purchase events; `counts` fills in as it goes. */
export async function* readOnlineRetail(
  file: string,
  batchSize: number,
  counts: RetailRowCounts = emptyRetailCounts(),
): AsyncGenerator<PurchaseEvent[]> {
  let batch: PurchaseEvent[] = [];
  for await (const { mapped } of readOnlineRetailRows(file, counts)) {
    if (typeof mapped === 'string') continue;
    batch.push(mapped);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
