/**
 * What the engine keeps to itself but its own modules and tests need: the event log and the
 * WASM kernels. Reached through a symbol that engine/index.ts does not export, so embedding code
 * never sees them and cannot change the log behind the parts' back.
 */
import type { Engine } from './engine.js';
import type { EventStore } from './store/index.js';
import type { Kernels } from './wasm/index.js';

export const INTERNALS: unique symbol = Symbol('aisle.engine.internals');

export interface EngineInternals {
  store: EventStore;
  kernels: Kernels;
}

/** The engine's event log (its dictionaries too). */
export function storeOf(engine: Engine): EventStore {
  return engine[INTERNALS].store;
}

/** The engine's WASM kernels. */
export function kernelsOf(engine: Engine): Kernels {
  return engine[INTERNALS].kernels;
}
