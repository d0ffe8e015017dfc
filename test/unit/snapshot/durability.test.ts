/**
 * What a reader of the snapshot directory sees after damage or a crash: incomplete, truncated,
 * corrupted and unreadable snapshots are passed over for the previous good one; pruning keeps
 * the newest `keep`.
 */
import { cp, mkdir, open, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createEngine,
  findNewestSnapshot,
  isAisleError,
  restoreEngine,
  restoreNewestSnapshot,
  verifySnapshot,
  writeEngineSnapshot,
  type Engine,
} from '../../../engine/index.js';
import { answers, feed, simulatedStream, tempDirs, type Stream } from './support.js';
import { storeOf } from '../../../engine/internals.js';

const dirs = tempDirs();
const NOW = Date.UTC(2026, 5, 1);

async function flipByte(path: string, at: 'middle' | number = 'middle'): Promise<void> {
  const bytes = await readFile(path);
  const i = at === 'middle' ? bytes.length >> 1 : at;
  bytes[i] = bytes[i]! ^ 0x40;
  await writeFile(path, bytes);
}

async function names(base: string): Promise<string[]> {
  return (await readdir(base)).sort();
}

describe('snapshot directory after damage', () => {
  let stream: Stream;
  let template: string;
  let expectedSecond: ReturnType<typeof answers>;
  const third = 'snap-0000000003';

  beforeAll(async () => {
    stream = simulatedStream(3000, {}, 200);
    template = await dirs();
    const engine = await createEngine();
    engine.loadCatalogue(stream.catalogue);
    const n = stream.batches.length;
    let done = 0;
    for (const [i, cut] of [n >> 2, n >> 1, n].entries()) {
      feed(engine, stream, done, cut);
      done = cut;
      await writeEngineSnapshot(engine, template, { position: `p${i + 1}`, now: NOW, keep: 10 });
      if (i === 1) expectedSecond = answers(engine, ['sku-0', 'sku-1'], ['cat-0']);
    }
  });

  /** A copy of the three good snapshots, damaged by `damage`. */
  async function damaged(damage: (base: string) => Promise<void>): Promise<string> {
    const base = await dirs();
    await cp(template, base, { recursive: true });
    await damage(base);
    return base;
  }

  it('finds the newest of three good snapshots', async () => {
    expect(await names(template)).toEqual([
      'snap-0000000001',
      'snap-0000000002',
      'snap-0000000003',
    ]);
    const found = await findNewestSnapshot(template);
    expect(found?.dir).toBe(join(template, third));
    expect(found?.manifest.position).toBe('p3');
    expect(found?.manifest.sequence).toBe(3);
    expect(found?.manifest.createdAt).toBe(NOW);
  });

  const cases: [string, (base: string) => Promise<void>][] = [
    ['a truncated state file', (b) => truncate(join(b, third, 'state.bin'), 100)],
    ['a truncated event log', (b) => truncate(join(b, third, 'store', 'events.arrow'), 1000)],
    ['a flipped byte in the state file', (b) => flipByte(join(b, third, 'state.bin'))],
    ['a flipped byte in the event log', (b) => flipByte(join(b, third, 'store/events.arrow'))],
    [
      'a flipped byte in the dictionaries',
      (b) => flipByte(join(b, third, 'store/dictionaries.arrow')),
    ],
    ['a flipped byte in the catalogue', (b) => flipByte(join(b, third, 'catalogue.json'), 20)],
    ['a flipped byte in the store manifest', (b) => flipByte(join(b, third, 'store/store.json'))],
    ['a missing manifest', (b) => rm(join(b, third, 'snapshot.json'))],
    ['a truncated manifest', (b) => truncate(join(b, third, 'snapshot.json'), 40)],
    ['a missing data file', (b) => rm(join(b, third, 'store', 'events.arrow'))],
    [
      'an empty snapshot directory',
      (b) => rm(join(b, third), { recursive: true }).then(() => mkdir(join(b, third))),
    ],
  ];

  it.each(cases)('passes over %s for the previous good snapshot', async (_, damage) => {
    const base = await damaged(damage);
    const skipped: string[] = [];
    const found = await findNewestSnapshot(base, { onSkip: (dir) => skipped.push(dir) });
    expect(found?.manifest.position).toBe('p2');
    expect(skipped).toEqual([join(base, third)]);
    await expect(verifySnapshot(join(base, third))).rejects.toMatchObject({
      code: 'AISLE_SNAPSHOT',
    });
    await expect(restoreEngine(join(base, third))).rejects.toMatchObject({
      code: 'AISLE_SNAPSHOT',
    });
    const restored = await restoreNewestSnapshot(base);
    expect(restored?.manifest.position).toBe('p2');
    expect(answers(restored!.engine, ['sku-0', 'sku-1'], ['cat-0'])).toEqual(expectedSecond);
  });

  it('ignores a newer .tmp directory, even a complete-looking one', async () => {
    const base = await damaged(async (b) => {
      await cp(join(b, third), join(b, 'snap-0000000004.tmp'), { recursive: true });
      await mkdir(join(b, 'snap-0000000005.trash'));
      await mkdir(join(b, 'not-a-snapshot'));
    });
    expect((await findNewestSnapshot(base))?.manifest.position).toBe('p3');
  });

  it('returns undefined when no snapshot is good, or there is no directory', async () => {
    const base = await damaged(async (b) => {
      for (const name of await names(b)) await truncate(join(b, name, 'state.bin'), 10);
    });
    expect(await findNewestSnapshot(base)).toBeUndefined();
    expect(await restoreNewestSnapshot(base)).toBeUndefined();
    expect(await findNewestSnapshot(join(base, 'nowhere'))).toBeUndefined();
    expect(await findNewestSnapshot(await dirs())).toBeUndefined();
  });

  it('refuses options that do not fit the snapshot, and keeps the runtime ones', async () => {
    const dir = join(template, third);
    const wrong = restoreEngine(dir, { alsoViewed: { window: 7 } });
    await expect(wrong).rejects.toMatchObject({ code: 'AISLE_INVALID_ARGUMENT' });
    await expect(restoreEngine(dir, { chunkRows: 10 })).rejects.toMatchObject({
      code: 'AISLE_INVALID_ARGUMENT',
    });
    // Equal options (in another key order) are fine; so is a new retention window.
    const same = await restoreEngine(dir, {
      simd: false,
      alsoViewed: { shrink: 2, window: 5 },
      retentionMs: 60_000,
    });
    expect(same.stats().simd).toBe(false);
    expect(storeOf(same).retentionMs).toBe(60_000);
  });
});

describe('writing snapshots', () => {
  async function engineWith(events: number): Promise<{ engine: Engine; stream: Stream }> {
    const stream = simulatedStream(events, {}, 100);
    const engine = await createEngine();
    engine.loadCatalogue(stream.catalogue);
    feed(engine, stream, 0, stream.batches.length);
    return { engine, stream };
  }

  it('keeps the newest `keep` snapshots and clears leftovers of crashed writes', async () => {
    const base = await dirs();
    const { engine } = await engineWith(500);
    // Leftovers of a crashed write and of a crashed deletion.
    await mkdir(join(base, 'snap-0000000001.tmp'));
    await writeFile(join(base, 'snap-0000000001.tmp', 'state.bin'), 'half');
    await mkdir(join(base, 'snap-0000000002.trash'));
    const written = [];
    for (let i = 0; i < 5; i++) {
      written.push(await writeEngineSnapshot(engine, base, { position: i, now: NOW + i }));
    }
    // Sequences continue past the leftovers' numbers.
    expect(written.map((w) => w.sequence)).toEqual([3, 4, 5, 6, 7]);
    expect(await names(base)).toEqual(['snap-0000000006', 'snap-0000000007']);
    expect(written[4]!.pruned).toEqual(['snap-0000000005']);
    expect(written[0]!.pruned).toEqual(['snap-0000000002.trash', 'snap-0000000001.tmp']);

    await writeEngineSnapshot(engine, base, { position: 'k1', now: NOW, keep: 1 });
    expect(await names(base)).toEqual(['snap-0000000008']);
  });

  it('does not count a broken snapshot among those kept', async () => {
    const base = await dirs();
    const { engine } = await engineWith(300);
    for (let i = 0; i < 3; i++) await writeEngineSnapshot(engine, base, { position: i, now: NOW });
    await truncate(join(base, 'snap-0000000003', 'state.bin'), 8);
    await writeEngineSnapshot(engine, base, { position: 3, now: NOW, keep: 2 });
    expect(await names(base)).toEqual(['snap-0000000002', 'snap-0000000004']);
  });

  it('gives overlapping writes distinct sequences, each complete', async () => {
    const base = await dirs();
    const { engine } = await engineWith(2000);
    const all = await Promise.all(
      [0, 1, 2].map((i) => writeEngineSnapshot(engine, base, { position: i, now: NOW, keep: 5 })),
    );
    expect(all.map((w) => w.sequence)).toEqual([1, 2, 3]);
    for (const w of all) expect((await verifySnapshot(w.dir)).position).toBe(w.sequence - 1);
    expect(await names(base)).toHaveLength(3);
  });

  it('reports its size and timings, and lists every file with its checksum', async () => {
    const base = await dirs();
    const { engine } = await engineWith(1000);
    const w = await writeEngineSnapshot(engine, base, { position: null, now: NOW });
    expect(w.bytes).toBeGreaterThan(1000 * 34);
    expect(w.captureMs).toBeGreaterThanOrEqual(0);
    expect(w.ms).toBeGreaterThanOrEqual(w.captureMs);
    expect(w.manifest.files.map((f) => f.name)).toEqual([
      'state.bin',
      'catalogue.json',
      'store/store.json',
      'store/events.arrow',
      'store/dictionaries.arrow',
    ]);
    expect(w.manifest.summary).toMatchObject({ events: 1000, storedEvents: 1000 });
    expect(w.manifest.sections.map((s) => s.path)).toContain('popularity.long.counters');
    const onDisk = JSON.parse(await readFile(join(w.dir, 'snapshot.json'), 'utf8')) as unknown;
    expect(onDisk).toEqual(w.manifest);
  });

  it('restores an engine that has seen nothing, and one that has seen only inventory', async () => {
    const base = await dirs();
    const empty = await createEngine({ retentionMs: 1000 });
    const w = await writeEngineSnapshot(empty, base, { position: 0, now: NOW });
    const restored = await restoreEngine(w.dir);
    expect(restored.stats()).toEqual(empty.stats());
    expect(storeOf(restored).retentionMs).toBe(1000);
    const inventory = { type: 'inventory', op: 'set', ts: 5, item: 'a', quantity: 3 } as const;
    restored.ingestEvents([inventory]);
    empty.ingestEvents([inventory]);
    const again = await restoreEngine(
      (await writeEngineSnapshot(restored, base, { position: 1, now: NOW })).dir,
    );
    expect(again.stats()).toEqual(empty.stats());
    expect(again.recommend({ type: 'popular' }).results).toEqual([]);
  });

  it('fails cleanly when the directory cannot be written, leaving nothing behind', async () => {
    const base = await dirs();
    const { engine } = await engineWith(100);
    // A file where the base directory should be.
    const blocked = join(base, 'file');
    await (await open(blocked, 'w')).close();
    const err = await writeEngineSnapshot(engine, blocked, { position: 1, now: NOW }).catch(
      (e: unknown) => e,
    );
    expect(isAisleError(err) && err.code).toBe('AISLE_SNAPSHOT');
    expect(await names(base)).toEqual(['file']);
  });
});
