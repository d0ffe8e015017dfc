/**
 * The Arrow event log: dictionaries, schema, columnar append, chunk iteration, retention and
 * snapshots.
 */
export {
  Dictionary,
  DICTIONARY_NAMES,
  MAX_DICTIONARY_ID,
  createDictionaries,
} from './dictionary.js';
export type { DictionaryName, StoreDictionaries } from './dictionary.js';
export { BYTES_PER_EVENT, COLUMN_NAMES, EVENT_SCHEMA, STORE_FORMAT_VERSION } from './schema.js';
export type { ColumnName } from './schema.js';
export type { EncodedBatch } from './encode.js';
export type { EventChunk } from './chunk.js';
export { EventStore, DEFAULT_CHUNK_ROWS } from './event-store.js';
export type { EventStoreOptions } from './event-store.js';
export { DICTIONARIES_FILE, EVENTS_FILE, MANIFEST_FILE } from './snapshot.js';
export type { SnapshotFile, SnapshotInfo, StoreManifest } from './snapshot.js';
