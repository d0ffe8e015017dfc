/**
 * Durable snapshot files of the event log: `events.arrow` and `dictionaries.arrow` (Arrow IPC
 * file format) and the `store.json` manifest that vouches for them.
 *
 * Crash safety: the old manifest is removed first, data files are written under temporary names,
 * synced and renamed, and the new manifest is renamed into place last. A crash at any point
 * leaves either no manifest or one whose sizes and sha256 checksums do not match, never a half
 * snapshot that looks whole.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordBatchFileWriter, Table, tableFromIPC, type RecordBatch } from 'apache-arrow';
import { AisleError, isAisleError } from '../errors.js';
import { isCount } from '../snapshot/check.js';
import { isFileEntry, syncDir, writeFully } from '../snapshot/files.js';
import { DICTIONARY_NAMES, type DictionaryName, type StoreDictionaries } from './dictionary.js';
import { dictionariesFromTable, dictionariesToTable } from './dictionary-table.js';
import { EVENT_SCHEMA, schemaMismatch, STORE_FORMAT_VERSION } from './schema.js';

export const EVENTS_FILE = 'events.arrow';
export const DICTIONARIES_FILE = 'dictionaries.arrow';
export const MANIFEST_FILE = 'store.json';
const TMP = '.tmp';
// Pieces from the IPC writer are views of the batches' buffers; gather this many bytes per write.
const WRITE_BYTES = 4 << 20;

/** One file of a snapshot as the manifest records it. */
export interface SnapshotFile {
  name: string;
  /** Size in bytes. */
  bytes: number;
  /** Lower-case hex sha256 of the whole file. */
  sha256: string;
}

/** Contents of `store.json`. */
export interface StoreManifest {
  format: 'aisle.store';
  version: number;
  /** Events in `events.arrow`. */
  rows: number;
  chunkRows: number;
  /** Retention window in ms, null = keep all. */
  retentionMs: number | null;
  /** Values held by each dictionary. */
  dictionaries: Record<DictionaryName, number>;
  files: { events: SnapshotFile; dictionaries: SnapshotFile };
}

/** What `writeSnapshot` wrote. */
export interface SnapshotInfo {
  dir: string;
  rows: number;
  /** Bytes of the data files (manifest excluded). */
  bytes: number;
  manifest: StoreManifest;
}

/** The state a snapshot holds, captured synchronously so later appends cannot leak in. */
export interface StoreParts {
  batches: RecordBatch[];
  dicts: StoreDictionaries;
  chunkRows: number;
  retentionMs: number | undefined;
}

async function writeFileDurably(
  dir: string,
  name: string,
  pieces: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<SnapshotFile> {
  const tmp = join(dir, name + TMP);
  const hash = createHash('sha256');
  const handle = await open(tmp, 'w');
  let bytes = 0;
  try {
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    for await (const piece of pieces) {
      hash.update(piece);
      bytes += piece.byteLength;
      pending.push(piece);
      pendingBytes += piece.byteLength;
      if (pendingBytes >= WRITE_BYTES) {
        await writeFully(handle, pending, pendingBytes);
        pending = [];
        pendingBytes = 0;
      }
    }
    if (pending.length > 0) await writeFully(handle, pending, pendingBytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { name, bytes, sha256: hash.digest('hex') };
}

function ipcPieces(table: Table): AsyncIterable<Uint8Array> {
  return RecordBatchFileWriter.writeAll(table);
}

/**
 * Writes a snapshot of `parts` into `dir` (created if needed), replacing any snapshot there.
 * Rejects with AisleError('AISLE_SNAPSHOT'), removing its temporary files, when anything fails.
 * O(rows) bytes written; the batches are streamed, not concatenated in memory.
 */
export async function writeStoreSnapshot(dir: string, parts: StoreParts): Promise<SnapshotInfo> {
  try {
    return await writeAll(dir, parts);
  } catch (err) {
    await Promise.all(
      [EVENTS_FILE, DICTIONARIES_FILE, MANIFEST_FILE].map((f) =>
        rm(join(dir, f + TMP), { force: true }).catch(() => undefined),
      ),
    );
    if (isAisleError(err)) throw err;
    throw new AisleError(
      'AISLE_SNAPSHOT',
      `writing the store snapshot in ${dir} failed: ${(err as Error).message}`,
      { dir, cause: err },
    );
  }
}

async function writeAll(dir: string, parts: StoreParts): Promise<SnapshotInfo> {
  // Captured before the first await, so the snapshot is the store as of the call.
  const events = new Table(EVENT_SCHEMA, parts.batches);
  const dictTable = dictionariesToTable(parts.dicts);
  const dictionaries = {} as Record<DictionaryName, number>;
  for (const name of DICTIONARY_NAMES) dictionaries[name] = parts.dicts[name].size;

  await mkdir(dir, { recursive: true });
  await rm(join(dir, MANIFEST_FILE), { force: true });
  const eventsFile = await writeFileDurably(dir, EVENTS_FILE, ipcPieces(events));
  const dictFile = await writeFileDurably(dir, DICTIONARIES_FILE, ipcPieces(dictTable));
  await rename(join(dir, EVENTS_FILE + TMP), join(dir, EVENTS_FILE));
  await rename(join(dir, DICTIONARIES_FILE + TMP), join(dir, DICTIONARIES_FILE));

  const manifest: StoreManifest = {
    format: 'aisle.store',
    version: STORE_FORMAT_VERSION,
    rows: events.numRows,
    chunkRows: parts.chunkRows,
    retentionMs: parts.retentionMs ?? null,
    dictionaries,
    files: { events: eventsFile, dictionaries: dictFile },
  };
  const text = new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n');
  await writeFileDurably(dir, MANIFEST_FILE, [text]);
  await rename(join(dir, MANIFEST_FILE + TMP), join(dir, MANIFEST_FILE));
  await syncDir(dir);
  return { dir, rows: manifest.rows, bytes: eventsFile.bytes + dictFile.bytes, manifest };
}

function fail(file: string, why: string): never {
  throw new AisleError('AISLE_SNAPSHOT', `${file}: ${why}`, { file });
}

async function readManifest(dir: string): Promise<StoreManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
  } catch (err) {
    return fail(MANIFEST_FILE, `cannot be read (${(err as Error).message}); no complete snapshot`);
  }
  let m: StoreManifest;
  try {
    m = JSON.parse(text) as StoreManifest;
  } catch {
    return fail(MANIFEST_FILE, 'is not valid JSON');
  }
  if (typeof m !== 'object' || m === null || m.format !== 'aisle.store') {
    fail(MANIFEST_FILE, 'is not an aisle store manifest');
  }
  if (m.version !== STORE_FORMAT_VERSION) {
    fail(MANIFEST_FILE, `format version ${String(m.version)} is not ${STORE_FORMAT_VERSION}`);
  }
  const retentionOk =
    m.retentionMs === null || (typeof m.retentionMs === 'number' && m.retentionMs >= 0);
  if (!isCount(m.rows) || !isCount(m.chunkRows) || m.chunkRows < 1 || !retentionOk) {
    fail(MANIFEST_FILE, 'rows, chunkRows or retentionMs is missing or invalid');
  }
  if (
    !isFileEntry(m.files?.events, EVENTS_FILE) ||
    !isFileEntry(m.files?.dictionaries, DICTIONARIES_FILE)
  ) {
    fail(MANIFEST_FILE, 'file entries are missing or invalid');
  }
  for (const name of DICTIONARY_NAMES) {
    if (!isCount(m.dictionaries?.[name])) fail(MANIFEST_FILE, `dictionary size ${name} is missing`);
  }
  return m;
}

async function readVerified(dir: string, want: SnapshotFile): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, want.name));
  } catch (err) {
    return fail(want.name, `cannot be read (${(err as Error).message})`);
  }
  if (bytes.byteLength !== want.bytes) {
    fail(want.name, `is ${bytes.byteLength} bytes, the manifest says ${want.bytes} (truncated?)`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== want.sha256) fail(want.name, 'sha256 does not match the manifest (corrupted)');
  return bytes;
}

function parseIpc(file: string, bytes: Uint8Array): Table {
  try {
    return tableFromIPC(bytes);
  } catch (err) {
    return fail(file, `is not a readable Arrow IPC file (${(err as Error).message})`);
  }
}

/** What a snapshot restores. */
export interface RestoredParts {
  manifest: StoreManifest;
  /** Record batches over the file's memory (zero copy), in log order. */
  batches: RecordBatch[];
  dicts: StoreDictionaries;
}

/**
 * Reads and verifies the snapshot in `dir`. Throws AisleError('AISLE_SNAPSHOT') naming the file
 * at fault when the manifest is missing or invalid, a file is missing, its size or checksum
 * differs, or its contents do not match the schema or the manifest. O(bytes).
 */
export async function readStoreSnapshot(dir: string): Promise<RestoredParts> {
  const manifest = await readManifest(dir);
  const eventBytes = await readVerified(dir, manifest.files.events);
  const dictBytes = await readVerified(dir, manifest.files.dictionaries);

  const events = parseIpc(EVENTS_FILE, eventBytes);
  const mismatch = schemaMismatch(events.schema);
  if (mismatch !== undefined) fail(EVENTS_FILE, `schema differs: ${mismatch}`);
  if (events.numRows !== manifest.rows) {
    fail(EVENTS_FILE, `holds ${events.numRows} rows, the manifest says ${manifest.rows}`);
  }
  const dicts = dictionariesFromTable(parseIpc(DICTIONARIES_FILE, dictBytes));
  for (const name of DICTIONARY_NAMES) {
    if (dicts[name].size !== manifest.dictionaries[name]) {
      fail(
        DICTIONARIES_FILE,
        `${name} holds ${dicts[name].size} values, the manifest says ${manifest.dictionaries[name]}`,
      );
    }
  }
  return { manifest, batches: events.batches, dicts };
}
