/**
 * File operations a snapshot's durability rests on: write and fsync, fsync a directory, and
 * check a file against the size and sha256 its manifest records.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { AisleError } from '../errors.js';
import { isCount } from './check.js';

/** One file of a snapshot, as its manifest records it. */
export interface SnapshotFileEntry {
  /** Path relative to the snapshot directory, `/`-separated. */
  name: string;
  /** Size in bytes. */
  bytes: number;
  /** Lower-case hex sha256 of the whole file. */
  sha256: string;
}

/** A manifest's record of the file `name`: a name, a byte count and a hex sha256. */
export function isFileEntry(v: unknown, name: string): v is SnapshotFileEntry {
  const f = v as Partial<SnapshotFileEntry> | null;
  return (
    typeof f === 'object' &&
    f !== null &&
    f.name === name &&
    isCount(f.bytes) &&
    typeof f.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(f.sha256)
  );
}

// Gathering pieces into writes of this size keeps syscalls few without one huge concatenation.
const WRITE_BYTES = 8 << 20;

/** Writes every byte of `pieces` (`size` in all) at the handle's position; writev may stop short. */
export async function writeFully(
  handle: FileHandle,
  pieces: Uint8Array[],
  size: number,
): Promise<void> {
  let { bytesWritten } = await handle.writev(pieces);
  // writev may stop short; carry on from the first byte not written.
  while (bytesWritten < size) {
    let skip = bytesWritten;
    const rest: Uint8Array[] = [];
    for (const p of pieces) {
      if (skip >= p.byteLength) skip -= p.byteLength;
      else {
        rest.push(skip === 0 ? p : p.subarray(skip));
        skip = 0;
      }
    }
    const more = await handle.writev(rest);
    if (more.bytesWritten === 0) throw new Error('writev wrote nothing');
    bytesWritten += more.bytesWritten;
  }
}

/**
 * Creates `dir/name` (failing if it exists), writes `pieces` in order, fsyncs and closes it.
 * Returns the entry its manifest should record. O(bytes).
 */
export async function writeFileDurably(
  dir: string,
  name: string,
  pieces: readonly Uint8Array[],
): Promise<SnapshotFileEntry> {
  const hash = createHash('sha256');
  const handle = await open(join(dir, name), 'wx');
  let bytes = 0;
  try {
    let batch: Uint8Array[] = [];
    let batchBytes = 0;
    for (const piece of pieces) {
      if (piece.byteLength === 0) continue;
      hash.update(piece);
      batch.push(piece);
      batchBytes += piece.byteLength;
      if (batchBytes >= WRITE_BYTES) {
        await writeFully(handle, batch, batchBytes);
        bytes += batchBytes;
        batch = [];
        batchBytes = 0;
      }
    }
    if (batchBytes > 0) await writeFully(handle, batch, batchBytes);
    bytes += batchBytes;
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { name, bytes, sha256: hash.digest('hex') };
}

/**
 * Fsyncs a directory, making the creations, renames and deletions in it durable. Best effort:
 * where a directory cannot be opened (Windows), the rename itself is all there is.
 */
export async function syncDir(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    return;
  } finally {
    await handle?.close();
  }
}

function mismatch(dir: string, name: string, why: string): AisleError {
  return new AisleError('AISLE_SNAPSHOT', `${join(dir, name)}: ${why}`, { dir, file: name });
}

/** The size and sha256 of `dir/name`, streamed (no whole-file buffer). O(bytes). */
export async function hashFile(dir: string, name: string): Promise<SnapshotFileEntry> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(join(dir, name), { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Uint8Array);
    bytes += (chunk as Uint8Array).byteLength;
  }
  return { name, bytes, sha256: hash.digest('hex') };
}

/**
 * Checks `dir/entry.name` against the entry without keeping its bytes: the size first (a
 * truncated file fails without being read), then the sha256. Throws AisleError('AISLE_SNAPSHOT')
 * naming the file. O(bytes).
 */
export async function verifyFile(dir: string, entry: SnapshotFileEntry): Promise<void> {
  let size: number;
  try {
    size = (await stat(join(dir, entry.name))).size;
  } catch (err) {
    throw mismatch(dir, entry.name, `cannot be read (${(err as Error).message})`);
  }
  if (size !== entry.bytes) {
    throw mismatch(dir, entry.name, `is ${size} bytes, the manifest says ${entry.bytes}`);
  }
  let actual: SnapshotFileEntry;
  try {
    actual = await hashFile(dir, entry.name);
  } catch (err) {
    throw mismatch(dir, entry.name, `cannot be read (${(err as Error).message})`);
  }
  if (actual.bytes !== entry.bytes || actual.sha256 !== entry.sha256) {
    throw mismatch(dir, entry.name, 'sha256 does not match the manifest (corrupted)');
  }
}

/**
 * Reads `dir/entry.name` and checks it against the entry. Throws AisleError('AISLE_SNAPSHOT')
 * naming the file. O(bytes).
 */
export async function readVerified(dir: string, entry: SnapshotFileEntry): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(join(dir, entry.name));
  } catch (err) {
    throw mismatch(dir, entry.name, `cannot be read (${(err as Error).message})`);
  }
  if (bytes.byteLength !== entry.bytes) {
    throw mismatch(
      dir,
      entry.name,
      `is ${bytes.byteLength} bytes, the manifest says ${entry.bytes}`,
    );
  }
  if (createHash('sha256').update(bytes).digest('hex') !== entry.sha256) {
    throw mismatch(dir, entry.name, 'sha256 does not match the manifest (corrupted)');
  }
  return bytes;
}
