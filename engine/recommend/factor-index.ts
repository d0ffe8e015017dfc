/**
 * The ANN index behind the factor model. Small catalogues get the exact WASM scan (a full pass
 * over 20k × 65 floats is far under a millisecond and has perfect recall); larger ones get HNSW.
 * HNSW is built in slices that yield to the event loop, so queries keep being answered from the
 * old model while a new index grows.
 */
import {
  ExactIndex,
  HnswIndex,
  DEFAULT_HNSW,
  type AnnIndex,
  type HnswOptions,
} from '../ann/index.js';
import type { AlsModel } from '../models/als/index.js';
import type { Kernels } from '../wasm/index.js';
import { AlsServing } from './als-serving.js';

export interface FactorIndexOptions {
  /** Catalogues with fewer indexed items than this use the exact index. */
  exactBelow: number;
  hnsw: HnswOptions;
  /** Items added per slice before yielding to the event loop. */
  slice: number;
}

export const DEFAULT_FACTOR_INDEX: FactorIndexOptions = {
  exactBelow: 20_000,
  hnsw: DEFAULT_HNSW,
  slice: 2_000,
};

// Factors score by inner product, so both indexes rank by it directly.
function create(kernels: Kernels, dim: number, n: number, o: FactorIndexOptions): AnnIndex {
  return n < o.exactBelow
    ? new ExactIndex(kernels, dim, 'ip')
    : new HnswIndex(dim, { ...o.hnsw, metric: 'ip', initialCapacity: Math.max(n, 1) });
}

/** Builds the index at once (start-up, restore). */
export function buildFactorIndexSync(
  kernels: Kernels,
  model: AlsModel,
  o: FactorIndexOptions = DEFAULT_FACTOR_INDEX,
): AnnIndex {
  const { labels, vectors, dim } = AlsServing.indexVectors(model);
  const index = create(kernels, dim, labels.length, o);
  if (labels.length > 0) index.add(labels, vectors);
  return index;
}

/** Builds the index slice by slice, yielding between slices. */
export async function buildFactorIndex(
  kernels: Kernels,
  model: AlsModel,
  o: FactorIndexOptions = DEFAULT_FACTOR_INDEX,
): Promise<AnnIndex> {
  const { labels, vectors, dim } = AlsServing.indexVectors(model);
  const index = create(kernels, dim, labels.length, o);
  for (let start = 0; start < labels.length; start += o.slice) {
    const end = Math.min(labels.length, start + o.slice);
    index.add(labels.subarray(start, end), vectors.subarray(start * dim, end * dim));
    if (end < labels.length) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return index;
}
