/**
 * `aisle serve`: an engine behind the HTTP adapter, fed by the demo simulator or by a Pulsar
 * topic (restored from its newest snapshot, resumed after the position it covers).
 */
import { createEngine, type Engine } from '../../engine/index.js';
import type { ServeConfig } from '../config.js';
import { listen } from '../http/server.js';
import { startStreamHost } from '../pulsar/host.js';
import { createSimulator, fillHistory, startPacer } from '../sim/index.js';
import { scheduleRetrain } from './retrain.js';

export interface Running {
  url: string;
  engine: Engine;
  close(): Promise<void>;
}

async function demo(config: ServeConfig): Promise<{ engine: Engine; stop: () => Promise<void> }> {
  const engine = await createEngine(config.simd === undefined ? {} : { simd: config.simd });
  let stop = async (): Promise<void> => {};
  if (config.demo) {
    const sim = createSimulator({ seed: config.seed });
    engine.loadCatalogue(sim.catalogue());
    const sink = (events: Parameters<typeof engine.ingestEvents>[0]): void =>
      engine.ingestEvents(events);
    fillHistory(sim, sink, config.warmup, 10_000);
    if (config.rate > 0) {
      const pacer = startPacer(sim, sink, { rate: config.rate });
      stop = async () => pacer.stop();
    }
  }
  return { engine, stop };
}

export async function serve(config: ServeConfig, log: (line: string) => void): Promise<Running> {
  const started = performance.now();
  const p = config.pulsar;
  const host =
    p === undefined
      ? undefined
      : await startStreamHost({
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
          ...(config.simd !== undefined && { engine: { simd: config.simd } }),
          onError: (err) => log(`pulsar: ${err instanceof Error ? err.message : String(err)}`),
          log,
        });
  const { engine, stop } =
    host === undefined ? await demo(config) : { engine: host.engine, stop: () => host.stop() };
  const { app, url } = await listen(engine, {
    host: config.host,
    port: config.port,
    logger: config.logger,
    ...(host !== undefined && { stream: () => host.stats(), publish: (e) => host.publish(e) }),
  });
  const retrain = config.factors
    ? scheduleRetrain(engine, config.retrainEvery * 1000, log)
    : { stop: () => undefined };
  const s = engine.stats();
  log(`aisle listening on ${url} (${s.simd ? 'SIMD' : 'scalar'} kernels)`);
  if (host !== undefined) {
    log(
      `source: ${p!.topic} on ${p!.url}${host.restoredFrom ? `, restored from ${host.restoredFrom}` : ', from the earliest message'}`,
    );
  }
  if (config.demo) {
    log(
      `demo source: simulator seed ${config.seed}, ${s.events} events of history, ` +
        `${config.rate} events/s live, ${s.items} items`,
    );
    const top = engine.popular({ k: 1 })[0]?.item ?? 'sku-1';
    log(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s; try:`);
    log(`  curl ${url}/v1/trending?k=5`);
    log(`  curl ${url}/v1/items/${top}/similar?k=5`);
    log(`  curl '${url}/v1/users/u-1/recommendations?k=5&inStock=true'`);
    log(`  curl ${url}/metrics`);
  }
  return {
    url,
    engine,
    async close() {
      retrain.stop();
      await app.close();
      await stop();
      engine.close();
    },
  };
}
