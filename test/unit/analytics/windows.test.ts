import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_FUNNEL_TIERS, Funnels } from '../../../engine/analytics/funnel.js';
import { DEFAULT_REVENUE_TIERS, Revenue } from '../../../engine/analytics/revenue.js';
import {
  BucketRings,
  DEFAULT_TIERS,
  checkWindowQuery,
  resolveTiers,
  tierFor,
  windowBuckets,
  type BucketTier,
  type WindowQuery,
} from '../../../engine/analytics/windows.js';
import { isAisleError } from '../../../engine/errors.js';

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

/** The code, field and message of the AisleError `fn` throws; undefined when it returns. */
function thrown(fn: () => unknown): [string, unknown, string] | undefined {
  try {
    fn();
  } catch (err) {
    if (isAisleError(err)) return [err.code, err.details?.field, err.message];
    throw err;
  }
  return undefined;
}

describe('resolveTiers', () => {
  it('gives the default tiers in ms, the same ones funnels and revenue default to', () => {
    expect(resolveTiers(undefined, 'x')).toEqual([
      { resolutionMs: MIN, spanMs: DAY, slots: 1440 },
      { resolutionMs: HOUR, spanMs: 30 * DAY, slots: 720 },
    ]);
    expect(DEFAULT_FUNNEL_TIERS).toBe(DEFAULT_TIERS);
    expect(DEFAULT_REVENUE_TIERS).toBe(DEFAULT_TIERS);
    expect(Object.isFrozen(DEFAULT_TIERS)).toBe(true);
    expect(new Funnels().options.tiers).toEqual(new Revenue().options.tiers);
  });

  const cases: [string, unknown, string, string][] = [
    ['no tiers', [], 'tiers', 'tiers: must be an array of 1..8 tiers'],
    ['not an array', 'hourly', 'tiers', 'tiers: must be an array of 1..8 tiers'],
    ['nine tiers', Array(9).fill({ resolution: '1m', span: '1h' }), 'tiers', 'of 1..8 tiers'],
    ['a null tier', [null], 'tiers[0]', 'tiers[0]: must be { resolution, span }'],
    ['a bad duration', [{ resolution: '1x', span: '1d' }], 'tiers[0].resolution', '"1x"'],
    ['under a second', [{ resolution: '10ms', span: '1s' }], 'tiers[0].resolution', 'least 1s'],
    ['a partial bucket', [{ resolution: '1m', span: '90s' }], 'tiers[0].span', 'of 1m buckets'],
    ['too many slots', [{ resolution: '1s', span: '2d' }], 'tiers[0].span', 'most 100000'],
    [
      'finer after coarser',
      [
        { resolution: '1h', span: '1d' },
        { resolution: '1m', span: '7d' },
      ],
      'tiers[1]',
      'tiers[1]: must be coarser and longer than the tier before it',
    ],
  ];
  it.each(cases)('refuses %s, naming the field after the owner', (_, raw, field, message) => {
    for (const owner of ['funnel', 'revenue']) {
      const got = thrown(() => resolveTiers(raw as BucketTier[], owner));
      expect(got?.slice(0, 2)).toEqual(['AISLE_INVALID_ARGUMENT', field]);
      expect(got?.[2]).toContain(message);
      // parseWindow's own message names the field only; the tier checks name the owner too.
      if (!message.startsWith('"')) expect(got?.[2]).toMatch(new RegExp(`^${owner} `));
    }
  });
});

describe('checkWindowQuery', () => {
  it('reads the window and at most one id', () => {
    expect(checkWindowQuery({ window: '15m' }, START, 'funnel')).toEqual({
      window: 15 * MIN,
      item: undefined,
      category: undefined,
    });
    expect(checkWindowQuery({ window: HOUR, item: 3 }, 0, 'funnel')).toMatchObject({ item: 3 });
  });

  const cases: [string, unknown, number, string, string][] = [
    ['no query', null, START, 'query', 'revenue query: must be an object'],
    ['a bad window', { window: 'soon' }, START, 'window', '"soon"'],
    [
      'both ids',
      { window: '1h', item: 1, category: 1 },
      START,
      'item',
      'revenue item: give an item or a category, not both',
    ],
    ['a fractional item', { window: '1h', item: 1.5 }, START, 'item', 'not 1.5'],
    ['category 0', { window: '1h', category: 0 }, START, 'category', 'not 0'],
    ['now NaN', { window: '1h' }, Number.NaN, 'now', 'revenue now: must be a time in epoch ms'],
    ['now negative', { window: '1h' }, -1, 'now', 'not -1'],
  ];
  it.each(cases)('refuses %s', (_, query, now, field, message) => {
    const got = thrown(() => checkWindowQuery(query as WindowQuery, now, 'revenue'));
    expect(got?.slice(0, 2)).toEqual(['AISLE_INVALID_ARGUMENT', field]);
    expect(got?.[2]).toContain(message);
  });
});

describe('tierFor and windowBuckets', () => {
  const tiers = resolveTiers(undefined, 'funnel');

  it('picks the finest tier that covers the window and its whole buckets ending at now', () => {
    expect(tierFor(tiers, 15 * MIN, 'funnel')).toBe(tiers[0]);
    expect(tierFor(tiers, DAY, 'funnel')).toBe(tiers[0]);
    expect(tierFor(tiers, DAY + 1, 'funnel')).toBe(tiers[1]);
    const rings = new BucketRings(MIN, 1440, 1);
    const now = START + 10 * HOUR + 30_000;
    rings.add(0, Math.floor(now / MIN), 0, 1);
    const last = Math.floor(now / MIN);
    expect(windowBuckets(rings, 90_000, now, 'funnel')).toEqual({ first: last - 1, last });
    expect(windowBuckets(rings, DAY, now, 'funnel')).toEqual({ first: last - 1439, last });
  });

  it('refuses a window longer than every tier, or starting before what the rings hold', () => {
    expect(thrown(() => tierFor(tiers, 31 * DAY, 'revenue'))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'window',
      'revenue window: 31d is longer than 30d',
    ]);
    const rings = new BucketRings(MIN, 1440, 1);
    rings.advance(Math.floor((START + 5 * DAY) / MIN));
    expect(thrown(() => windowBuckets(rings, DAY, START + 3 * DAY, 'funnel'))).toEqual([
      'AISLE_INVALID_ARGUMENT',
      'now',
      'funnel now: a 1d window ending at 2026-01-04T00:00:00.000Z starts before the 1d this ' +
        'resolution keeps',
    ]);
  });
});

describe('BucketRings.locate', () => {
  it('finds or opens a bucket once for reads and writes, as add would', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.integer({ min: 0, max: 30 }),
            step: fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: -12, max: 2 })),
            channel: fc.integer({ min: 0, max: 2 }),
            delta: fc.integer({ min: 1, max: 2 ** 32 - 1 }),
            open: fc.boolean(),
          }),
          { minLength: 1, maxLength: 400 },
        ),
        (ops) => {
          // Every op through add on one set of rings, through locate on the other.
          const slots = 8;
          const viaAdd = new BucketRings(1000, slots, 3);
          const viaLocate = new BucketRings(1000, slots, 3);
          let clock = 20;
          for (const op of ops) {
            if (op.step > 0) clock += op.step;
            const bucket = Math.max(0, clock + Math.min(op.step, 0));
            const at = viaLocate.locate(op.key, bucket, op.open);
            if (op.open) {
              expect(at >= 0).toBe(viaAdd.add(op.key, bucket, op.channel, op.delta));
            } else {
              // Not opening: found only where some earlier op opened it and it is still held.
              const held = new Float64Array(3);
              viaAdd.advance(bucket);
              viaAdd.sumInto(op.key, bucket, bucket, held);
              if (at < 0) expect(Array.from(held)).toEqual([0, 0, 0]);
              if (at >= 0) viaAdd.add(op.key, bucket, op.channel, op.delta);
            }
            if (at >= 0) {
              const before = viaLocate.counter(at, op.channel);
              viaLocate.addAt(at, op.channel, op.delta);
              expect(viaLocate.counter(at, op.channel)).toBe((before + op.delta) % 2 ** 32);
            }
            expect(viaLocate.head).toBe(viaAdd.head);
          }
          expect(viaLocate.exportState()).toEqual(viaAdd.exportState());
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('BucketRings.sumSteps', () => {
  it('equals sumInto over each step', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(
          fc.record({
            key: fc.integer({ min: 0, max: 5 }),
            gap: fc.integer({ min: 0, max: 4 }),
            back: fc.integer({ min: 0, max: 30 }),
            value: fc.integer({ min: 1, max: 1000 }),
          }),
          { minLength: 1, maxLength: 300 },
        ),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: -10, max: 10 }),
        (slots, ops, per, count, shift) => {
          const rings = new BucketRings(1000, slots, 2);
          let clock = 50;
          for (const op of ops) {
            clock += op.gap;
            const bucket = Math.max(0, clock - op.back);
            rings.add(op.key, bucket, op.value % 2, op.value);
          }
          // Steps ending anywhere around the head, some reaching past what the ring holds.
          const from = Math.max(0, rings.head + shift - per * count + 1);
          for (let key = 0; key <= 6; key++) {
            const got = new Float64Array(2 * count);
            rings.sumSteps(key, from, per, count, got);
            const want = new Float64Array(2 * count);
            for (let p = 0; p < count; p++) {
              const one = new Float64Array(2);
              rings.sumInto(key, from + p * per, from + (p + 1) * per - 1, one);
              want.set(one, 2 * p);
            }
            expect(Array.from(got)).toEqual(Array.from(want));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
