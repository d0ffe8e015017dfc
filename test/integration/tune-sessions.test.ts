/**
 * The session tuner on two shops' histories: Diginetica (whose defaults were chosen on its own
 * validation split, so the tuner should find little) and Online Retail's invoices as sessions
 * (where they do not transfer). On each it keeps to its budget, never reads the test part, and
 * the parameters it chooses do no worse on the test part than the defaults.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTrainSessions, readTestCases } from '../../src/eval/session-data.js';
import { retailSessions } from '../../src/eval/retail-sessions.js';
import { evaluateSessions } from '../../src/eval/sessions.js';
import type { SessionSplit } from '../../src/eval/session-data.js';
import { sessionObjective, tuneSessions } from '../../src/tune/sessions.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = path.join(repoRoot, '..', 'shared', 'data');
const diginetica = process.env.AISLE_DATA_DIR ?? path.join(shared, 'diginetica');
const retail = path.join(shared, 'online-retail');

/** Tunes on the training part only, then scores defaults and the choice on the test part. */
function check(data: SessionSplit, budgetS: number): void {
  const report = tuneSessions({ train: data.train, budgetS, sampleCases: 12_000 });
  expect(report.tune_s).toBeLessThanOrEqual(budgetS);
  expect(report.validation.chosen.objective).toBeGreaterThanOrEqual(
    report.validation.defaults.objective,
  );
  const score = (params?: typeof report.params): number => {
    const r = evaluateSessions({ dataDir: '', data, split: 'test', ...(params && { params }) });
    return sessionObjective(r['hit@20'], r['mrr@20']);
  };
  // Equal when the defaults stay; otherwise no worse than the defaults.
  expect(score(report.params)).toBeGreaterThanOrEqual(score());
}

describe('session tuner', () => {
  it('finds both data sets', () => {
    expect(existsSync(path.join(diginetica, 'train-sessions.tsv.gz')), diginetica).toBe(true);
    expect(existsSync(path.join(retail, 'online-retail.csv.gz')), retail).toBe(true);
  });

  it('on Online Retail invoices: moves MRR on validation, keeps the gain on test, in budget', async () => {
    const data = await retailSessions(retail);
    const report = tuneSessions({ train: data.train, budgetS: 40, sampleCases: 12_000 });
    expect(report.tune_s).toBeLessThanOrEqual(40);
    expect(report.validation.gain['mrr@20']).toBeGreaterThan(1);
    const defaults = evaluateSessions({ dataDir: '', data, split: 'test' });
    const tuned = evaluateSessions({ dataDir: '', data, split: 'test', params: report.params });
    expect(tuned['mrr@20']).toBeGreaterThan(defaults['mrr@20']);
    expect(sessionObjective(tuned['hit@20'], tuned['mrr@20'])).toBeGreaterThan(
      sessionObjective(defaults['hit@20'], defaults['mrr@20']),
    );
  });

  it('on Diginetica: keeps to the budget and does no worse than the defaults on test', () => {
    check({ train: readTrainSessions(diginetica), cases: readTestCases(diginetica) }, 45);
  });
});
