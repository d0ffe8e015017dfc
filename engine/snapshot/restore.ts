/**
 * Restoring an engine from a snapshot directory: the event store from its own files, the models
 * from `state.bin` directly (never by replaying the log, which retention may have cut short).
 */
import { join } from 'node:path';
import type { CatalogueItem } from '../catalogue.js';
import {
  Engine,
  resolveModelOptions,
  type EngineModelOptions,
  type EngineOptions,
  type EngineState,
} from '../engine.js';
import { AisleError, isAisleError } from '../errors.js';
import { EventStore } from '../store/index.js';
import { decodeCatalogue } from './catalogue-file.js';
import { expectState, isCount } from './check.js';
import { readVerified, verifyFile } from './files.js';
import { asSnapshotError, listSnapshots, type FindSnapshotOptions } from './find.js';
import { readManifest, STORE_DIR, type SnapshotManifest } from './format.js';
import { decodeState } from './sections.js';

/** An engine restored by `restoreNewestSnapshot`, with the snapshot it came from. */
export interface RestoredSnapshot {
  engine: Engine;
  dir: string;
  /** Its `position` is where the host resumes its stream. */
  manifest: SnapshotManifest;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep equality of option values, ignoring key order. */
function sameValue(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a).filter((k) => a[k] !== undefined);
    const other = Object.keys(b).filter((k) => b[k] !== undefined);
    return keys.length === other.length && keys.every((k) => sameValue(a[k], b[k]));
  }
  return false;
}

function checkModelOptions(v: unknown): EngineModelOptions {
  const o = v as Partial<EngineModelOptions> | undefined;
  expectState(
    isObject(o) &&
      isCount(o.chunkRows) &&
      (o.retentionMs === null || typeof o.retentionMs === 'number') &&
      isObject(o.popularity) &&
      isObject(o.popularity.weights) &&
      isObject(o.alsoViewed) &&
      Array.isArray(o.alsoViewed.types) &&
      isObject(o.alsoBought) &&
      Array.isArray(o.alsoBought.types),
    'engine: model options',
  );
  return o as EngineModelOptions;
}

/**
 * The store's retention window for the restored engine, after checking that `given` agrees with
 * the options the state was built with: model options that differ would not fit the state.
 */
function reconcile(given: EngineOptions, model: EngineModelOptions): number | undefined {
  if (given.chunkRows !== undefined && given.chunkRows !== model.chunkRows) {
    throw new AisleError(
      'AISLE_INVALID_ARGUMENT',
      `chunkRows ${given.chunkRows} differs from the snapshot's ${model.chunkRows}`,
      { option: 'chunkRows' },
    );
  }
  const resolved = resolveModelOptions(given);
  for (const key of ['popularity', 'alsoViewed', 'alsoBought'] as const) {
    if (given[key] !== undefined && !sameValue(resolved[key], model[key])) {
      throw new AisleError(
        'AISLE_INVALID_ARGUMENT',
        `options.${key} differ from those the snapshot was built with ` +
          `(${JSON.stringify(model[key])}); omit them to use the snapshot's`,
        { option: key },
      );
    }
  }
  // Retention only decides which old chunks the log keeps, so it may change across a restore.
  return given.retentionMs ?? model.retentionMs ?? undefined;
}

/**
 * Restores the engine held in snapshot directory `dir` (from `findNewestSnapshot` or
 * `writeEngineSnapshot`), verifying every file against the manifest as it reads it.
 *
 * `options`: `simd` and `clock` apply as in `createEngine`; `retentionMs` replaces the
 * snapshot's retention window; model options (`popularity`, `alsoViewed`, `alsoBought`,
 * `chunkRows`) are the snapshot's and, when given, must equal them (AisleError
 * 'AISLE_INVALID_ARGUMENT' otherwise). Throws AisleError('AISLE_SNAPSHOT') for a missing,
 * truncated or corrupted file. Ingesting the stream after the snapshot's `position` then gives
 * the same answers and stats, bit for bit, as an engine that ingested the whole stream in the
 * same batches. O(bytes of the snapshot).
 */
export async function restoreEngine(dir: string, options: EngineOptions = {}): Promise<Engine> {
  return restoreWith(dir, await readManifest(dir), options);
}

async function restoreWith(
  dir: string,
  manifest: SnapshotManifest,
  options: EngineOptions,
): Promise<Engine> {
  const [stateEntry, catalogueEntry, storeManifestEntry] = manifest.files;
  const [stateBytes, catalogueBytes] = await Promise.all([
    readVerified(dir, stateEntry!),
    readVerified(dir, catalogueEntry!),
    // store.json vouches for the log's files, which the store verifies as it reads them.
    verifyFile(dir, storeManifestEntry!),
  ]);
  let models: Omit<EngineState, 'catalogue'>;
  let catalogue: CatalogueItem[];
  try {
    models = decodeState(stateBytes) as Omit<EngineState, 'catalogue'>;
    catalogue = decodeCatalogue(catalogueBytes);
  } catch (err) {
    throw asSnapshotError(dir, err);
  }
  const model = checkModelOptions(models?.options);
  const retentionMs = reconcile(options, model);
  const store = await EventStore.readSnapshot(join(dir, STORE_DIR), {
    chunkRows: model.chunkRows,
    retentionMs,
  });
  const runtime: Pick<EngineOptions, 'simd' | 'clock'> = {};
  if (options.simd !== undefined) runtime.simd = options.simd;
  if (options.clock !== undefined) runtime.clock = options.clock;
  try {
    return await Engine.fromState(store, { ...models, catalogue }, runtime);
  } catch (err) {
    // A TypeError from a state of the wrong shape is a bad snapshot, not a caller's mistake.
    throw isAisleError(err) ? err : asSnapshotError(dir, err);
  }
}

/**
 * Restores the newest snapshot in `baseDir` that restores cleanly, passing over incomplete,
 * truncated or corrupted ones (reported to `onSkip`); undefined when there is none. Each file is
 * read and verified once, which makes this cheaper than `findNewestSnapshot` + `restoreEngine`.
 * Errors that would recur for every snapshot (bad options, kernels that do not load) are thrown.
 */
export async function restoreNewestSnapshot(
  baseDir: string,
  options: EngineOptions & FindSnapshotOptions = {},
): Promise<RestoredSnapshot | undefined> {
  const { onSkip, ...engineOptions } = options;
  for (const dir of await listSnapshots(baseDir)) {
    try {
      const manifest = await readManifest(dir);
      const engine = await restoreWith(dir, manifest, engineOptions);
      return { engine, dir, manifest };
    } catch (err) {
      const reason = asSnapshotError(dir, err);
      if (reason.code !== 'AISLE_SNAPSHOT') throw reason;
      onSkip?.(dir, reason);
    }
  }
  return undefined;
}
