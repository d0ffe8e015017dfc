import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { image, renderMarkdown } from '../../../src/report/document.js';
import { date, fixed, int, minute, percent, pounds, table } from '../../../src/report/markdown.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const config = JSON.parse(fs.readFileSync(path.join(root, '.prettierrc.json'), 'utf8')) as object;

/** `npm run check` runs prettier over the repository, generated reports included. */
async function prettierStable(markdown: string): Promise<void> {
  expect(await prettier.format(markdown, { ...config, parser: 'markdown' })).toBe(markdown);
}

describe('markdown', () => {
  it('formats numbers for people', () => {
    expect(int(1_234_567)).toBe('1,234,567');
    expect(int(999)).toBe('999');
    expect(int(-1234.5, 1)).toBe('−1,234.5');
    expect(int(-0.001, 2)).toBe('0.00');
    expect(fixed(-1.754, 2)).toBe('−1.75');
    expect(percent(0.0593)).toBe('5.9%');
    expect(pounds(10_271_035.4)).toBe('£10,271,035');
    expect(date(Date.UTC(2011, 11, 9, 12, 50))).toBe('2011-12-09');
    expect(minute(Date.UTC(2011, 11, 9, 12, 50))).toBe('2011-12-09 12:50');
  });

  it('writes tables exactly as prettier would', async () => {
    const t = table(
      ['item', 'description', 'units', 'lift'],
      [
        ['23843', 'PAPER CRAFT | LITTLE BIRDIE', '80,995', '14.2×'],
        ['1', 'a\nb', '5', '−1.2 → ≥ £ …'],
        ['2', '', '', ''],
      ],
      ['left', 'left', 'right', 'right'],
    );
    expect(t.split('\n')[2]).toContain('PAPER CRAFT \\| LITTLE BIRDIE');
    await prettierStable(`${t}\n`);
  });

  it('renders a document prettier leaves alone', async () => {
    const chart = { file: 'a.svg', svg: '<svg/>' };
    const md = renderMarkdown(
      'Title',
      ['Intro with `code` and **bold**.'],
      [
        {
          title: 'One',
          blocks: ['Text.', image(chart, 'a [chart]'), table(['a', 'b'], [['1', '2']])],
          charts: [chart],
          data: {},
          headline: 'Found one thing.',
        },
      ],
      ['Footer.'],
    );
    expect(md).toContain('![a chart](a.svg)');
    expect(md).toContain('- Found one thing.');
    await prettierStable(md);
  });
});
