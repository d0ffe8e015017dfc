/**
 * `aisle eval baskets` on the real UCI Online Retail file: the command end to end (its JSON on
 * stdout), with floors a little under the documented results (docs/evaluation.md) and the
 * relations the models must keep: every model that can recommend a new item beats popularity
 * on new items, and the blend beats each of its parts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { BasketEvaluation, BasketRow } from '../../src/eval/baskets.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'dist/src/cli/main.js');
const dataDir =
  process.env.AISLE_RETAIL_DIR ?? path.join(root, '..', 'shared', 'data', 'online-retail');

describe('aisle eval baskets (Online Retail, last 30 days as test)', () => {
  it('evaluates every model on the real data and keeps their documented order', () => {
    expect(existsSync(cli), `${cli} missing: run npm run build`).toBe(true);
    expect(existsSync(path.join(dataDir, 'online-retail.csv.gz')), dataDir).toBe(true);
    const res = spawnSync(process.execPath, [cli, 'eval', 'baskets', '--data', dataDir, '--json'], {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/als iteration 15/);
    const r = JSON.parse(res.stdout) as BasketEvaluation & { als: { index: string } };
    expect(r.split.customers).toBe(1379);
    expect(r.split.fbt_cases).toBe(2538);
    const row = (model: string): BasketRow => r.rows.find((x) => x.model === model)!;
    const pop = row('popularity');
    const blend = row('blend');
    for (const part of ['cooccurrence', 'als', 'buy-again']) {
      expect(blend['recall@20'], part).toBeGreaterThan(row(part)['recall@20']);
      expect(blend['ndcg@20'], part).toBeGreaterThan(row(part)['ndcg@20']);
    }
    for (const model of ['cooccurrence', 'als', 'blend']) {
      expect(row(model)['recall_new@20'], model).toBeGreaterThan(pop['recall_new@20']);
    }
    // Buy-again only ever proposes what a customer bought before.
    expect(row('buy-again')['recall_new@20']).toBe(0);
    expect(blend['recall@20']).toBeGreaterThanOrEqual(22);
    expect(blend['ndcg@20']).toBeGreaterThanOrEqual(28);
    expect(blend['fbt_hit@10']).toBeGreaterThanOrEqual(24);
    expect(row('als')['recall@20']).toBeGreaterThanOrEqual(19.5);
  }, 180_000);
});
