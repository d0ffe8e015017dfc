/**
 * Finds, feature-checks and compiles the kernel builds. Compilation happens once per process and
 * build (the `WasmModule` promise is cached); instantiation, with a fresh memory, is the
 * caller's business (see kernels.ts), so every engine gets its own linear memory.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AisleError } from '../errors.js';
import { wasmApi, type WasmModule } from './wasm-api.js';

/** Which compiled variant of `assembly/` to use. Both export the same functions. */
export type KernelBuild = 'simd' | 'scalar';

const WASM_FILES: Record<KernelBuild, string> = {
  simd: 'aisle.simd.wasm',
  scalar: 'aisle.scalar.wasm',
};

// () -> v128 { i8x16.popcnt(i8x16.splat(i32.const 0)) }: validates only where SIMD is supported.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15,
  253, 98, 11,
]);

let simdCache: boolean | undefined;

/** Whether this runtime accepts WebAssembly fixed-width SIMD. Probed once, then cached. O(1). */
export function simdSupported(): boolean {
  if (simdCache === undefined) simdCache = wasmApi.validate(SIMD_PROBE);
  return simdCache;
}

/**
 * Chooses the build: `true` forces SIMD (AISLE_WASM_LOAD if unsupported), `false` forces scalar,
 * `undefined` picks SIMD when the runtime supports it.
 */
export function selectBuild(simd?: boolean): KernelBuild {
  if (simd === false) return 'scalar';
  if (simdSupported()) return 'simd';
  if (simd === true) {
    throw new AisleError(
      'AISLE_WASM_LOAD',
      'SIMD kernels were requested but this runtime does not support WebAssembly SIMD',
      {
        build: 'simd',
      },
    );
  }
  return 'scalar';
}

let rootCache: string | undefined;

/**
 * The package root: the nearest ancestor of this module holding a package.json. Works both from
 * source (engine/wasm/) and compiled (dist/engine/wasm/), and when installed under node_modules.
 */
export function packageRoot(): string {
  if (rootCache !== undefined) return rootCache;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ;) {
    if (existsSync(join(dir, 'package.json'))) return (rootCache = dir);
    const parent = dirname(dir);
    if (parent === dir) {
      throw new AisleError(
        'AISLE_WASM_LOAD',
        `no package.json above ${start}: cannot locate the kernel builds`,
      );
    }
    dir = parent;
  }
}

/** Absolute path of a build's .wasm file (`<package root>/build/aisle.<build>.wasm`). */
export function wasmPath(build: KernelBuild): string {
  return join(packageRoot(), 'build', WASM_FILES[build]);
}

const modules = new Map<KernelBuild, Promise<WasmModule>>();

/**
 * Compiles a build, once per process: later calls share the same promise. A failed compile is
 * not cached, so a later call (after `npm run build:wasm`) can succeed.
 */
export function compileBuild(build: KernelBuild): Promise<WasmModule> {
  let p = modules.get(build);
  if (p === undefined) {
    p = compileFile(build);
    modules.set(build, p);
    p.catch(() => modules.delete(build));
  }
  return p;
}

async function compileFile(build: KernelBuild): Promise<WasmModule> {
  const path = wasmPath(build);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new AisleError(
      'AISLE_WASM_LOAD',
      `cannot read ${path}: run \`npm run build:wasm\` first`,
      {
        build,
        path,
        cause: String(err),
      },
    );
  }
  try {
    return await wasmApi.compile(bytes);
  } catch (err) {
    throw new AisleError('AISLE_WASM_LOAD', `cannot compile ${path}: ${String(err)}`, {
      build,
      path,
    });
  }
}
