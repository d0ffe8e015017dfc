/**
 * Finding the snapshot to restore: the newest one whose every file matches its manifest.
 */
import { join } from 'node:path';
import { checkFunction, checkName, checkOptions } from '../arguments.js';
import { AisleError, isAisleError } from '../errors.js';
import { verifyFile } from './files.js';
import { listEntries, readManifest, type SnapshotManifest } from './format.js';

/** A snapshot directory and its manifest. */
export interface FoundSnapshot {
  dir: string;
  manifest: SnapshotManifest;
}

/** Options of `findNewestSnapshot` and `restoreNewestSnapshot`. */
export interface FindSnapshotOptions {
  /** Told about each snapshot passed over, newest first, with the reason (for logs). */
  onSkip?: (dir: string, reason: AisleError) => void;
}

/** Any failure while reading a snapshot, as the AisleError a caller is told about. */
export function asSnapshotError(dir: string, err: unknown): AisleError {
  if (isAisleError(err)) return err;
  return new AisleError('AISLE_SNAPSHOT', `${dir}: ${(err as Error).message}`, {
    dir,
    cause: err,
  });
}

/**
 * Checks a snapshot directory: its manifest, then the size and sha256 of every file it lists
 * (streamed, nothing kept in memory). Returns the manifest; throws AisleError('AISLE_SNAPSHOT')
 * naming the first file at fault. O(bytes of the snapshot).
 */
export async function verifySnapshot(dir: string): Promise<SnapshotManifest> {
  checkName('dir', dir);
  const manifest = await readManifest(dir);
  for (const f of manifest.files) await verifyFile(dir, f);
  return manifest;
}

/**
 * The complete snapshot directories in `baseDir`, newest first, unverified; [] when it does not
 * exist. `.tmp` and `.trash` directories are never listed.
 */
export async function listSnapshots(baseDir: string): Promise<string[]> {
  checkName('baseDir', baseDir);
  return (await listEntries(baseDir))
    .filter((e) => e.kind === 'complete')
    .map((e) => join(baseDir, e.name));
}

/**
 * The newest snapshot in `baseDir` that verifies completely (see `verifySnapshot`), passing
 * over incomplete (`.tmp`), unreadable, truncated and corrupted ones; undefined when none is
 * good or the directory does not exist. O(bytes of the snapshots checked).
 */
export async function findNewestSnapshot(
  baseDir: string,
  opts: FindSnapshotOptions = {},
): Promise<FoundSnapshot | undefined> {
  checkOptions('opts', opts, ['onSkip']);
  checkFunction('onSkip', opts.onSkip);
  for (const dir of await listSnapshots(baseDir)) {
    try {
      return { dir, manifest: await verifySnapshot(dir) };
    } catch (err) {
      opts.onSkip?.(dir, asSnapshotError(dir, err));
    }
  }
  return undefined;
}
