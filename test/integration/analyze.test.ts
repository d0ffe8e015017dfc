/**
 * `aisle analyze` end to end on the first rows of the real Online Retail file and the Taobao
 * sample (../shared/data beside the repository, as in CI): every section is written, every chart
 * the report shows exists and is well-formed, the engine's weekly revenue adds up to the replayed
 * lines, and the report passes the repository's prettier check. Also the netting of cancellations.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import {
  itemLabel,
  matchCancellations,
  readRetail,
  type CancelledLine,
} from '../../src/cli/analyze-retail.js';
import { onlineRetailFile } from '../../src/datasets/online-retail.js';
import type { PurchaseEvent } from '../../engine/index.js';
import { parseXml } from '../unit/report/xml.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const data = process.env.AISLE_DATA_DIR ?? path.join(root, '..', 'shared', 'data');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-analyze-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SECTIONS = [
  'Dataset summary',
  'Weekly trending products',
  'Revenue over time',
  'Customers and baskets',
  'Anomalies found',
  'Price elasticity',
  'Price recommendation',
  'Price backtest',
  'Velocity and days of cover for the top sellers',
  'Funnel of the Taobao sample',
];

describe('aisle analyze', () => {
  it('writes every section, the charts it references and the JSON numbers', async () => {
    const out = path.join(tmp, 'report');
    const result = await analyze({
      data: path.join(data, 'online-retail'),
      out,
      limit: 40_000,
      json: true,
    });
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    for (const title of SECTIONS) expect(md).toContain(`\n## ${title}\n`);
    expect(md).toContain('**Rows read:** 40,000 (only the first 40,000');
    expect(md).not.toContain('Omitted');
    expect(md).toMatch(/Reproduce .*--limit 40000 --json/);
    expect(md).not.toMatch(/NaN|undefined|Infinity|\[object/);
    expect(md).not.toContain(root);
    const charts = [...md.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
    expect(charts.length).toBeGreaterThanOrEqual(5);
    for (const file of charts) {
      expect(path.isAbsolute(file)).toBe(false);
      const svg = fs.readFileSync(path.join(out, file), 'utf8');
      expect(parseXml(svg)[0]!.name, file).toBe('svg');
    }
    const json = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8')) as {
      sections: Record<string, Record<string, unknown>>;
    };
    expect(Object.keys(json.sections)).toEqual(SECTIONS);

    // The purchases that cancellations undo were left out of the replay.
    const summary = json.sections['Dataset summary']! as {
      events: number;
      readerEvents: number;
      nettedLines: number;
    };
    expect(summary.nettedLines).toBeGreaterThan(0);
    expect(summary.events).toBe(summary.readerEvents - summary.nettedLines);

    // Weekly revenue is the engine's, asked at each week's close; the weeks tile the replay, so
    // they add up to the replayed purchase lines (the engine rounds each line to the cent).
    const replayed = await readRetail(onlineRetailFile(path.join(data, 'online-retail')), 40_000);
    const lines = replayed.events.reduce((s, e) => s + e.quantity * e.price, 0);
    const weeks = (json.sections['Revenue over time']! as { weeks: { revenue: number }[] }).weeks;
    expect(weeks.length).toBeGreaterThanOrEqual(2);
    const engine = weeks.reduce((s, w) => s + w.revenue, 0);
    expect(Math.abs(engine - lines)).toBeLessThanOrEqual(0.01 * weeks.length);
    expect(summary.events).toBe(replayed.events.length);
    expect(result.files[0]).toBe(path.join(out, 'report.md'));
    const config = JSON.parse(
      fs.readFileSync(path.join(root, '.prettierrc.json'), 'utf8'),
    ) as object;
    expect(await prettier.format(md, { ...config, parser: 'markdown' })).toBe(md);
  });

  it('says why the Taobao section is missing when no sample sits beside the data', async () => {
    const lonely = path.join(tmp, 'lonely', 'online-retail');
    fs.mkdirSync(lonely, { recursive: true });
    fs.symlinkSync(
      path.join(data, 'online-retail', 'online-retail.csv.gz'),
      path.join(lonely, 'online-retail.csv.gz'),
    );
    const out = path.join(tmp, 'lonely-report');
    await analyze({ data: lonely, out, limit: 2_000 });
    const md = fs.readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md).toMatch(/## Funnel of the Taobao sample\n\nOmitted: no `--taobao` folder was given/);
    await expect(
      analyze({ data: lonely, out, limit: 10, taobao: path.join(tmp, 'nowhere') }),
    ).rejects.toThrow(/--taobao .*nowhere: no such file or folder/);
  });

  it('names an item by code and description, or by code alone', () => {
    const data = { descriptions: new Map([['85123A', 'WHITE HANGING HEART T-LIGHT HOLDER']]) };
    expect(itemLabel(data, '85123A')).toBe('85123A WHITE HANGING HEART T-LIGHT HOLDER');
    expect(itemLabel(data, '22423')).toBe('22423');
  });

  describe('netting cancellations', () => {
    const t0 = Date.UTC(2011, 0, 3, 10);
    const min = 60_000;
    const buy = (user: string | undefined, item: string, quantity: number, at: number) =>
      ({
        type: 'purchase',
        ts: t0 + at * min,
        ...(user !== undefined && { user }),
        item,
        order: `o${at}`,
        quantity,
        price: 1,
      }) as PurchaseEvent;
    const cancel = (user: string | undefined, item: string, quantity: number, at: number) =>
      ({ user, item, quantity, ts: t0 + at * min, value: quantity }) as CancelledLine;

    it.each([
      {
        name: 'undoes the latest earlier purchase of the same customer, item and quantity',
        events: [buy('1', 'a', 5, 0), buy('1', 'a', 5, 1), buy('1', 'a', 6, 2)],
        cancelled: [cancel('1', 'a', 5, 3)],
        undone: [0, 1, 0],
        matched: [1],
      },
      {
        name: 'matches each purchase once',
        events: [buy('1', 'a', 5, 0), buy('1', 'a', 5, 1)],
        cancelled: [cancel('1', 'a', 5, 2), cancel('1', 'a', 5, 3), cancel('1', 'a', 5, 4)],
        undone: [1, 1],
        matched: [1, 1, 0],
      },
      {
        name: 'never matches a later purchase, another customer, part of a line or anonymous lines',
        events: [buy('1', 'a', 5, 0), buy(undefined, 'b', 2, 0), buy('1', 'c', 4, 9)],
        cancelled: [
          cancel('2', 'a', 5, 1),
          cancel('1', 'a', 2, 1),
          cancel(undefined, 'b', 2, 1),
          cancel('1', 'c', 4, 2),
        ],
        undone: [0, 0, 0],
        matched: [0, 0, 0, 0],
      },
      {
        name: 'takes cancellations in time order whatever their order in the file',
        events: [buy('1', 'a', 5, 0), buy('1', 'a', 5, 5)],
        cancelled: [cancel('1', 'a', 5, 6), cancel('1', 'a', 5, 2)],
        undone: [1, 1],
        matched: [1, 1],
      },
    ])('$name', ({ events, cancelled, undone, matched }) => {
      const r = matchCancellations(events, cancelled);
      expect([...r.undone]).toEqual(undone);
      expect([...r.matched]).toEqual(matched);
    });
  });
});
