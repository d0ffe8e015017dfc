/**
 * Tuning the session model on a shop's own history: a validation split carved from the training
 * sessions by time (the last 10%, as `aisle eval sessions --split validation` does), a coordinate
 * search (src/tune/search.ts) on a sample of its cases within a time budget, and a check of the
 * winner against the defaults on every validation case. The test part is never read.
 */
import {
  DEFAULT_SESSION_KNN_PARAMS,
  type SessionKnnParams,
} from '../../engine/models/session-knn.js';
import { evaluateSessions } from '../eval/sessions.js';
import {
  sessionsOfCases,
  validationSplit,
  type SessionCases,
  type SessionSplit,
} from '../eval/session-data.js';
import {
  changedFrom,
  coordinateSearch,
  round2,
  type Dimension,
  type Score,
  type SearchStep,
} from './search.js';

/** Weight of MRR@20 against hit@20 in the objective: MRR is about a third of hit's scale. */
const MRR_WEIGHT = 3;

/** The objective: (hit@20 + 3 · MRR@20) / 4, in percent points. */
export function sessionObjective(hit: number, mrr: number): number {
  return (hit + MRR_WEIGHT * mrr) / (1 + MRR_WEIGHT);
}

export const SESSION_OBJECTIVE = '(hit@20 + 3 · MRR@20) / 4 on the validation cases';

/**
 * What the search may move, most telling first (transitions and position decay move MRR most).
 * λ2 counts sessions added since, so its values scale with the history's size.
 */
export function sessionDimensions(trainSessions: number): Dimension<SessionKnnParams>[] {
  const n = Math.max(1, trainSessions);
  return [
    {
      name: 'transitionWeight',
      values: [0, 0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2.5, 4],
    },
    { name: 'lambdaPos', values: [0.5, 1, 1.5, 2.5, 4, 8] },
    { name: 'repeatWeight', values: [0, 0.1, 0.2, 0.3, 0.5, 0.8, 1.2] },
    { name: 'idfScore', values: [0, 0.5, 1, 2, 3] },
    { name: 'transitionDecay', values: [0.2, 0.35, 0.5, 0.7, 1] },
    { name: 'transitionDepth', values: [1, 2, 3, 5] },
    { name: 'lambdaNeighbour', values: [2, 4, 7, 12, 20] },
    { name: 'lambdaNeighbourBefore', values: [2, 4, 7, 12, 20] },
    {
      name: 'lambdaRecency',
      values: [0.1, 0.25, 0.5, 1, 2, 5].map((f) => Math.round(f * n)),
    },
    { name: 'lengthExponent', values: [0, 0.15, 0.3, 0.5] },
    { name: 'repeatDecay', values: [0.5, 0.65, 0.8, 0.9] },
    { name: 'similarityPower', values: [1, 1.5, 2] },
    { name: 'kNeighbours', values: [50, 100, 200] },
    { name: 'sampleSize', values: [250, 500, 1000] },
  ];
}

export interface TuneSessionsOptions {
  /** Training sessions (the test part is never given). */
  train: number[][];
  /** Seconds the tuning may take, data loading excluded. Default 120. */
  budgetS?: number;
  /** Validation cases the search runs on (whole sessions, spread over the split). Default 20,000. */
  sampleCases?: number;
  /** Where to start, and what ties go to. Default: the engine's defaults. */
  start?: Partial<SessionKnnParams>;
  /** After each evaluation of the search. */
  onStep?(step: SearchStep<SessionKnnParams>, elapsedS: number, budgetS: number): void;
}

export interface SessionFigures {
  'hit@20': number;
  'mrr@20': number;
  objective: number;
}

export interface SessionTuneReport {
  kind: 'sessions';
  /** The parameters chosen: the defaults unless a change beat them on every validation case. */
  params: SessionKnnParams;
  /** Only what differs from the defaults. */
  changed: Partial<SessionKnnParams>;
  objective: string;
  validation: {
    trainSessions: number;
    cases: number;
    sampleCases: number;
    defaults: SessionFigures;
    chosen: SessionFigures;
    gain: SessionFigures;
  };
  search: {
    evaluations: number;
    stoppedBy: 'converged' | 'budget';
    /** The moves kept, in order. */
    kept: { moved: string; value: number; objective: number }[];
  };
  budget_s: number;
  tune_s: number;
  chosenAt: string;
}

/** Gain on the sample needed to move; on the full validation, needed to leave the defaults. */
const MIN_GAIN = 0.02;

export function tuneSessions(o: TuneSessionsOptions): SessionTuneReport {
  const t0 = performance.now();
  const budgetS = o.budgetS ?? 120;
  const start: SessionKnnParams = { ...DEFAULT_SESSION_KNN_PARAMS, ...o.start };
  // The last 10% of the history, built like the test part.
  const split = validationSplit(o.train);
  const sample: SessionSplit = {
    train: split.train,
    cases: sampleCases(split.cases, o.sampleCases ?? 20_000),
  };
  const figures = (data: SessionSplit, params: SessionKnnParams): SessionFigures => {
    const r = evaluateSessions({
      dataDir: '',
      data,
      params,
      model: 'stan+tr',
      split: 'validation',
    });
    return {
      'hit@20': r['hit@20'],
      'mrr@20': r['mrr@20'],
      objective: round2(sessionObjective(r['hit@20'], r['mrr@20'])),
    };
  };
  // The defaults on every case first: the yardstick, and the price of the final check.
  const f0 = performance.now();
  const defaults = figures(split, start);
  const fullS = (performance.now() - f0) / 1000;
  const elapsed = (): number => (performance.now() - t0) / 1000;
  const searchBudgetS = Math.max(0, budgetS - elapsed() - fullS);
  const score = (p: SessionKnnParams): Score => {
    const f = figures(sample, p);
    return { objective: f.objective, metrics: { 'hit@20': f['hit@20'], 'mrr@20': f['mrr@20'] } };
  };
  const result = coordinateSearch({
    start,
    dimensions: sessionDimensions(split.train.length),
    evaluate: score,
    budgetMs: searchBudgetS * 1000,
    minGain: MIN_GAIN,
    onStep: (step) => o.onStep?.(step, elapsed(), budgetS),
  });
  let params = start;
  let chosen = defaults;
  const moved = result.steps.some((s) => s.kept && s.moved !== undefined);
  if (moved && elapsed() + fullS <= budgetS) {
    const best = figures(split, result.best);
    if (best.objective > defaults.objective + MIN_GAIN) {
      params = result.best;
      chosen = best;
    }
  }
  return {
    kind: 'sessions',
    params,
    changed: changedFrom(params, DEFAULT_SESSION_KNN_PARAMS),
    objective: SESSION_OBJECTIVE,
    validation: {
      trainSessions: split.train.length,
      cases: split.cases.prefixes.length,
      sampleCases: sample.cases.prefixes.length,
      defaults,
      chosen,
      gain: {
        'hit@20': round2(chosen['hit@20'] - defaults['hit@20']),
        'mrr@20': round2(chosen['mrr@20'] - defaults['mrr@20']),
        objective: round2(chosen.objective - defaults.objective),
      },
    },
    search: {
      evaluations: result.steps.length,
      stoppedBy: result.stoppedBy,
      kept: result.steps
        .filter((s) => s.kept && s.moved !== undefined)
        .map((s) => ({
          moved: s.moved!,
          value: s.params[s.moved!] as number,
          objective: s.score.objective,
        })),
    },
    budget_s: budgetS,
    tune_s: round2(elapsed()),
    chosenAt: new Date().toISOString(),
  };
}

/**
 * About `target` cases: every m-th session's cases (m = total / target, rounded), so early and
 * late sessions are both in; all cases when there are fewer.
 */
export function sampleCases(cases: SessionCases, target: number): SessionCases {
  const total = cases.prefixes.length;
  if (total <= target) return cases;
  const { lastCase } = sessionsOfCases(cases);
  const every = Math.max(1, Math.round(total / target));
  const prefixes: number[][] = [];
  const targets: number[] = [];
  let first = 0;
  lastCase.forEach((last, session) => {
    if (session % every === 0) {
      for (let c = first; c <= last; c++) {
        prefixes.push(cases.prefixes[c]!);
        targets.push(cases.targets[c]!);
      }
    }
    first = last + 1;
  });
  return { prefixes, targets };
}
