/**
 * `aisle analyze` end to end on the first rows of the real Online Retail file and the Taobao
 * sample (../shared/data beside the repository, as in CI): every section is written, every chart
 * the report shows exists and is well-formed, and the report passes the repository's prettier check.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { afterAll, describe, expect, it } from 'vitest';
import { analyze } from '../../src/cli/analyze.js';
import { parseXml } from './report/xml.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const data = process.env.AISLE_DATA_DIR ?? path.join(root, '..', 'shared', 'data');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-analyze-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SECTIONS = [
  'Dataset summary',
  'Weekly trending products',
  'Revenue over time',
  'Anomalies found',
  'Price elasticity',
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
      sections: Record<string, unknown>;
    };
    expect(Object.keys(json.sections)).toEqual(SECTIONS);
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
});
