#!/usr/bin/env node
/** The `aisle` command. The only module that exits the process. */
import { Command } from 'commander';
import { ConfigError, serveConfig, type ServeFlags } from '../config.js';
import { serve } from './serve.js';

const program = new Command();
program.name('aisle').description('Real-time recommendation and analytics engine for retail');

program
  .command('serve')
  .description('run the engine and serve HTTP (loopback unless --host says otherwise)')
  .option('--demo', 'feed the engine from the built-in retail simulator')
  .option('--host <host>', 'address to bind (env AISLE_HOST)', undefined)
  .option('--port <port>', 'port to bind, 0 for any free port (env AISLE_PORT; default 7070)')
  .option('--rate <n>', 'demo: simulated events per second (default 2000)')
  .option('--warmup <n>', 'demo: events of history before serving (default 300000)')
  .option('--seed <n>', 'demo: simulator seed (default 42)')
  .option('--no-simd', 'use the scalar WASM kernels')
  .option('--log', 'log every request as JSON lines')
  .action(async (flags: ServeFlags & { simd: boolean }) => {
    const config = serveConfig(
      { ...flags, simd: flags.simd === false ? false : undefined },
      process.env,
    );
    const running = await serve(config, (line) => console.log(line));
    const stop = (): void => {
      running.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) console.error(`aisle: ${err.message}`);
  else console.error(err);
  process.exit(1);
});
