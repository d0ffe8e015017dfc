import { readFileSync } from 'node:fs';
import { AisleError } from '../engine/index.js';
import { isLoopbackHost, parseApiKeys, parseApiKeysFile, type ApiKey } from './http/api-keys.js';

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
  /** Seconds between factor-model trainings (one also runs at start); 0 trains once. */
  retrainEvery: number;
  /** Train the factor model at all (`--no-factors` serves without it). */
  factors: boolean;
  /** Set when the engine consumes a Pulsar topic instead of the demo. */
  pulsar?: PulsarConfig;
  /** Set when the engine consumes a Kafka topic. */
  kafka?: KafkaConfig;
  /** Set when accepted events go to the local log (no broker): see docs/local-log.md. */
  localLog?: LocalLogConfig;
  /** Retention, the memory budget and the event-time policy: see docs/retention.md. */
  limits: LimitsConfig;
  /** Keys, limits and timeouts of the HTTP adapter: see docs/http-api.md. */
  network: NetworkConfig;
  /** A parameters file from `aisle tune` (src/tune/params-file.ts), read at start. */
  paramsFile?: string;
  /** Margins assumed for items without a cost, by category and '*' (EngineOptions.pricing). */
  margins?: Record<string, number>;
  /** Re-tune the session model on the stream this often (ms); undefined: never. */
  tuneEveryMs?: number;
  /** Seconds each of those tunings may take. */
  tuneBudgetS: number;
}

/** What keeps a server bounded and its clock sane (engine/retention.ts, engine/event-time.ts). */
export interface LimitsConfig {
  /** Stream time kept in the log and in every part (ms). */
  retentionMs: number;
  /** Bytes of log columns kept at most; undefined = no cap beyond retention. */
  retentionBytes?: number;
  /** Users kept at most (least recently seen dropped first). */
  maxUsers?: number;
  /** Bytes the engine may hold; retention is pulled in when it holds more. */
  memoryBudget: number;
  /** `wall` (a live service) or `stream` (a replay): what event times are checked against. */
  eventTime: 'wall' | 'stream';
  /** How far ahead of that clock an event may be (ms). */
  maxFutureSkewMs: number;
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

export interface KafkaConfig {
  /** `host:port[,host:port]`. */
  bootstrap: string;
  topic: string;
  /** Consumer group to share the topic's partitions with other engines. */
  group?: string;
  snapshotDir?: string;
  snapshotEveryMs: number;
  deadLetterTopic?: string;
  derivedTopic?: string;
  alertTopic?: string;
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
  kafka?: string;
  group?: string;
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
  retention?: string;
  retentionBytes?: string;
  maxUsers?: string;
  memoryBudget?: string;
  eventTime?: string;
  maxFutureSkew?: string;
  apiKeysFile?: string;
  authReads?: boolean;
  insecure?: boolean;
  corsOrigin?: string;
  allowedHosts?: string;
  rateLimit?: string;
  maxConnections?: string;
  logLevel?: string;
  params?: string;
  margins?: string;
  tuneEvery?: string;
  tuneBudget?: string;
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

function kafkaConfig(
  flags: ServeFlags,
  env: Record<string, string | undefined>,
): KafkaConfig | undefined {
  const bootstrap =
    flags.kafka ??
    (flags.topic !== undefined && flags.pulsar === undefined && env.PULSAR_WS_URL === undefined
      ? env.KAFKA_BOOTSTRAP
      : undefined);
  if (bootstrap === undefined) {
    if (flags.group !== undefined) throw new ConfigError('--group needs --kafka');
    return undefined;
  }
  if (!/^[^\s,/]+:\d{1,5}(,[^\s,/]+:\d{1,5})*$/.test(bootstrap))
    throw new ConfigError(`--kafka must be host:port[,host:port], got "${bootstrap}"`);
  if (flags.topic === undefined) throw new ConfigError('--topic is required with --kafka');
  if (flags.demo) throw new ConfigError('--demo and --kafka exclude each other');
  if (flags.pulsar !== undefined) throw new ConfigError('--pulsar and --kafka exclude each other');
  if (flags.subscription !== undefined || flags.subscriptionType !== undefined) {
    throw new ConfigError('--subscription is for Pulsar; with --kafka use --group');
  }
  if (flags.group === '') throw new ConfigError('--group must not be empty');
  return {
    bootstrap,
    topic: flags.topic,
    snapshotEveryMs: int('--snapshot-every-ms', flags.snapshotEveryMs, 5000, 10, 86_400_000),
    ...(flags.group !== undefined && { group: flags.group }),
    ...(flags.snapshotDir !== undefined && { snapshotDir: flags.snapshotDir }),
    ...(flags.deadLetterTopic !== undefined && { deadLetterTopic: flags.deadLetterTopic }),
    ...(flags.derivedTopic !== undefined && { derivedTopic: flags.derivedTopic }),
    ...(flags.alertTopic !== undefined && { alertTopic: flags.alertTopic }),
  };
}

/** A setting that cannot work, named; the server refuses to start with it. */
export class ConfigError extends AisleError {
  constructor(message: string) {
    super('AISLE_CONFIG', message);
    this.name = 'ConfigError';
  }
}

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
  pulsar: PulsarConfig | KafkaConfig | undefined,
): LocalLogConfig | undefined {
  const named = typeof flags.dataDir === 'string' ? flags.dataDir : env.AISLE_DATA_DIR;
  if (named === '') throw new ConfigError('--data-dir / AISLE_DATA_DIR must not be empty');
  if (pulsar !== undefined) {
    if (typeof flags.dataDir === 'string') {
      throw new ConfigError(
        '--data-dir and a broker (--pulsar, --kafka) exclude each other: the topic is the log (use --snapshot-dir)',
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

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** `30d`, `12h`, `90m`, `45s`, `500ms` (a bare number is milliseconds) into milliseconds. */
export function parseDuration(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d|w)?$/.exec(raw.trim());
  const ms = m === null ? Number.NaN : Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']!;
  if (!(Number.isFinite(ms) && ms > 0)) {
    throw new ConfigError(
      `${name} must be a positive duration such as 30d, 12h or 90m, got "${raw}"`,
    );
  }
  return ms;
}

const BYTE_UNITS: Record<string, number> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** `1GiB`, `512MiB`, `2GB`, `1e9` (a bare number is bytes) into bytes. */
export function parseBytes(name: string, raw: string): number {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]i?b|b)?$/i.exec(raw.trim());
  const bytes = m === null ? Number.NaN : Number(m[1]) * BYTE_UNITS[(m[2] ?? 'b').toLowerCase()]!;
  if (!(Number.isFinite(bytes) && bytes >= 1)) {
    throw new ConfigError(`${name} must be a size such as 1GiB, 512MiB or 2GB, got "${raw}"`);
  }
  return Math.floor(bytes);
}

/** The budget a server keeps to when none is given: well inside V8's heap limit. */
export function defaultMemoryBudget(heapLimit: number): number {
  return Math.floor(heapLimit * 0.6);
}

function limitsConfig(
  flags: ServeFlags,
  env: Record<string, string | undefined>,
  heapLimit: number,
): LimitsConfig {
  const eventTime = flags.eventTime ?? env.AISLE_EVENT_TIME ?? 'wall';
  if (eventTime !== 'wall' && eventTime !== 'stream') {
    throw new ConfigError(`--event-time must be wall or stream, got "${eventTime}"`);
  }
  const retention = flags.retention ?? env.AISLE_RETENTION;
  const retentionBytes = flags.retentionBytes ?? env.AISLE_RETENTION_BYTES;
  const maxUsers = flags.maxUsers ?? env.AISLE_MAX_USERS;
  const budget = flags.memoryBudget ?? env.AISLE_MEMORY_BUDGET;
  const skew = flags.maxFutureSkew ?? env.AISLE_MAX_FUTURE_SKEW;
  return {
    retentionMs:
      retention === undefined ? 30 * 86_400_000 : parseDuration('--retention', retention),
    ...(retentionBytes !== undefined && {
      retentionBytes: parseBytes('--retention-bytes', retentionBytes),
    }),
    ...(maxUsers !== undefined && {
      maxUsers: int('--max-users', maxUsers, 0, 1, 2 ** 32 - 1),
    }),
    memoryBudget:
      budget === undefined ? defaultMemoryBudget(heapLimit) : parseBytes('--memory-budget', budget),
    eventTime,
    maxFutureSkewMs: skew === undefined ? 5 * 60_000 : parseDuration('--max-future-skew', skew),
  };
}

/** `drinks=0.3,*=0.4` → margins by category, each in [0, 1). */
export function parseMargins(raw: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const part of raw.split(',')) {
    const at = part.lastIndexOf('=');
    const category = part.slice(0, at).trim();
    const margin = Number(part.slice(at + 1));
    if (at <= 0 || category === '' || !(margin >= 0 && margin < 1)) {
      throw new ConfigError(
        `--margins / AISLE_MARGINS: expected category=margin pairs with margins in [0, 1) ` +
          `(* for the rest), got "${part}"`,
      );
    }
    out[category] = margin;
  }
  return out;
}

export function serveConfig(
  flags: ServeFlags,
  env: Record<string, string | undefined>,
  heapLimit = 4 * 2 ** 30,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): ServeConfig {
  const kafka = kafkaConfig(flags, env);
  const pulsar = kafka === undefined ? pulsarConfig(flags, env) : undefined;
  const localLog = localLogConfig(flags, env, pulsar ?? kafka);
  const host = flags.host ?? env.AISLE_HOST ?? '127.0.0.1';
  return {
    ...(pulsar !== undefined && { pulsar }),
    ...(kafka !== undefined && { kafka }),
    ...(localLog !== undefined && { localLog }),
    host,
    network: networkConfig(flags, env, host, readFile),
    port: int('--port / AISLE_PORT', flags.port ?? env.AISLE_PORT, 7070, 0, 65535),
    demo: flags.demo ?? false,
    rate: int('--rate', flags.rate, 2000, 0, 10_000_000),
    warmup: int('--warmup', flags.warmup, 300_000, 0, 100_000_000),
    seed: int('--seed', flags.seed, 42, 0, 2 ** 31 - 1),
    simd: flags.simd,
    retrainEvery: int('--retrain-every', flags.retrainEvery, 600, 0, 7 * 86_400),
    factors: flags.factors ?? true,
    limits: limitsConfig(flags, env, heapLimit),
    ...(flags.params !== undefined && { paramsFile: flags.params }),
    ...((flags.margins ?? env.AISLE_MARGINS) !== undefined && {
      margins: parseMargins((flags.margins ?? env.AISLE_MARGINS)!),
    }),
    ...(flags.tuneEvery !== undefined && {
      tuneEveryMs: parseDuration('--tune-every', flags.tuneEvery),
    }),
    tuneBudgetS: parseDuration('--tune-budget', flags.tuneBudget ?? '60s') / 1000,
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** What the HTTP adapter needs to be put on a network (docs/http-api.md, "On a network"). */
export interface NetworkConfig {
  /** API keys with their scopes; none means no authentication (loopback only). */
  keys: ApiKey[];
  /** Reads need a key too (otherwise only writes and admin routes do). */
  authReads: boolean;
  /** Origins allowed to call the API from a browser (CORS); none: no CORS headers at all. */
  corsOrigins: string[];
  /** Host header values answered; undefined: loopback names when bound to loopback, else any. */
  allowedHosts?: string[];
  /** Requests per client (key, or address without one) per window; 0 = no limit. */
  rateLimit: { max: number; windowMs: number };
  /** Open connections at most; past it the oldest that has not sent a request yet is closed. */
  maxConnections: number;
  /** Structured log level (JSON lines on stderr). */
  logLevel: LogLevel;
  /** Log every request, not only errors and start-up. */
  logRequests: boolean;
}

/** `1000/min`, `50/s`, `0` (no limit) into a count per window. */
export function parseRate(name: string, raw: string): { max: number; windowMs: number } {
  const m = /^(\d+)(?:\s*\/\s*(\d*)\s*(ms|s|m|min|h))?$/.exec(raw.trim());
  if (m === null) {
    throw new ConfigError(`${name} must be a rate such as 1000/min, 50/s or 0 (off), got "${raw}"`);
  }
  const max = Number(m[1]);
  const windowMs = m[3] === undefined ? 60_000 : Number(m[2] || 1) * DURATION_UNITS[m[3]]!;
  if (max > 0 && !(windowMs > 0)) throw new ConfigError(`${name}: the window must be positive`);
  return { max, windowMs };
}

function list(raw: string | undefined): string[] {
  return (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function networkConfig(
  flags: ServeFlags,
  env: Record<string, string | undefined>,
  host: string,
  readFile: (path: string) => string,
): NetworkConfig {
  const file = flags.apiKeysFile ?? env.AISLE_API_KEYS_FILE;
  let keys: ApiKey[] = [];
  try {
    if (env.AISLE_API_KEYS !== undefined && env.AISLE_API_KEYS !== '') {
      keys = parseApiKeys(env.AISLE_API_KEYS, 'AISLE_API_KEYS');
    }
    if (file !== undefined) keys = [...keys, ...parseApiKeysFile(readFile(file), file)];
  } catch (err) {
    throw new ConfigError(err instanceof Error ? err.message : String(err));
  }
  const insecure = flags.insecure ?? false;
  if (!isLoopbackHost(host) && keys.length === 0 && !insecure) {
    throw new ConfigError(
      `refusing to serve on ${host} without API keys: anyone who can reach it could post events ` +
        'and start trainings. Set AISLE_API_KEYS or --api-keys-file (see docs/http-api.md), ' +
        'or pass --insecure to serve it open anyway.',
    );
  }
  const authReads = flags.authReads ?? false;
  if (authReads && keys.length === 0) {
    throw new ConfigError('--auth-reads needs API keys (AISLE_API_KEYS or --api-keys-file)');
  }
  const logLevel = flags.logLevel ?? env.AISLE_LOG_LEVEL ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const corsOrigins = list(flags.corsOrigin ?? env.AISLE_CORS_ORIGIN);
  for (const origin of corsOrigins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        `--cors-origin takes origins such as https://shop.example (scheme and host, no path), got "${origin}"`,
      );
    }
  }
  const hosts = flags.allowedHosts ?? env.AISLE_ALLOWED_HOSTS;
  return {
    keys,
    authReads,
    corsOrigins,
    ...(hosts !== undefined && { allowedHosts: list(hosts).map((h) => h.toLowerCase()) }),
    rateLimit: parseRate('--rate-limit', flags.rateLimit ?? env.AISLE_RATE_LIMIT ?? '60000/min'),
    maxConnections: int(
      '--max-connections',
      flags.maxConnections ?? env.AISLE_MAX_CONNECTIONS,
      512,
      1,
      1_000_000,
    ),
    logLevel: logLevel as LogLevel,
    logRequests: flags.log ?? false,
  };
}
