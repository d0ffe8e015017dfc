/**
 * Deterministic retail traffic simulator: the embedded default source of `aisle serve --demo`,
 * and the data generator of tests and benchmarks.
 */
export { createSimulator, type Simulator, type SimulatorStats } from './simulator.js';
export {
  SIMULATOR_DEFAULTS,
  resolveOptions,
  type ResolvedSimulatorOptions,
  type SimulatorOptions,
} from './options.js';
export {
  fillHistory,
  startPacer,
  type EventSink,
  type EventSource,
  type Pacer,
  type PacerOptions,
} from './pacer.js';
export { AliasTable, Rng, zipfWeights } from './random.js';
