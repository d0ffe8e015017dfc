import { COLUMN_NAMES } from '../../../engine/store/schema.js';
import { describe, expect, it } from 'vitest';
import type { RetailEvent } from '../../../engine/events.js';
import type { EventChunk } from '../../../engine/store/chunk.js';
import { EventStore } from '../../../engine/store/event-store.js';

const T0 = 1_700_000_000_000;

/** Event `i` of a deterministic stream: views with ts T0 + i and a user id that encodes i. */
function events(from: number, count: number, tsOf = (i: number) => T0 + i): RetailEvent[] {
  return Array.from({ length: count }, (_, k) => {
    const i = from + k;
    return { type: 'view', ts: tsOf(i), user: `u${i}`, item: `i${i % 5}` } as RetailEvent;
  });
}

function concat(chunks: Iterable<EventChunk>): { ts: number[]; user: number[]; item: number[] } {
  const out = { ts: [] as number[], user: [] as number[], item: [] as number[] };
  for (const c of chunks) {
    for (let i = 0; i < c.length; i++) {
      out.ts.push(Number(c.ts[i]));
      out.user.push(c.user[i]!);
      out.item.push(c.item[i]!);
    }
  }
  return out;
}

describe('chunking', () => {
  it.each([
    [7, [3, 10, 1, 7, 0, 20]],
    [1, [1, 2, 3]],
    [7, [7, 7]],
    [5, [23]],
    [65536, [100]],
  ])('chunkRows %i, batches %j: every event exactly once, in order', (chunkRows, sizes) => {
    const store = new EventStore({ chunkRows });
    let n = 0;
    for (const size of sizes) {
      const batch = store.append(events(n, size));
      expect(batch.length).toBe(size);
      expect(Array.from(batch.ts)).toEqual(events(n, size).map((e) => e.ts));
      n += size;
    }
    const chunks = [...store.chunks()];
    const lengths = chunks.map((c) => c.length);
    const full = Math.floor(n / chunkRows);
    const expected = Array<number>(full).fill(chunkRows);
    if (n % chunkRows > 0) expected.push(n % chunkRows);
    expect(lengths).toEqual(expected);
    const all = concat(chunks);
    expect(all.ts).toEqual(events(0, n).map((e) => e.ts));
    // users were first seen in order, so user ids are 1..n
    expect(all.user).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(store.length).toBe(n);
    for (const c of chunks) {
      for (const k of COLUMN_NAMES) {
        expect(c[k].length).toBe(c.length);
      }
    }
  });

  it('an empty store yields no chunks, no batches and an empty table', () => {
    const store = new EventStore();
    expect([...store.chunks()]).toEqual([]);
    expect(store.recordBatches()).toEqual([]);
    expect(store.toTable().numRows).toBe(0);
    expect(store.bytesUsed()).toBe(0);
  });

  it('sealed chunks are views over the Arrow record batch buffers (zero copy)', () => {
    const store = new EventStore({ chunkRows: 4 });
    store.append(events(0, 10));
    const batches = store.recordBatches();
    const chunks = [...store.chunks()];
    expect(batches.map((b) => b.numRows)).toEqual([4, 4, 2]);
    batches.forEach((batch, b) => {
      const user = batch.getChild('user')!.data[0]!.values as Uint32Array;
      expect(chunks[b]!.user.buffer).toBe(user.buffer);
      expect(chunks[b]!.user.byteOffset).toBe(user.byteOffset);
      const ts = batch.getChild('ts')!.data[0]!.values as BigInt64Array;
      expect(chunks[b]!.ts.buffer).toBe(ts.buffer);
    });
  });

  it('recordBatches and toTable do not change the store', () => {
    const store = new EventStore({ chunkRows: 4 });
    store.append(events(0, 6));
    const before = store.recordBatches();
    expect(before.map((b) => b.numRows)).toEqual([4, 2]);
    store.append(events(6, 1));
    // the open part was handed out as a slice: it still shows 2 rows, the store now holds 3
    expect(before[1]!.numRows).toBe(2);
    expect(Array.from(before[1]!.getChild('user')!.toArray() as Uint32Array)).toEqual([5, 6]);
    expect([...store.chunks()].map((c) => c.length)).toEqual([4, 3]);

    const table = store.toTable();
    expect(table.numRows).toBe(7);
    expect(Array.from(table.getChild('user')!.toArray() as Uint32Array)).toEqual([
      1, 2, 3, 4, 5, 6, 7,
    ]);
    expect(table.getChild('ts')!.get(0)).toBe(T0);
    expect(table.schema.fields.map((f) => f.name)).toEqual([...COLUMN_NAMES]);
    expect(table.schema.fields.every((f) => !f.nullable)).toBe(true);
    expect(table.getChild('user')!.nullCount).toBe(0);
  });

  it('keeps bytesUsed / length at 34 (<= 40) on 100k events', () => {
    const store = new EventStore();
    for (let n = 0; n < 100_000; n += 10_000) store.append(events(n, 10_000));
    expect(store.length).toBe(100_000);
    const perEvent = store.bytesUsed() / store.length;
    expect(perEvent).toBeLessThanOrEqual(40);
    expect(perEvent).toBe(34);
    // bytesUsed agrees with the Arrow buffers
    let bytes = 0;
    for (const b of store.recordBatches()) {
      for (const child of b.data.children) bytes += child.values.byteLength;
    }
    expect(bytes).toBe(store.bytesUsed());
    expect(store.capacityBytes()).toBeGreaterThanOrEqual(store.bytesUsed());
  });
});

describe('retention', () => {
  it('drops whole sealed chunks older than the window, never the open one', () => {
    // ts = T0 + 100 * i; chunks of 4 hold i = 0..3, 4..7, 8..11, open 12..13
    const store = new EventStore({ chunkRows: 4, retentionMs: 1000 });
    store.append(events(0, 14, (i) => T0 + 100 * i));
    const sizeBefore = store.dicts.user.size;
    expect(store.evict(T0 + 1000)).toBe(0); // cutoff T0: nothing strictly older
    // cutoff T0 + 350: chunk 0 (newest T0 + 300) goes, chunk 1 (newest T0 + 700) stays
    expect(store.evict(T0 + 1350)).toBe(4);
    expect(store.length).toBe(10);
    expect(concat(store.chunks()).user).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    // far future: every sealed chunk goes, the open chunk stays
    expect(store.evict(T0 + 1e9)).toBe(8);
    expect([...store.chunks()].map((c) => c.length)).toEqual([2]);
    expect(store.length).toBe(2);
    // dictionaries keep every id
    expect(store.dicts.user.size).toBe(sizeBefore);
    // appends continue after eviction
    store.append(events(14, 3, (i) => T0 + 100 * i));
    expect(concat(store.chunks()).user).toEqual([13, 14, 15, 16, 17]);
  });

  it('uses the newest event of a chunk, whatever the order inside it', () => {
    const store = new EventStore({ chunkRows: 3, retentionMs: 10 });
    store.append(events(0, 6, (i) => (i === 0 ? T0 + 500 : T0 + i)));
    store.append(events(6, 1));
    // chunk 0 holds T0 + 500, T0 + 1, T0 + 2: kept while T0 + 500 is in the window
    expect(store.evict(T0 + 100)).toBe(3);
    expect(concat(store.chunks()).user).toEqual([1, 2, 3, 7]);
  });

  it('rejects a non-finite clock', () => {
    const store = new EventStore({ retentionMs: 1 });
    expect(() => store.evict(NaN)).toThrow(/nowMs/);
  });

  it('keeps everything without a retention window', () => {
    const store = new EventStore({ chunkRows: 2 });
    store.append(events(0, 5));
    expect(store.evict(T0 + 1e12)).toBe(0);
    expect(store.length).toBe(5);
  });
});

describe('retention by bytes and compaction', () => {
  it('drops the oldest sealed chunks until the columns fit, never the open one', () => {
    const store = new EventStore({ chunkRows: 4 });
    store.append(events(0, 14));
    expect(store.evictToBytes(store.capacityBytes())).toBe(0);
    expect(store.evictToBytes(store.capacityBytes() - 1)).toBe(4);
    expect(concat(store.chunks()).user).toEqual([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
    expect(store.evictToBytes(0)).toBe(8);
    expect(store.length).toBe(2);
  });

  it('renumbers one id kind in every row as copies, leaving views already handed out intact', () => {
    const store = new EventStore({ chunkRows: 4 });
    store.append(events(0, 10));
    const before = [...store.chunks()].map((c) => c.user.slice());
    const held = [...store.chunks()];
    // Users 1..10: drop the odd ones, the even ones become 1..5.
    const map = new Uint32Array(11);
    for (let id = 2, next = 1; id <= 10; id += 2) map[id] = next++;
    store.remap('user', map);
    expect(concat(store.chunks()).user).toEqual([0, 1, 0, 2, 0, 3, 0, 4, 0, 5]);
    expect(concat(store.chunks()).item).toEqual(concat(held).item);
    expect(held.map((c) => c.user)).toEqual(before);
    // Appends go on in the open chunk after the remap.
    store.append(events(10, 3));
    expect(store.length).toBe(13);
  });
});
