/**
 * Targeted promotions on Online Retail's test month (../shared/data): the audience beats the
 * item's past buyers by precision@20, as docs/evaluation.md reports.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../engine/index.js';
import { evaluateAudience } from '../../src/eval/audience.js';
import { splitBaskets } from '../../src/eval/basket-split.js';
import { onlineRetailFile, readOnlineRetail } from '../../src/datasets/online-retail.js';
import type { PurchaseEvent } from '../../engine/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const data = process.env.AISLE_DATA_DIR ?? path.join(root, '..', 'shared', 'data');

describe('audience on Online Retail', () => {
  it('names next month’s buyers at least as well as the past buyers of each item', async () => {
    const events: PurchaseEvent[] = [];
    for await (const b of readOnlineRetail(
      onlineRetailFile(path.join(data, 'online-retail')),
      50_000,
    ))
      events.push(...b);
    const split = splitBaskets(events, { mode: 'test' });
    const engine = await createEngine();
    for (let i = 0; i < split.train.length; i += 10_000)
      engine.ingestEvents(split.train.slice(i, i + 10_000));
    await engine.trainFactors();
    const r = evaluateAudience(engine, split.train, split.test, split.boundary);
    engine.close();
    expect(r.items).toBe(200);
    const [ours, base] = r.rows;
    expect(base!.precision).toBeGreaterThan(0.2);
    // 29.2 against 27.1 on the machine the docs were written on; ALS is seeded, so the margin
    // is not luck, but leave a little room.
    expect(ours!.precision).toBeGreaterThan(base!.precision);
  }, 120_000);
});
