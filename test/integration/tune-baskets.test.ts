/**
 * The blend tuner on Online Retail: it keeps to its budget, reads only the training period, and
 * what it chooses does at least as well as the defaults on the test month.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { PurchaseEvent } from '../../engine/events.js';
import { onlineRetailFile, readOnlineRetail } from '../../src/datasets/online-retail.js';
import { splitBaskets } from '../../src/eval/basket-split.js';
import { BasketBench, DEFAULT_BASKET_PARAMS, tuneBaskets } from '../../src/tune/baskets.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const data = path.join(root, '..', 'shared', 'data', 'online-retail');

describe('blend tuner on Online Retail', () => {
  it('finds the data', () => {
    expect(existsSync(path.join(data, 'online-retail.csv.gz')), data).toBe(true);
  });

  it('keeps to its budget and does no worse than the defaults on the test month', async () => {
    const events: PurchaseEvent[] = [];
    for await (const batch of readOnlineRetail(onlineRetailFile(data), 50_000)) {
      for (const e of batch) events.push(e);
    }
    const report = await tuneBaskets({ events, budgetS: 60 });
    expect(report.tune_s).toBeLessThanOrEqual(60);
    expect(report.validation.chosen.objective).toBeGreaterThanOrEqual(
      report.validation.defaults.objective,
    );
    const bench = await BasketBench.open(splitBaskets(events, { mode: 'test' }));
    try {
      await bench.prepare(DEFAULT_BASKET_PARAMS);
      const defaults = bench.figures(DEFAULT_BASKET_PARAMS);
      await bench.prepare(report.params);
      const tuned = bench.figures(report.params);
      expect(tuned.objective).toBeGreaterThanOrEqual(defaults.objective);
    } finally {
      bench.close();
    }
  });
});
