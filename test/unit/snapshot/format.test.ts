/**
 * The pieces of the format: the caller's position round-trips exactly (or is refused), and the
 * binary state file carries every section type and every number JSON cannot spell.
 */
import fc from 'fast-check';
import { readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  createEngine,
  findNewestSnapshot,
  readSnapshotManifest,
  restoreEngine,
  writeEngineSnapshot,
  type CatalogueItem,
  type JsonValue,
} from '../../../engine/index.js';
import { decodeCatalogue, encodeCatalogue } from '../../../engine/snapshot/catalogue-file.js';
import { checkJsonValue } from '../../../engine/snapshot/json.js';
import { decodeState, encodeState } from '../../../engine/snapshot/sections.js';
import { tempDirs } from './support.js';

const dirs = tempDirs();

function concat(pieces: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(pieces));
}

describe('position', () => {
  it('round-trips any JSON value exactly', async () => {
    const engine = await createEngine();
    engine.ingestEvents([{ type: 'view', ts: 1_000, item: 'a', session: 's' }]);
    const base = await dirs();
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (value) => {
        // JSON has no -0 (it reads back as 0); the writer refuses it, so generate none.
        const position = JSON.parse(JSON.stringify(value)) as JsonValue;
        const written = await writeEngineSnapshot(engine, base, { position, now: 5, keep: 1 });
        expect(written.manifest.position).toStrictEqual(position);
        expect((await readSnapshotManifest(written.dir)).position).toStrictEqual(position);
        expect((await findNewestSnapshot(base))?.manifest.position).toStrictEqual(position);
      }),
      { numRuns: 40, seed: 11 },
    );
  });

  it('keeps a realistic stream position as given', async () => {
    const engine = await createEngine();
    const base = await dirs();
    const position = {
      topics: { 'persistent://public/default/events-partition-0': 'CAEQAhgAIAAwAQ==' },
      messages: 123_456_789_012,
      deadLetters: 0,
      unacked: ['1:2:-1:0'],
    };
    await writeEngineSnapshot(engine, base, { position, now: 0 });
    expect((await findNewestSnapshot(base))?.manifest.position).toStrictEqual(position);
  });

  const sparse: unknown[] = [1];
  sparse[2] = 3;
  const cycle: Record<string, unknown> = {};
  cycle.self = cycle;
  it.each([
    ['undefined', undefined],
    ['NaN', NaN],
    ['Infinity', { at: Infinity }],
    ['-0', [-0]],
    ['an undefined field', { a: 1, b: undefined }],
    ['a Date', { at: new Date(0) }],
    ['a BigInt', { id: 1n }],
    ['a function', { f: () => 1 }],
    ['a sparse array', sparse],
    ['a Map', new Map()],
    ['a cycle', cycle],
  ])('refuses %s, writing nothing', async (_, position) => {
    const engine = await createEngine();
    const base = await dirs();
    await expect(
      writeEngineSnapshot(engine, base, { position: position as JsonValue, now: 0 }),
    ).rejects.toMatchObject({ code: 'AISLE_INVALID_ARGUMENT' });
    expect(await readdir(base)).toEqual([]);
    expect(() => checkJsonValue(position)).toThrow(/position/);
  });
});

describe('state sections', () => {
  it('round-trips every section type, special numbers and nesting', () => {
    const tree = {
      a: new Uint8Array([1, 2, 3]),
      b: { c: new Uint32Array([0xffffffff, 0, 7]), d: new Int32Array([-5]) },
      e: [new Float32Array([1.5, NaN]), new Float64Array([-0, Infinity, 1e-300])],
      empty: new Float64Array(0),
      numbers: [NaN, Infinity, -Infinity, -0, 0, 1.25, Number.MAX_VALUE],
      text: 'x',
      flag: true,
      nothing: null,
    };
    const encoded = encodeState(tree);
    const bytes = concat(encoded.pieces);
    expect(bytes.byteLength).toBe(encoded.bytes);
    expect(encoded.sections.map((s) => `${s.path}:${s.type}:${s.bytes}`)).toEqual([
      'a:u8:3',
      'b.c:u32:12',
      'b.d:i32:4',
      'e[0]:f32:8',
      'e[1]:f64:24',
      'empty:f64:0',
    ]);
    const back = decodeState(bytes) as typeof tree;
    expect(back).toStrictEqual(tree);
    expect(Object.is(back.numbers[3], -0)).toBe(true);
    expect(Object.is(back.e[1]![0], -0)).toBe(true);
    // Decoded arrays own their memory.
    expect(back.b.c.buffer.byteLength).toBe(12);
  });

  it('preserves arbitrary f64 bit patterns', () => {
    fc.assert(
      fc.property(fc.float64Array({ maxLength: 50 }), fc.uint32Array({ maxLength: 50 }), (f, u) => {
        const back = decodeState(concat(encodeState({ f, u }).pieces)) as { f: Float64Array };
        expect(Buffer.from(back.f.buffer).equals(Buffer.from(f.buffer))).toBe(true);
      }),
      { numRuns: 100, seed: 3 },
    );
  });

  it.each([
    ['a wrong magic', (b: Uint8Array) => (b[0] = 0x41 + 1)],
    ['another version', (b: Uint8Array) => (b[8] = 9)],
    ['a header past the end', (b: Uint8Array) => (b[14] = 0xff)],
  ])('refuses %s', (_, damage) => {
    const bytes = concat(encodeState({ x: new Float64Array(4) }).pieces);
    damage(bytes);
    expect(() => decodeState(bytes)).toThrow(expect.objectContaining({ code: 'AISLE_SNAPSHOT' }));
  });

  it('refuses a section cut short', () => {
    const bytes = concat(encodeState({ x: new Float64Array(4) }).pieces);
    expect(() => decodeState(bytes.subarray(0, bytes.length - 8))).toThrow(/runs past the end/);
  });

  it('refuses values it cannot store', () => {
    expect(() => encodeState({ a: new BigInt64Array(1) })).toThrow(/BigInt64Array/);
    expect(() => encodeState({ a: new Map() })).toThrow(/state path "a"/);
    expect(() => encodeState({ $s: 1 })).toThrow(/\$/);
  });
});

describe('catalogue file', () => {
  it('keeps items in order, with numbers JSON cannot spell and marker-shaped keys', async () => {
    const engine = await createEngine();
    const items: CatalogueItem[] = [
      { id: 'b', category: 'c1', price: 2.5, attributes: { w: Infinity, n: NaN, z: -0, s: 'x' } },
      { id: 'a', attributes: { $n: 'NaN', $s: 0, ok: true } },
      { id: 'c', price: 1, cost: 0.6 },
    ];
    engine.loadCatalogue(items);
    engine.ingestEvents([{ type: 'view', ts: 1, item: 'd', category: 'c2' }]);
    const back = decodeCatalogue(encodeCatalogue(engine.catalogue.exportState()));
    expect(back).toStrictEqual([...items, { id: 'd', category: 'c2' }]);
    expect(Object.is(back[0]!.attributes!.z, -0)).toBe(true);

    const base = await dirs();
    const { dir } = await writeEngineSnapshot(engine, base, { position: 1, now: 0 });
    const restored = await restoreEngine(dir);
    expect([...restored.catalogue.values()]).toStrictEqual([...engine.catalogue.values()]);
    expect(
      restored.recommend({ type: 'popular', k: 5, category: 'c2' }).results.map((r) => r.item),
    ).toEqual(['d']);
  });
});
