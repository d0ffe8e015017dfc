import { COLUMN_NAMES } from '../../../engine/store/schema.js';
import fc from 'fast-check';
import { mkdtemp, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { afterEach, describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import { LIMITS, type RetailEvent } from '../../../engine/events.js';
import { DICTIONARY_NAMES } from '../../../engine/store/dictionary.js';
import { EventStore } from '../../../engine/store/event-store.js';
import type { EncodedBatch } from '../../../engine/store/encode.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(os.tmpdir(), 'aisle-store-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Every column and dictionary of a store as plain arrays, plus its chunk layout. */
function contents(store: EventStore) {
  const columns: Record<string, unknown[]> = {};
  for (const k of COLUMN_NAMES) columns[k] = [];
  const lengths: number[] = [];
  for (const c of store.chunks()) {
    lengths.push(c.length);
    for (const k of COLUMN_NAMES) columns[k]!.push(...Array.from(c[k] as ArrayLike<unknown>));
  }
  const dicts: Record<string, readonly string[]> = {};
  for (const name of DICTIONARY_NAMES) dicts[name] = [...store.dicts[name].values()];
  return { length: store.length, lengths, columns, dicts };
}

function plain(b: EncodedBatch) {
  const out: Record<string, number[]> = {};
  for (const k of [...COLUMN_NAMES, 'itemCategory'] as const) out[k] = Array.from(b[k]);
  return out;
}

const T0 = 1_700_000_000_000;
const mixed: RetailEvent[] = [
  { type: 'view', ts: T0, user: 'u1', session: 's1', item: 'i1', category: 'shoes' },
  { type: 'add_to_cart', ts: T0 + 1, user: 'u1', session: 's1', item: 'i1', quantity: 2 },
  {
    type: 'purchase',
    ts: T0 + 2,
    user: 'u1',
    session: 's1',
    item: 'i1',
    order: 'o1',
    quantity: 2,
    price: 49.5,
  },
  { type: 'search', ts: T0 + 3, session: 's2', query: 'blue söcks 🧦' },
  { type: 'inventory', ts: T0 + 4, item: 'i1', op: 'adjust', quantity: -2, location: 'store-7' },
  { type: 'price_change', ts: T0 + 5, item: 'i2', price: 3.25, category: 'socks' },
  { type: 'remove_from_cart', ts: T0 + 6, user: 'u2', item: 'i2', quantity: 1 },
  { type: 'view', ts: T0 + 7, item: 'i3' },
];
const repeat = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ ...mixed[i % mixed.length]!, ts: T0 + i }) as RetailEvent);

async function expectSnapshotError(p: Promise<unknown>, file: string, why: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(isAisleError(caught) && caught.code).toBe('AISLE_SNAPSHOT');
  expect((caught as Error).message).toContain(file);
  expect((caught as Error).message).toMatch(why);
}

describe('snapshot round trip', () => {
  it('restores every column and dictionary, then keeps appending in step', async () => {
    const dir = await tempDir();
    const store = new EventStore({ chunkRows: 7, retentionMs: 60_000 });
    store.append(repeat(30));
    const info = await store.writeSnapshot(dir);
    expect(info.rows).toBe(30);
    expect(info.manifest.files.events.bytes).toBeGreaterThan(0);
    expect((await readdir(dir)).sort()).toEqual([
      'dictionaries.arrow',
      'events.arrow',
      'store.json',
    ]);

    const restored = await EventStore.readSnapshot(dir);
    expect(restored.chunkRows).toBe(7);
    expect(restored.retentionMs).toBe(60_000);
    expect(contents(restored)).toEqual(contents(store));

    const more = [
      ...repeat(12),
      { type: 'view', ts: T0 + 99, user: 'new-user', item: 'new-item' } as RetailEvent,
    ];
    expect(plain(restored.append(more))).toEqual(plain(store.append(more)));
    expect(contents(restored)).toEqual(contents(store));
    expect(restored.dicts.user.lookup('new-user')).toBe(3);
    expect(restored.toTable().numRows).toBe(43);
  });

  it('round-trips an empty store', async () => {
    const dir = await tempDir();
    await new EventStore().writeSnapshot(dir);
    const restored = await EventStore.readSnapshot(dir);
    expect(restored.length).toBe(0);
    expect(restored.retentionMs).toBeUndefined();
    restored.append(mixed);
    expect(restored.length).toBe(mixed.length);
  });

  it('overwrites an earlier snapshot and leaves no temporary files', async () => {
    const dir = await tempDir();
    const store = new EventStore({ chunkRows: 3 });
    store.append(repeat(5));
    await store.writeSnapshot(dir);
    store.append(repeat(4));
    await store.writeSnapshot(dir);
    expect((await readdir(dir)).sort()).toEqual([
      'dictionaries.arrow',
      'events.arrow',
      'store.json',
    ]);
    expect(contents(await EventStore.readSnapshot(dir))).toEqual(contents(store));
  });

  it('lets options override the snapshot', async () => {
    const dir = await tempDir();
    const store = new EventStore({ chunkRows: 4, retentionMs: 5 });
    store.append(repeat(10));
    await store.writeSnapshot(dir);
    const restored = await EventStore.readSnapshot(dir, { retentionMs: undefined, chunkRows: 8 });
    expect(restored.retentionMs).toBeUndefined();
    expect(restored.chunkRows).toBe(8);
    expect(contents(restored).columns).toEqual(contents(store).columns);
    restored.append(repeat(7));
    // the short last chunk (2 rows) was reopened and filled up to the new chunk size
    expect(contents(restored).lengths).toEqual([4, 4, 8, 1]);
  });

  it('writes standard Arrow IPC files with the log schema', async () => {
    const dir = await tempDir();
    const store = new EventStore({ chunkRows: 4 });
    store.append(repeat(10));
    await store.writeSnapshot(dir);
    const events = tableFromIPC(await readFile(join(dir, 'events.arrow')));
    expect(events.batches.map((b) => b.numRows)).toEqual([4, 4, 2]);
    expect(events.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'ts:Timestamp<MILLISECOND>',
      'type:Uint8',
      'op:Uint8',
      'user:Uint32',
      'session:Uint32',
      'item:Uint32',
      'quantity:Int32',
      'price:Float32',
      'ref:Uint32',
    ]);
    expect(events.schema.fields[3]!.metadata.get('aisle.absent')).toMatch(/0 means absent/);
    expect(events.getChild('ts')!.get(9)).toBe(T0 + 9);
    const dicts = tableFromIPC(await readFile(join(dir, 'dictionaries.arrow')));
    expect(dicts.schema.fields.map((f) => f.name)).toEqual(['dict', 'id', 'value']);
    expect(dicts.numRows).toBe(DICTIONARY_NAMES.reduce((n, d) => n + store.dicts[d].size, 0));
  });

  it('restored chunks own their memory (no pinning of the file)', async () => {
    const dir = await tempDir();
    const store = new EventStore({ chunkRows: 4 });
    store.append(repeat(10));
    await store.writeSnapshot(dir);
    const restored = await EventStore.readSnapshot(dir);
    for (const c of restored.chunks()) {
      expect(c.user.buffer.byteLength).toBeLessThanOrEqual(Math.max(c.length, 1024) * 4);
    }
  });

  it('reports a directory it cannot write as AISLE_SNAPSHOT', async () => {
    const dir = await tempDir();
    const file = join(dir, 'not-a-dir');
    await writeFile(file, 'x');
    await expectSnapshotError(
      new EventStore().writeSnapshot(join(file, 'snap')),
      'not-a-dir',
      /failed/,
    );
  });

  it('captures the store at the call: appends during the write are not included', async () => {
    const dir = await tempDir();
    const store = new EventStore({ chunkRows: 4 });
    store.append(repeat(6));
    const before = contents(store);
    const writing = store.writeSnapshot(dir);
    store.append([{ type: 'view', ts: T0, user: 'late', item: 'late' }]);
    await writing;
    expect(contents(await EventStore.readSnapshot(dir))).toEqual(before);
  });

  it('property: any events, chunk sizes and batch splits round-trip', async () => {
    const id = (prefix: string) =>
      fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 0, max: 6 }).map((i) => `${prefix}${i}`) },
        { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 6, unit: 'grapheme' }) },
      );
    const ts = fc.integer({ min: LIMITS.minTs, max: LIMITS.maxTs });
    const qty = fc.integer({ min: -LIMITS.maxQuantity, max: LIMITS.maxQuantity });
    const price = fc.double({ min: 0.01, max: LIMITS.maxPrice, noNaN: true });
    const shopper = fc.record(
      { user: id('u'), session: id('s'), category: id('c') },
      { requiredKeys: [] },
    );
    const event: fc.Arbitrary<RetailEvent> = fc
      .oneof(
        fc.tuple(fc.record({ type: fc.constant('view' as const), ts, item: id('i') }), shopper),
        fc.tuple(
          fc.record({
            type: fc.constantFrom('add_to_cart' as const, 'remove_from_cart' as const),
            ts,
            item: id('i'),
            quantity: qty,
          }),
          shopper,
        ),
        fc.tuple(
          fc.record({
            type: fc.constant('purchase' as const),
            ts,
            item: id('i'),
            order: id('o'),
            quantity: qty,
            price,
          }),
          shopper,
        ),
        fc.tuple(fc.record({ type: fc.constant('search' as const), ts, query: id('q') }), shopper),
        fc.tuple(
          fc.record(
            {
              type: fc.constant('inventory' as const),
              ts,
              item: id('i'),
              op: fc.constantFrom('set' as const, 'receive' as const, 'adjust' as const),
              quantity: qty,
              location: id('l'),
            },
            { requiredKeys: ['type', 'ts', 'item', 'op', 'quantity'] },
          ),
          fc.constant({}),
        ),
        fc.tuple(
          fc.record(
            {
              type: fc.constant('price_change' as const),
              ts,
              item: id('i'),
              price,
              category: id('c'),
            },
            { requiredKeys: ['type', 'ts', 'item', 'price'] },
          ),
          fc.constant({}),
        ),
      )
      .map(([e, s]) => ({ ...e, ...s }) as RetailEvent);
    const batches = fc.array(fc.array(event, { maxLength: 25 }), { maxLength: 6 });

    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 16 }),
        batches,
        batches,
        async (chunkRows, first, second) => {
          const dir = await tempDir();
          const store = new EventStore({ chunkRows });
          for (const b of first) store.append(b);
          await store.writeSnapshot(dir);
          const restored = await EventStore.readSnapshot(dir);
          expect(contents(restored)).toEqual(contents(store));
          for (const b of second) expect(plain(restored.append(b))).toEqual(plain(store.append(b)));
          expect(contents(restored)).toEqual(contents(store));
          await rm(dir, { recursive: true, force: true });
        },
      ),
      { numRuns: 60, interruptAfterTimeLimit: 20_000 },
    );
  });
});

describe('snapshot damage is detected', () => {
  async function written(): Promise<string> {
    const dir = await tempDir();
    const store = new EventStore({ chunkRows: 5 });
    store.append(repeat(23));
    await store.writeSnapshot(dir);
    return dir;
  }

  it('a flipped byte in events.arrow', async () => {
    const dir = await written();
    const path = join(dir, 'events.arrow');
    const bytes = await readFile(path);
    bytes[bytes.length >> 1] ^= 0xff;
    await writeFile(path, bytes);
    await expectSnapshotError(EventStore.readSnapshot(dir), 'events.arrow', /sha256/);
  });

  it('a truncated dictionaries.arrow', async () => {
    const dir = await written();
    const path = join(dir, 'dictionaries.arrow');
    const { length } = await readFile(path);
    await truncate(path, length - 9);
    await expectSnapshotError(EventStore.readSnapshot(dir), 'dictionaries.arrow', /truncated/);
  });

  it('a missing manifest', async () => {
    const dir = await written();
    await unlink(join(dir, 'store.json'));
    await expectSnapshotError(EventStore.readSnapshot(dir), 'store.json', /no complete snapshot/);
  });

  it('a missing data file', async () => {
    const dir = await written();
    await unlink(join(dir, 'events.arrow'));
    await expectSnapshotError(EventStore.readSnapshot(dir), 'events.arrow', /cannot be read/);
  });

  it('a manifest that is not JSON or not ours', async () => {
    const dir = await written();
    await writeFile(join(dir, 'store.json'), '{"format": "aisle.st');
    await expectSnapshotError(EventStore.readSnapshot(dir), 'store.json', /JSON/);
    await writeFile(join(dir, 'store.json'), '{"format": "other"}');
    await expectSnapshotError(EventStore.readSnapshot(dir), 'store.json', /not an aisle/);
  });

  it('a manifest whose row count disagrees with the file', async () => {
    const dir = await written();
    const path = join(dir, 'store.json');
    const manifest = JSON.parse(await readFile(path, 'utf8')) as { rows: number };
    manifest.rows += 1;
    await writeFile(path, JSON.stringify(manifest));
    await expectSnapshotError(EventStore.readSnapshot(dir), 'events.arrow', /rows/);
  });

  it('an empty directory', async () => {
    await expectSnapshotError(EventStore.readSnapshot(await tempDir()), 'store.json', /cannot/);
  });

  it('refuses to write an id that UTF-8 cannot hold (lone surrogate)', async () => {
    const store = new EventStore();
    store.append([{ type: 'view', ts: T0, user: 'bad\ud800', item: 'i' }]);
    await expectSnapshotError(store.writeSnapshot(await tempDir()), 'user', /surrogate/);
  });
});
