import type { Rng } from '../../../src/sim/index.js';

/**
 * A Poisson draw for the simulated sales of the price tests: the normal approximation above 30
 * (every busy mean there is well above it), Knuth's product of uniforms below.
 */
export function poisson(rng: Rng, lambda: number): number {
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rng.normal()));
  let k = 0;
  let p = 1;
  const l = Math.exp(-lambda);
  do {
    k++;
    p *= rng.next();
  } while (p > l);
  return k - 1;
}
