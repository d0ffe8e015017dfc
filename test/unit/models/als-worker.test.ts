import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAisleError } from '../../../engine/errors.js';
import { AlsTrainer, trainAls } from '../../../engine/models/als/index.js';
import { loadKernels, type Kernels } from '../../../engine/wasm/index.js';
import { randomCsr } from './als-fixtures.js';

describe('AlsTrainer (worker thread)', () => {
  let trainer: AlsTrainer;
  let k: Kernels;
  beforeAll(async () => {
    trainer = new AlsTrainer();
    k = await loadKernels({ simd: true });
  });
  afterAll(async () => {
    await trainer.close();
  });

  const data = randomCsr(21, 300, 200, 10);
  const options = { factors: 16, iterations: 4, seed: 9 };

  it('trains the same factors as in-process training, relaying progress', async () => {
    const progress: number[] = [];
    const got = await trainer.train(data, options, {
      simd: true,
      onIteration: (it, seconds) => {
        expect(seconds).toBeGreaterThanOrEqual(0);
        progress.push(it);
      },
    });
    const want = trainAls(k, data, options);
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(got.factors).toBe(16);
    expect(got.users).toBe(300);
    expect(got.items).toBe(200);
    expect(got.userFactors).toEqual(want.userFactors);
    expect(got.itemFactors).toEqual(want.itemFactors);
    // The caller's matrix was copied, not moved.
    expect(data.indices.length).toBeGreaterThan(0);
  });

  it('moves the matrix instead when asked to', async () => {
    const m = randomCsr(22, 50, 40, 5);
    const scalar = await trainer.train(
      m,
      { factors: 4, iterations: 1 },
      { transfer: true, simd: false },
    );
    expect(scalar.userFactors.length).toBe(200);
    expect(m.indices.length).toBe(0);
    expect(m.values.length).toBe(0);
  });

  it('rejects with the worker’s AisleError for a bad option', async () => {
    const err: unknown = await trainer.train(data, { cgSteps: 0 }).catch((e: unknown) => e);
    expect(isAisleError(err)).toBe(true);
    if (!isAisleError(err)) return;
    expect(err.code).toBe('AISLE_INVALID_ARGUMENT');
    expect(err.message).toMatch(/cgSteps must be an integer/);
    expect(err.details?.['field']).toBe('cgSteps');
    // The worker survives a refused request.
    const ok = await trainer.train(data, { ...options, iterations: 1 });
    expect(ok.userFactors.length).toBe(300 * 16);
  });

  it('keeps the main thread responsive while it trains', async () => {
    const big = randomCsr(23, 3000, 3000, 50);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const t0 = performance.now();
    await trainer.train(big, { factors: 48, iterations: 8 });
    const ms = performance.now() - t0;
    clearInterval(timer);
    expect(ms).toBeGreaterThan(100);
    // A blocked event loop would tick at most once; an idle one about ms / 5 times.
    expect(ticks, `${ticks} ticks in ${ms.toFixed(0)} ms`).toBeGreaterThan(ms / 5 / 4);
  });

  it('close() terminates the worker: pending and later trainings reject with AISLE_CLOSED', async () => {
    const t = new AlsTrainer();
    await t.train(data, { ...options, iterations: 1 });
    const pending = t
      .train(randomCsr(24, 3000, 3000, 50), { factors: 48, iterations: 50 })
      .catch((e: unknown) => e);
    const started = performance.now();
    await t.close();
    const err: unknown = await pending;
    expect(isAisleError(err) && err.code).toBe('AISLE_CLOSED');
    expect(performance.now() - started).toBeLessThan(2000);
    const later: unknown = await t.train(data, options).catch((e: unknown) => e);
    expect(isAisleError(later) && later.code).toBe('AISLE_CLOSED');
    await t.close();
  });
});
