/**
 * Our ALS beside the Python `implicit` library (its CPU ALS, native conjugate-gradient solver) on
 * the same Online Retail training matrix, with the same factors, regularisation, CG steps and
 * iterations: seconds per iteration, and Recall@20 / NDCG@20 of both factor sets scored by one
 * piece of code here.
 *
 * - Data: the basket split in 'test' mode (training = all but the last 30 days), its training
 *   purchases encoded by an EventStore into a UserHistory and read back with `toCsr`, exactly as
 *   `Engine.trainFactors` builds its matrix. The folder holding `online-retail/` is
 *   AISLE_DATA_DIR, else `../shared/data` beside the repository (as in the tests).
 * - Ours: `trainAls` in process, SIMD and scalar builds, one thread; seconds per iteration from
 *   its onIteration callback.
 * - implicit: bench/python/als_implicit.py in `.venv-bench/` (bench/python/setup-venv.sh), once
 *   with 1 thread and once with every core, each from its own random start; then once more with
 *   1 thread from our starting factors, which checks that both solve the same problem.
 *   Confidence mapping: see the Python script's docstring.
 * - Timing: 3 interleaved rounds of every contender (1 with --quick); a contender is reported by
 *   its least disturbed round (lowest median seconds per iteration), all round medians kept in
 *   `extra`, with the load average before and after, since these machines are shared.
 *
 * Without the Python environment the implicit cases are reported as skipped (with the reason)
 * and ours still run; without the data the whole suite is skipped.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { popularityRecommender } from '../../src/eval/baskets.js';
import { NextBasketMetrics } from '../../src/eval/basket-metrics.js';
import {
  customerTargets,
  splitBaskets,
  type BasketSplit,
  type CustomerTargets,
} from '../../src/eval/basket-split.js';
import type { PurchaseEvent } from '../../engine/events.js';
import { resolveAlsOptions, trainAls, type AlsOptions } from '../../engine/models/als/index.js';
import { fillInitial, mulberry32 } from '../../engine/models/als/init.js';
import type { Csr } from '../../engine/models/csr.js';
import { DEFAULT_USER_HISTORY, UserHistory } from '../../engine/models/user-history.js';
import { EventStore, type StoreDictionaries } from '../../engine/store/index.js';
import { loadKernels, simdSupported } from '../../engine/wasm/index.js';
import { onlineRetailFile, readOnlineRetail } from '../../src/datasets/online-retail.js';
import type { BenchModule, CaseResult } from '../harness.js';

const K = 20;
const BATCH = 10_000;
const SETUP = 'sh bench/python/setup-venv.sh';
/** Interleaved training rounds per contender (1 with --quick). */
const ROUNDS = 3;

/** The repository root: the first folder above this module with the Python side of the bench. */
function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'bench', 'python', 'als_implicit.py'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('als-implicit: bench/python/als_implicit.py not found');
    dir = up;
  }
}

interface Python {
  command: string;
  env: NodeJS.ProcessEnv;
}

/** The bench environment's interpreter, or why there is none. */
function findPython(root: string): Python | string {
  const venv = path.join(root, '.venv-bench');
  const env = { ...process.env, OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const bin = path.join(venv, 'bin', 'python');
  if (fs.existsSync(bin)) return { command: bin, env };
  // setup-venv.sh's fallback where `python3 -m venv` is unavailable.
  const target = path.join(venv, 'site-packages');
  if (fs.existsSync(path.join(target, 'implicit'))) {
    const prior = process.env.PYTHONPATH;
    return {
      command: 'python3',
      env: { ...env, PYTHONPATH: prior ? `${target}${path.delimiter}${prior}` : target },
    };
  }
  return `no Python bench environment in .venv-bench/ (set it up with \`${SETUP}\`)`;
}

/** The training matrix as the engine builds it, and the dictionaries that name its ids. */
function engineMatrix(train: readonly PurchaseEvent[]): { csr: Csr; dicts: StoreDictionaries } {
  const store = new EventStore();
  const history = new UserHistory(DEFAULT_USER_HISTORY);
  for (let i = 0; i < train.length; i += BATCH) {
    history.ingest(store.append(train.slice(i, i + BATCH)));
  }
  // The shape Engine.trainFactors asks for: every known id, row and column 0 unused.
  const csr = history.toCsr(store.dicts.user.size + 1, store.dicts.item.size + 1);
  return { csr, dicts: store.dicts };
}

/** Raw bytes of a typed array; the files are little-endian, as the Python side reads them. */
function bytes(a: Uint32Array | Float32Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function readF32(file: string, count: number): Float32Array {
  const buf = fs.readFileSync(file);
  if (buf.byteLength !== count * 4) {
    throw new Error(`${file}: ${buf.byteLength} bytes, expected ${count * 4}`);
  }
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

function writeInputs(dir: string, csr: Csr, als: AlsOptions): void {
  const nnz = csr.indptr[csr.rows]!;
  const meta = { rows: csr.rows, cols: csr.cols, nnz, als };
  fs.writeFileSync(path.join(dir, 'matrix.json'), JSON.stringify(meta));
  fs.writeFileSync(path.join(dir, 'indptr.u32'), bytes(csr.indptr));
  fs.writeFileSync(path.join(dir, 'indices.u32'), bytes(csr.indices.subarray(0, nnz)));
  fs.writeFileSync(path.join(dir, 'values.f32'), bytes(csr.values.subarray(0, nnz)));
  // trainAls's own start: users then items from one generator seeded with als.seed.
  const next = mulberry32(als.seed);
  const x0 = fillInitial(new Float32Array(csr.rows * als.factors), next);
  const y0 = fillInitial(new Float32Array(csr.cols * als.factors), next);
  fs.writeFileSync(path.join(dir, 'init-users.f32'), bytes(x0));
  fs.writeFileSync(path.join(dir, 'init-items.f32'), bytes(y0));
}

interface Contender {
  label: string;
  train(): Promise<Trained>;
}

interface Trained {
  name: string;
  library: string;
  threads: number;
  /** Seconds of each iteration (both half-steps). */
  seconds: number[];
  /** Whole training call: matrix copies, transpose and initialisation included. */
  fitSeconds: number;
  /**
   * CPU seconds per wall second over the training call: below `threads` when other work on the
   * machine took cores away, which on these shared machines is the first thing to check.
   */
  cpuPerWall: number;
  users: Float32Array;
  items: Float32Array;
  extra: Record<string, number | string>;
}

interface PythonReport {
  implicit: string;
  numpy: string;
  scipy: string;
  python: string;
  threads: number;
  init: string;
  secondsPerIteration: number[];
  fitSeconds: number;
  cpuPerWall: number;
  blas: string;
}

/** One implicit training in a child process; throws with its stderr when it fails. */
function runImplicit(
  python: Python,
  script: string,
  dir: string,
  csr: Csr,
  factors: number,
  threads: number,
  sharedInit: boolean,
): Trained {
  const tag = `implicit-t${threads}${sharedInit ? '-init' : ''}`;
  const args = [script, dir, '--threads', String(threads), '--tag', tag];
  if (sharedInit) args.push('--init');
  const run = spawnSync(python.command, args, { env: python.env, encoding: 'utf8' });
  if (run.error !== undefined) throw run.error;
  if (run.status !== 0) {
    throw new Error(`als_implicit.py exited with ${run.status}: ${run.stderr.trim().slice(-600)}`);
  }
  const report = JSON.parse(fs.readFileSync(path.join(dir, `${tag}.json`), 'utf8')) as PythonReport;
  const who = `implicit ${report.implicit}`;
  return {
    name: `${who}, ${threads} thread${threads === 1 ? '' : 's'}${sharedInit ? ', our start' : ''}`,
    library: who,
    threads,
    seconds: report.secondsPerIteration,
    fitSeconds: report.fitSeconds,
    cpuPerWall: report.cpuPerWall,
    users: readF32(path.join(dir, `${tag}-users.f32`), csr.rows * factors),
    items: readF32(path.join(dir, `${tag}-items.f32`), csr.cols * factors),
    extra: {
      init: report.init,
      python: report.python,
      numpy: report.numpy,
      scipy: report.scipy,
      blas: report.blas,
    },
  };
}

async function runOurs(csr: Csr, als: AlsOptions, simd: boolean): Promise<Trained> {
  const kernels = await loadKernels({ simd });
  const seconds: number[] = [];
  const started = performance.now();
  const cpu = process.cpuUsage();
  const f = trainAls(kernels, csr, als, (_it, s) => seconds.push(s));
  const fitSeconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return {
    name: `aisle wasm-${simd ? 'simd' : 'scalar'}, 1 thread`,
    library: 'aisle',
    threads: 1,
    seconds,
    fitSeconds,
    cpuPerWall: (used.user + used.system) / 1e6 / fitSeconds,
    users: f.userFactors,
    items: f.itemFactors,
    extra: { init: 'aisle' },
  };
}

interface Quality {
  recall: number;
  ndcg: number;
  recallRepeat: number;
  recallNew: number;
  coverage: number;
}

/**
 * Recall and NDCG at K over the known customers: user vector · every training item's vector,
 * top K, nothing filtered (repeat purchases are targets). Scores in f64; ties go to the lower
 * item id, so the ranking does not depend on anything but the factors.
 */
function quality(
  t: Trained,
  factors: number,
  known: readonly CustomerTargets[],
  dicts: StoreDictionaries,
  catalogue: ReadonlySet<string>,
): Quality {
  const itemIds = [...catalogue].map((item) => dicts.item.lookup(item)!).sort((a, b) => a - b);
  const names = itemIds.map((id) => dicts.item.value(id)!);
  const metrics = new NextBasketMetrics(K);
  const topScore = new Float64Array(K);
  const topAt = new Int32Array(K);
  for (const target of known) {
    const u = dicts.user.lookup(target.user);
    if (u === undefined) throw new Error(`known customer ${target.user} has no id`);
    const uo = u * factors;
    let filled = 0;
    for (let c = 0; c < itemIds.length; c++) {
      const io = itemIds[c]! * factors;
      let s = 0;
      for (let j = 0; j < factors; j++) s += t.users[uo + j]! * t.items[io + j]!;
      if (filled === K && s <= topScore[K - 1]!) continue;
      // Insertion into the sorted top list; equal scores keep the earlier (lower) id first.
      let p = filled < K ? filled++ : K - 1;
      while (p > 0 && topScore[p - 1]! < s) {
        topScore[p] = topScore[p - 1]!;
        topAt[p] = topAt[p - 1]!;
        p--;
      }
      topScore[p] = s;
      topAt[p] = c;
    }
    const ranked: string[] = [];
    for (let i = 0; i < filled; i++) ranked.push(names[topAt[i]!]!);
    metrics.add(ranked, target);
  }
  return {
    recall: metrics.recall.percent,
    ndcg: metrics.ndcg.percent,
    recallRepeat: metrics.recallRepeat.percent,
    recallNew: metrics.recallNew.percent,
    coverage: metrics.coverage(catalogue),
  };
}

function popularityQuality(split: BasketSplit, known: readonly CustomerTargets[]): number {
  const pop = popularityRecommender(split.train);
  const metrics = new NextBasketMetrics(K);
  for (const t of known) metrics.add(pop.forUser(t.user, K), t);
  return metrics.recall.percent;
}

/** ‖a − b‖ / ‖b‖ over the rows that hold data (row 0 and empty rows are zero in both). */
function relativeDifference(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let norm = 0;
  for (let i = 0; i < b.length; i++) {
    diff += (a[i]! - b[i]!) ** 2;
    norm += b[i]! ** 2;
  }
  return Math.sqrt(diff / norm);
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const round = (x: number, digits = 4): number => Number(x.toFixed(digits));

function skipped(suite: string, name: string, reason: string): CaseResult {
  console.log(`  ${suite} :: ${name} SKIPPED: ${reason}`);
  return { suite, name, hz: 0, rme: 0, mean: 0, samples: 0, extra: { skipped: reason } };
}

export const alsImplicitBench: BenchModule = {
  name: 'als-implicit',
  async run(opts) {
    const root = repoRoot();
    const dataDir = process.env.AISLE_DATA_DIR ?? path.join(root, '..', 'shared', 'data');
    let file: string;
    try {
      file = onlineRetailFile(path.join(dataDir, 'online-retail'));
    } catch (err) {
      const reason = `no Online Retail data (${(err as Error).message}); set AISLE_DATA_DIR`;
      return [skipped('ALS vs implicit, Online Retail', 'all', reason)];
    }

    const events: PurchaseEvent[] = [];
    for await (const batch of readOnlineRetail(file, BATCH)) events.push(...batch);
    const split = splitBaskets(events, { mode: 'test' });
    const { csr, dicts } = engineMatrix(split.train);
    const nnz = csr.indptr[csr.rows]!;
    const als = resolveAlsOptions();
    const known = customerTargets(split).known;
    const catalogue = new Set(split.train.map((e) => e.item));
    const suite =
      `ALS, Online Retail train ${csr.rows - 1} users × ${csr.cols - 1} items, ${nnz} nnz, ` +
      `${als.factors} factors, ${als.iterations} iterations`;
    console.log(
      `  ${suite}: λ ${als.regularization}, alpha ${als.alpha}, ${als.cgSteps} CG steps; ` +
        `${known.length} known test customers`,
    );

    // Interleaved rounds, each contender once per round: on a shared machine a burst of other
    // work then hits one round of everyone instead of all of one contender's iterations.
    const rounds = opts.maxTime < 1 ? 1 : ROUNDS;
    const contenders: Contender[] = [];
    if (simdSupported())
      contenders.push({ label: 'aisle wasm-simd', train: () => runOurs(csr, als, true) });
    contenders.push({ label: 'aisle wasm-scalar', train: () => runOurs(csr, als, false) });

    const results: CaseResult[] = [];
    // Typed arrays are written as they lie in memory, and the Python side reads little-endian.
    const python =
      os.endianness() === 'LE' ? findPython(root) : 'the matrix files assume a little-endian host';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-bench-als-'));
    const loadBefore = os.loadavg()[0]!;
    const runs = new Map<Contender, Trained[]>();
    let sharedStart: Contender | undefined;
    try {
      if (typeof python === 'string') {
        results.push(skipped(suite, 'implicit', python));
      } else {
        writeInputs(dir, csr, als);
        const script = path.join(root, 'bench', 'python', 'als_implicit.py');
        const implicit = (threads: number, init: boolean): Contender => ({
          label: `implicit, ${threads} thread(s)${init ? ', our start' : ''}`,
          train: async () => runImplicit(python, script, dir, csr, als.factors, threads, init),
        });
        for (const threads of [...new Set([1, os.cpus().length])]) {
          contenders.push(implicit(threads, false));
        }
        sharedStart = implicit(1, true);
        contenders.push(sharedStart);
      }
      for (let r = 0; r < rounds; r++) {
        for (const c of contenders) {
          if (!runs.has(c) && r > 0) continue; // failed in an earlier round
          try {
            const t = await c.train();
            runs.set(c, [...(runs.get(c) ?? []), t]);
          } catch (err) {
            if (c.label.startsWith('aisle')) throw err;
            runs.delete(c);
            results.push(skipped(suite, c.label, (err as Error).message));
          }
        }
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const loadAfter = os.loadavg()[0]!;

    const summaries = contenders.flatMap((c) => {
      const done = runs.get(c);
      if (done === undefined) return [];
      const medians = done.map((t) => median(t.seconds));
      // The least disturbed round stands for the contender; all round medians are kept too.
      const best = medians.indexOf(Math.min(...medians));
      return [{ c, first: done[0]!, best: done[best]!, medians }];
    });
    const base = summaries[0]!;
    const baseSeconds = median(base.best.seconds);
    const popularity = popularityQuality(split, known);
    const out: CaseResult[] = [];
    for (const { c, first, best, medians } of summaries) {
      // Factors are the same in every round (fixed seeds, rows solved independently).
      const q = quality(first, als.factors, known, dicts, catalogue);
      const s = best.seconds;
      const m = mean(s);
      const sd = Math.sqrt(s.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, s.length - 1));
      const extra: Record<string, number | string> = {
        library: best.library,
        threads: best.threads,
        medianSecondsPerIteration: round(median(s)),
        // Above 1: this case takes longer per iteration than the first (aisle) case.
        secondsPerIterationRatioToFirst: round(median(s) / baseSeconds, 3),
        roundMediansSecondsPerIteration: medians.map((x) => round(x)).join(' '),
        fitSeconds: round(best.fitSeconds, 3),
        cpuPerWall: round(best.cpuPerWall, 2),
        'recall@20': round(q.recall, 2),
        'ndcg@20': round(q.ndcg, 2),
        'recall_repeat@20': round(q.recallRepeat, 2),
        'recall_new@20': round(q.recallNew, 2),
        'coverage@20': round(q.coverage, 2),
        customers: known.length,
        'popularity_recall@20': round(popularity, 2),
        regularization: als.regularization,
        alpha: als.alpha,
        cgSteps: als.cgSteps,
        seed: als.seed,
        loadAverage1mBefore: round(loadBefore, 2),
        loadAverage1mAfter: round(loadAfter, 2),
        ...best.extra,
      };
      if (c === sharedStart) {
        // Same start, same objective: what is left is f32 BLAS against our f64 accumulation.
        extra.userFactorsRelDiffToFirst = round(
          relativeDifference(first.users, base.first.users),
          6,
        );
        extra.itemFactorsRelDiffToFirst = round(
          relativeDifference(first.items, base.first.items),
          6,
        );
      }
      const r: CaseResult = {
        suite,
        name: best.name,
        hz: 1 / m,
        rme: (100 * sd) / m / Math.sqrt(s.length),
        mean: m,
        samples: s.length,
        // One op is one iteration over every stored entry, so items/s are entries per second.
        itemsPerOp: nnz,
        extra,
      };
      console.log(
        `  ${suite} :: ${best.name}: ${extra.medianSecondsPerIteration} s/iteration (median of ` +
          `the best of ${medians.length} rounds), ×${extra.secondsPerIterationRatioToFirst} of ` +
          `the first; recall@20 ${extra['recall@20']}, ndcg@20 ${extra['ndcg@20']}`,
      );
      out.push(r);
    }
    return [...out, ...results];
  },
};
