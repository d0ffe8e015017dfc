export type { AnnIndex, AnnResult } from './ann-index.js';
export { ExactIndex } from './exact.js';
export { DEFAULT_HNSW, HnswIndex, type HnswOptions } from './hnsw.js';
export type { Metric } from './normalize.js';
