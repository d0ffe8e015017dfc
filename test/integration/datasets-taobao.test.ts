/**
 * The Taobao UserBehavior reader on literal lines and on the real sample (../shared/data beside
 * the repository, as in CI). A missing sample fails the test: skipping would hide a broken setup.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { validateEvent, type RetailEvent } from '../../engine/index.js';
import {
  emptyTaobaoCounts,
  readTaobao,
  taobaoFile,
  taobaoLineToEvent,
  TAOBAO_HEADER,
  TAOBAO_PLACEHOLDER_PRICE,
} from '../../src/datasets/taobao.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const data = process.env.AISLE_DATA_DIR ?? path.join(root, '..', 'shared', 'data');

async function readAll(file: string, limit?: number) {
  const counts = emptyTaobaoCounts();
  const events: RetailEvent[] = [];
  const opts = limit === undefined ? {} : { limit };
  for await (const batch of readTaobao(file, 1000, counts, opts)) events.push(...batch);
  return { counts, events };
}

describe('Taobao reader', () => {
  it('maps each behaviour and names why a line gives no event', () => {
    expect(taobaoLineToEvent('1,2268318,2520377,pv,1511544070')).toEqual({
      type: 'view',
      ts: 1_511_544_070_000,
      user: '1',
      item: '2268318',
      category: '2520377',
    });
    expect(taobaoLineToEvent('1,2268318,2520377,cart,1511544070')).toMatchObject({
      type: 'add_to_cart',
      quantity: 1,
    });
    expect(taobaoLineToEvent('7,46259,4756105,buy,1511616481')).toEqual({
      type: 'purchase',
      ts: 1_511_616_481_000,
      user: '7',
      item: '46259',
      category: '4756105',
      order: '7-1511616481',
      quantity: 1,
      price: TAOBAO_PLACEHOLDER_PRICE,
    });
    expect(taobaoLineToEvent('1,2268318,2520377,fav,1511544070')).toBe('fav');
    for (const bad of [
      '1,2268318,2520377,click,1511544070',
      '1,2268318,2520377,pv',
      'x,2268318,2520377,pv,1511544070',
      '1,2268318,2520377,pv,soon',
    ]) {
      expect(taobaoLineToEvent(bad), bad).toBe('malformed');
    }
  });

  it('reads a file, counts every row and stops at the limit', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-taobao-'));
    const file = path.join(dir, 'user-behavior.csv');
    const lines = [
      '1,10,100,pv,1511544070',
      '1,10,100,cart,1511544080',
      '1,10,100,fav,1511544090',
      '1,10,100,buy,1511544100',
      '2,11,100,pv,1511000000',
      'garbage',
    ];
    fs.writeFileSync(file, [TAOBAO_HEADER, ...lines, ''].join('\n'));
    try {
      expect(taobaoFile(dir)).toBe(file);
      const all = await readAll(file);
      expect(all.counts).toEqual({
        rows: 6,
        events: 4,
        behaviours: { pv: 2, cart: 1, fav: 1, buy: 1 },
        skipped: { fav: 1, malformed: 1 },
      });
      expect(all.events.map((e) => e.type)).toEqual(['view', 'add_to_cart', 'purchase', 'view']);
      const first = await readAll(file, 2);
      expect(first.counts.rows).toBe(2);
      expect(first.events).toHaveLength(2);
      fs.writeFileSync(file, 'a,b,c\n1,2,3\n');
      await expect(readAll(file)).rejects.toThrow(/expected the header/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads every row of the real sample into valid events', async () => {
    const dir = path.join(data, 'taobao-sample');
    expect(
      fs.existsSync(path.join(dir, 'user-behavior.csv.gz')),
      `the Taobao sample is missing: expected ${dir}/user-behavior.csv.gz (set AISLE_DATA_DIR)`,
    ).toBe(true);
    const { counts, events } = await readAll(taobaoFile(dir));
    // The figures of the sample's README.
    expect(counts.rows).toBe(84_475);
    expect(counts.behaviours).toEqual({ pv: 75_872, cart: 4_497, fav: 2_356, buy: 1_750 });
    expect(counts.skipped).toEqual({ fav: 2_356, malformed: 0 });
    expect(events).toHaveLength(counts.events);
    for (const [i, e] of events.entries()) {
      const v = validateEvent(e, 0);
      if (!v.ok) throw new Error(`event ${i} invalid: ${v.error.field} ${v.error.reason}`);
    }
    const first = events.reduce((t, e) => Math.min(t, e.ts), Infinity);
    const last = events.reduce((t, e) => Math.max(t, e.ts), -Infinity);
    expect(new Date(first).toISOString()).toBe('2017-09-11T08:16:39.000Z');
    expect(new Date(last).toISOString()).toBe('2017-12-03T15:59:23.000Z');
    expect(new Set(events.map((e) => ('user' in e ? e.user : ''))).size).toBe(815);
  });
});
