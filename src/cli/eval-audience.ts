/**
 * `aisle eval audience`: targeted promotions on Online Retail's temporal split (the last 30 days
 * held out): precision and recall@k of the audience the engine names for the items bought in the
 * test month, beside the past buyers of each item (docs/evaluation.md).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { createEngine } from '../../engine/index.js';
import { evaluateAudience } from '../eval/audience.js';
import { splitBaskets, type BasketSplitMode } from '../eval/basket-split.js';
import { readEvents } from './eval-baskets.js';

function count(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number ≥ 1');
  return n;
}

function weight(raw: string): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('expected a number ≥ 0');
  }
  return n;
}

interface AudienceFlags {
  data: string;
  k: number;
  items: number;
  split: BasketSplitMode;
  repeatWeight?: number;
  json?: boolean;
}

export function audienceCommand(): Command {
  return new Command('audience')
    .description('targeted promotions: precision@k of the audience for items bought next month')
    .requiredOption('--data <path>', 'online-retail.csv.gz or the folder holding it')
    .option('--k <n>', 'shoppers named per item', count, 20)
    .option('--items <n>', 'items evaluated (those with the most test buyers)', count, 200)
    .addOption(
      new Option('--split <split>', 'validation (last 30 days of training) or test (last 30 days)')
        .choices(['validation', 'test'])
        .default('test'),
    )
    .option('--repeat-weight <x>', "weight of a shopper's past orders of the item", weight)
    .option('--json', 'print one JSON object instead of a table')
    .action(async (flags: AudienceFlags) => {
      const events = await readEvents(flags.data);
      const split = splitBaskets(events, { mode: flags.split });
      const engine = await createEngine();
      for (let i = 0; i < split.train.length; i += 10_000) {
        engine.ingestEvents(split.train.slice(i, i + 10_000));
      }
      const started = performance.now();
      await engine.trainFactors({
        onIteration: (it, s) => process.stderr.write(`als iteration ${it} ${s.toFixed(3)} s\n`),
      });
      const trainS = (performance.now() - started) / 1000;
      const t0 = performance.now();
      const r = evaluateAudience(engine, split.train, split.test, split.boundary, {
        k: flags.k,
        items: flags.items,
        ...(flags.repeatWeight !== undefined && { repeatWeight: flags.repeatWeight }),
      });
      const evalS = (performance.now() - t0) / 1000;
      engine.close();
      const out = {
        boundary: new Date(split.boundary).toISOString(),
        ...r,
        train_s: Number(trainS.toFixed(2)),
        eval_s: Number(evalS.toFixed(2)),
      };
      if (flags.json === true) {
        console.log(JSON.stringify(out));
        return;
      }
      console.log(
        `Online Retail, ${flags.split} split at ${out.boundary}: ${r.items} items, k = ${r.k}`,
      );
      console.log(`model                      precision@${r.k}  recall@${r.k}`);
      for (const row of r.rows) {
        console.log(
          `${row.model.padEnd(27)}${(row.precision * 100).toFixed(2).padStart(12)}${(row.recall * 100).toFixed(2).padStart(11)}`,
        );
      }
    });
}
