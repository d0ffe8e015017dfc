/**
 * SessionFeed against a plain reference built on Maps, the way the feed worked before it kept
 * session ids and user entries per live session: same model state, same bookkeeping and same
 * answers over random streams of interleaved sessions and session-less users, with idle gaps,
 * length caps and compactions.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_CODE } from '../../../engine/events.js';
import {
  SessionFeed,
  type SessionFeedOptions,
  type SessionFeedState,
} from '../../../engine/models/session-feed.js';
import { SessionKnn } from '../../../engine/models/session-knn.js';
import { allocateBatch, type EncodedBatch } from '../../../engine/store/encode.js';

const IDLE = 1000;
const OPTIONS: SessionFeedOptions = { idleMs: IDLE, maxSessionLength: 5 };

interface Live {
  lastTs: number;
  clicks: number;
  user: number;
}

/** The feed's rules over Maps, its model driven by session key alone. */
class ReferenceFeed {
  model: SessionKnn;
  live = new Map<number, Live>();
  userKey = new Map<number, number>();
  now = -Infinity;
  nextSweep = -Infinity;

  /** A reference that goes on from `state` (a feed's, so compactions need no second rule). */
  constructor(state: SessionFeedState) {
    this.model = SessionKnn.fromState({}, state.model);
    state.keys.forEach((key, i) => {
      this.live.set(key, {
        lastTs: state.lastTs[i]!,
        clicks: state.clicks[i]!,
        user: state.users[i]!,
      });
    });
    state.userIds.forEach((user, i) => this.userKey.set(user, state.userKeys[i]!));
    this.now = state.now;
    this.nextSweep = state.nextSweep;
  }

  ingest(b: EncodedBatch): void {
    for (let i = 0; i < b.length; i++) {
      const t = b.type[i]!;
      if ((t !== EVENT_TYPE_CODE.view && t !== EVENT_TYPE_CODE.add_to_cart) || b.item[i] === 0) {
        continue;
      }
      const u = b.user[i]!;
      const key = b.session[i] !== 0 ? b.session[i]! : -u;
      if (key === 0) continue;
      this.now = Math.max(this.now, b.ts[i]!);
      this.click(key, u, b.item[i]!, b.ts[i]!);
    }
    if (this.now >= this.nextSweep) {
      for (const [key, s] of this.live) if (s.lastTs < this.now - IDLE) this.close(key);
      this.nextSweep = this.now + IDLE / 8;
    }
  }

  exportState(): SessionFeedState {
    const live = [...this.live];
    return {
      model: this.model.exportState(),
      keys: Float64Array.from(live, ([k]) => k),
      lastTs: Float64Array.from(live, ([, s]) => s.lastTs),
      clicks: Uint32Array.from(live, ([, s]) => s.clicks),
      users: Uint32Array.from(live, ([, s]) => s.user),
      userIds: Uint32Array.from(this.userKey.keys()),
      userKeys: Float64Array.from(this.userKey.values()),
      now: this.now,
      nextSweep: this.nextSweep,
    };
  }

  private click(key: number, u: number, item: number, time: number): void {
    let s = this.live.get(key);
    if (s && (time - s.lastTs > IDLE || s.clicks >= OPTIONS.maxSessionLength)) {
      this.close(key);
      s = undefined;
    }
    if (!s) {
      s = { lastTs: time, clicks: 0, user: 0 };
      this.live.set(key, s);
    }
    s.clicks++;
    s.lastTs = Math.max(s.lastTs, time);
    if (u !== 0) {
      if (s.user !== 0 && s.user !== u && this.userKey.get(s.user) === key) {
        this.userKey.delete(s.user);
      }
      s.user = u;
      this.userKey.set(u, key);
    }
    this.model.addClick(key, item);
  }

  private close(key: number): void {
    this.model.closeSession(key);
    const user = this.live.get(key)!.user;
    this.live.delete(key);
    if (user !== 0 && this.userKey.get(user) === key) this.userKey.delete(user);
  }
}

const SESSIONS = 12;
const USERS = 8;

/** A click: session (0 for none), user (0 for none), item, time step. */
const click = fc.tuple(
  fc.nat(SESSIONS),
  fc.nat(USERS),
  fc.integer({ min: 1, max: 15 }),
  fc.oneof(fc.constant(0), fc.nat(30), fc.constant(2 * IDLE)),
);
/** A batch of clicks, or a compaction keeping the ids a mask (over ids 1..) marks. */
const op = fc.oneof(
  { weight: 6, arbitrary: fc.array(click, { maxLength: 30 }).map((c) => ({ clicks: c })) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constantFrom<'session' | 'user'>('session', 'user'),
      keep: fc.array(fc.boolean(), { minLength: SESSIONS + 1, maxLength: SESSIONS + 1 }),
    }),
  },
);

function encode(clicks: [number, number, number, number][], clock: { ts: number }): EncodedBatch {
  const b = allocateBatch(clicks.length);
  clicks.forEach(([session, user, item, step], i) => {
    clock.ts += step;
    b.ts[i] = clock.ts;
    b.type[i] = i % 4 === 3 ? EVENT_TYPE_CODE.add_to_cart : EVENT_TYPE_CODE.view;
    b.session[i] = session;
    b.user[i] = user;
    b.item[i] = item;
  });
  return b;
}

describe('SessionFeed against a Map reference', () => {
  it('keeps the same state and answers over random streams and compactions', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const feed = new SessionFeed(new SessionKnn(), OPTIONS);
        let ref = new ReferenceFeed(feed.exportState());
        const clock = { ts: 0 };
        let users = USERS;
        for (const o of ops) {
          if ('clicks' in o) {
            const b = encode(o.clicks, clock);
            feed.ingest(b);
            ref.ingest(b);
            expect(feed.exportState()).toEqual(ref.exportState());
            for (let u = 1; u <= users; u++) {
              const key = ref.userKey.get(u);
              const want = key === undefined ? [] : [...ref.model.recommendFor(key, 5).items];
              expect([...feed.recommendForUser(u, 5).items]).toEqual(want);
            }
            continue;
          }
          // Ids kept run 1..size in order; the stream's ids are then read as new ones.
          const map = new Uint32Array(o.keep.length);
          let size = 0;
          for (let id = 1; id < map.length; id++) if (o.keep[id]) map[id] = ++size;
          feed.remap(o.kind, map, size);
          if (o.kind === 'user') users = size;
          ref = new ReferenceFeed(feed.exportState());
        }
      }),
      { numRuns: 300 },
    );
  });
});
