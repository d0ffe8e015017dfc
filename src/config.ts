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
  /** Seconds between factor-model trainings (one also runs at start); 0 trains once. */
  retrainEvery: number;
  /** Train the factor model at all (`--no-factors` serves without it). */
  factors: boolean;
  /** Set when the engine consumes a Pulsar topic instead of the demo. */
  pulsar?: PulsarConfig;
  /** Set when accepted events go to the local log (no broker): see docs/local-log.md. */
  localLog?: LocalLogConfig;
}

export interface LocalLogConfig {
  dataDir: string;
  /** Seconds between snapshots while events arrive; 0: only on shutdown. */
  snapshotEvery: number;
}

/** Where a server without a broker keeps its log and snapshots unless told otherwise. */
export const DEFAULT_DATA_DIR = '.aisle/data';

export interface PulsarConfig {
  url: string;
  admin?: string;
  token?: string;
  topic: string;
  snapshotDir?: string;
  snapshotEveryMs: number;
  deadLetterTopic?: string;
  derivedTopic?: string;
  alertTopic?: string;
  subscription?: { name: string; type: 'Exclusive' | 'Failover' | 'Shared' | 'Key_Shared' };
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
  pulsar?: string;
  topic?: string;
  snapshotDir?: string;
  snapshotEveryMs?: string;
  deadLetterTopic?: string;
  derivedTopic?: string;
  alertTopic?: string;
  subscription?: string;
  subscriptionType?: string;
  retrainEvery?: string;
  factors?: boolean;
  /** A directory, or false for `--no-data-dir` (memory only). */
  dataDir?: string | false;
  snapshotEvery?: string;
}

const SUBSCRIPTION_TYPES = ['Exclusive', 'Failover', 'Shared', 'Key_Shared'] as const;

function pulsarConfig(
  flags: ServeFlags,
  env: Record<string, string | undefined>,
): PulsarConfig | undefined {
  const url = flags.pulsar ?? (flags.topic !== undefined ? env.PULSAR_WS_URL : undefined);
  if (url === undefined) return undefined;
  if (!/^wss?:\/\//.test(url))
    throw new ConfigError(`--pulsar must be a ws:// or wss:// URL, got "${url}"`);
  if (flags.topic === undefined) throw new ConfigError('--topic is required with --pulsar');
  if (flags.demo) throw new ConfigError('--demo and --pulsar exclude each other');
  const type = flags.subscriptionType ?? 'Exclusive';
  if (!(SUBSCRIPTION_TYPES as readonly string[]).includes(type)) {
    throw new ConfigError(`--subscription-type must be one of ${SUBSCRIPTION_TYPES.join(', ')}`);
  }
  const cfg: PulsarConfig = {
    url,
    topic: flags.topic,
    snapshotEveryMs: int('--snapshot-every-ms', flags.snapshotEveryMs, 5000, 10, 86_400_000),
  };
  const admin = env.PULSAR_ADMIN_URL;
  if (admin !== undefined && flags.pulsar === undefined) cfg.admin = admin;
  if (env.PULSAR_TOKEN !== undefined) cfg.token = env.PULSAR_TOKEN;
  if (flags.snapshotDir !== undefined) cfg.snapshotDir = flags.snapshotDir;
  if (flags.deadLetterTopic !== undefined) cfg.deadLetterTopic = flags.deadLetterTopic;
  if (flags.derivedTopic !== undefined) cfg.derivedTopic = flags.derivedTopic;
  if (flags.alertTopic !== undefined) cfg.alertTopic = flags.alertTopic;
  if (flags.subscription !== undefined) {
    cfg.subscription = {
      name: flags.subscription,
      type: type as (typeof SUBSCRIPTION_TYPES)[number],
    };
  }
  return cfg;
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

/**
 * Without a broker the local log is the default, so nothing answered 2xx is lost on a restart;
 * the demo stays in memory unless a directory is named. With a broker the topic is the log.
 */
function localLogConfig(
  flags: ServeFlags,
  env: Record<string, string | undefined>,
  pulsar: PulsarConfig | undefined,
): LocalLogConfig | undefined {
  const named = typeof flags.dataDir === 'string' ? flags.dataDir : env.AISLE_DATA_DIR;
  if (named === '') throw new ConfigError('--data-dir / AISLE_DATA_DIR must not be empty');
  if (pulsar !== undefined) {
    if (typeof flags.dataDir === 'string') {
      throw new ConfigError(
        '--data-dir and --pulsar exclude each other: the topic is the log (use --snapshot-dir)',
      );
    }
    return undefined;
  }
  if (flags.dataDir === false) return undefined;
  const dataDir = named ?? (flags.demo ? undefined : DEFAULT_DATA_DIR);
  if (dataDir === undefined) return undefined;
  return {
    dataDir,
    snapshotEvery: int('--snapshot-every', flags.snapshotEvery, 60, 0, 86_400),
  };
}

export function serveConfig(
  flags: ServeFlags,
  env: Record<string, string | undefined>,
): ServeConfig {
  const pulsar = pulsarConfig(flags, env);
  const localLog = localLogConfig(flags, env, pulsar);
  return {
    ...(pulsar !== undefined && { pulsar }),
    ...(localLog !== undefined && { localLog }),
    host: flags.host ?? env.AISLE_HOST ?? '127.0.0.1',
    port: int('--port / AISLE_PORT', flags.port ?? env.AISLE_PORT, 7070, 0, 65535),
    demo: flags.demo ?? false,
    rate: int('--rate', flags.rate, 2000, 0, 10_000_000),
    warmup: int('--warmup', flags.warmup, 300_000, 0, 100_000_000),
    seed: int('--seed', flags.seed, 42, 0, 2 ** 31 - 1),
    simd: flags.simd,
    logger: flags.log ?? false,
    retrainEvery: int('--retrain-every', flags.retrainEvery, 600, 0, 7 * 86_400),
    factors: flags.factors ?? true,
  };
}
