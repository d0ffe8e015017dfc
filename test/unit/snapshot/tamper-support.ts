/**
 * The machinery of the tamper test: a worker that runs one case at a time with a timeout, and
 * alterations of a snapshot's files that are re-hashed so that its manifests still vouch for them.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import fc from 'fast-check';
import { decodeState, encodeState } from '../../../engine/snapshot/sections.js';
import type { TamperJob, TamperOutcome } from './tamper-worker.js';

const STATE = 'state.bin';
const CATALOGUE = 'catalogue.json';
const STORE_MANIFEST = 'store/store.json';
const EVENTS = 'store/events.arrow';
const DICTIONARIES = 'store/dictionaries.arrow';
const FILES = [STATE, CATALOGUE, STORE_MANIFEST, EVENTS, DICTIONARIES];

/** A worker that runs one case at a time; replaced when a case times out. */
export class CaseRunner {
  private worker: Worker | undefined;

  private start(): Worker {
    const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
    const worker = JSON.stringify(new URL('./tamper-worker.ts', import.meta.url).href);
    const boot = `import(${tsx}).then((tsx) => { tsx.register(); return import(${worker}); });`;
    return new Worker(boot, { eval: true });
  }

  /** The case's outcome, or 'timeout' when it did not end within `ms`. */
  run(job: TamperJob, ms: number): Promise<TamperOutcome | 'timeout'> {
    const worker = (this.worker ??= this.start());
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
      };
      const onMessage = (outcome: TamperOutcome): void => {
        if (outcome.id !== job.id) return;
        done();
        resolve(outcome);
      };
      const onError = (err: Error): void => {
        done();
        this.worker = undefined;
        reject(err);
      };
      const timer = setTimeout(() => {
        done();
        this.worker = undefined;
        void worker.terminate();
        resolve('timeout');
      }, ms);
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.postMessage(job);
    });
  }

  async close(): Promise<void> {
    await this.worker?.terminate();
    this.worker = undefined;
  }
}

// ---- alterations -------------------------------------------------------------------------

type TypedArray = Uint8Array | Uint32Array | Int32Array | Float32Array | Float64Array;

/** A place in the decoded state tree: its parent and key. */
interface Slot {
  parent: Record<string, unknown> | unknown[];
  key: string | number;
}

function slotsOf(tree: unknown): { numbers: Slot[]; arrays: Slot[]; all: Slot[] } {
  const numbers: Slot[] = [];
  const arrays: Slot[] = [];
  const all: Slot[] = [];
  const walk = (v: unknown): void => {
    if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return;
    const entries: [string | number, unknown][] = Array.isArray(v)
      ? v.map((x, i) => [i, x])
      : Object.entries(v);
    for (const [key, x] of entries) {
      const slot = { parent: v as Slot['parent'], key };
      all.push(slot);
      if (typeof x === 'number') numbers.push(slot);
      else if (ArrayBuffer.isView(x)) arrays.push(slot);
      else walk(x);
    }
  };
  walk(tree);
  return { numbers, arrays, all };
}

function get(slot: Slot): unknown {
  return (slot.parent as Record<string | number, unknown>)[slot.key];
}

function set(slot: Slot, v: unknown): void {
  (slot.parent as Record<string | number, unknown>)[slot.key] = v;
}

/** Numbers that break assumptions: signs, fractions, non-finite, past u32 and past 2^53. */
const ODD_NUMBERS = [
  -1,
  0,
  1,
  2,
  3,
  0.5,
  -0.5,
  7,
  16,
  255,
  1023,
  65_536,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53,
  1e300,
  -1e300,
  NaN,
  Infinity,
  -Infinity,
];

/** One alteration of the state tree; `pick` and `value` choose what and how. */
interface TreeEdit {
  kind: 'number' | 'type' | 'delete' | 'resize' | 'element' | 'fill' | 'swap' | 'outOfRange';
  pick: number;
  other: number;
  value: number;
}

const treeEdit = fc.record({
  kind: fc.constantFrom<TreeEdit['kind']>(
    'number',
    'type',
    'delete',
    'resize',
    'element',
    'fill',
    'swap',
    'outOfRange',
  ),
  pick: fc.nat(),
  other: fc.nat(),
  value: fc.nat(),
});

function odd(value: number, near?: number): number {
  const i = value % (ODD_NUMBERS.length + 3);
  if (i < ODD_NUMBERS.length) return ODD_NUMBERS[i]!;
  const base = near ?? 0;
  return i === ODD_NUMBERS.length ? base + 1 : i === ODD_NUMBERS.length + 1 ? base - 1 : base * 2;
}

function maxOf(a: TypedArray): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}

function applyTreeEdit(tree: unknown, edit: TreeEdit, dictSizes: number[]): void {
  const { numbers, arrays, all } = slotsOf(tree);
  const at = <T>(list: T[], i: number): T | undefined =>
    list.length === 0 ? undefined : list[i % list.length];
  switch (edit.kind) {
    case 'number': {
      const slot = at(numbers, edit.pick);
      if (slot !== undefined) set(slot, odd(edit.value, get(slot) as number));
      return;
    }
    case 'type': {
      const slot = at(all, edit.pick);
      if (slot !== undefined) set(slot, [null, 'x', true, {}, [], 0][edit.value % 6]);
      return;
    }
    case 'delete': {
      const slot = at(all, edit.pick);
      if (slot === undefined) return;
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      return;
    }
    case 'resize': {
      const slot = at(arrays, edit.pick);
      if (slot === undefined) return;
      const a = get(slot) as TypedArray;
      const ctor = a.constructor as new (n: number) => TypedArray;
      const lengths = [0, 1, a.length - 1, a.length + 1, Math.floor(a.length / 2), a.length * 2];
      const n = Math.max(0, lengths[edit.value % lengths.length]!);
      const out = new ctor(n);
      out.set(a.subarray(0, Math.min(n, a.length)));
      if (n > a.length) out.fill(odd(edit.other) as never, a.length);
      set(slot, out);
      return;
    }
    case 'element': {
      const slot = at(arrays, edit.pick);
      const a = slot === undefined ? undefined : (get(slot) as TypedArray);
      if (a === undefined || a.length === 0) return;
      const i = edit.other % a.length;
      a[i] = odd(edit.value, a[i]);
      return;
    }
    case 'fill': {
      const slot = at(arrays, edit.pick);
      if (slot !== undefined) (get(slot) as TypedArray).fill(odd(edit.value) as never);
      return;
    }
    case 'swap': {
      const a = at(arrays, edit.pick);
      const b = at(arrays, edit.other);
      if (a === undefined || b === undefined) return;
      const x = get(a) as TypedArray;
      const y = get(b) as TypedArray;
      // Same element type: only the lengths and contents trade places.
      if (x.constructor !== y.constructor) {
        const ctor = x.constructor as new (n: number) => TypedArray;
        const out = new ctor(y.length);
        for (let i = 0; i < y.length; i++) out[i] = y[i]!;
        set(a, out);
        return;
      }
      set(a, y);
      set(b, x);
      return;
    }
    case 'outOfRange': {
      // An id just past what some dictionary or the array itself holds.
      const slot = at(arrays, edit.pick);
      const a = slot === undefined ? undefined : (get(slot) as TypedArray);
      if (a === undefined || a.length === 0) return;
      const bounds = [...dictSizes.map((n) => n + 1), maxOf(a) + 1, a.length, a.length + 1];
      a[edit.other % a.length] = bounds[edit.value % bounds.length]!;
      return;
    }
  }
}

/** One alteration of a file's bytes. */
interface ByteEdit {
  file: number;
  kind: 'flip' | 'truncate' | 'digit' | 'zero';
  at: number;
  value: number;
}

const byteEdit = fc.record({
  file: fc.nat(),
  kind: fc.constantFrom<ByteEdit['kind']>('flip', 'truncate', 'digit', 'zero'),
  at: fc.nat(),
  value: fc.integer({ min: 1, max: 255 }),
});

function applyByteEdit(bytes: Uint8Array, edit: ByteEdit): Uint8Array {
  if (bytes.length === 0) return bytes;
  const at = edit.at % bytes.length;
  switch (edit.kind) {
    case 'flip': {
      const out = bytes.slice();
      out[at] = out[at]! ^ edit.value;
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
    case 'zero': {
      const out = bytes.slice();
      out.fill(0, at, Math.min(bytes.length, at + 1 + (edit.value % 64)));
      return out;
    }
    case 'digit': {
      // Change one ASCII digit (a number in JSON text) into another.
      const out = bytes.slice();
      for (let k = 0; k < out.length; k++) {
        const i = (at + k) % out.length;
        if (out[i]! >= 0x30 && out[i]! <= 0x39) {
          out[i] = 0x30 + ((out[i]! - 0x30 + edit.value) % 10);
          break;
        }
      }
      return out;
    }
  }
}

export interface Tampering {
  tree: readonly TreeEdit[];
  bytes: readonly ByteEdit[];
}

export const tampering: fc.Arbitrary<Tampering> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      tree: fc.array(treeEdit, { minLength: 1, maxLength: 3 }),
      bytes: fc.constant([]),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      tree: fc.constant([]),
      bytes: fc.array(byteEdit, { minLength: 1, maxLength: 2 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      tree: fc.array(treeEdit, { maxLength: 2 }),
      bytes: fc.array(byteEdit, { maxLength: 2 }),
    }),
  },
);

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Rewrites the manifests so that their sizes and checksums match the files as they are now. */
async function rehash(dir: string): Promise<void> {
  const storePath = join(dir, STORE_MANIFEST);
  try {
    const store = JSON.parse(await readFile(storePath, 'utf8')) as {
      files?: Record<string, { name: string; bytes: number; sha256: string }>;
    };
    for (const entry of Object.values(store.files ?? {})) {
      const bytes = await readFile(join(dir, 'store', entry.name));
      entry.bytes = bytes.byteLength;
      entry.sha256 = sha256(bytes);
    }
    await writeFile(storePath, JSON.stringify(store, null, 2) + '\n');
  } catch {
    // A store manifest that no longer parses is left as it is: restore must refuse it.
  }
  const manifestPath = join(dir, 'snapshot.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
    files: { name: string; bytes: number; sha256: string }[];
  };
  for (const entry of manifest.files) {
    const bytes = await readFile(join(dir, entry.name));
    entry.bytes = bytes.byteLength;
    entry.sha256 = sha256(bytes);
  }
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
}

export async function tamper(dir: string, t: Tampering, dictSizes: number[]): Promise<void> {
  if (t.tree.length > 0) {
    const path = join(dir, STATE);
    const tree = decodeState(new Uint8Array(await readFile(path)));
    for (const edit of t.tree) applyTreeEdit(tree, edit, dictSizes);
    await writeFile(path, Buffer.concat(encodeState(tree).pieces));
  }
  for (const edit of t.bytes) {
    const path = join(dir, FILES[edit.file % FILES.length]!);
    await writeFile(path, applyByteEdit(new Uint8Array(await readFile(path)), edit));
  }
  await rehash(dir);
}
