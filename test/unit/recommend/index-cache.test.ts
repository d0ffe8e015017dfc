/**
 * The factor model's index answers are kept per item and per user: a repeated question gets the
 * same answer, and a user with new events (or a copy with no cache at all) gets what a fresh
 * search gives.
 */
import { describe, expect, it } from 'vitest';
import { createEngine, Engine, type RetailEvent } from '../../../engine/index.js';
import { storeOf } from '../../../engine/internals.js';
import { createSimulator } from '../../../src/sim/index.js';

async function copyOf(engine: Engine): Promise<Engine> {
  return Engine.fromState(storeOf(engine), engine.exportState());
}

describe('factor index answers kept per item and user', () => {
  it('answers as a copy without caches does, before and after a user has new events', async () => {
    const engine = await createEngine();
    const sim = createSimulator({ seed: 11 });
    engine.loadCatalogue(sim.catalogue());
    const events = sim.next(40_000);
    engine.ingestEvents(events);
    await engine.trainFactors({ als: { factors: 16, iterations: 4 } });
    const users = [...new Set(events.flatMap((e) => ('user' in e && e.user ? [e.user] : [])))];
    const items = engine.recommend({ type: 'popular', k: 20 }).results.map((r) => r.item);
    const ask = (e: Engine) => ({
      users: users.slice(0, 20).map((user) => e.recommend({ type: 'user', user, k: 10 })),
      similar: items.map((item) => e.recommend({ type: 'similar', item, k: 10 })),
      bought: items.map((item) => e.recommend({ type: 'bought-together', item, k: 10 })),
    });
    const first = ask(engine);
    expect(ask(engine)).toEqual(first);
    expect(ask(await copyOf(engine))).toEqual(first);
    // New events for the first users: their vectors are folded in again, not served stale.
    const t = engine.watermark! + 1;
    const more: RetailEvent[] = users.slice(0, 10).flatMap((user, i) =>
      items.slice(10).map((item, j) => ({
        type: 'view' as const,
        ts: t + i * 100 + j,
        user,
        session: `fresh-${user}`,
        item,
      })),
    );
    engine.ingestEvents(more);
    const after = ask(engine);
    expect(after).toEqual(ask(await copyOf(engine)));
    expect(after.users.slice(0, 10)).not.toEqual(first.users.slice(0, 10));
  });
});
