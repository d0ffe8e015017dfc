/**
 * Replaying segment files: records after a position in order, a damaged tail cut off on open
 * (and nothing before it lost), void records skipped, damage before the tail refused.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { validateBatch, type RetailEvent } from '../../../engine/index.js';
import { decodeEvents, encodeEvents } from '../../../src/local-log/event-codec.js';
import { encodeFrame } from '../../../src/local-log/frame.js';
import { replayLog } from '../../../src/local-log/replay.js';
import { segmentName, type LogPosition } from '../../../src/local-log/segments.js';
import { encodeVoid } from '../../../src/local-log/void-record.js';
import { LogWriter } from '../../../src/local-log/writer.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-log-'));
  dirs.push(d);
  return d;
}

const now = Date.now();
function batch(b: number, n = 5): RetailEvent[] {
  const raw = Array.from({ length: n }, (_, i) => ({
    type: i % 3 === 2 ? 'purchase' : 'view',
    ts: now - 1000 + i,
    user: `u-${b}`,
    ...(i % 2 === 0 && { session: `s-${b}` }),
    item: `it-${b}`,
    ...(i % 3 === 2 && { order: `o-${b}-${i}`, quantity: 2, price: 9.99 }),
  }));
  return validateBatch(raw, now).events;
}

async function replayAll(
  dir: string,
  from?: LogPosition,
): Promise<{ batches: RetailEvent[][]; result: Awaited<ReturnType<typeof replayLog>> }> {
  const batches: RetailEvent[][] = [];
  const result = await replayLog(dir, from, (events) => batches.push(events));
  return { batches, result };
}

describe('event codec', () => {
  it('round-trips validated events exactly, absent fields staying absent', () => {
    const events = [
      ...batch(1, 7),
      ...validateBatch(
        [
          { type: 'inventory', ts: now, item: 'é-ü-😀', op: 'adjust', quantity: -3 },
          { type: 'search', ts: now, query: 'shoes  red', user: 'u-9' },
          { type: 'price_change', ts: now, item: 'x', price: 0.1 + 0.2, category: 'c' },
        ],
        now,
      ).events,
    ];
    const back = decodeEvents(encodeEvents(events));
    expect(back).toEqual(events);
    expect(back.map((e) => Object.keys(e).sort())).toEqual(
      events.map((e) => Object.keys(e).sort()),
    );
  });
});

describe('replayLog', () => {
  it('replays every record in order, from a position on', async () => {
    const dir = tmp();
    const w = await LogWriter.create(dir, 1, { segmentBytes: 1 << 20 });
    const ends: LogPosition[] = [];
    for (let b = 0; b < 4; b++)
      ends.push(await w.append(encodeFrame(encodeEvents(batch(b))), () => w.position()));
    await w.close();
    const all = await replayAll(dir);
    expect(all.batches).toEqual([0, 1, 2, 3].map((b) => batch(b)));
    expect(all.result.nextSegment).toBe(2);
    const after = await replayAll(dir, ends[1]);
    expect(after.batches).toEqual([batch(2), batch(3)]);
  });

  it('cuts a torn tail on open and keeps every record before it', async () => {
    const dir = tmp();
    const frames = [0, 1, 2].map((b) => encodeFrame(encodeEvents(batch(b))));
    const whole = Buffer.concat(frames);
    const file = path.join(dir, segmentName(1));
    const good = frames[0]!.length + frames[1]!.length;
    for (const cut of [good + 1, good + 11, whole.length - 1]) {
      fs.writeFileSync(file, whole.subarray(0, cut));
      const { batches, result } = await replayAll(dir);
      expect(batches).toEqual([batch(0), batch(1)]);
      expect(result.truncated?.offset).toBe(good);
      expect(fs.statSync(file).size).toBe(good);
    }
    // Corruption inside the last record, not just a short file.
    const bad = Buffer.from(whole);
    bad[good + 40]! ^= 0xff;
    fs.writeFileSync(file, bad);
    expect((await replayAll(dir)).batches).toEqual([batch(0), batch(1)]);
    expect(fs.statSync(file).size).toBe(good);
    // Appending goes on in a new segment; the next replay reads both.
    const w = await LogWriter.create(dir, 2, { segmentBytes: 1 << 20 });
    await w.append(encodeFrame(encodeEvents(batch(7))), () => undefined);
    await w.close();
    expect((await replayAll(dir)).batches).toEqual([batch(0), batch(1), batch(7)]);
  });

  it('refuses damage that is not at the tail, and a missing segment', async () => {
    const dir = tmp();
    const frames = [0, 1].map((b) => encodeFrame(encodeEvents(batch(b))));
    const first = Buffer.concat(frames);
    first[frames[0]!.length + 20]! ^= 1;
    fs.writeFileSync(path.join(dir, segmentName(1)), first);
    fs.writeFileSync(path.join(dir, segmentName(2)), encodeFrame(encodeEvents(batch(2))));
    await expect(replayAll(dir)).rejects.toThrow(/later segments hold records/);
    fs.rmSync(path.join(dir, segmentName(1)));
    await expect(replayAll(dir)).rejects.toThrow(/no good snapshot covers them/);
    await expect(replayAll(dir, { segment: 1, offset: 10 })).rejects.toThrow(/is missing/);
  });

  it('skips records a void record names', async () => {
    const dir = tmp();
    const frames = [0, 1, 2].map((b) => encodeFrame(encodeEvents(batch(b))));
    const voidFrame = encodeFrame(encodeVoid([{ segment: 1, offset: frames[0]!.length }]), 'void');
    fs.writeFileSync(path.join(dir, segmentName(1)), Buffer.concat([...frames, voidFrame]));
    const { batches, result } = await replayAll(dir);
    expect(batches).toEqual([batch(0), batch(2)]);
    expect(result.voided).toBe(1);
  });

  it('voids a record whose apply throws, durably, before answering', async () => {
    const dir = tmp();
    const w = await LogWriter.create(dir, 1, { segmentBytes: 1 << 20 });
    const ok = w.append(encodeFrame(encodeEvents(batch(0))), () => 'applied');
    const refused = w.append(encodeFrame(encodeEvents(batch(1))), () => {
      throw new Error('refused');
    });
    await expect(ok).resolves.toBe('applied');
    await expect(refused).rejects.toThrow('refused');
    expect(w.stats.voided).toBe(1);
    await w.close();
    expect((await replayAll(dir)).batches).toEqual([batch(0)]);
  });

  it('shares one sync among concurrent appends', async () => {
    const dir = tmp();
    const w = await LogWriter.create(dir, 1, { segmentBytes: 1 << 20 });
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 50 }, (_, b) =>
        w.append(encodeFrame(encodeEvents(batch(b, 2))), () => order.push(b)),
      ),
    );
    await w.close();
    expect(order).toEqual(Array.from({ length: 50 }, (_, b) => b));
    expect(w.stats.records).toBe(50);
    // The first append syncs alone; the other 49 queued behind it share the next sync.
    expect(w.stats.syncs).toBeLessThanOrEqual(3);
    expect((await replayAll(dir)).batches).toHaveLength(50);
  });

  it('rotates segments at the size limit', async () => {
    const dir = tmp();
    const w = await LogWriter.create(dir, 1, { segmentBytes: 2000 });
    for (let b = 0; b < 6; b++)
      await w.append(encodeFrame(encodeEvents(batch(b))), () => undefined);
    await w.close();
    expect(w.position().segment).toBeGreaterThan(1);
    expect((await replayAll(dir)).batches).toEqual([0, 1, 2, 3, 4, 5].map((b) => batch(b)));
  });
});
