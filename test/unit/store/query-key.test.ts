/** Long search queries are kept under a bounded key that still tells distinct queries apart. */
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../engine/index.js';
import { storeOf } from '../../../engine/internals.js';
import { QUERY_KEY_LENGTH, queryKey } from '../../../engine/store/query-key.js';

describe('query keys', () => {
  it('keeps short queries as they are and bounds long ones, distinct stays distinct', () => {
    expect(queryKey('red shoes')).toBe('red shoes');
    const exact = 'q'.repeat(QUERY_KEY_LENGTH);
    expect(queryKey(exact)).toBe(exact);
    const keys = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const k = queryKey(`${'x'.repeat(900)} ${i}`);
      expect(k.length).toBeLessThanOrEqual(QUERY_KEY_LENGTH + 8);
      keys.add(k);
    }
    expect(keys.size).toBe(10_000);
    expect(queryKey('y'.repeat(500))).toBe(queryKey('y'.repeat(500)));
    expect(queryKey(`${'z'.repeat(200)}a`)).not.toBe(queryKey(`${'z'.repeat(200)}b`));
  });

  it('holds a tenth of the bytes for a flood of long unique queries', async () => {
    const e = await createEngine({ eventTime: { mode: 'stream' } });
    const ts = Date.UTC(2026, 0, 1);
    e.ingestEvents(
      Array.from({ length: 2_000 }, (_, i) => ({
        type: 'search' as const,
        ts,
        query: `${'long query text '.repeat(60)}${i}`,
      })),
    );
    const dict = storeOf(e).dicts.query;
    expect(dict.size).toBe(2_000);
    let chars = 0;
    for (const v of dict.values()) chars += v.length;
    expect(chars / dict.size).toBeLessThan(QUERY_KEY_LENGTH + 8);
  });
});
