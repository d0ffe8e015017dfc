/**
 * `--tune-every` without the server: the session model re-tuned on the engine's own sessions in a
 * worker, swapped in when it beats the parameters in force, and kept in a snapshot.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type RetailEvent } from '../../../engine/index.js';
import { restoreEngine, writeEngineSnapshot } from '../../../engine/snapshot/index.js';
import { scheduleSessionTuning } from '../../../src/tune/stream-tuning.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Sessions whose next click is item i's fixed successor four times in five: order matters. */
function stream(n: number): RetailEvent[] {
  let s = 7;
  const rand = (): number => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
  const out: RetailEvent[] = [];
  const t0 = Date.UTC(2026, 0, 1);
  for (let k = 0; k < n; k++) {
    const len = 3 + Math.floor(rand() * 6);
    let item = 1 + Math.floor(rand() * 300);
    for (let i = 0; i < len; i++) {
      if (i > 0) item = rand() < 0.8 ? ((7 * item + 3) % 300) + 1 : 1 + Math.floor(rand() * 300);
      out.push({ type: 'view', ts: t0 + k * 60_000 + i, session: `s${k}`, item: `i${item}` });
    }
  }
  return out;
}

describe('scheduleSessionTuning', () => {
  it('swaps in parameters that beat those in force, and a snapshot keeps them', async () => {
    const engine = await createEngine({ eventTime: { mode: 'stream' } });
    const events = stream(4_000);
    for (let i = 0; i < events.length; i += 5_000) engine.ingestEvents(events.slice(i, i + 5_000));
    const before = engine.sessionParams;
    const lines: string[] = [];
    const tuning = scheduleSessionTuning(engine, {
      everyMs: 10,
      budgetS: 8,
      minSessions: 1_000,
      log: (line) => lines.push(line),
    });
    const deadline = Date.now() + 60_000;
    // The search runs in a worker: this thread goes on answering meanwhile.
    let longestGap = 0;
    let last = Date.now();
    while (tuning.runs === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      engine.recommend({ type: 'session', session: ['i1', 'i11'], k: 10 });
      longestGap = Math.max(longestGap, Date.now() - last);
      last = Date.now();
    }
    await tuning.stop();
    expect(longestGap).toBeLessThan(1_000);
    expect(tuning.runs, lines.join('\n')).toBeGreaterThan(0);
    expect(tuning.tuned?.on).toMatch(/4000 newest sessions/);
    expect(tuning.tuned!.validation.gain.objective).toBeGreaterThan(0);
    const after = engine.sessionParams;
    expect(after).not.toEqual(before);
    expect(after.transitionWeight).toBeGreaterThan(before.transitionWeight);
    const dir = await mkdtemp(join(tmpdir(), 'aisle-tuning-'));
    dirs.push(dir);
    const w = await writeEngineSnapshot(engine, dir, { position: 1, now: Date.now() });
    const back = await restoreEngine(w.dir, { eventTime: { mode: 'stream' } });
    expect(back.sessionParams).toEqual(after);
    const q = { type: 'session' as const, session: ['i1', 'i11'], k: 10 };
    expect(back.recommend(q)).toEqual(engine.recommend(q));
  });

  it('names a session parameter of the wrong type', async () => {
    const engine = await createEngine();
    expect(() => engine.setSessionParams({ lambdaPos: 'high' as unknown as number })).toThrow(
      /sessions\.lambdaPos/,
    );
  });
});
