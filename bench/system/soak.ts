/**
 * Soak: does memory stay flat on an endless stream?
 *
 * Two runs of the same stream, each in its own process (bench/system/soak-worker.ts):
 * - `bounded`: retention (7 days of stream time; 1 day with --quick), a 1 GiB memory budget kept
 *   against the larger of the engine's own count and the process's RSS, compactions: the engine
 *   as a server runs it. 30M events of a simulated shop whose shoppers come and go, then 5M
 *   events of which half carry only new ids (users, sessions, items, orders, 1 KiB queries).
 * - `unbounded`: the same stream with nothing forgotten, stopped at 3 GiB of RSS.
 *
 * RSS, heap and the engine's own byte count are sampled every 1M events (every 100k with
 * --quick, which runs 3M + 0.5M). The check: after warm-up (the first third of the shop
 * traffic), RSS and heap stay within ±15% of their mean and under the budget; the growth per
 * event of the two runs is the ratio. The samples go to docs/bench/soak.json and a chart to
 * docs/bench/soak.svg when run with --out docs/bench/... (see docs/benchmarks.md).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lineChart } from '../../src/report/svg-line.js';
import type { BenchModule, CaseResult } from '../harness.js';
import type { SoakOptions, SoakSample } from './soak-worker.js';

const GIB = 2 ** 30;
const DAY = 86_400_000;

function runWorker(o: SoakOptions): Promise<SoakSample[]> {
  const worker = path.join(path.dirname(fileURLToPath(import.meta.url)), 'soak-worker.js');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=6144', worker, JSON.stringify(o)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const samples: SoakSample[] = [];
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const s = JSON.parse(line) as SoakSample;
        samples.push(s);
        console.log(
          `  ${o.mode} ${(s.events / 1e6).toFixed(1)}M ${s.phase}: rss ${mib(s.rss)} MiB, heap ${mib(s.heapUsed)} MiB, ` +
            `buffers ${mib(s.arrayBuffers)} MiB, engine ${mib(s.engineBytes)} MiB, ${Math.round(s.eventsPerSecond)} events/s` +
            (s.effectiveRetentionMs === null
              ? ''
              : `, retention ${(s.effectiveRetentionMs / DAY).toFixed(2)} d`),
        );
      }
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(samples)
        : reject(new Error(`soak worker (${o.mode}) exited with ${code}`)),
    );
  });
}

const mib = (b: number): number => Math.round(b / 2 ** 20);

/** Least-squares slope of y over x. */
function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Largest deviation from the mean, as a share of the mean. */
function spread(values: number[]): number {
  const mean = values.reduce((a, v) => a + v, 0) / values.length;
  return Math.max(...values.map((v) => Math.abs(v - mean) / mean));
}

export const soakBench: BenchModule = {
  name: 'system/soak',
  async run({ maxTime, seed }) {
    const quick = maxTime < 1;
    const shop = quick ? 3_000_000 : 30_000_000;
    const flood = quick ? 500_000 : 5_000_000;
    const every = quick ? 100_000 : 1_000_000;
    const base = {
      shop,
      flood,
      every,
      seed,
      budget: GIB,
      retentionMs: 7 * DAY,
      rssCeiling: 3 * GIB,
    };
    console.log(
      `soak: ${shop} shop events then ${flood} with a flood of unique ids, sampled every ${every}`,
    );
    const bounded = await runWorker({ ...base, mode: 'bounded' });
    const unbounded = await runWorker({ ...base, mode: 'unbounded' });
    const warm = bounded.filter((s) => s.events > shop / 3);
    const rssSpread = spread(warm.map((s) => s.rss));
    const heapSpread = spread(warm.map((s) => s.heapUsed));
    // The flood moves the state from typed arrays (the shop's history) to id strings on the
    // heap, so the heap's level differs between the phases; within each it should stay flat. The
    // flood's first sample is its change-over and counts as its warm-up.
    const shopHeap = warm.filter((s) => s.phase === 'shop').map((s) => s.heapUsed);
    const floodHeap = warm
      .filter((s) => s.phase === 'flood')
      .map((s) => s.heapUsed)
      .slice(1);
    const heapSpreadShop = spread(shopHeap);
    const heapSpreadFlood = floodHeap.length === 0 ? 0 : spread(floodHeap);
    const peakRss = Math.max(...warm.map((s) => s.rss));
    const perEvent = (ss: SoakSample[], key: 'rss' | 'heapUsed' | 'engineBytes'): number =>
      slope(ss.filter((s) => s.events > shop / 3).map((s) => ({ x: s.events, y: s[key] })));
    const boundedGrowth = perEvent(bounded, 'engineBytes');
    const unboundedGrowth = perEvent(unbounded, 'engineBytes');
    const rate = (ss: SoakSample[]): number =>
      ss.reduce((a, s) => a + s.eventsPerSecond, 0) / Math.max(1, ss.length);
    const verdict = {
      rssSpreadAfterWarmup: round(rssSpread),
      heapSpreadAfterWarmup: round(heapSpread),
      flatWithin15Percent: rssSpread <= 0.15 && heapSpread <= 0.15,
      heapSpreadShop: round(heapSpreadShop),
      heapSpreadFlood: round(heapSpreadFlood),
      heapFlatWithinEachPhase: heapSpreadShop <= 0.15 && heapSpreadFlood <= 0.15,
      peakRssMiB: mib(peakRss),
      engineUnderBudget: Math.max(...warm.map((s) => s.engineBytes)) <= GIB,
      rssUnderBudget: peakRss <= GIB,
      boundedBytesPerEvent: round(boundedGrowth),
      unboundedBytesPerEvent: round(unboundedGrowth),
      unboundedStoppedAt: unbounded.at(-1)?.events ?? 0,
      boundedEventsPerSecond: Math.round(rate(bounded)),
      unboundedEventsPerSecond: Math.round(rate(unbounded)),
      warnings: bounded.at(-1)?.warnings ?? [],
      droppedIds: bounded.at(-1)?.droppedIds ?? {},
    };
    console.log('soak verdict', verdict);
    writeArtifacts(quick, bounded, unbounded, verdict);
    const result = (
      name: string,
      ss: SoakSample[],
      extra: Record<string, number | string>,
    ): CaseResult => ({
      suite: 'soak',
      name,
      hz: rate(ss),
      rme: 0,
      mean: 1 / Math.max(1e-9, rate(ss)),
      samples: ss.length,
      extra,
    });
    return [
      result('bounded', bounded, {
        rssSpreadAfterWarmup: verdict.rssSpreadAfterWarmup,
        heapSpreadAfterWarmup: verdict.heapSpreadAfterWarmup,
        peakRssMiB: verdict.peakRssMiB,
        bytesPerEvent: verdict.boundedBytesPerEvent,
      }),
      result('unbounded', unbounded, {
        bytesPerEvent: verdict.unboundedBytesPerEvent,
        stoppedAt: verdict.unboundedStoppedAt,
      }),
    ];
  },
};

function round(x: number): number {
  return Number(x.toFixed(3));
}

/** The samples and a chart, beside the other committed bench artifacts. */
function writeArtifacts(
  quick: boolean,
  bounded: SoakSample[],
  unbounded: SoakSample[],
  verdict: Record<string, unknown>,
): void {
  const dir = path.join('bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const name = quick ? 'soak-quick' : 'soak';
  fs.writeFileSync(
    path.join(dir, `${name}.json`),
    JSON.stringify({ date: new Date().toISOString(), verdict, bounded, unbounded }, null, 2),
  );
  const series = (label: string, ss: SoakSample[], key: 'rss' | 'heapUsed' | 'engineBytes') => ({
    name: label,
    points: ss.map((s) => ({ x: s.events / 1e6, y: s[key] / 2 ** 20 })),
  });
  const svg = lineChart({
    title: 'Memory on an endless stream: bounded (retention, 1 GiB budget) against unbounded',
    series: [
      series('bounded: RSS', bounded, 'rss'),
      series('bounded: heap', bounded, 'heapUsed'),
      series('bounded: engine count', bounded, 'engineBytes'),
      series('unbounded: RSS', unbounded, 'rss'),
      series('unbounded: engine count', unbounded, 'engineBytes'),
    ],
    xTitle: 'events ingested (millions)',
    yTitle: 'MiB',
    width: 900,
    height: 420,
  });
  fs.writeFileSync(path.join(dir, `${name}.svg`), svg);
  console.log(`wrote ${path.join(dir, `${name}.json`)} and ${name}.svg`);
}
