/**
 * The session-kNN model on the real Diginetica SR-GNN split, under the SR-GNN protocol: every one
 * of the 60,858 test cases, full ranking. Floors are the documented results (docs/evaluation.md)
 * rounded down, so a regression in the model or the protocol fails here.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { evaluateSessions, loadSplit } from '../../src/eval/sessions.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dataDir =
  process.env.AISLE_DATA_DIR ?? path.join(repoRoot, '..', 'shared', 'data', 'diginetica');

describe('Diginetica next-item evaluation (SR-GNN protocol)', () => {
  it('finds the data', () => {
    expect(existsSync(path.join(dataDir, 'test.tsv.gz')), dataDir).toBe(true);
  });

  const data = existsSync(path.join(dataDir, 'test.tsv.gz'))
    ? loadSplit(dataDir, 'test')
    : undefined;

  it.skipIf(data === undefined)('beats SR-GNN (50.73 / 17.59) with the default model', () => {
    const r = evaluateSessions({ dataDir, data, split: 'test' });
    expect(r.model).toBe('stan+tr');
    expect(r.cases).toBe(60_858);
    expect(r['hit@20']).toBeGreaterThanOrEqual(53.0);
    expect(r['mrr@20']).toBeGreaterThanOrEqual(18.8);
    expect(r.train_s).toBeLessThan(60);
    expect(r.predict_ms_p99).toBeLessThan(2);
  });

  it.skipIf(data === undefined)('gains from indexing finished test sessions (streaming)', () => {
    const r = evaluateSessions({ dataDir, data, split: 'test', streaming: true });
    expect(r.cases).toBe(60_858);
    expect(r['hit@20']).toBeGreaterThanOrEqual(55.0);
    expect(r['mrr@20']).toBeGreaterThanOrEqual(19.3);
  });
});
