/**
 * Implicit-feedback ALS: training on the WASM kernels (in process or in a worker thread), online
 * fold-in of users, a serving model, and the inner-product-to-cosine transform for ANN indexes.
 */
export { DEFAULT_ALS, resolveAlsOptions, type AlsOptions } from './options.js';
export { checkCsr, csrFromTriples, transposeCsr } from './csr-build.js';
export { trainAls, type AlsFactors, type AlsProgress } from './train.js';
export {
  foldInUser,
  releaseItems,
  residentItems,
  type FoldInOptions,
  type ResidentItems,
} from './fold-in.js';
export { AlsModel, type AlsModelOptions, type AlsModelState, type AlsRanked } from './model.js';
export { mipsItems, mipsQuery, mipsScore, type MipsItems } from './mips.js';
export { AlsTrainer, type AlsTrainOptions } from './trainer.js';
