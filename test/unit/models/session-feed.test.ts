import { describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import type { RetailEvent } from '../../../engine/events.js';
import {
  SessionFeed,
  type SessionFeedOptions,
  type SessionFeedState,
} from '../../../engine/models/session-feed.js';
import { SessionKnn, type SessionKnnParams } from '../../../engine/models/session-knn.js';
import { decodeState, encodeState } from '../../../engine/snapshot/sections.js';
import { EventStore } from '../../../engine/store/index.js';

const T0 = Date.UTC(2025, 0, 1);
const IDLE = 60_000;
const OPTS: Partial<SessionFeedOptions> = { idleMs: IDLE };
/** Only the neighbourhood, so expectations follow from the sessions alone. */
const PLAIN: Partial<SessionKnnParams> = { transitionWeight: 0, repeatWeight: 0, idfScore: 0 };

const view = (ts: number, item: string, session?: string, user?: string): RetailEvent => ({
  type: 'view',
  ts: T0 + ts,
  item,
  ...(session !== undefined && { session }),
  ...(user !== undefined && { user }),
});

/** A feed over a real event store, with string-level helpers for items, sessions and users. */
function setup(options = OPTS, params = PLAIN) {
  const store = new EventStore();
  const feed = new SessionFeed(new SessionKnn(params), options);
  const item = (id: number): string => store.dicts.item.value(id) ?? `#${id}`;
  const names = (r: { items: Uint32Array }): string[] => [...r.items].map(item);
  return {
    store,
    feed,
    ingest: (events: RetailEvent[]) => feed.ingest(store.append(events)),
    forSession: (s: string, k = 10) =>
      names(feed.recommendForSession(store.dicts.session.lookup(s)!, k)),
    forUser: (u: string, k = 10) => names(feed.recommendForUser(store.dicts.user.lookup(u)!, k)),
    forItems: (items: string[], k = 10) =>
      names(
        feed.recommend(
          items.map((i) => store.dicts.item.lookup(i)!),
          k,
        ),
      ),
  };
}

function throughBytes<T>(state: T): T {
  const { pieces } = encodeState(state);
  const bytes = new Uint8Array(pieces.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of pieces) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return decodeState(bytes) as T;
}

describe('SessionFeed', () => {
  it('turns views and add-to-carts into clicks, and ignores other events', () => {
    const { feed, ingest, forItems } = setup();
    ingest([
      view(1, 'a', 's1'),
      { type: 'add_to_cart', ts: T0 + 2, item: 'b', quantity: 1, session: 's1' },
      { type: 'remove_from_cart', ts: T0 + 3, item: 'x', quantity: 1, session: 's1' },
      { type: 'purchase', ts: T0 + 4, item: 'y', order: 'o', quantity: 1, price: 1, session: 's1' },
      { type: 'search', ts: T0 + 5, query: 'shoes', session: 's1' },
      { type: 'price_change', ts: T0 + 6, item: 'z', price: 3 },
      view(7, 'c'), // neither session nor user: no one to attribute it to
    ]);
    expect(feed.liveSessions).toBe(1);
    expect(feed.model.sessionCount).toBe(1);
    expect(forItems(['a']).sort()).toEqual(['a', 'b']);
  });

  it('a new click changes the next answer at once', () => {
    const { ingest, forSession } = setup();
    ingest([
      view(1, 'a', 'old1'),
      view(2, 'b', 'old1'),
      view(3, 'c', 'old2'),
      view(4, 'd', 'old2'),
    ]);
    ingest([view(10, 'a', 'me')]);
    const before = forSession('me');
    expect(before).toContain('b');
    expect(before).not.toContain('d');
    ingest([view(11, 'c', 'me')]);
    const after = forSession('me');
    expect(after).toContain('d');
    // The latest click weighs most: its neighbour now leads.
    expect(after.indexOf('d')).toBeLessThan(after.indexOf('b'));
  });

  it('keys a session-less stream by its user, apart from session ids', () => {
    const { feed, store, ingest, forUser, forSession } = setup();
    ingest([view(1, 'a', 'x'), view(2, 'b', 'x'), view(3, 'c', 'y'), view(4, 'd', 'y')]);
    ingest([view(10, 'a', undefined, 'u1'), view(11, 'c', undefined, 'u2')]);
    expect(feed.liveSessions).toBe(4);
    expect(forUser('u1')).toContain('b');
    expect(forUser('u1')).not.toContain('d');
    expect(forUser('u2')).toContain('d');
    // A user whose events carry a session is answered from that session.
    ingest([view(12, 'c', 's9', 'u3')]);
    expect(forUser('u3')).toEqual(forSession('s9'));
    expect(forUser('u3')).toContain('d');
    // Same numeric dictionary id for a session and a user must not collide.
    expect(store.dicts.user.lookup('u1')).toBe(store.dicts.session.lookup('x'));
    expect(forUser('u1')).not.toEqual(forSession('x'));
    expect(feed.recommendForUser(12345, 5).items.length).toBe(0);
  });

  it('closes idle sessions, which stay neighbours, and opens a new one on the next click', () => {
    const { feed, store, ingest, forSession, forItems } = setup();
    ingest([view(0, 'a', 's1'), view(1, 'b', 's1'), view(2, 'c', 's2')]);
    expect(feed.liveSessions).toBe(2);
    // s2 clicks just within idleMs of its last click; s1 is idle past it.
    ingest([view(IDLE + 2, 'd', 's2')]);
    expect(feed.liveSessions).toBe(1);
    expect(forSession('s1')).toEqual([]);
    expect(forItems(['a'])).toContain('b');
    expect(feed.model.sessionCount).toBe(2);
    // A click into a session idle past idleMs starts a new session under the same key.
    ingest([view(3 * IDLE, 'e', 's2')]);
    expect(feed.model.sessionCount).toBe(3);
    expect(feed.model.liveLength(store.dicts.session.lookup('s2')!)).toBe(1);
  });

  it('caps a session at maxSessionLength clicks', () => {
    const { feed, ingest } = setup({ ...OPTS, maxSessionLength: 3 });
    ingest(['a', 'b', 'c', 'd', 'e'].map((it, i) => view(i, it, 's1')));
    expect(feed.model.sessionCount).toBe(2);
    expect(feed.liveSessions).toBe(1);
  });

  it('holds its answers exactly across a snapshot, bookkeeping included', () => {
    const params = {};
    const store = new EventStore();
    const original = new SessionFeed(new SessionKnn(params), { idleMs: IDLE, maxSessionLength: 6 });
    const batches = randomStream(7).map((events) => store.append(events));
    const half = batches.length >> 1;
    for (const b of batches.slice(0, half)) original.ingest(b);
    const restored = SessionFeed.fromState(
      params,
      { idleMs: IDLE, maxSessionLength: 6 },
      throughBytes(original.exportState()),
    );
    expect(restored.exportState()).toEqual(original.exportState());
    const sessions = store.dicts.session.size;
    const users = store.dicts.user.size;
    for (const b of batches.slice(half)) {
      original.ingest(b);
      restored.ingest(b);
      expect(restored.liveSessions).toBe(original.liveSessions);
      for (let id = 1; id <= sessions; id++)
        expect(restored.recommendForSession(id, 20)).toEqual(original.recommendForSession(id, 20));
      for (let id = 1; id <= users; id++)
        expect(restored.recommendForUser(id, 20)).toEqual(original.recommendForUser(id, 20));
    }
    expect(original.model.sessionCount).toBeGreaterThan(sessions);
    expect(restored.exportState()).toEqual(original.exportState());
  });

  it('rejects malformed state, naming what is wrong', () => {
    const good = (): SessionFeedState => {
      const { feed, ingest } = setup();
      ingest([view(1, 'a', 's1', 'u1'), view(2, 'b', undefined, 'u2'), view(3, 'c', 's1')]);
      return feed.exportState();
    };
    SessionFeed.fromState(PLAIN, OPTS, good());
    const broken: [(s: SessionFeedState) => void, RegExp][] = [
      [(s) => (s.keys[0] = 77), /session 77 is not live/],
      [
        (s) => {
          s.keys[1] = s.keys[0]!;
          s.clicks[1] = s.clicks[0]!;
        },
        /duplicate live session keys/,
      ],
      [(s) => (s.clicks[0] = 5), /holds 2 clicks, not 5/],
      [(s) => (s.lastTs = new Float64Array(1)), /live session arrays/],
      [(s) => (s.userKeys[0] = 77), /has no live session/],
      [(s) => (s.userIds = new Uint32Array(0)), /user arrays/],
      [(s) => (s.now = NaN), /stream time/],
      [(s) => (s.model.sessions.len[0] = 9), /session store/],
      [(s) => (s.model = undefined as never), /session-knn: not an object/],
    ];
    for (const [spoil, what] of broken) {
      const state = good();
      spoil(state);
      let caught: unknown;
      try {
        SessionFeed.fromState(PLAIN, OPTS, state);
      } catch (err) {
        caught = err;
      }
      expect(isAisleError(caught) && caught.code === 'AISLE_SNAPSHOT', String(caught)).toBe(true);
      expect((caught as Error).message).toMatch(what);
    }
  });

  it('refuses options that make no sense', () => {
    expect(() => new SessionFeed(new SessionKnn(), { idleMs: -1 })).toThrow(/idleMs/);
    expect(() => new SessionFeed(new SessionKnn(), { maxSessionLength: 0 })).toThrow(/maxSession/);
  });
});

/**
 * Batches of an interleaved stream: shoppers with and without session ids, some returning after
 * an idle gap, a few long enough to hit the length cap. Deterministic for a given seed.
 */
function randomStream(seed: number): RetailEvent[][] {
  let x = seed;
  const rnd = (): number => (x = (Math.imul(x, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const batches: RetailEvent[][] = [];
  let ts = 0;
  for (let b = 0; b < 40; b++) {
    const events: RetailEvent[] = [];
    // Every tenth batch comes after a pause longer than idleMs.
    ts += b % 10 === 9 ? 2 * IDLE : 1000;
    for (let e = 0; e < 25; e++) {
      const shopper = Math.floor(rnd() * 12);
      const item = `i${1 + Math.floor(rnd() ** 2 * 40)}`;
      const session = shopper < 8 ? `s${shopper}` : undefined;
      const user = shopper % 3 === 0 || session === undefined ? `u${shopper}` : undefined;
      events.push(view(ts + e, item, session, user));
    }
    batches.push(events);
  }
  return batches;
}
