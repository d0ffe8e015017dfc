/**
 * Durable snapshots of the whole engine state with the stream position they cover: write one
 * atomically, find the newest good one, restore an engine from it.
 */
export { writeEngineSnapshot, type WriteSnapshotOptions, type WrittenSnapshot } from './write.js';
export {
  findNewestSnapshot,
  listSnapshots,
  verifySnapshot,
  type FindSnapshotOptions,
  type FoundSnapshot,
} from './find.js';
export { restoreEngine, restoreNewestSnapshot, type RestoredSnapshot } from './restore.js';
export {
  readManifest as readSnapshotManifest,
  SNAPSHOT_FORMAT,
  SNAPSHOT_MANIFEST,
  SNAPSHOT_VERSION,
  type SnapshotManifest,
  type SnapshotSummary,
} from './format.js';
export type { SnapshotFileEntry } from './files.js';
export type { SectionInfo, SectionType } from './sections.js';
export type { JsonValue } from './json.js';
