/**
 * `aisle eval sessions`: offline next-item evaluation of the session-kNN models on the Diginetica
 * SR-GNN split (docs/evaluation.md). Progress on stderr so `--json` output stays clean on stdout.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  evaluateSessions,
  SESSION_MODEL_NAMES,
  type SessionEvaluation,
  type SessionModelName,
} from '../eval/sessions.js';
import type { SessionKnnParams } from '../../engine/models/session-knn.js';
import { parseDuration } from '../config.js';
import { readTrainSessions, validationSplit, type SessionSplit } from '../eval/session-data.js';
import { retailSessions } from '../eval/retail-sessions.js';
import { tuneSessions, type SessionTuneReport } from '../tune/sessions.js';
import { audienceCommand } from './eval-audience.js';
import { basketsCommand } from './eval-baskets.js';
import { progress } from './progress.js';

type NumericParam = Exclude<keyof SessionKnnParams, 'variant'>;

/** Flag → model parameter; every numeric parameter can be set from the command line. */
const PARAM_FLAGS: ReadonlyArray<[flag: string, param: NumericParam, help: string]> = [
  ['--k-neighbours <n>', 'kNeighbours', 'neighbour sessions per prediction'],
  ['--sample-size <n>', 'sampleSize', 'most recent sessions sampled per item'],
  ['--lambda-pos <x>', 'lambdaPos', 'STAN λ1, current-session position decay (clicks)'],
  ['--lambda-recency <x>', 'lambdaRecency', 'STAN λ2, neighbour recency decay (sessions; 0 off)'],
  ['--lambda-neighbour <x>', 'lambdaNeighbour', 'STAN λ3 after the shared item (clicks)'],
  ['--lambda-neighbour-before <x>', 'lambdaNeighbourBefore', 'STAN λ3 before the shared item'],
  ['--repeat-weight <x>', 'repeatWeight', 'weight of returning to a current-session item'],
  ['--repeat-decay <x>', 'repeatDecay', 'repeat weight factor per click back'],
  ['--idf-score <x>', 'idfScore', 'IDF exponent on recommended items'],
  ['--idf-similarity <x>', 'idfSimilarity', 'IDF exponent on current items in the similarity'],
  ['--length-exponent <x>', 'lengthExponent', "exponent of a neighbour's length (0.5 = cosine)"],
  ['--similarity-power <x>', 'similarityPower', 'power on neighbour similarities'],
  ['--transition-weight <x>', 'transitionWeight', 'weight of item transitions (0 off)'],
  ['--transition-decay <x>', 'transitionDecay', 'transition weight factor per click back'],
  ['--transition-depth <n>', 'transitionDepth', 'last clicks feeding the transitions'],
];

function nonNegative(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('expected a non-negative number');
  return n;
}

function camel(flag: string): string {
  const name = flag.split(' ')[0]!.replace(/^--/, '');
  return name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

interface SessionFlags {
  data: string;
  model: SessionModelName;
  split: 'validation' | 'test';
  streaming?: boolean;
  json?: boolean;
  tune?: boolean;
  budget: string;
  invoices?: boolean;
  [param: string]: unknown;
}

function printTable(r: SessionEvaluation): void {
  const say = (line: string): void => console.log(line);
  say(`model ${r.model} on ${r.split}${r.streaming ? ' (streaming)' : ''}: ${r.cases} cases`);
  say(`  hit@20 ${r['hit@20'].toFixed(2)} %   mrr@20 ${r['mrr@20'].toFixed(2)} %`);
  say(`  index of ${r.train_sessions} sessions built in ${r.train_s.toFixed(2)} s`);
  say(`  prediction p50 ${r.predict_ms_p50.toFixed(3)} ms, p99 ${r.predict_ms_p99.toFixed(3)} ms`);
  say(`  params ${JSON.stringify(r.params)}`);
}

function sessionsCommand(): Command {
  const cmd = new Command('sessions')
    .description(
      'next-item hit@20 / MRR@20 on session data in the two-file format of docs/evaluation.md (full ranking)',
    )
    .requiredOption('--data <dir>', 'folder with train-sessions.tsv.gz and test.tsv.gz')
    .addOption(
      new Option('--model <name>', 'model preset')
        .choices([...SESSION_MODEL_NAMES])
        .default('stan+tr'),
    )
    .addOption(
      new Option('--split <split>', 'validation (last 10% of training) or test')
        .choices(['validation', 'test'])
        .default('test'),
    )
    .option('--streaming', 'add each finished evaluation session to the index, as in production')
    .option(
      '--tune',
      'choose the parameters on a validation split of the training file first (aisle tune sessions), then evaluate with them',
    )
    .option('--budget <duration>', 'with --tune: time the tuning may take', '120s')
    .option(
      '--invoices',
      '--data is the Online Retail file (or its folder): its invoices as sessions, the last 10% by time the test part',
    )
    .option('--json', 'print one JSON object instead of a table');
  for (const [flag, , help] of PARAM_FLAGS) cmd.option(flag, help, nonNegative);
  return cmd.action(async (flags: SessionFlags) => {
    const params: Partial<SessionKnnParams> = {};
    for (const [flag, param] of PARAM_FLAGS) {
      const value = flags[camel(flag)];
      if (typeof value === 'number') params[param] = value;
    }
    // Invoices as sessions: the test part is theirs, the validation part carved from training.
    const invoices = flags.invoices === true ? await retailSessions(flags.data) : undefined;
    const data: SessionSplit | undefined =
      invoices === undefined || flags.split === 'test' ? invoices : validationSplit(invoices.train);
    let tuned: SessionTuneReport | undefined;
    if (flags.tune === true) {
      if (flags.model !== 'stan+tr') {
        throw new InvalidArgumentError('--tune tunes the full model: leave --model at stan+tr');
      }
      tuned = tuneSessions({
        // Tuning carves its own validation split from the training part.
        train: invoices?.train ?? readTrainSessions(flags.data),
        budgetS: parseDuration('--budget', flags.budget) / 1000,
        onStep: (s, elapsedS, budgetS) =>
          process.stderr.write(
            `tuning ${elapsedS.toFixed(0)}/${budgetS} s: ${s.moved ?? 'defaults'} objective ${s.score.objective.toFixed(2)}\n`,
          ),
      });
    }
    const bar = progress();
    const result = evaluateSessions({
      dataDir: flags.data,
      ...(data !== undefined && { data }),
      model: flags.model,
      split: flags.split,
      streaming: flags.streaming === true,
      // Flags given by hand win over what the tuning chose.
      params: { ...tuned?.params, ...params },
      onProgress: bar.update,
    });
    bar.stop();
    const out =
      tuned === undefined
        ? result
        : { ...result, tune_s: tuned.tune_s, tuned: tuned.changed, validation: tuned.validation };
    if (flags.json === true) console.log(JSON.stringify(out));
    else {
      printTable(result);
      if (tuned !== undefined) {
        const changed = Object.entries(tuned.changed);
        console.log(
          `  tuned in ${tuned.tune_s} s on validation (objective ${tuned.validation.defaults.objective} → ${tuned.validation.chosen.objective}): ${changed.length === 0 ? 'defaults kept' : changed.map(([k, v]) => `${k} ${String(v)}`).join(', ')}`,
        );
      }
    }
  });
}

/** `aisle eval …`: offline evaluations. */
export function evalCommand(): Command {
  return new Command('eval')
    .description('offline evaluations of the recommendation models')
    .addCommand(sessionsCommand())
    .addCommand(basketsCommand())
    .addCommand(audienceCommand());
}
