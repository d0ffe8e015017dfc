/**
 * Ingest of two builds side by side: the same simulated stream (1M events, seed 3, 10,000-event
 * batches generated just before each is ingested) into a new engine of each build, alternately,
 * so that both see the same machine load. For "did this change make ingest faster", where a
 * shared machine's drift between two separate bench runs would hide the answer. Each round
 * swaps which build goes first, and the verdict is the median of the rounds' ratios B / A: a
 * burst of load on the machine spoils a round, not the answer.
 *
 *   npm run build:ts
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
 *   node dist/bench/compare-ingest.js /tmp/before . [rounds]
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface Built {
  createEngine(o: {
    simd: boolean;
  }): Promise<{ ingestEvents(e: unknown[]): unknown; close(): void }>;
  createSimulator(o: { seed: number }): { next(n: number): unknown[] };
}

async function load(root: string): Promise<Built> {
  const at = (p: string): string => pathToFileURL(path.resolve(root, p)).href;
  const engine = (await import(at('dist/engine/index.js'))) as Pick<Built, 'createEngine'>;
  const sim = (await import(at('dist/src/sim/index.js'))) as Pick<Built, 'createSimulator'>;
  return { createEngine: engine.createEngine, createSimulator: sim.createSimulator };
}

async function eventsPerSecond(b: Built): Promise<number> {
  const engine = await b.createEngine({ simd: true });
  const sim = b.createSimulator({ seed: 3 });
  let ms = 0;
  for (let i = 0; i < 100; i++) {
    const batch = sim.next(10_000);
    const t0 = performance.now();
    engine.ingestEvents(batch);
    ms += performance.now() - t0;
  }
  engine.close();
  return Math.round(1e6 / (ms / 1000));
}

async function main(): Promise<void> {
  const [a, b, rounds = '3'] = process.argv.slice(2);
  if (a === undefined || b === undefined) {
    throw new Error('usage: compare-ingest <built repo A> <built repo B> [rounds]');
  }
  const builds = [await load(a), await load(b)];
  const ratios: number[] = [];
  for (let r = 0; r < Number(rounds); r++) {
    const rates = [0, 0];
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const i of order) rates[i] = await eventsPerSecond(builds[i]!);
    ratios.push(rates[1]! / rates[0]!);
    console.log(
      `round ${r + 1}: ${a} ${rates[0]} events/s, ${b} ${rates[1]} events/s ` +
        `(B / A ${ratios[r]!.toFixed(3)})`,
    );
  }
  const sorted = ratios.slice().sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  console.log(
    `median B / A over ${ratios.length} rounds: ${median.toFixed(3)} ` +
      `(rounds from ${sorted[0]!.toFixed(3)} to ${sorted[sorted.length - 1]!.toFixed(3)})`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
