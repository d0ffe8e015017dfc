/** `aisle serve`: an engine behind the HTTP adapter, fed by the demo simulator when asked. */
import { createEngine } from '../../engine/index.js';
import { listen } from '../http/server.js';
import type { ServeConfig } from '../config.js';
import { createSimulator, fillHistory, startPacer } from '../sim/index.js';

export interface Running {
  url: string;
  close(): Promise<void>;
}

export async function serve(config: ServeConfig, log: (line: string) => void): Promise<Running> {
  const started = performance.now();
  const engine = await createEngine(config.simd === undefined ? {} : { simd: config.simd });
  let stopPacer = (): void => {};
  if (config.demo) {
    const sim = createSimulator({ seed: config.seed });
    engine.loadCatalogue(sim.catalogue());
    const sink = (events: Parameters<typeof engine.ingestEvents>[0]): void =>
      engine.ingestEvents(events);
    fillHistory(sim, sink, config.warmup, 10_000);
    if (config.rate > 0) {
      const pacer = startPacer(sim, sink, { rate: config.rate });
      stopPacer = () => pacer.stop();
    }
  }
  const { app, url } = await listen(engine, {
    host: config.host,
    port: config.port,
    logger: config.logger,
  });
  const s = engine.stats();
  log(`aisle listening on ${url} (${s.simd ? 'SIMD' : 'scalar'} kernels)`);
  if (config.demo) {
    log(
      `demo source: simulator seed ${config.seed}, ${s.events} events of history, ` +
        `${config.rate} events/s live, ${s.items} items`,
    );
    const top = engine.popular({ k: 1 })[0]?.item ?? 'sku-1';
    log(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s; try:`);
    log(`  curl ${url}/v1/trending?k=5`);
    log(`  curl ${url}/v1/items/${top}/similar?k=5`);
    log(`  curl ${url}/metrics`);
  }
  return {
    url,
    async close() {
      stopPacer();
      await app.close();
      engine.close();
    },
  };
}
