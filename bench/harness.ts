/**
 * Shared benchmark plumbing: run `benchmark` suites, collect results as data, describe the machine.
 * Results are data first (JSON); the printed table is made from them.
 */
import Benchmark from 'benchmark';
import os from 'node:os';
import { mulberry32 } from '../engine/models/als/init.js';

export interface CaseResult {
  /** Suite name, e.g. `dot_f32 100000x64`. */
  suite: string;
  /** Case name, e.g. `wasm-simd`. */
  name: string;
  /** Operations per second. */
  hz: number;
  /** Relative margin of error, percent. */
  rme: number;
  /** Mean seconds per operation. */
  mean: number;
  samples: number;
  /** Work items per operation (e.g. rows), so that a rate per item can be derived. */
  itemsPerOp?: number;
  /** Extra figures a bench wants recorded next to the timing (bytes per event, recall, ...). */
  extra?: Record<string, number | string>;
}

export interface SuiteCase {
  name: string;
  fn: () => void;
  itemsPerOp?: number;
}

export interface BenchModule {
  name: string;
  run(opts: BenchOptions): Promise<CaseResult[]>;
}

export interface BenchOptions {
  /** Seconds per case that `benchmark` aims for; small values for smoke runs. */
  maxTime: number;
  seed: number;
}

/** Runs cases side by side in one suite so ratios come from the same conditions. */
export function runSuite(suite: string, cases: SuiteCase[], maxTime: number): CaseResult[] {
  const s = new Benchmark.Suite(suite);
  for (const c of cases) s.add(c.name, c.fn, { maxTime, minSamples: 5 });
  const out: CaseResult[] = [];
  s.on('cycle', (e: Benchmark.Event) => {
    const b = e.target as unknown as Benchmark;
    const c = cases.find((x) => x.name === b.name);
    if (b.error) throw b.error;
    const r: CaseResult = {
      suite,
      name: String(b.name),
      hz: b.hz ?? 0,
      rme: b.stats.rme,
      mean: b.stats.mean,
      samples: b.stats.sample.length,
    };
    if (c?.itemsPerOp !== undefined) r.itemsPerOp = c.itemsPerOp;
    out.push(r);
    console.log(`  ${suite} :: ${String(b)}`);
  });
  s.run({ async: false });
  return out;
}

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  arch: string;
  node: string;
  v8: string;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    v8: process.versions.v8,
  };
}

/** Deterministic PRNG (the engine's mulberry32) so that inputs are the same on every run. */
export const rng: (seed: number) => () => number = mulberry32;
