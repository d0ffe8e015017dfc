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

const PRODUCT_CODE = /^\d{5}/;

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
  if (!PRODUCT_CODE.test(code)) return 'non_product';
  const quantity = Number(row.Quantity);
  const price = Number(row.UnitPrice);
  if (!(quantity > 0) || !(price > 0) || !Number.isInteger(quantity)) return 'non_positive';
  const event: PurchaseEvent = {
    type: 'purchase',
    ts: Date.parse(`${(row.InvoiceDate ?? '').replace(' ', 'T')}Z`),
    item: code,
    order: invoice,
    quantity,
    price,
  };
  const customer = row.CustomerID ?? '';
  if (customer !== '') event.user = String(Math.trunc(Number(customer)));
  return event;
}

/** Streams the file as batches of purchase events; `counts` fills in as it goes. */
export async function* readOnlineRetail(
  file: string,
  batchSize: number,
  counts: RetailRowCounts = {
    rows: 0,
    events: 0,
    skipped: { cancellation: 0, adjustment: 0, non_product: 0, non_positive: 0 },
  },
): AsyncGenerator<PurchaseEvent[]> {
  let input: NodeJS.ReadableStream = fs.createReadStream(file);
  if (file.endsWith('.gz')) input = input.pipe(createGunzip());
  const parser = input.pipe(parse({ columns: true, relax_quotes: true }));
  let batch: PurchaseEvent[] = [];
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    counts.rows++;
    const mapped = retailRowToEvent(row);
    if (typeof mapped === 'string') {
      counts.skipped[mapped]++;
      continue;
    }
    counts.events++;
    batch.push(mapped);
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}
