/**
 * What the crash tests compare: a server that survived kill -9 against an engine that read the
 * same stream in one clean pass. Counts, trending, similar and bought-together for the most
 * popular items, and for some buyers their history and personal recommendations.
 */
import { expect } from 'vitest';
import type { Engine, RetailEvent } from '../../engine/index.js';

async function json(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url);
  return (await res.json()) as Record<string, unknown>;
}

const normal = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export async function expectAnswersOf(
  url: string,
  clean: Engine,
  events: readonly RetailEvent[],
  buyers = 10,
): Promise<void> {
  const stats = await json(`${url}/v1/stats`);
  const expected = clean.stats();
  expect((stats.events as { total: number }).total).toBe(events.length);
  expect(stats.events).toEqual({ total: expected.events, ...expected.eventsByType });
  expect(stats.storedEvents).toBe(expected.storedEvents);
  expect(stats.deadLetters).toBe(0);
  const trending = await json(`${url}/v1/trending?k=20`);
  expect(trending.items).toEqual(normal(clean.recommend({ type: 'trending', k: 20 }).results));
  for (const r of clean.recommend({ type: 'popular', k: 5 }).results) {
    const similar = await json(`${url}/v1/items/${r.item}/similar?k=10`);
    expect(similar.items, r.item).toEqual(
      normal(clean.recommend({ type: 'similar', item: r.item, k: 10 }).results),
    );
    const bought = await json(`${url}/v1/items/${r.item}/bought-together?k=10`);
    expect(bought.items, r.item).toEqual(
      normal(clean.recommend({ type: 'bought-together', item: r.item, k: 10 }).results),
    );
  }
  // Each user's own state survived the kills exactly: history and personal answers.
  const users = events.filter((e) => e.type === 'purchase' && e.user !== undefined);
  for (const e of users.slice(0, buyers)) {
    const user = (e as { user: string }).user;
    const history = await json(`${url}/v1/users/${user}/history?limit=200`);
    expect(history.items, user).toEqual(
      normal(clean.analytics.userHistory(user, { limit: 200 }).items),
    );
    const personal = await json(`${url}/v1/users/${user}/recommendations?k=10`);
    expect(personal.items, user).toEqual(
      normal(clean.recommend({ type: 'user', user, k: 10 }).results),
    );
  }
}
