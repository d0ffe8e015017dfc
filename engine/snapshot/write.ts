/**
 * Writing a snapshot of the whole engine, atomically, and pruning old ones.
 *
 * The state is captured synchronously when `writeEngineSnapshot` is called, so it is exactly the
 * state after the last batch ingested and matches the position the caller passes; only the file
 * I/O that follows is asynchronous, and ingest may go on meanwhile.
 *
 * Atomicity: everything goes into `snap-<seq>.tmp/`, every file is fsynced, then the directory,
 * then it is renamed to `snap-<seq>` and the base directory is fsynced. Readers only look at
 * `snap-<digits>` names, so a crash at any point leaves the previous snapshots as they were plus,
 * at worst, a `.tmp` directory that is ignored and removed by a later write.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Engine } from '../engine.js';
import { checkName, checkOptions } from '../arguments.js';
import { AisleError, invalidArgument, isAisleError } from '../errors.js';
import { MANIFEST_FILE, type SnapshotInfo, type StoreManifest } from '../store/index.js';
import { encodeCatalogue } from './catalogue-file.js';
import { hashFile, syncDir, writeFileDurably, type SnapshotFileEntry } from './files.js';
import {
  CATALOGUE_FILE,
  listEntries,
  parseEntryName,
  readManifest,
  snapshotDirName,
  SNAPSHOT_FILES,
  SNAPSHOT_FORMAT,
  SNAPSHOT_MANIFEST,
  SNAPSHOT_VERSION,
  STATE_FILE,
  STORE_DIR,
  type SnapshotEntry,
  type SnapshotManifest,
} from './format.js';
import { checkJsonValue, type JsonValue } from './json.js';
import { encodeState, readStateHeader, SECTION_BYTES, STATE_PREFIX_BYTES } from './sections.js';
import { storeOf } from '../internals.js';

/** Options of `writeEngineSnapshot`. */
export interface WriteSnapshotOptions {
  /**
   * The stream position the snapshot covers (e.g. the id of the last message ingested): any JSON
   * value, stored and returned exactly. Values JSON would change are refused.
   */
  position: JsonValue;
  /** Creation time to record, epoch ms: the engine reads no clock. */
  now: number;
  /** Complete snapshots to keep, newest first, counting the new one; default 2, at least 1. */
  keep?: number;
}

/** What `writeEngineSnapshot` did. */
export interface WrittenSnapshot {
  /** The complete snapshot's directory (`baseDir/snap-<seq>`). */
  dir: string;
  sequence: number;
  /** Bytes written, manifest included. */
  bytes: number;
  /** Milliseconds the synchronous capture held the thread (ingest could not run). */
  captureMs: number;
  /** Milliseconds from the call until the snapshot was durable (renamed, directory synced). */
  ms: number;
  manifest: SnapshotManifest;
  /** Directory names removed by pruning (old snapshots, leftovers of crashed writes). */
  pruned: string[];
}

interface WriterState {
  last: number;
  inFlight: Set<number>;
}

// Per base directory, so that writes overlapping in this process take distinct sequences and
// pruning leaves their `.tmp` directories alone. One process writes to a base directory.
const writers = new Map<string, WriterState>();

function writerOf(root: string): WriterState {
  let w = writers.get(root);
  if (w === undefined) {
    w = { last: 0, inFlight: new Set() };
    writers.set(root, w);
  }
  return w;
}

function invalid(message: string): AisleError {
  return new AisleError('AISLE_INVALID_ARGUMENT', message);
}

function failure(root: string, what: string, err: unknown): AisleError {
  if (isAisleError(err)) return err;
  return new AisleError('AISLE_SNAPSHOT', `${what} in ${root} failed: ${(err as Error).message}`, {
    dir: root,
    cause: err,
  });
}

/**
 * Takes the next sequence and creates its `.tmp` directory, synchronously: the store's snapshot
 * must be started, into that directory, in the same turn as the model state is captured.
 * Both calls touch one small directory; they take microseconds.
 */
function claimSequence(root: string, w: WriterState): { sequence: number; tmp: string } {
  mkdirSync(root, { recursive: true });
  let last = w.last;
  for (const name of readdirSync(root)) {
    const e = parseEntryName(name);
    if (e !== undefined && e.sequence > last) last = e.sequence;
  }
  const sequence = last + 1;
  const tmp = join(root, snapshotDirName(sequence, 'tmp'));
  // Not recursive: an existing directory means another writer, which must not be overwritten.
  mkdirSync(tmp);
  w.last = sequence;
  return { sequence, tmp };
}

function valueOf<T>(r: PromiseSettledResult<T>): T {
  if (r.status === 'rejected') throw r.reason;
  return r.value;
}

/**
 * Writes a snapshot of everything that affects `engine`'s answers and stats, with the stream
 * `position` it covers, as `baseDir/snap-<seq>` (created if needed); then removes all but the
 * newest `keep` complete snapshots and any leftovers of crashed writes.
 *
 * The state is the engine's at the call: it is captured before this function returns its
 * promise (see `captureMs`), and ingest may continue while the files are written. One process
 * writes to a base directory; overlapping calls in it are fine. Rejects with
 * AisleError('AISLE_SNAPSHOT'), removing the `.tmp` directory, when writing fails, and with
 * AisleError('AISLE_INVALID_ARGUMENT') for a position JSON cannot carry or a bad option.
 * O(events + model state) bytes written.
 */
export async function writeEngineSnapshot(
  engine: Engine,
  baseDir: string,
  opts: WriteSnapshotOptions,
): Promise<WrittenSnapshot> {
  const started = performance.now();
  if (typeof engine !== 'object' || engine === null || typeof engine.exportState !== 'function') {
    throw invalidArgument('engine', 'must be an Engine');
  }
  checkName('baseDir', baseDir);
  checkOptions('opts', opts, ['position', 'now', 'keep']);
  // Throws AISLE_CLOSED for a closed engine before any directory is made.
  const store = storeOf(engine);
  // A copy: the caller may change its object while the files are being written.
  const position = structuredClone(checkJsonValue(opts.position));
  if (typeof opts.now !== 'number' || !Number.isFinite(opts.now)) {
    throw invalid('snapshot option now must be finite epoch ms');
  }
  const keep = opts.keep ?? 2;
  if (!Number.isSafeInteger(keep) || keep < 1) throw invalid('snapshot option keep must be >= 1');
  const root = resolve(baseDir);
  const w = writerOf(root);
  let claimed: { sequence: number; tmp: string };
  try {
    claimed = claimSequence(root, w);
  } catch (err) {
    throw failure(root, 'creating a snapshot directory', err);
  }
  const { sequence, tmp } = claimed;
  w.inFlight.add(sequence);
  let storeWrite: Promise<SnapshotInfo> | undefined;
  try {
    // Synchronous capture: nothing may be ingested between these lines.
    storeWrite = store.writeSnapshot(join(tmp, STORE_DIR));
    storeWrite.catch(() => undefined);
    const { catalogue, ...models } = engine.exportState();
    const state = encodeState(models);
    const catalogueBytes = encodeCatalogue(catalogue);
    const stats = engine.stats();
    const captureMs = performance.now() - started;

    // Settle every write before reporting a failure, so cleanup never races a writer.
    const settled = await Promise.allSettled([
      writeFileDurably(tmp, STATE_FILE, state.pieces),
      writeFileDurably(tmp, CATALOGUE_FILE, [catalogueBytes]),
      storeWrite,
    ]);
    const stateFile = valueOf(settled[0]);
    const catalogueFile = valueOf(settled[1]);
    const storeInfo = valueOf(settled[2]);
    const storeFiles = storeInfo.manifest.files;
    const storeManifest = await hashFile(join(tmp, STORE_DIR), MANIFEST_FILE);
    const files: SnapshotFileEntry[] = [
      stateFile,
      catalogueFile,
      storeManifest,
      storeFiles.events,
      storeFiles.dictionaries,
    ].map((f, i) => ({ name: SNAPSHOT_FILES[i]!, bytes: f.bytes, sha256: f.sha256 }));
    const manifest: SnapshotManifest = {
      format: SNAPSHOT_FORMAT,
      version: SNAPSHOT_VERSION,
      sequence,
      createdAt: opts.now,
      position,
      summary: {
        events: stats.events,
        storedEvents: stats.storedEvents,
        items: stats.items,
        streamTime: stats.streamTime,
        simd: stats.simd,
      },
      files,
      sections: state.sections,
    };
    const text = new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n');
    // The manifest goes last: inside the .tmp directory nothing depends on it, but a directory
    // that somehow became visible without it is refused rather than half trusted.
    const manifestFile = await writeFileDurably(tmp, SNAPSHOT_MANIFEST, [text]);
    await checkWritten(tmp, manifest, storeInfo.manifest);
    await syncDir(join(tmp, STORE_DIR));
    await syncDir(tmp);
    const dir = join(root, snapshotDirName(sequence));
    await rename(tmp, dir);
    await syncDir(root);
    const ms = performance.now() - started;
    let bytes = manifestFile.bytes;
    for (const f of files) bytes += f.bytes;
    const pruned = await prune(root, keep).catch(() => []);
    return { dir, sequence, bytes, captureMs, ms, manifest, pruned };
  } catch (err) {
    await storeWrite?.catch(() => undefined);
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
    throw failure(root, `writing snapshot ${sequence}`, err);
  } finally {
    w.inFlight.delete(sequence);
  }
}

function unlike(dir: string, what: string): AisleError {
  return new AisleError('AISLE_SNAPSHOT', `${dir}: ${what} differs from what was written`, {
    dir,
  });
}

/** The first `n` bytes of `path` (fewer when the file is shorter). */
async function readHead(path: string, n: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buf = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await handle.read(buf, got, n - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}

/**
 * Reads back what a write put in `dir` before it is renamed into place: the manifest must parse
 * and equal the one written, every file must have the size the manifest records, the state
 * file's section table must list the sections the manifest does, with their sizes, and the
 * store's manifest must vouch for the store files the snapshot lists. A disk or file system
 * that lost or changed a write is caught here, while the previous snapshots are still the
 * newest, rather than at the next restore. Throws AisleError('AISLE_SNAPSHOT'). O(headers).
 */
async function checkWritten(
  dir: string,
  manifest: SnapshotManifest,
  store: StoreManifest,
): Promise<void> {
  const read = await readManifest(dir);
  if (JSON.stringify(read) !== JSON.stringify(manifest)) throw unlike(dir, SNAPSHOT_MANIFEST);
  for (const f of manifest.files) {
    if ((await stat(join(dir, f.name))).size !== f.bytes) throw unlike(dir, `size of ${f.name}`);
  }
  const statePath = join(dir, STATE_FILE);
  const size = manifest.files[0]!.bytes;
  const prefix = await readHead(statePath, STATE_PREFIX_BYTES);
  const headerBytes =
    prefix.byteLength < STATE_PREFIX_BYTES
      ? 0
      : new DataView(prefix.buffer, prefix.byteOffset).getUint32(12, true);
  if (STATE_PREFIX_BYTES + headerBytes > size) throw unlike(dir, `header of ${STATE_FILE}`);
  const header = readStateHeader(await readHead(statePath, STATE_PREFIX_BYTES + headerBytes), size);
  const listed = manifest.sections;
  if (
    header.bytes !== size ||
    header.sections.length !== listed.length ||
    header.sections.some(
      (s, i) =>
        s.path !== listed[i]!.path ||
        s.type !== listed[i]!.type ||
        s.length * SECTION_BYTES[s.type] !== listed[i]!.bytes,
    )
  ) {
    throw unlike(dir, `section table of ${STATE_FILE}`);
  }
  let storeRead: unknown;
  try {
    storeRead = JSON.parse(await readFile(join(dir, STORE_DIR, MANIFEST_FILE), 'utf8'));
  } catch {
    throw unlike(dir, `${STORE_DIR}/${MANIFEST_FILE}`);
  }
  if (JSON.stringify(storeRead) !== JSON.stringify(store)) {
    throw unlike(dir, `${STORE_DIR}/${MANIFEST_FILE}`);
  }
}

/** A complete-looking snapshot: its manifest reads and every file it lists has its size. */
async function looksComplete(dir: string): Promise<boolean> {
  try {
    const manifest = await readManifest(dir);
    for (const f of manifest.files) {
      if ((await stat(join(dir, f.name))).size !== f.bytes) return false;
    }
    return true;
  } catch {
    return false;
  }
}

async function remove(root: string, e: SnapshotEntry): Promise<void> {
  let path = join(root, e.name);
  if (e.kind === 'complete') {
    // Renamed first, so no reader ever sees a half-deleted snapshot under a complete name.
    const trash = join(root, snapshotDirName(e.sequence, 'trash'));
    await rename(path, trash);
    path = trash;
  }
  await rm(path, { recursive: true, force: true });
}

/**
 * Keeps the newest `keep` complete-looking snapshots; removes older ones, broken ones and the
 * `.tmp` / `.trash` leftovers of crashed writes and deletions, but not the `.tmp` directory of a
 * write still in flight in this process. Checks sizes, not checksums: reading every old
 * snapshot on each write would cost more than the protection is worth, and a snapshot that
 * rots later is still skipped by `findNewestSnapshot`. Returns the names removed.
 */
async function prune(root: string, keep: number): Promise<string[]> {
  const inFlight = writerOf(root).inFlight;
  const removed: string[] = [];
  let kept = 0;
  for (const e of await listEntries(root)) {
    if (e.kind === 'tmp' && inFlight.has(e.sequence)) continue;
    if (e.kind === 'complete' && kept < keep && (await looksComplete(join(root, e.name)))) {
      kept++;
      continue;
    }
    try {
      await remove(root, e);
      removed.push(e.name);
    } catch {
      // Left for the next write to try again; a leftover is never read.
    }
  }
  if (removed.length > 0) await syncDir(root);
  return removed;
}
