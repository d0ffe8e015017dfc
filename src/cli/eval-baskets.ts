/**
 * `aisle eval baskets`: next-basket evaluation on UCI Online Retail (docs/evaluation.md). The
 * training period is ingested into one engine, the factor model trained on it, and every model
 * answers the same customers and baskets.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { createEngine, type AlsOptions, type PurchaseEvent } from '../../engine/index.js';
import { basketModels, BASKET_MODEL_NAMES } from '../eval/basket-models.js';
import { splitBaskets, type BasketSplitMode } from '../eval/basket-split.js';
import { evaluateBaskets, popularityRecommender, type BasketEvaluation } from '../eval/baskets.js';
import { onlineRetailFile, readOnlineRetail } from '../datasets/online-retail.js';
import { parseDuration } from '../config.js';
import { basketEngineOptions, tuneBaskets, type BasketTuneReport } from '../tune/baskets.js';
import { progress } from './progress.js';

interface BasketFlags {
  data: string;
  split: BasketSplitMode;
  json?: boolean;
  factors?: number;
  regularization?: number;
  alpha?: number;
  iterations?: number;
  blend?: string;
  tune?: boolean;
  budget: string;
}

function positive(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('expected a non-negative number');
  }
  return n;
}

/** `--blend als=1,alsoBought=0.5` → weights of the blend's user answers. */
function blendWeights(raw: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of raw.split(',')) {
    const [k, v] = part.split('=');
    const n = Number(v);
    if (k === undefined || k === '' || !Number.isFinite(n)) {
      throw new InvalidArgumentError(`--blend: expected name=weight pairs, got ${part}`);
    }
    out[k.trim()] = n;
  }
  return out;
}

export async function readEvents(data: string): Promise<PurchaseEvent[]> {
  const file = onlineRetailFile(data);
  const events: PurchaseEvent[] = [];
  const started = performance.now();
  for await (const batch of readOnlineRetail(file, 50_000)) {
    for (const e of batch) events.push(e);
    const s = (performance.now() - started) / 1000;
    process.stderr.write(`read ${events.length} purchases (${Math.round(events.length / s)}/s)\n`);
  }
  return events;
}

function printTable(r: BasketEvaluation): void {
  const say = (line: string): void => console.log(line);
  const f = r.split;
  say(`Online Retail, ${f.mode} split at ${f.boundary}: ${r.rows[0]?.customers ?? 0} customers`);
  say('model          recall@20  ndcg@20  repeat   new     fbt@10  coverage  p99 ms');
  for (const row of r.rows) {
    const cells = [
      row['recall@20'],
      row['ndcg@20'],
      row['recall_repeat@20'],
      row['recall_new@20'],
      row['fbt_hit@10'],
      row['coverage@20'],
      row.predict_ms_p99,
    ].map((v) => v.toFixed(2).padStart(8));
    say(`${row.model.padEnd(14)}${cells.join(' ')}`);
  }
}

export function basketsCommand(): Command {
  return new Command('baskets')
    .description('next-basket Recall/NDCG@20 (repeat vs new), bought-together hit@10, coverage')
    .requiredOption('--data <path>', 'online-retail.csv.gz or the folder holding it')
    .addOption(
      new Option('--split <split>', 'validation (last 30 days of training) or test (last 30 days)')
        .choices(['validation', 'test'])
        .default('test'),
    )
    .option('--factors <n>', 'ALS factors', positive)
    .option('--regularization <x>', 'ALS regularization', positive)
    .option('--alpha <x>', 'ALS confidence scale', positive)
    .option('--iterations <n>', 'ALS iterations', positive)
    .option('--blend <weights>', 'blend weights for user answers, e.g. als=1,buyAgain=0.6')
    .option(
      '--tune',
      'choose the blend and factor model on the validation split first (aisle tune baskets), then evaluate with them',
    )
    .option('--budget <duration>', 'with --tune: time the tuning may take', '120s')
    .option('--json', 'print one JSON object instead of a table')
    .action(async (flags: BasketFlags) => {
      const events = await readEvents(flags.data);
      let tuned: BasketTuneReport | undefined;
      if (flags.tune === true) {
        tuned = await tuneBaskets({
          events,
          budgetS: parseDuration('--budget', flags.budget) / 1000,
          onStep: (s, elapsedS, budgetS) =>
            process.stderr.write(
              `tuning ${elapsedS.toFixed(0)}/${budgetS} s: objective ${s.score.objective.toFixed(2)} ${JSON.stringify(s.params)}\n`,
            ),
        });
      }
      const tunedOptions = tuned === undefined ? undefined : basketEngineOptions(tuned.params);
      const split = splitBaskets(events, { mode: flags.split });
      const engine = await createEngine();
      const ingestStarted = performance.now();
      for (let i = 0; i < split.train.length; i += 10_000) {
        engine.ingestEvents(split.train.slice(i, i + 10_000));
      }
      const ingestS = (performance.now() - ingestStarted) / 1000;
      // Flags given by hand win over what the tuning chose.
      const als: Partial<AlsOptions> = { ...tunedOptions?.als };
      for (const key of ['factors', 'regularization', 'alpha', 'iterations'] as const) {
        if (flags[key] !== undefined) als[key] = flags[key];
      }
      const report = await engine.trainFactors({
        als,
        onIteration: (it, s) => process.stderr.write(`als iteration ${it} ${s.toFixed(3)} s\n`),
      });
      const blend =
        flags.blend !== undefined
          ? { user: blendWeights(flags.blend) }
          : tunedOptions !== undefined
            ? { user: tunedOptions.recommend.weights.user }
            : {};
      const recommenders = [
        popularityRecommender(split.train),
        ...basketModels(engine, BASKET_MODEL_NAMES, blend, tunedOptions?.recommend.newShare),
      ];
      const bar = progress('queries');
      const result = evaluateBaskets(split, recommenders, { onProgress: bar.update });
      bar.stop();
      engine.close();
      const out = {
        ...result,
        ingest_s: ingestS,
        als: { ...report, options: als },
        ...(flags.blend !== undefined && { blend: blend.user }),
        ...(tuned !== undefined && {
          tune_s: tuned.tune_s,
          tuned: tuned.changed,
          validation: tuned.validation,
        }),
      };
      if (flags.json === true) console.log(JSON.stringify(out));
      else printTable(result);
    });
}
