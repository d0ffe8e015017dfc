/**
 * Funnels remember where the shop's and categories' newest buckets lie in their rings between
 * events. These tests hold the remembered places to what searching the rings gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Funnels, type FunnelOptions } from '../../../engine/analytics/funnel.js';
import { BucketRings } from '../../../engine/analytics/windows.js';
import type { RetailEvent } from '../../../engine/events.js';
import type { EncodedBatch } from '../../../engine/store/index.js';
import { CategorisedLog } from './support.js';

const START = Date.UTC(2026, 0, 1);

/** Row `i` of `batch` as a batch of its own. */
function row(batch: EncodedBatch, i: number): EncodedBatch {
  const one = <T extends { subarray(from: number, to: number): T }>(column: T): T =>
    column.subarray(i, i + 1);
  return {
    length: 1,
    ts: one(batch.ts),
    type: one(batch.type),
    op: one(batch.op),
    user: one(batch.user),
    session: one(batch.session),
    item: one(batch.item),
    quantity: one(batch.quantity),
    price: one(batch.price),
    ref: one(batch.ref),
    itemCategory: one(batch.itemCategory),
  };
}

describe('BucketRings.moves', () => {
  it('leaves a place from locate valid while unchanged and the bucket is retained', () => {
    fc.assert(
      fc.property(
        // Long rings, so that busy keys' rings grow and fill the pool, which is then compacted.
        fc.integer({ min: 1, max: 300 }),
        fc.array(
          fc.record({
            key: fc.oneof(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 400 })),
            gap: fc.integer({ min: 0, max: 1 }),
            back: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30 })),
            open: fc.boolean(),
          }),
          { minLength: 1, maxLength: 1000, size: 'max' },
        ),
        (slots, ops) => {
          const rings = new BucketRings(1000, slots, 2);
          const known: { key: number; bucket: number; at: number; moves: number }[] = [];
          let clock = 40;
          for (const op of ops) {
            clock += op.gap;
            const bucket = Math.max(0, clock - op.back);
            const at = rings.locate(op.key, bucket, op.open);
            if (at >= 0) {
              rings.addAt(at, 0, 1);
              known.push({ key: op.key, bucket, at, moves: rings.moves });
            }
            for (const k of known.slice(-50)) {
              if (k.moves !== rings.moves || !rings.retains(k.bucket)) continue;
              expect(rings.locate(k.key, k.bucket, false)).toBe(k.at);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('Funnels.ingest', () => {
  it('ends in the state of feeding each event alone to funnels restored from a snapshot', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            // Mostly forward, some jitter back, a few events far behind every tier.
            gap: fc.integer({ min: 0, max: 2500 }),
            back: fc.oneof(
              fc.constant(0),
              fc.integer({ min: 0, max: 8000 }),
              fc.integer({ min: 0, max: 90_000 }),
            ),
            kind: fc.constantFrom('view', 'add_to_cart', 'purchase', 'search'),
            // Many categories, so the scope rings grow and their pool is compacted.
            item: fc.integer({ min: 0, max: 299 }),
            user: fc.integer({ min: 0, max: 5 }),
          }),
          { minLength: 1, maxLength: 400, size: 'max' },
        ),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (steps, cuts, distinctUsers) => {
          // Tiny tiers whose bucket edges do not line up, so events leave one before the other.
          const options: FunnelOptions = {
            tiers: [
              { resolution: '2s', span: '10s' },
              { resolution: '3s', span: '30s' },
            ],
            distinctUsers,
          };
          const log = new CategorisedLog();
          const withCategories = { ...options, categoryOf: log.categoryOf };
          const funnels = new Funnels(withCategories);
          let alone = new Funnels(withCategories);
          let clock = START + 1234;
          const events: RetailEvent[] = steps.map((s) => {
            clock += s.gap;
            const ts = Math.max(START, clock - s.back);
            const shopper = { ts, ...(s.user > 0 && { user: `u${s.user}` }) };
            const item = `i${s.item}`;
            const category = s.item % 5 > 0 ? { category: `c${s.item % 150}` } : {};
            switch (s.kind) {
              case 'view':
                return { type: 'view', ...shopper, ...category, item };
              case 'add_to_cart':
                return { type: 'add_to_cart', ...shopper, ...category, item, quantity: 1 };
              case 'purchase':
                return {
                  type: 'purchase',
                  ...shopper,
                  ...category,
                  item,
                  order: `o${ts}`,
                  quantity: 1,
                  price: 2,
                };
              default:
                return { type: 'search', ...shopper, query: 'shoes' };
            }
          });
          let at = 0;
          for (let c = 0; at < events.length; c++) {
            const batch = log.append(events.slice(at, at + cuts[c % cuts.length]!));
            at += batch.length;
            funnels.ingest(batch);
            for (let i = 0; i < batch.length; i++) {
              // Restored funnels remember no places: every bucket is searched for.
              alone = Funnels.fromState(withCategories, alone.exportState());
              alone.ingest(row(batch, i));
            }
            expect(funnels.exportState()).toEqual(alone.exportState());
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
