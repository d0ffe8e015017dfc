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
import { checkFunction, checkName, checkOptions } from '../arguments.js';
import { checkEngineOptions, ENGINE_OPTION_KEYS } from '../engine-options.js';
import { AisleError, isAisleError } from '../errors.js';
import { EventStore, type DictionaryName, type StoreDictionaries } from '../store/index.js';
import { decodeCatalogue } from './catalogue-file.js';
import { allBelow, expectState, isCount } from './check.js';
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

// Event weights scale sums kept in f32 (pair strengths): far below f32's range, far above use.
const MAX_WEIGHT = 1e9;

/**
 * Every number among the model options is finite, and weights lie in [0, MAX_WEIGHT]:
 * the options size arrays, divide and decay, so an infinite, negative or huge one read from
 * disk would surface later as an overflow, a NaN ranking or an allocation that cannot succeed.
 */
function numbersOk(v: unknown, path: string, depth = 0): boolean {
  if (typeof v === 'number') {
    return Number.isFinite(v) && (!path.includes('weights') || (v >= 0 && v <= MAX_WEIGHT));
  }
  if (typeof v !== 'object' || v === null || depth > 8) return depth <= 8;
  return Object.entries(v).every(([k, x]) => numbersOk(x, `${path}.${k}`, depth + 1));
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
      Array.isArray(o.alsoBought.types) &&
      (o.retentionMs === null || o.retentionMs >= 0) &&
      numbersOk({ ...o, retentionMs: 0 }, 'options'),
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
  checkName('dir', dir);
  checkEngineOptions(options);
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
  let model: EngineModelOptions;
  let store: EventStore;
  try {
    model = checkModelOptions(models?.options);
  } catch (err) {
    throw asSnapshotError(dir, err);
  }
  const retentionMs = reconcile(options, model);
  try {
    store = await EventStore.readSnapshot(join(dir, STORE_DIR), {
      chunkRows: model.chunkRows,
      retentionMs,
    });
    checkIds(models, store.dicts);
  } catch (err) {
    throw asRestoreError(dir, err);
  }
  // Runtime options pass through; the model-shaping ones come from the snapshot (reconciled above).
  const runtime: Parameters<typeof Engine.fromState>[2] = {};
  if (options.simd !== undefined) runtime.simd = options.simd;
  if (options.clock !== undefined) runtime.clock = options.clock;
  if (options.eventTime !== undefined) runtime.eventTime = options.eventTime;
  if (options.retention !== undefined) runtime.retention = options.retention;
  if (options.keyCaps !== undefined) runtime.keyCaps = options.keyCaps;
  if (options.als !== undefined) runtime.als = options.als;
  if (options.factorIndex !== undefined) runtime.factorIndex = options.factorIndex;
  if (options.recommend !== undefined) runtime.recommend = options.recommend;
  try {
    return await Engine.fromState(store, { ...models, catalogue }, runtime);
  } catch (err) {
    throw asRestoreError(dir, err);
  }
}

/**
 * An error met while rebuilding from a snapshot, as the AisleError('AISLE_SNAPSHOT') it stands
 * for: a TypeError or RangeError from state of the wrong shape, or an option check refusing a
 * value read from disk, is a bad snapshot, not a caller's mistake. Errors that would recur for
 * every snapshot (the kernels failing to load) keep their code.
 */
function asRestoreError(dir: string, err: unknown): AisleError {
  if (!isAisleError(err)) return asSnapshotError(dir, err);
  if (err.code !== 'AISLE_INVALID_ARGUMENT') return err;
  return new AisleError('AISLE_SNAPSHOT', `${dir}: ${err.message}`, { dir, cause: err });
}

type Models = Omit<EngineState, 'catalogue'>;

/** The typed array at `path` of the state tree, or undefined when there is none. */
function arrayAt(models: Models, path: string): ArrayLike<number> | undefined {
  let v: unknown = models;
  for (const key of path.split('.')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return ArrayBuffer.isView(v) ? (v as unknown as ArrayLike<number>) : undefined;
}

// Arrays of the state that hold dictionary ids, by the dictionary. Each part checks its own
// arrays against each other; only here are the store's dictionaries known, so a part could not
// tell an id past the end of its dictionary from a legitimate one.
const ID_ARRAYS: readonly (readonly [path: string, dictionary: DictionaryName])[] = [
  ['categories.categories', 'category'],
  ['categories.members', 'item'],
  ['alsoViewed.pairs.neighbours', 'item'],
  ['alsoBought.pairs.neighbours', 'item'],
  ['history.items', 'item'],
  ['inventory.stock.locItems', 'item'],
  ['inventory.stock.locIds', 'location'],
  ['anomalies.categories', 'category'],
];

// Arrays indexed by a dictionary's ids: no longer than its ids reach (id 0 included).
const BY_ID_ARRAYS: readonly (readonly [path: string, dictionary: DictionaryName])[] = [
  ['alsoViewed.pairs.degree', 'item'],
  ['alsoBought.pairs.degree', 'item'],
  ['history.version', 'user'],
];

const EMPTY_SLOT = 0xffffffff;

/**
 * Checks the ids the model state holds against the store's dictionaries: an id the dictionary
 * never handed out would index past a model's arrays at the next ingest or query. Throws
 * AisleError('AISLE_SNAPSHOT'). O(state).
 */
function checkIds(models: Models, dicts: StoreDictionaries): void {
  // The engine's clock screens every later event against it; it is not a part's to check.
  const w = models.watermark;
  expectState(w === undefined || w === null || Number.isFinite(w), 'engine: watermark');
  for (const [path, name] of ID_ARRAYS) {
    const a = arrayAt(models, path);
    if (a !== undefined) expectState(allBelow(a, dicts[name].size + 1), `${path}: unknown ids`);
  }
  for (const [path, name] of BY_ID_ARRAYS) {
    const a = arrayAt(models, path);
    if (a !== undefined) expectState(a.length <= dicts[name].size + 1, `${path}: unknown ids`);
  }
  // Stored sessions record their key: a session id, or a negated user id for clicks without one.
  const sessionKeys = arrayAt(models, 'sessions.model.sessions.keys');
  if (sessionKeys !== undefined) {
    const sessions = dicts.session.size;
    const users = dicts.user.size;
    for (let i = 0; i < sessionKeys.length; i++) {
      const k = sessionKeys[i]!;
      expectState(k <= sessions && -k <= users, 'sessions.model.sessions.keys: unknown ids');
    }
  }
  for (const part of ['alsoViewed', 'alsoBought']) {
    const keysA = arrayAt(models, `${part}.pairs.keysA`);
    const keysB = arrayAt(models, `${part}.pairs.keysB`);
    if (keysA === undefined || keysB === undefined) continue;
    const bound = dicts.item.size;
    for (let i = 0; i < keysA.length; i++) {
      const a = keysA[i]!;
      if (a === EMPTY_SLOT) continue;
      expectState(a <= bound && (keysB[i] ?? 0) <= bound, `${part}.pairs: unknown item ids`);
    }
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
  checkName('baseDir', baseDir);
  const { onSkip, ...engineOptions } = checkOptions('options', options, [
    ...ENGINE_OPTION_KEYS,
    'onSkip',
  ]);
  checkFunction('onSkip', onSkip);
  checkEngineOptions(engineOptions);
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
