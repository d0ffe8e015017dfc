/**
 * `npm run bench`: runs every benchmark module, prints a table with per-item rates and ratios
 * against the first case of each suite, and writes JSON results with the machine description.
 *
 *   npm run bench -- [--quick] [--only <substring>[,<substring>...]] [--out <file>] [--seed <n>]
 *   npm run bench -- --chart <results.json>   (redraw a saved run's chart)
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { chartSvg, rateOf } from './chart.js';
import { describeMachine, type BenchModule, type CaseResult } from './harness.js';
import { kernelsBench } from './micro/kernels.js';
import { rankingsBench } from './micro/rankings.js';
import { alsImplicitBench } from './system/als-implicit.js';
import { analyticsBench } from './system/analytics.js';
import { alsScalingBench } from './system/als-scaling.js';
import { httpBench } from './system/http.js';
import { annBench } from './system/ann.js';
import { ingestBench } from './system/ingest.js';
import { kafkaBench } from './system/kafka.js';
import { pulsarBench } from './system/pulsar.js';
import { recommendBench } from './system/recommend.js';
import { soakBench } from './system/soak.js';

const MODULES: BenchModule[] = [
  kernelsBench,
  rankingsBench,
  ingestBench,
  pulsarBench,
  kafkaBench,
  alsImplicitBench,
  recommendBench,
  annBench,
  alsScalingBench,
  analyticsBench,
  httpBench,
  soakBench,
];

function table(results: CaseResult[]): string {
  const lines = [
    'suite | case | ops/s | items/s | ±% | ratio to first',
    '--- | --- | --- | --- | --- | ---',
  ];
  const first = new Map<string, CaseResult>();
  for (const r of results) {
    if (!first.has(r.suite)) first.set(r.suite, r);
    const base = first.get(r.suite)!;
    const items = r.itemsPerOp === undefined ? '' : (r.hz * r.itemsPerOp).toExponential(3);
    lines.push(
      `${r.suite} | ${r.name} | ${r.hz.toFixed(1)} | ${items} | ${r.rme.toFixed(1)} | ${(rateOf(r) / rateOf(base)).toFixed(2)}`,
    );
  }
  return lines.join('\n');
}

function chartTitle(machine: ReturnType<typeof describeMachine>): string {
  return `work per second relative to the first case of each suite — ${machine.cpu} ×${machine.cores}`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string', default: '7' },
      // Redraw the chart and table of a saved results file without running anything.
      chart: { type: 'string' },
    },
  });
  if (values.chart !== undefined) {
    const saved = JSON.parse(fs.readFileSync(values.chart, 'utf8')) as {
      machine: ReturnType<typeof describeMachine>;
      results: CaseResult[];
    };
    const svg = values.chart.replace(/\.json$/, '') + '.svg';
    fs.writeFileSync(svg, chartSvg(saved.results, chartTitle(saved.machine)));
    console.log(`${table(saved.results)}\n\nwrote ${svg}`);
    return;
  }
  const seed = Number(values.seed);
  const maxTime = values.quick ? 0.3 : 2;
  const machine = describeMachine();
  console.log(
    `machine: ${machine.cpu} ×${machine.cores}, ${machine.memoryGiB} GiB, node ${machine.node}`,
  );
  const results: CaseResult[] = [];
  // --only takes one name fragment or several, comma-separated.
  const only = values.only?.split(',').filter((p) => p !== '');
  for (const m of MODULES) {
    if (only !== undefined && !only.some((p) => m.name.includes(p))) continue;
    console.log(`${m.name} ...`);
    results.push(...(await m.run({ maxTime, seed })));
  }
  const out =
    values.out ??
    path.join('bench', 'results', `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(
    out,
    JSON.stringify({ date: new Date().toISOString(), seed, maxTime, machine, results }, null, 2),
  );
  const svg = out.replace(/\.json$/, '') + '.svg';
  fs.writeFileSync(svg, chartSvg(results, chartTitle(machine)));
  console.log(`\n${table(results)}\n\nwrote ${out} and ${svg}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
