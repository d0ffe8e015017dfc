/** `aisle bridge --from <uri> --to <uri>`: runs src/bridge until SIGINT or SIGTERM. */
import { Command } from 'commander';
import { startBridge } from '../bridge/bridge.js';
import { parseEndpoint } from '../bridge/endpoint.js';
import { stopOnSignals } from './signals.js';

export function bridgeCommand(): Command {
  return new Command('bridge')
    .description(
      'copy a topic between Pulsar and Kafka, at least once, keys and payloads unchanged',
    )
    .requiredOption('--from <uri>', 'pulsar://host:port/topic or kafka://host:port/topic')
    .requiredOption('--to <uri>', 'pulsar://host:port/topic or kafka://host:port/topic')
    .option('--name <name>', 'Pulsar subscription or Kafka group to read through', 'aisle-bridge')
    .option('--window <n>', 'messages sent and not yet acknowledged, at most', '1000')
    .action(async (flags: { from: string; to: string; name: string; window: string }) => {
      const window = Number(flags.window);
      if (!Number.isInteger(window) || window < 1) {
        throw new Error(`--window must be a positive integer, got "${flags.window}"`);
      }
      const log = (line: string): void => console.log(line);
      const bridge = await startBridge({
        from: parseEndpoint(flags.from),
        to: parseEndpoint(flags.to),
        name: flags.name,
        window,
        log,
        onError: (err) => log(`bridge: ${err instanceof Error ? err.message : String(err)}`),
      });
      let reported = -1;
      const timer = setInterval(() => {
        if (bridge.forwarded === reported) return;
        reported = bridge.forwarded;
        log(`forwarded ${reported} messages`);
      }, 5000);
      stopOnSignals({
        announce: 'finishing the messages in flight',
        stop: async () => {
          clearInterval(timer);
          await bridge.stop();
        },
        done: () => `stopped after ${bridge.forwarded} messages`,
        graceMs: 30_000,
      });
    });
}
