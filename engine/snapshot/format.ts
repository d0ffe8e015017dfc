/**
 * The on-disk format of engine snapshots: directory names, the files of one snapshot, and the
 * `snapshot.json` manifest that vouches for them.
 *
 *     baseDir/
 *       snap-0000000007/          complete: renamed into place only once everything was synced
 *         snapshot.json           manifest: format, version, sequence, createdAt, position,
 *                                 summary, files (bytes + sha256), sections
 *         state.bin               model state (sections.ts)
 *         catalogue.json          catalogue items (catalogue-file.ts)
 *         store/                  the event log's own snapshot (store.json, events.arrow,
 *                                 dictionaries.arrow)
 *       snap-0000000008.tmp/      being written, or left by a crash: never read, removed later
 *       snap-0000000005.trash/    being deleted: never read
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkName } from '../arguments.js';
import { AisleError } from '../errors.js';
import { DICTIONARIES_FILE, EVENTS_FILE, MANIFEST_FILE } from '../store/index.js';
import { isCount } from './check.js';
import { isFileEntry, type SnapshotFileEntry } from './files.js';
import { checkJsonValue, type JsonValue } from './json.js';
import type { SectionInfo } from './sections.js';

/** `format` field of every manifest. */
export const SNAPSHOT_FORMAT = 'aisle.engine.snapshot';
/** Version of the layout and of every file in it; a reader refuses other versions. */
export const SNAPSHOT_VERSION = 2;
/** The manifest's file name, in each snapshot directory. */
export const SNAPSHOT_MANIFEST = 'snapshot.json';
/** Model state: raw little-endian sections behind a JSON header (sections.ts). */
export const STATE_FILE = 'state.bin';
/** Catalogue items in insertion order (catalogue-file.ts). */
export const CATALOGUE_FILE = 'catalogue.json';
/** Subdirectory holding the event store's snapshot. */
export const STORE_DIR = 'store';

/** Files every manifest lists, in this order; paths are relative and `/`-separated. */
export const SNAPSHOT_FILES: readonly string[] = [
  STATE_FILE,
  CATALOGUE_FILE,
  `${STORE_DIR}/${MANIFEST_FILE}`,
  `${STORE_DIR}/${EVENTS_FILE}`,
  `${STORE_DIR}/${DICTIONARIES_FILE}`,
];

/** Contents of `snapshot.json`. */
export interface SnapshotManifest {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  /** Increases with every snapshot written to the base directory; also in the directory name. */
  sequence: number;
  /** When it was written (epoch ms), as the writer's caller said. */
  createdAt: number;
  /** The caller's stream position, exactly as given. */
  position: JsonValue;
  /** For people and logs; restore does not rely on it. */
  summary: SnapshotSummary;
  files: SnapshotFileEntry[];
  /** The typed arrays in `state.bin`, for people and logs. */
  sections: SectionInfo[];
}

/** What a snapshot holds, in brief. */
export interface SnapshotSummary {
  /** Events ingested (the engine's counters). */
  events: number;
  /** Events in the log (after retention). */
  storedEvents: number;
  items: number;
  /** Newest event time (epoch ms), null before any. */
  streamTime: number | null;
  /** Whether the writing engine ran the SIMD kernels. */
  simd: boolean;
}

/** What a name in the base directory is. */
export type SnapshotEntryKind = 'complete' | 'tmp' | 'trash';

/** One snapshot-like directory in the base directory. */
export interface SnapshotEntry {
  name: string;
  sequence: number;
  kind: SnapshotEntryKind;
}

const SEQUENCE_DIGITS = 10;
const ENTRY = /^snap-(\d+)(?:\.(tmp|trash))?$/;

/** Directory name of snapshot `sequence` in the given state. */
export function snapshotDirName(sequence: number, kind: SnapshotEntryKind = 'complete'): string {
  const base = `snap-${String(sequence).padStart(SEQUENCE_DIGITS, '0')}`;
  return kind === 'complete' ? base : `${base}.${kind}`;
}

/** Parses a directory name; undefined for names that are not a snapshot's. */
export function parseEntryName(name: string): SnapshotEntry | undefined {
  const m = ENTRY.exec(name);
  if (m === null) return undefined;
  const sequence = Number(m[1]);
  if (!Number.isSafeInteger(sequence)) return undefined;
  return { name, sequence, kind: (m[2] as SnapshotEntryKind | undefined) ?? 'complete' };
}

/**
 * The snapshot-like directories in `baseDir`, newest (highest sequence) first; [] when the
 * directory does not exist. O(entries).
 */
export async function listEntries(baseDir: string): Promise<SnapshotEntry[]> {
  let names: string[];
  try {
    names = (await readdir(baseDir, { withFileTypes: true }))
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new AisleError('AISLE_SNAPSHOT', `cannot list ${baseDir}: ${(err as Error).message}`, {
      dir: baseDir,
      cause: err,
    });
  }
  const out: SnapshotEntry[] = [];
  for (const name of names) {
    const e = parseEntryName(name);
    if (e !== undefined) out.push(e);
  }
  // A complete snapshot sorts before leftovers of the same sequence.
  const rank = { complete: 0, tmp: 1, trash: 2 };
  return out.sort((a, b) => b.sequence - a.sequence || rank[a.kind] - rank[b.kind]);
}

function invalid(dir: string, why: string): never {
  throw new AisleError('AISLE_SNAPSHOT', `${join(dir, SNAPSHOT_MANIFEST)}: ${why}`, { dir });
}

/**
 * Reads and checks `dir/snapshot.json` (not the files it lists). Throws AisleError
 * ('AISLE_SNAPSHOT') when it is missing, not JSON, of another format or version, or lacks a
 * field. O(manifest).
 */
export async function readManifest(dir: string): Promise<SnapshotManifest> {
  checkName('dir', dir);
  let text: string;
  try {
    text = await readFile(join(dir, SNAPSHOT_MANIFEST), 'utf8');
  } catch (err) {
    return invalid(dir, `cannot be read (${(err as Error).message})`);
  }
  let m: Partial<SnapshotManifest>;
  try {
    m = JSON.parse(text) as Partial<SnapshotManifest>;
  } catch {
    return invalid(dir, 'is not valid JSON (truncated?)');
  }
  if (typeof m !== 'object' || m === null || m.format !== SNAPSHOT_FORMAT) {
    invalid(dir, 'is not an aisle engine snapshot manifest');
  }
  if (m.version !== SNAPSHOT_VERSION) {
    invalid(dir, `format version ${String(m.version)} is not ${SNAPSHOT_VERSION}`);
  }
  if (!isCount(m.sequence) || typeof m.createdAt !== 'number' || !Number.isFinite(m.createdAt)) {
    invalid(dir, 'sequence or createdAt is missing or invalid');
  }
  if (!('position' in m)) invalid(dir, 'position is missing');
  try {
    checkJsonValue(m.position);
  } catch {
    invalid(dir, 'position is invalid');
  }
  const files = m.files;
  if (
    !Array.isArray(files) ||
    files.length !== SNAPSHOT_FILES.length ||
    !SNAPSHOT_FILES.every((name, i) => isFileEntry(files[i], name))
  ) {
    invalid(dir, `files must list ${SNAPSHOT_FILES.join(', ')} with bytes and sha256`);
  }
  if (typeof m.summary !== 'object' || m.summary === null || !Array.isArray(m.sections)) {
    invalid(dir, 'summary or sections is missing');
  }
  return m as SnapshotManifest;
}
