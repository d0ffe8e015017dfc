/**
 * Offline evaluation of the session-kNN models under the SR-GNN protocol: full ranking over all
 * items, every case counted, prefix items kept as candidates, hit@20 and MRR@20 in percent.
 */
import { SessionKnn, type SessionKnnParams } from '../../engine/models/session-knn.js';
import { percentile, RankingMetrics } from './metrics.js';
import {
  readTestCases,
  readTrainSessions,
  sessionsOfCases,
  validationSplit,
  type SessionSplit,
} from './session-data.js';

/** Named model presets for the CLI and the docs; each is a parameter set of SessionKnn. */
export type SessionModelName = 'sknn' | 'vsknn' | 'stan' | 'stan+tr';

/** Switches off what the literature's plain SKNN, V-SKNN and STAN do not have. */
const PLAIN: Partial<SessionKnnParams> = {
  transitionWeight: 0,
  repeatWeight: 0,
  idfScore: 0,
  idfSimilarity: 0,
  lengthExponent: 0.5,
  similarityPower: 1,
};

/** Parameters of a preset (overridable field by field); 'stan+tr' is the full default model. */
export function presetParams(name: SessionModelName): Partial<SessionKnnParams> {
  switch (name) {
    case 'sknn':
      return { ...PLAIN, variant: 'sknn' };
    case 'vsknn':
      return { ...PLAIN, variant: 'vsknn' };
    case 'stan':
      return { ...PLAIN, variant: 'stan' };
    case 'stan+tr':
      return { variant: 'stan' };
  }
}

/** The preset names, for argument checks. */
export const SESSION_MODEL_NAMES: readonly SessionModelName[] = [
  'sknn',
  'vsknn',
  'stan',
  'stan+tr',
];

/** What to evaluate. */
export interface EvaluateSessionsOptions {
  /** Folder holding train-sessions.tsv.gz and test.tsv.gz. */
  dataDir: string;
  model?: SessionModelName;
  /** Overrides on top of the preset. */
  params?: Partial<SessionKnnParams>;
  /** 'test' (default) uses the SR-GNN test file; 'validation' carves the last 10% of training. */
  split?: 'validation' | 'test';
  /** Add each finished evaluation session to the index before predicting the next one. */
  streaming?: boolean;
  /** Cutoff of hit@k and MRR@k. */
  k?: number;
  /** Called now and then with cases done and total. */
  onProgress?: (done: number, total: number) => void;
  /** Already loaded data (saves re-reading the files when sweeping parameters). */
  data?: SessionSplit;
}

/** Evaluation result; metrics in percent, times in seconds and milliseconds. */
export interface SessionEvaluation {
  model: string;
  split: 'validation' | 'test';
  streaming: boolean;
  params: SessionKnnParams;
  cases: number;
  'hit@20': number;
  'mrr@20': number;
  train_sessions: number;
  train_s: number;
  predict_ms_p50: number;
  predict_ms_p99: number;
}

/** Loads the training sessions and the cases of `split`. */
export function loadSplit(dataDir: string, split: 'validation' | 'test'): SessionSplit {
  const train = readTrainSessions(dataDir);
  return split === 'validation' ? validationSplit(train) : { train, cases: readTestCases(dataDir) };
}

/** Builds the index, predicts every case, and measures quality, build time and latency. */
export function evaluateSessions(options: EvaluateSessionsOptions): SessionEvaluation {
  const name = options.model ?? 'stan+tr';
  const split = options.split ?? 'test';
  const k = options.k ?? 20;
  const streaming = options.streaming ?? false;
  const data = options.data ?? loadSplit(options.dataDir, split);
  const model = new SessionKnn({ ...presetParams(name), ...options.params });

  const t0 = performance.now();
  for (const s of data.train) model.addSession(s);
  const trainS = (performance.now() - t0) / 1000;

  const { prefixes, targets } = data.cases;
  const total = prefixes.length;
  const metrics = new RankingMetrics(k);
  const latency = new Float64Array(total);
  const grouping = streaming ? sessionsOfCases(data.cases) : undefined;
  let nextSession = 0;
  const every = Math.max(1, Math.floor(total / 200));
  for (let c = 0; c < total; c++) {
    const start = performance.now();
    const answer = model.recommend(prefixes[c]!, k);
    latency[c] = performance.now() - start;
    metrics.add(answer.items, targets[c]!);
    if (grouping !== undefined && grouping.lastCase[nextSession] === c) {
      model.addSession(grouping.sessions[nextSession]!);
      nextSession += 1;
    }
    if (options.onProgress !== undefined && (c % every === 0 || c === total - 1))
      options.onProgress(c + 1, total);
  }
  return {
    model: name,
    split,
    streaming,
    params: model.params,
    cases: metrics.cases,
    'hit@20': round(metrics.hitRate),
    'mrr@20': round(metrics.mrr),
    train_sessions: data.train.length,
    train_s: round(trainS),
    predict_ms_p50: round(percentile(latency, 0.5), 4),
    predict_ms_p99: round(percentile(latency, 0.99), 4),
  };
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));
