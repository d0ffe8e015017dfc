/**
 * Flags and environment into options. Flags win over the environment; the environment wins over
 * defaults. Every value is checked here so a bad setting fails at start with its name.
 */
export interface ServeConfig {
  host: string;
  port: number;
  demo: boolean;
  /** Simulated events per second of wall time, with --demo. */
  rate: number;
  /** Simulated events pushed before serving, so answers exist at once, with --demo. */
  warmup: number;
  seed: number;
  simd: boolean | undefined;
  logger: boolean;
}

export interface ServeFlags {
  host?: string;
  port?: string;
  demo?: boolean;
  rate?: string;
  warmup?: string;
  seed?: string;
  simd?: boolean;
  log?: boolean;
}

export class ConfigError extends Error {}

function int(
  name: string,
  raw: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

export function serveConfig(
  flags: ServeFlags,
  env: Record<string, string | undefined>,
): ServeConfig {
  return {
    host: flags.host ?? env.AISLE_HOST ?? '127.0.0.1',
    port: int('--port / AISLE_PORT', flags.port ?? env.AISLE_PORT, 7070, 0, 65535),
    demo: flags.demo ?? false,
    rate: int('--rate', flags.rate, 2000, 0, 10_000_000),
    warmup: int('--warmup', flags.warmup, 300_000, 0, 100_000_000),
    seed: int('--seed', flags.seed, 42, 0, 2 ** 31 - 1),
    simd: flags.simd,
    logger: flags.log ?? false,
  };
}
