import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { decodePayload } from '../../../src/stream/decode.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const enc = (s: string) => new TextEncoder().encode(s);
const view = (item: string, ts = 1732700000000) => ({ type: 'view', ts, item, user: 'u1' });

describe('decodePayload', () => {
  it('reads one JSON event', () => {
    const d = decodePayload(enc(JSON.stringify(view('a'))), NOW);
    expect(d.format).toBe('json');
    expect(d.events).toHaveLength(1);
    expect(d.rejected).toEqual([]);
  });

  it('reads a JSON array and names the bad events by index', () => {
    const d = decodePayload(enc(JSON.stringify([view('a'), { type: 'view' }, view('b')])), NOW);
    expect(d.format).toBe('json-array');
    expect(d.events.map((e) => ('item' in e ? e.item : ''))).toEqual(['a', 'b']);
    expect(d.rejected).toEqual([{ index: 1, field: 'item', reason: 'is required' }]);
  });

  it('reads NDJSON, rejecting a broken line in place', () => {
    const text = [JSON.stringify(view('a')), '{"type":', '', JSON.stringify(view('b'))].join('\n');
    const d = decodePayload(enc(text), NOW);
    expect(d.format).toBe('ndjson');
    expect(d.events).toHaveLength(2);
    expect(d.rejected).toHaveLength(1);
    expect(d.rejected[0]!.index).toBe(1);
    expect(d.rejected[0]!.reason).toMatch(/^line 2: /);
  });

  it('reads an Arrow IPC stream with wire-named columns, dictionary strings included', () => {
    const table = tableFromArrays({
      type: ['view', 'purchase', 'view'],
      ts: Float64Array.from([1732700000000, 1732700000001, 1732700000002]),
      item: ['a', 'b', 'c'],
      user: ['u1', 'u2', 'u3'],
      order: [null, 'o1', null],
      quantity: Int32Array.from([0, 2, 0]),
      price: Float64Array.from([0, 9.5, 0]),
    } as Parameters<typeof tableFromArrays>[0]);
    const d = decodePayload(tableToIPC(table, 'stream'), NOW);
    expect(d.format).toBe('arrow');
    expect(d.rejected).toEqual([]);
    expect(d.events).toHaveLength(3);
    expect(d.events[1]).toMatchObject({
      type: 'purchase',
      item: 'b',
      order: 'o1',
      quantity: 2,
      price: 9.5,
    });
  });

  it('names what is wrong with an unreadable payload', () => {
    expect(decodePayload(enc('not json'), NOW).error).toMatch(/invalid JSON/);
    expect(decodePayload(enc('   '), NOW).error).toMatch(/empty/);
    expect(decodePayload(new Uint8Array([0xc3, 0x28]), NOW).error).toMatch(/neither UTF-8/);
    const arrowish = new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5]);
    expect(decodePayload(arrowish, NOW).error).toMatch(/Arrow/);
    const noType = tableToIPC(
      tableFromArrays({ item: ['a'] } as Parameters<typeof tableFromArrays>[0]),
      'stream',
    );
    expect(decodePayload(noType, NOW).error).toMatch(/no "type" column/);
  });
});

describe('encodePayload → decodePayload', () => {
  it('round-trips simulated events in every format', async () => {
    const { createSimulator } = await import('../../../src/sim/index.js');
    const { encodePayload } = await import('../../../src/stream/encode.js');
    const events = createSimulator({ seed: 5 }).next(6_000).slice(5_000);
    for (const format of ['json', 'ndjson', 'arrow'] as const) {
      const d = decodePayload(encodePayload(events, format), NOW);
      expect(d.rejected, format).toEqual([]);
      expect(d.events, format).toEqual(events);
    }
    const one = decodePayload(encodePayload(events.slice(0, 1), 'json'), NOW);
    expect(one.format).toBe('json');
    expect(one.events).toEqual(events.slice(0, 1));
  });

  it('keeps a price change’s cost in every format, and its absence (0 is a real cost)', async () => {
    const { encodePayload } = await import('../../../src/stream/encode.js');
    const ts = 1732700000000;
    const events = [
      { type: 'price_change' as const, ts, item: 'a', price: 10, cost: 6 },
      { type: 'price_change' as const, ts, item: 'b', price: 12 },
      { type: 'price_change' as const, ts, item: 'c', price: 5, cost: 0 },
      { type: 'view' as const, ts, item: 'a', user: 'u1' },
    ];
    for (const format of ['json', 'ndjson', 'arrow'] as const) {
      const d = decodePayload(encodePayload(events, format), NOW);
      expect(d.rejected, format).toEqual([]);
      expect(d.events, format).toEqual(events);
    }
  });
});
