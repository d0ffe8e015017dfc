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
import { RecordBatchFileWriter, RecordBatchReader, Table, type RecordBatch } from 'apache-arrow';
import { AisleError, isAisleError } from '../errors.js';
import { isCount } from '../snapshot/check.js';
import { isFileEntry, syncDir, writeFully } from '../snapshot/files.js';
import { EVENT_TYPE_CODE, EVENT_TYPES, INVENTORY_OPS } from '../events.js';
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

// An IPC file block (a message's prefix, metadata and body) is at least this many bytes.
const MIN_BLOCK_BYTES = 8;

/**
 * The record batches of an Arrow IPC file, read block by block from its footer.
 *
 * Not `tableFromIPC`: its reader loops while the footer lists batches and only advances on a
 * record-batch message, so a footer block that points at any other message (a schema, after a
 * changed offset) spins forever. Here each listed block is read once, their number is bounded by
 * the file's size, and a block that is not a record batch refuses the file. O(bytes).
 */
function parseIpc(file: string, bytes: Uint8Array): Table {
  const unreadable = (why: string): never =>
    fail(file, `is not a readable Arrow IPC file (${why})`);
  let table: Table | undefined;
  try {
    const reader = RecordBatchReader.from(bytes);
    if (!reader.isSync() || !reader.isFile()) return unreadable('not the IPC file format');
    reader.open();
    const n = reader.numRecordBatches;
    if (!isCount(n) || n * MIN_BLOCK_BYTES > bytes.byteLength) {
      return unreadable(`its footer lists ${String(n)} record batches`);
    }
    if (reader.numDictionaries !== 0) return unreadable('it holds dictionary batches');
    const batches: RecordBatch[] = [];
    for (let i = 0; i < n; i++) {
      const batch = reader.readRecordBatch(i);
      if (batch === null) return unreadable(`block ${i} is not a record batch`);
      batches.push(batch);
    }
    table = new Table(reader.schema, batches);
  } catch (err) {
    if (isAisleError(err)) throw err;
    return unreadable((err as Error).message);
  }
  return table;
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
  checkEvents(events.batches, dicts);
  return { manifest, batches: events.batches, dicts };
}

/**
 * Checks that every row of the log can be trusted by the code that reads it: every column holds
 * a value per row without nulls, type and op codes are known, and every id is one its dictionary
 * handed out (the scans index tables by them). Throws AisleError('AISLE_SNAPSHOT'). O(rows).
 */
function checkEvents(batches: readonly RecordBatch[], dicts: StoreDictionaries): void {
  const refDict: (DictionaryName | undefined)[] = EVENT_TYPES.map(() => undefined);
  refDict[EVENT_TYPE_CODE.purchase] = 'order';
  refDict[EVENT_TYPE_CODE.search] = 'query';
  refDict[EVENT_TYPE_CODE.inventory] = 'location';
  const refBound = refDict.map((name) => (name === undefined ? 0 : dicts[name].size));
  const { user: users, session: sessions, item: items } = dicts;
  for (const batch of batches) {
    const n = batch.numRows;
    const columns = batch.data.children;
    for (const data of columns) {
      const values = data.values as ArrayLike<unknown> | undefined;
      if (data.nullCount > 0 || values === undefined || values.length < n || data.length < n) {
        fail(EVENTS_FILE, `column ${String(data.type)} does not hold ${n} values`);
      }
    }
    const col = (i: number) => columns[i]!.values as ArrayLike<number>;
    const [type, op, user, session, item, ref] = [col(1), col(2), col(3), col(4), col(5), col(8)];
    for (let r = 0; r < n; r++) {
      const t = type[r]!;
      if (
        !(t < EVENT_TYPES.length) ||
        !(op[r]! <= INVENTORY_OPS.length) ||
        !(user[r]! <= users.size) ||
        !(session[r]! <= sessions.size) ||
        !(item[r]! <= items.size) ||
        !(ref[r]! <= refBound[t]!)
      ) {
        fail(EVENTS_FILE, `an event holds a type, op or id no dictionary knows`);
      }
    }
  }
}
