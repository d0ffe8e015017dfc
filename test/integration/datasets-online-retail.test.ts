/**
 * The Online Retail reader on the real file (../shared/data beside the repository, as in CI).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateEvent } from '../../engine/index.js';
import {
  emptyRetailCounts,
  isProductCode,
  onlineRetailFile,
  readOnlineRetail,
  readOnlineRetailRows,
  retailCustomer,
  retailRowToEvent,
  retailTime,
  type RetailRowCounts,
} from '../../src/datasets/online-retail.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const data = process.env.AISLE_DATA_DIR ?? path.join(root, '..', 'shared', 'data');

describe('Online Retail reader', () => {
  it('maps rows and names why a row is skipped', () => {
    const row = {
      InvoiceNo: '536365',
      StockCode: '85123A',
      Quantity: '6',
      InvoiceDate: '2010-12-01 08:26:00',
      UnitPrice: '2.55',
      CustomerID: '17850.0',
    };
    expect(retailRowToEvent(row)).toEqual({
      type: 'purchase',
      ts: Date.UTC(2010, 11, 1, 8, 26),
      item: '85123A',
      order: '536365',
      quantity: 6,
      price: 2.55,
      user: '17850',
    });
    expect(retailRowToEvent({ ...row, InvoiceNo: 'C536379' })).toBe('cancellation');
    expect(retailRowToEvent({ ...row, InvoiceNo: 'A563185' })).toBe('adjustment');
    expect(retailRowToEvent({ ...row, StockCode: 'POST' })).toBe('non_product');
    expect(retailRowToEvent({ ...row, UnitPrice: '0' })).toBe('non_positive');
    expect(retailRowToEvent({ ...row, CustomerID: '' })).not.toHaveProperty('user');
    expect(retailTime(row)).toBe(Date.UTC(2010, 11, 1, 8, 26));
    expect(retailCustomer(row)).toBe('17850');
    expect(retailCustomer({ ...row, CustomerID: '' })).toBeUndefined();
    expect(['85123A', '22423', 'POST', 'M', '1234A'].map(isProductCode)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });

  it('streams records with their mapping, counting them, up to a limit', async () => {
    const file = onlineRetailFile(path.join(data, 'online-retail'));
    const counts = emptyRetailCounts();
    let seen = 0;
    for await (const { record, mapped } of readOnlineRetailRows(file, counts, 5_000)) {
      expect(mapped).toEqual(retailRowToEvent(record));
      seen++;
      expect(counts.rows).toBe(seen);
    }
    expect(seen).toBe(5_000);
    const skipped = Object.values(counts.skipped).reduce((a, b) => a + b, 0);
    expect(counts.events + skipped).toBe(5_000);
    expect(counts.skipped.cancellation).toBeGreaterThan(0);
  });

  it('reads every row of the real file into valid purchase events', async () => {
    const file = onlineRetailFile(path.join(data, 'online-retail'));
    const counts: RetailRowCounts = {
      rows: 0,
      events: 0,
      skipped: { cancellation: 0, adjustment: 0, non_product: 0, non_positive: 0 },
    };
    let seen = 0;
    let lastTs = 0;
    for await (const batch of readOnlineRetail(file, 50_000, counts)) {
      for (const e of batch) {
        expect(e.ts).toBeGreaterThanOrEqual(lastTs);
        lastTs = e.ts;
      }
      // Validation is the engine's contract; spot-check each batch's first and last events.
      expect(validateEvent(batch[0], 0).ok).toBe(true);
      expect(validateEvent(batch[batch.length - 1], 0).ok).toBe(true);
      seen += batch.length;
    }
    expect(counts.rows).toBe(541_909);
    expect(seen).toBe(counts.events);
    const skipped = Object.values(counts.skipped).reduce((a, b) => a + b, 0);
    expect(counts.events + skipped).toBe(counts.rows);
    expect(counts.skipped.cancellation).toBeGreaterThan(9000);
    expect(counts.events).toBeGreaterThan(500_000);
  });
});
