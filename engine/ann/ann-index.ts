/**
 * Approximate (or exact) nearest neighbours over item vectors, by cosine similarity or, when
 * built with the `ip` metric, by raw inner product (what a factor model scores). Two
 * implementations share this interface, like hnswlib's AlgorithmInterface: HNSW for speed and an
 * exact brute-force index on the WASM kernels, which is also the oracle HNSW's recall is
 * measured against.
 */

export interface AnnResult {
  /** Labels (dense item ids), best first. */
  ids: Uint32Array;
  /** Similarity of each: cosine in [-1, 1], or the inner product with the `ip` metric. */
  scores: Float32Array;
}

export interface AnnIndex {
  /** Vector length. */
  readonly dim: number;
  /** Live (not deleted) vectors. */
  readonly size: number;
  /**
   * Adds or replaces vectors. `vectors` is row-major, `labels.length × dim`; zero vectors are
   * refused. O(n · cost of one insert).
   */
  add(labels: Uint32Array, vectors: Float32Array): void;
  /** Retires a label; later searches never return it. Unknown labels are ignored. */
  remove(label: number): void;
  has(label: number): boolean;
  /** The k most similar live vectors; `accept` filters labels during the search. */
  search(query: Float32Array, k: number, accept?: (label: number) => boolean): AnnResult;
  /** Gives back memory held outside the JS heap (WASM arena); the index is unusable after. */
  dispose?(): void;
}
