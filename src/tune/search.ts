/**
 * A budgeted coordinate search over a grid of parameter values.
 *
 * Each parameter has an ordered list of values to try; the search starts from the defaults and
 * moves one parameter at a time to a neighbouring value, going on in a direction while it helps
 * (a line search on the grid). A move is kept only when it beats the incumbent by more than
 * `minGain`, so ties (and noise-sized gains) go to the defaults. It stops when a whole pass over
 * the parameters changes nothing, or before an evaluation that the time left cannot pay for
 * (judged by the slowest evaluation so far). Evaluations are cached by the values they ran with.
 *
 * Coordinate search suits these models: their parameters act mostly apart from one another, a
 * full evaluation takes seconds, and a budget of a couple of minutes pays for a few dozen of them,
 * too few for random search over a dozen dimensions to land near the optimum.
 */

/** One tunable parameter: its name and the values it may take, in order. */
export interface Dimension<P> {
  name: keyof P & string;
  values: readonly number[];
}

/** What an evaluation gives: the objective (higher is better) and the figures behind it. */
export interface Score {
  objective: number;
  metrics: Record<string, number>;
}

export interface SearchStep<P> {
  /** The parameter moved (undefined for the starting point). */
  moved?: keyof P & string;
  params: P;
  score: Score;
  /** Whether the step became the incumbent. */
  kept: boolean;
  ms: number;
}

export interface SearchResult<P> {
  best: P;
  bestScore: Score;
  start: P;
  startScore: Score;
  steps: SearchStep<P>[];
  stoppedBy: 'converged' | 'budget';
  ms: number;
}

export interface SearchOptions<P> {
  start: P;
  dimensions: readonly Dimension<P>[];
  evaluate(params: P): Score;
  /** Time the whole search may take (ms), the first evaluation included. */
  budgetMs: number;
  /** Gain over the incumbent needed to move (objective units). */
  minGain: number;
  /** Called after every evaluation. */
  onStep?(step: SearchStep<P>, elapsedMs: number): void;
  /** Clock in ms (tests pass their own). */
  now?: () => number;
}

export function coordinateSearch<P extends object>(o: SearchOptions<P>): SearchResult<P> {
  const now = o.now ?? (() => performance.now());
  const t0 = now();
  const cache = new Map<string, Score>();
  const steps: SearchStep<P>[] = [];
  let slowest = 0;
  const key = (p: P): string =>
    JSON.stringify(o.dimensions.map((d) => (p as Record<string, unknown>)[d.name]));
  const affordable = (): boolean => now() - t0 + slowest <= o.budgetMs;

  const run = (params: P, moved: (keyof P & string) | undefined): Score => {
    const k = key(params);
    const cached = cache.get(k);
    if (cached !== undefined) return cached;
    const s0 = now();
    const score = o.evaluate(params);
    const ms = now() - s0;
    slowest = Math.max(slowest, ms);
    cache.set(k, score);
    const step: SearchStep<P> = { params, score, kept: false, ms };
    if (moved !== undefined) step.moved = moved;
    steps.push(step);
    o.onStep?.(step, now() - t0);
    return score;
  };

  const startScore = run(o.start, undefined);
  steps[0]!.kept = true;
  let best = o.start;
  let bestScore = startScore;
  let stoppedBy: SearchResult<P>['stoppedBy'] = 'converged';
  // The direction that last helped each parameter is tried first next time.
  const direction = new Map<string, number>();

  search: for (;;) {
    let changed = false;
    for (const dim of o.dimensions) {
      const values = grid(dim, (o.start as Record<string, number>)[dim.name]!);
      const current = values.indexOf((best as Record<string, number>)[dim.name]!);
      const first = direction.get(dim.name) ?? 1;
      for (const dir of [first, -first]) {
        let at = current;
        let moved = false;
        for (;;) {
          const next = at + dir;
          if (next < 0 || next >= values.length) break;
          const candidate = { ...best, [dim.name]: values[next] } as P;
          if (!cache.has(key(candidate)) && !affordable()) {
            stoppedBy = 'budget';
            break search;
          }
          const score = run(candidate, dim.name);
          if (!(score.objective > bestScore.objective + o.minGain)) break;
          best = candidate;
          bestScore = score;
          steps[steps.length - 1]!.kept = true;
          at = next;
          moved = true;
        }
        if (moved) {
          direction.set(dim.name, dir);
          changed = true;
          break;
        }
      }
    }
    if (!changed) break;
  }
  return {
    best,
    bestScore,
    start: o.start,
    startScore,
    steps,
    stoppedBy,
    ms: now() - t0,
  };
}

/** The values of a dimension with the starting value among them, in ascending order. */
function grid<P>(dim: Dimension<P>, start: number): number[] {
  return [...new Set([...dim.values, start])].sort((a, b) => a - b);
}

/** The fields of `a` that differ from `b`: what a tuning changed from the defaults. */
export function changedFrom<T extends object>(a: T, b: T): Partial<T> {
  const out: Partial<T> = {};
  for (const k of Object.keys(a) as (keyof T)[]) if (a[k] !== b[k]) out[k] = a[k];
  return out;
}

/** A figure to two decimals, as the reports give them. */
export const round2 = (x: number): number => Number(x.toFixed(2));
