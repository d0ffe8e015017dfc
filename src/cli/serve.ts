/**
 * `aisle serve`: an engine behind the HTTP adapter, fed by the demo simulator, by HTTP through
 * the local log (restored from its newest snapshot plus the log after it), or by a Pulsar topic
 * (restored from its newest snapshot, resumed after the position it covers).
 */
import {
  createEngine,
  type Engine,
  type EngineOptions,
  type RetailEvent,
} from '../../engine/index.js';
import type { ServeConfig } from '../config.js';
import { defaultAllowedHosts } from '../http/guard.js';
import { listen } from '../http/server.js';
import { openLocalLog, type LocalLogHost } from '../local-log/index.js';
import { startKafkaHost } from '../kafka/host.js';
import { startStreamHost } from '../pulsar/host.js';
import { createSimulator, fillHistory, startPacer } from '../sim/index.js';
import type { SessionsSource } from '../http/routes/ops.js';
import type { StreamReport } from '../stream/stats.js';
import { basketOptions, readParamsFile } from '../tune/params-file.js';
import { scheduleSessionTuning } from '../tune/stream-tuning.js';
import { scheduleRetrain } from './retrain.js';

export interface Running {
  url: string;
  engine: Engine;
  close(): Promise<void>;
}

/**
 * The engine options a server runs with: retention, the memory budget and the event-time policy
 * from the limits (docs/retention.md), the kernel build, and for the demo a clock that reads the
 * simulator's time, since the simulated stream runs far faster than the wall clock.
 */
export function engineOptions(config: ServeConfig, clock?: () => number): EngineOptions {
  const l = config.limits;
  const params = config.paramsFile === undefined ? undefined : readParamsFile(config.paramsFile);
  const baskets = params === undefined ? undefined : basketOptions(params);
  return {
    ...(params?.sessions !== undefined && { sessions: params.sessions }),
    ...(baskets !== undefined && { recommend: baskets.recommend, als: baskets.als }),
    ...(config.simd !== undefined && { simd: config.simd }),
    // The demo's catalogue has no costs: a 35% margin stands in unless --margins says otherwise.
    ...((config.margins !== undefined || config.demo) && {
      pricing: { margins: config.margins ?? { '*': 0.35 } },
    }),
    ...(clock !== undefined && { clock }),
    retentionMs: l.retentionMs,
    retention: {
      memoryBudget: l.memoryBudget,
      // The budget holds for the whole process, not only what the engine can count.
      probe: () => process.memoryUsage.rss(),
      ...(l.retentionBytes !== undefined && { retentionBytes: l.retentionBytes }),
      ...(l.maxUsers !== undefined && { maxUsers: l.maxUsers }),
    },
    eventTime: { mode: l.eventTime, maxFutureSkewMs: l.maxFutureSkewMs },
  };
}

async function demo(
  config: ServeConfig,
  local: LocalLogHost | undefined,
  log: (line: string) => void,
): Promise<{ engine: Engine; stop: () => Promise<void> }> {
  // The simulator keeps its own time (a day of traffic in minutes); the demo engine's clock is
  // that time, so events posted without `ts` land in the simulated present.
  // Fads on, so that the trending view has something to show from the first minute.
  const sim = config.demo
    ? createSimulator({ seed: config.seed, fadShare: 0.06, fadEvery: 1800000 })
    : undefined;
  const engine =
    local?.engine ??
    (await createEngine(engineOptions(config, sim === undefined ? undefined : () => sim.now())));
  let stop = async (): Promise<void> => {
    await local?.close();
  };
  if (sim !== undefined) {
    if (local === undefined || local.fresh) {
      engine.loadCatalogue(sim.catalogue());
      fillHistory(
        sim,
        (events) => {
          engine.ingestEvents(events);
        },
        config.warmup,
        10_000,
      );
      // The catalogue and the warm-up bypass the log, so a snapshot makes them durable before
      // any logged event builds on them.
      await local?.snapshot({ force: true });
    } else {
      log('demo: state restored from the data directory; no catalogue load or warm-up');
    }
    if (config.rate > 0) {
      const sink =
        local === undefined
          ? (events: RetailEvent[]): void => {
              engine.ingestEvents(events);
            }
          : (events: RetailEvent[]): void => {
              local.commit(events).catch((err: unknown) => log(`demo: ${(err as Error).message}`));
            };
      const pacer = startPacer(sim, sink, { rate: config.rate });
      stop = async () => {
        pacer.stop();
        await local?.close();
      };
    }
  }
  return { engine, stop };
}

async function openLog(
  config: ServeConfig,
  log: (line: string) => void,
): Promise<LocalLogHost | undefined> {
  const c = config.localLog;
  if (c === undefined) return undefined;
  const local = await openLocalLog({
    dataDir: c.dataDir,
    snapshotEveryMs: c.snapshotEvery * 1000,
    engine: engineOptions(config),
    log,
    onError: (err) => log(`local log: ${err instanceof Error ? err.message : String(err)}`),
  });
  const r = local.replay;
  log(
    `local log: ${c.dataDir}, ${
      local.restoredFrom === undefined ? 'no snapshot' : `restored ${local.restoredFrom}`
    }, replayed ${r.records} records (${r.events} events${
      r.voided > 0 ? `; ${r.voided} voided records skipped` : ''
    }), snapshots every ${c.snapshotEvery > 0 ? `${c.snapshotEvery} s` : 'shutdown only'}`,
  );
  return local;
}

/** An engine on a broker's topic, whichever broker. */
interface BrokerHost {
  engine: Engine;
  restoredFrom: string | undefined;
  stats(): StreamReport;
  publish(events: RetailEvent[]): Promise<void>;
  stop(): Promise<void>;
}

async function startBrokerHost(
  config: ServeConfig,
  log: (line: string) => void,
): Promise<{ host: BrokerHost; describe: string } | undefined> {
  const k = config.kafka;
  if (k !== undefined) {
    const host = await startKafkaHost({
      bootstrap: k.bootstrap,
      topic: k.topic,
      snapshotEveryMs: k.snapshotEveryMs,
      ...(k.group !== undefined && { group: k.group }),
      ...(k.snapshotDir !== undefined && { snapshotDir: k.snapshotDir }),
      ...(k.deadLetterTopic !== undefined && { deadLetterTopic: k.deadLetterTopic }),
      ...(k.derivedTopic !== undefined && { derivedTopic: k.derivedTopic }),
      ...(k.alertTopic !== undefined && { alertTopic: k.alertTopic }),
      engine: engineOptions(config),
      onError: (err) => log(`kafka: ${err instanceof Error ? err.message : String(err)}`),
      log,
    });
    return { host, describe: `Kafka topic ${k.topic} on ${k.bootstrap}` };
  }
  const p = config.pulsar;
  if (p === undefined) return undefined;
  const host = await startStreamHost({
    pulsar: p.url,
    topic: p.topic,
    snapshotEveryMs: p.snapshotEveryMs,
    ...(p.admin !== undefined && { admin: p.admin }),
    ...(p.token !== undefined && { token: p.token }),
    ...(p.snapshotDir !== undefined && { snapshotDir: p.snapshotDir }),
    ...(p.deadLetterTopic !== undefined && { deadLetterTopic: p.deadLetterTopic }),
    ...(p.derivedTopic !== undefined && { derivedTopic: p.derivedTopic }),
    ...(p.alertTopic !== undefined && { alertTopic: p.alertTopic }),
    ...(p.subscription !== undefined && { subscription: p.subscription }),
    engine: engineOptions(config),
    onError: (err) => log(`pulsar: ${err instanceof Error ? err.message : String(err)}`),
    log,
  });
  return { host, describe: `${p.topic} on ${p.url}` };
}

export async function serve(config: ServeConfig, log: (line: string) => void): Promise<Running> {
  const started = performance.now();
  const broker = await startBrokerHost(config, log);
  const host = broker?.host;
  const local = host === undefined ? await openLog(config, log) : undefined;
  const { engine, stop } =
    host === undefined
      ? await demo(config, local, log)
      : { engine: host.engine, stop: () => host.stop() };
  // A restored engine runs with its snapshot's parameters: a parameters file given now wins.
  const params = config.paramsFile === undefined ? undefined : readParamsFile(config.paramsFile);
  if (params?.sessions !== undefined) engine.setSessionParams(params.sessions);
  const tuning =
    config.tuneEveryMs === undefined
      ? undefined
      : scheduleSessionTuning(engine, {
          everyMs: config.tuneEveryMs,
          budgetS: config.tuneBudgetS,
          log,
        });
  const sessionsSource = (): SessionsSource => {
    if (tuning?.tuned !== undefined) return { source: 'stream', tuned: tuning.tuned };
    if (config.paramsFile === undefined) return { source: 'defaults' };
    const note = params?.tuned?.sessions;
    return {
      source: 'params file',
      file: config.paramsFile,
      ...(note !== undefined && { tuned: note }),
    };
  };
  const n = config.network;
  const { app, url } = await listen(engine, {
    host: config.host,
    port: config.port,
    logLevel: n.logLevel,
    logRequests: n.logRequests,
    guard: {
      keys: n.keys,
      authReads: n.authReads,
      corsOrigins: n.corsOrigins,
      allowedHosts: n.allowedHosts ?? defaultAllowedHosts(config.host),
      rateLimit: n.rateLimit,
      // Trainings and scans of the whole log cost seconds of CPU each.
      adminRateLimit: { max: 10, windowMs: 60_000 },
    },
    connections: { maxConnections: n.maxConnections },
    sessionsSource,
    ...(host !== undefined && { stream: () => host.stats(), publish: (e) => host.publish(e) }),
    ...(local !== undefined && { durable: local, localLog: () => local.stats() }),
  });
  const retrain = config.factors
    ? scheduleRetrain(engine, config.retrainEvery * 1000, log)
    : { stop: () => undefined };
  const s = engine.stats();
  log(`aisle listening on ${url} (${s.simd ? 'SIMD' : 'scalar'} kernels)`);
  log(`dashboard: ${url}/`);
  if (host !== undefined) {
    log(
      `source: ${broker!.describe}${host.restoredFrom ? `, restored from ${host.restoredFrom}` : ', from the earliest message'}`,
    );
  }
  if (config.demo) {
    log(
      `demo source: simulator seed ${config.seed}, ${s.events} events of history, ` +
        `${config.rate} events/s live, ${s.items} items`,
    );
    const top = engine.recommend({ type: 'popular', k: 1 }).results[0]?.item ?? 'sku-1';
    log(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s; try:`);
    log(`  curl ${url}/v1/trending?k=5`);
    log(`  curl ${url}/v1/items/${top}/similar?k=5`);
    log(`  curl '${url}/v1/users/u-1/recommendations?k=5&inStock=true'`);
    log(`  curl ${url}/metrics`);
  }
  return {
    url,
    engine,
    /**
     * Stops intake (the listener closes; requests in flight finish, new ones get 503), then the
     * source: the demo's pacer, the local log's final snapshot, or the stream's final snapshot
     * and the acknowledgement of what it covers.
     */
    async close() {
      retrain.stop();
      await tuning?.stop();
      await app.close();
      await stop();
      engine.close();
    },
  };
}
