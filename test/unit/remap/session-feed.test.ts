/**
 * Compaction of the session feed: `SessionFeed.remap` as the engine runs it (the feed, then the
 * log's rows, then the dictionary), checked against a feed that was never given the events of
 * the dropped sessions or users, against the model that never saw the dropped ids, by names,
 * through a snapshot, and on with new events after it.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IdKind } from '../../../engine/activity.js';
import type { RetailEvent } from '../../../engine/events.js';
import {
  SessionFeed,
  type SessionFeedOptions,
  type SessionFeedState,
} from '../../../engine/models/session-feed.js';
import { SessionKnn, type SessionKnnParams } from '../../../engine/models/session-knn.js';
import { allocateBatch } from '../../../engine/store/encode.js';
import { EventStore, type EncodedBatch } from '../../../engine/store/index.js';
import { canonical, LoggedKnn, replay, type Op } from './sessions-support.js';
import { compactStore, dropping, lcg, throughBytes } from './support.js';

const T0 = Date.UTC(2025, 0, 1);
const IDLE = 60_000;
const OPTS: Partial<SessionFeedOptions> = { idleMs: IDLE, maxSessionLength: 6 };
const PARAMS: Partial<SessionKnnParams> = { sampleSize: 20, kNeighbours: 15 };
const SHOPPERS = 30;

/**
 * Batches of an interleaved stream. Shopper j shops in session `s{j}` (j < 20) and as user `u{j}`
 * (every third, and all without a session), so a session has one user and a user one session
 * key. Every tenth batch comes after a pause longer than `idleMs`, and each batch ends with a
 * click of the never-dropped session `pacer`, so that feeds given part of a batch keep the same
 * clock. `tag` renames shoppers for later streams.
 */
function stream(seed: number, batches: number, from = 0, tag = ''): RetailEvent[][] {
  const rnd = lcg(seed);
  const out: RetailEvent[][] = [];
  let ts = T0 + from;
  for (let b = 0; b < batches; b++) {
    ts += b % 10 === 9 ? 2 * IDLE : 1000;
    const events: RetailEvent[] = [];
    for (let e = 0; e < 25; e++) {
      const j = Math.floor(rnd() * SHOPPERS);
      const item = `i${1 + Math.floor(rnd() ** 2 * 40)}`;
      const session = j < 20 ? `s${tag}${j}` : undefined;
      const user = j % 3 === 0 || session === undefined ? `u${tag}${j}` : undefined;
      const type = rnd() < 0.8 ? 'view' : 'add_to_cart';
      events.push({
        type,
        ts: ts + e,
        item,
        ...(type === 'add_to_cart' && { quantity: 1 }),
        ...(session !== undefined && { session }),
        ...(user !== undefined && { user }),
      } as RetailEvent);
    }
    events.push({ type: 'view', ts: ts + 25, item: `i${1 + (b % 40)}`, session: 'pacer' });
    out.push(events);
  }
  return out;
}

/** A feed over a real event store, compacted the way the engine compacts. */
class Fed {
  readonly store = new EventStore();
  readonly model = new LoggedKnn(PARAMS);
  readonly feed = new SessionFeed(this.model, OPTS);
  readonly batches: EncodedBatch[] = [];

  ingest(batches: RetailEvent[][]): void {
    for (const events of batches) {
      const batch = this.store.append(events);
      this.batches.push(batch);
      this.feed.ingest(batch);
    }
  }

  compact(kind: IdKind, drop: (name: string) => boolean) {
    const { map, size } = dropping(this.store.dicts[kind], drop);
    this.feed.remap(kind, map, size);
    compactStore(this.store, kind, map);
    return { map, size };
  }
}

/** `batch` without the rows of dropped sessions (or of users without a session), in new ids. */
function without(batch: EncodedBatch, kind: 'session' | 'user', map: Uint32Array): EncodedBatch {
  const rows: number[] = [];
  for (let i = 0; i < batch.length; i++) {
    const dropped = kind === 'session' ? batch.session[i]! : batch.user[i]!;
    if (dropped !== 0 && map[dropped] === 0 && (kind === 'session' || batch.session[i] === 0))
      continue;
    rows.push(i);
  }
  const out = allocateBatch(rows.length);
  rows.forEach((i, r) => {
    out.ts[r] = batch.ts[i]!;
    out.type[r] = batch.type[i]!;
    out.item[r] = batch.item[i]!;
    out.session[r] = kind === 'session' ? map[batch.session[i]!]! : batch.session[i]!;
    out.user[r] = kind === 'user' ? map[batch.user[i]!]! : batch.user[i]!;
  });
  return out;
}

/** Every answer by id: each session, each user, and item lists. */
function answers(fed: Fed, feed: SessionFeed = fed.feed) {
  const d = fed.store.dicts;
  const probe = lcg(7);
  const out: unknown[] = [];
  for (let id = 1; id <= d.session.size + 2; id++) out.push(feed.recommendForSession(id, 10));
  for (let id = 1; id <= d.user.size + 2; id++) out.push(feed.recommendForUser(id, 10));
  for (let q = 0; q < 30; q++) {
    const items = Array.from({ length: 3 }, () => 1 + Math.floor(probe() * (d.item.size + 2)));
    out.push(feed.recommend(items, 10));
  }
  return out;
}

/** The feed's own bookkeeping, without the model. */
function bookkeeping(feed: SessionFeed) {
  const state: Partial<SessionFeedState> = feed.exportState();
  delete state.model;
  return state;
}

/** Applies operations, already in the new ids, to a model. */
function apply(model: SessionKnn, ops: readonly Op[]): void {
  for (const o of ops) {
    if (o.op === 'add') model.addSession(o.items);
    else if (o.op === 'close') model.closeSession(o.key);
    else model.addClick(o.key, o.item);
  }
}

/** Drops names of `kind` by a seeded coin; never the pacer session. */
function coin(seed: number, percent: number): (name: string) => boolean {
  const rnd = lcg(seed);
  return (name) => name !== 'pacer' && rnd() * 100 < percent;
}

describe('SessionFeed.remap', () => {
  it('equals the feed never given the dropped sessions or users, by id and by name', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fff_ffff }),
        fc.constantFrom<'session' | 'user'>('session', 'user'),
        fc.integer({ min: 0, max: 100 }),
        (seed, kind, percent) => {
          const fed = new Fed();
          fed.ingest(stream(seed, 30));
          const logged = fed.model.log.length;
          const names = [...fed.store.dicts[kind].values()];
          const dropped = new Set<string>();
          const drop = coin(seed, percent);
          const { map } = fed.compact(kind, (name) => drop(name) && dropped.add(name).size > 0);

          const oracle = new SessionFeed(new SessionKnn(PARAMS), OPTS);
          for (const b of fed.batches) oracle.ingest(without(b, kind, map));
          expect(bookkeeping(fed.feed)).toEqual(bookkeeping(oracle));
          expect(canonical(fed.model)).toEqual(canonical(oracle.model));
          expect(canonical(fed.model)).toEqual(
            canonical(replay(fed.model.log.slice(0, logged), kind, map, PARAMS)),
          );
          expect(answers(fed)).toEqual(answers(fed, oracle));

          // Dropped names are unknown, kept ones keep their names.
          const dict = fed.store.dicts[kind];
          for (const name of names) {
            const id = dict.lookup(name);
            expect(id === undefined, name).toBe(dropped.has(name));
            if (id !== undefined) expect(dict.value(id)).toBe(name);
          }

          const restored = SessionFeed.fromState(
            PARAMS,
            OPTS,
            throughBytes(fed.feed.exportState()),
          );
          expect(restored.exportState()).toEqual(fed.feed.exportState());

          // Later events, with the dropped names back (now new ids) and new ones.
          const later = [...stream(seed + 1, 8, 3_600_000), ...stream(seed + 2, 4, 3_700_000, 'n')];
          const size = fed.store.dicts[kind].size;
          for (const events of later) {
            const batch = fed.store.append(events);
            fed.feed.ingest(batch);
            restored.ingest(batch);
            oracle.ingest(batch);
          }
          expect(fed.store.dicts[kind].size).toBeGreaterThan(size);
          const after = answers(fed);
          expect(answers(fed, restored)).toEqual(after);
          expect(answers(fed, oracle)).toEqual(after);
          expect(bookkeeping(fed.feed)).toEqual(bookkeeping(oracle));
        },
      ),
      { seed: 20_250_102, numRuns: 16 },
    );
  });

  it('an item compaction equals the model that never saw the items, and the feed follows', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fff_ffff }),
        fc.integer({ min: 0, max: 100 }),
        (seed, percent) => {
          const fed = new Fed();
          fed.ingest(stream(seed, 30));
          const logged = fed.model.log.length;
          const dropped = new Set<string>();
          const drop = coin(seed, percent);
          const { map, size } = fed.compact(
            'item',
            (name) => drop(name) && dropped.add(name).size > 0,
          );
          const oracle = replay(fed.model.log.slice(0, logged), 'item', map, PARAMS);
          expect(canonical(fed.model)).toEqual(canonical(oracle));

          // Live sessions count their kept clicks; none is left empty; users point at live ones.
          const state = fed.feed.exportState();
          state.keys.forEach((key, i) => {
            expect(fed.model.liveLength(key)).toBe(state.clicks[i]);
            expect(state.clicks[i]).toBeGreaterThan(0);
          });
          for (const key of state.userKeys) expect(state.keys).toContain(key);
          for (const name of dropped) expect(fed.store.dicts.item.lookup(name)).toBeUndefined();
          for (const a of answers(fed) as { items: Uint32Array }[]) {
            for (const i of a.items)
              expect(dropped.has(fed.store.dicts.item.value(i)!)).toBe(false);
            for (const i of a.items) expect(i).toBeLessThanOrEqual(size);
          }

          const restored = SessionFeed.fromState(PARAMS, OPTS, throughBytes(state));
          expect(restored.exportState()).toEqual(state);
          const later = stream(seed + 1, 8, 3_600_000);
          const mark = fed.model.log.length;
          for (const events of later) {
            const batch = fed.store.append(events);
            fed.feed.ingest(batch);
            restored.ingest(batch);
          }
          apply(oracle, fed.model.log.slice(mark));
          expect(canonical(fed.model)).toEqual(canonical(oracle));
          expect(answers(fed, restored)).toEqual(answers(fed));
          expect(restored.exportState()).toEqual(fed.feed.exportState());
        },
      ),
      { seed: 20_250_103, numRuns: 16 },
    );
  });

  it('a compaction that drops nothing changes no answer and no state', () => {
    for (const kind of ['session', 'user', 'item'] as const) {
      const fed = new Fed();
      fed.ingest(stream(11, 25));
      const state = fed.feed.exportState();
      const expected = answers(fed);
      fed.compact(kind, () => false);
      expect(fed.feed.exportState(), kind).toEqual(state);
      expect(answers(fed), kind).toEqual(expected);
      fed.feed.remap('query', new Uint32Array(1), 0);
      expect(fed.feed.exportState(), kind).toEqual(state);
    }
  });

  it('a dropped user loses its pointer and its ownership of sessions; kept ones move', () => {
    const fed = new Fed();
    const view = (ts: number, item: string, session?: string, user?: string): RetailEvent => ({
      type: 'view',
      ts: T0 + ts,
      item,
      ...(session !== undefined && { session }),
      ...(user !== undefined && { user }),
    });
    fed.ingest([
      [
        view(1, 'a', 's1', 'gone'),
        view(2, 'b', 's2', 'kept'),
        view(3, 'c', undefined, 'gone'), // the user's own stream: goes with the user
        view(4, 'd', 's1', 'kept'), // s1 now belongs to `kept`, whose pointer moves to it
        view(5, 'e', 's3', 'gone'),
        view(6, 'a', undefined, 'solo'),
      ],
    ]);
    fed.compact('user', (name) => name === 'gone');
    const users = fed.store.dicts.user;
    expect(users.lookup('gone')).toBeUndefined();
    // A dropped neighbour changes scores (recency and IDF count sessions), so answers are
    // checked against the sessions the pointers name.
    const s1 = fed.store.dicts.session.lookup('s1')!;
    expect(fed.feed.recommendForUser(users.lookup('kept')!, 10)).toEqual(
      fed.feed.recommendForSession(s1, 10),
    );
    expect(fed.feed.liveSessions).toBe(4); // s1, s2, s3 and solo's stream
    const state = fed.feed.exportState();
    // s3's user was `gone`: it is nobody's now.
    const s3 = fed.store.dicts.session.lookup('s3')!;
    expect(state.users[[...state.keys].indexOf(s3)]).toBe(0);
    expect([...state.userIds].sort()).toEqual(
      [users.lookup('kept')!, users.lookup('solo')!].sort(),
    );
    // `solo` went from id 3 to 2: its session-less stream follows it.
    expect(state.keys).toContain(-users.lookup('solo')!);
    expect(fed.feed.model.liveLength(-users.lookup('solo')!)).toBe(1);
    expect(fed.feed.recommendForUser(users.lookup('solo')!, 10).items.length).toBeGreaterThan(0);
    // `gone` comes back as a new user with nothing to answer from until it clicks.
    fed.ingest([[view(7, 'b', undefined, 'gone')]]);
    const back = users.lookup('gone')!;
    expect(back).toBe(3);
    expect(fed.feed.model.liveLength(-back)).toBe(1);
    const b = fed.store.dicts.item.lookup('b')!;
    expect([...fed.feed.recommendForUser(back, 10).items]).toContain(b);
  });

  it('refuses a map that does not cover the users it holds, changing nothing', () => {
    const fed = new Fed();
    fed.ingest(stream(3, 5));
    const state = fed.feed.exportState();
    expect(() => fed.feed.remap('user', new Uint32Array(2), 0)).toThrow(/does not cover/);
    expect(() => fed.feed.remap('session', new Uint32Array(2), 0)).toThrow(/does not cover/);
    expect(() => fed.feed.remap('item', new Uint32Array(2), 0)).toThrow(/does not cover/);
    expect(fed.feed.exportState()).toEqual(state);
  });
});
