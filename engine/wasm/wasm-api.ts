/**
 * The slice of the WebAssembly JavaScript API this folder uses, typed locally. TypeScript ships
 * `WebAssembly` typings only with the DOM and WebWorker libs, which this Node project does not
 * load (and @types/node 20 does not declare it); declaring it globally here could clash with
 * another declaration later. Structural types, so a real `WebAssembly.Memory` fits them.
 */

/** A linear memory. `buffer` is replaced (and the old one detached) by every `grow`. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  /** Grows by `deltaPages` 64 KiB pages, returns the old page count; throws RangeError on failure. */
  grow(deltaPages: number): number;
}

/** An exported global, such as the STATUS_* constants. */
export interface WasmGlobal {
  readonly value: unknown;
}

/** A compiled module: opaque, instantiated many times. */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Global: abstract new (...args: never[]) => WasmGlobal;
  validate(bytes: Uint8Array): boolean;
  compile(bytes: Uint8Array): Promise<WasmModule>;
  instantiate(
    module: WasmModule,
    imports: Record<string, Record<string, unknown>>,
  ): Promise<WasmInstance>;
}

/** The runtime's `WebAssembly` object, under the local types above. */
export const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
