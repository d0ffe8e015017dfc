/**
 * The engine's memory by part, for the budget, `stats().memory`, `/v1/stats` and `/metrics`.
 */
import type { AnnIndex } from './ann/ann-index.js';
import { estimateBytes } from './memory.js';
import { partBytes, type PartEnv, type Parts } from './parts.js';
import type { AlsServing } from './recommend/als-serving.js';
import type { EventStore, StoreDictionaries } from './store/index.js';

/** Bytes held, by part and in total. */
export interface MemoryReport {
  /**
   * Bytes per part: every stateful part by its state name, plus `log` (the event log's column
   * buffers), `dictionaries` (id ↔ string), `wasm` (the kernels' linear memory), `factors` (the
   * serving factor model with its ANN index), `prices` (the price filter's array),
   * `recommender` (its reused candidate pools) and `analytics` (the pooled-fit cache).
   */
  parts: Record<string, number>;
  /** Sum of `parts`. */
  total: number;
}

/**
 * Approximate bytes per node of an HNSW graph beyond its vector: links of two layers' worth of
 * neighbours (M = 16, 4 bytes each, layer 0 doubled) plus label and bookkeeping. The index lives
 * in native memory that a walk of JavaScript objects cannot see.
 */
const HNSW_NODE_OVERHEAD = 16 * 3 * 4 + 64;

export function memoryReport(input: {
  parts: Parts;
  env: PartEnv;
  store: EventStore;
  serving: AlsServing | null;
  prices: Float64Array;
  /** Bytes of the engine's recommender's candidate pools. */
  recommender: number;
  /** Bytes of the analytics views' cache. */
  analytics: number;
}): MemoryReport {
  const { env, store } = input;
  const out: Record<string, number> = { ...partBytes(input.parts, env) };
  out.log = store.capacityBytes();
  out.dictionaries = dictionaryBytes(store.dicts);
  out.wasm = env.kernels.memory.buffer.byteLength;
  out.prices = input.prices.byteLength;
  out.recommender = input.recommender;
  out.analytics = input.analytics;
  out.factors = servingBytes(input.serving, input.parts, env);
  let total = 0;
  for (const v of Object.values(out)) total += v;
  return { parts: out, total };
}

/** The dictionaries' buffers, counted exactly (their strings live off the heap). */
function dictionaryBytes(dicts: StoreDictionaries): number {
  let total = 0;
  for (const d of Object.values(dicts)) total += d.bytes();
  return total;
}

function servingBytes(serving: AlsServing | null, parts: Parts, env: PartEnv): number {
  if (serving === null) return 0;
  const index = (serving as unknown as { index?: AnnIndex }).index;
  const native = index === undefined ? 0 : index.size * (index.dim * 4 + HNSW_NODE_OVERHEAD);
  // The history it folds users in from belongs to the history part.
  return (
    native +
    estimateBytes(serving, {
      exclude: [env.kernels, parts.history, ...(index === undefined ? [] : [index])],
      wasm: env.kernels.memory.buffer,
    })
  );
}
