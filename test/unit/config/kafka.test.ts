/** `aisle serve --kafka`: the settings of an engine on a Kafka topic, checked at start. */
import { describe, expect, it } from 'vitest';
import { ConfigError, serveConfig } from '../../../src/config.js';

const config = (flags: Parameters<typeof serveConfig>[0], env: Record<string, string> = {}) =>
  serveConfig(flags, env, 2 ** 32);

describe('serve --kafka', () => {
  it('reads the bootstrap, topic, group and snapshot settings', () => {
    const c = config({
      kafka: 'k1:9092,k2:9092',
      topic: 'events',
      group: 'shop',
      snapshotDir: 'snaps',
      snapshotEveryMs: '250',
      alertTopic: 'alerts',
    });
    expect(c.kafka).toEqual({
      bootstrap: 'k1:9092,k2:9092',
      topic: 'events',
      group: 'shop',
      snapshotDir: 'snaps',
      snapshotEveryMs: 250,
      alertTopic: 'alerts',
    });
    expect(c.pulsar).toBeUndefined();
    // The topic is the log: no local log beside it.
    expect(c.localLog).toBeUndefined();
  });

  it('takes KAFKA_BOOTSTRAP when only a topic is given and no Pulsar is named', () => {
    expect(
      config({ topic: 'events' }, { KAFKA_BOOTSTRAP: '127.0.0.1:9092' }).kafka?.bootstrap,
    ).toBe('127.0.0.1:9092');
    const both = config(
      { topic: 'events' },
      { KAFKA_BOOTSTRAP: '127.0.0.1:9092', PULSAR_WS_URL: 'ws://127.0.0.1:8080' },
    );
    expect(both.kafka).toBeUndefined();
    expect(both.pulsar?.url).toBe('ws://127.0.0.1:8080');
  });

  it('refuses what cannot work, naming the flag', () => {
    const cases: [Parameters<typeof serveConfig>[0], RegExp][] = [
      [{ kafka: 'k:9092' }, /--topic is required with --kafka/],
      [{ kafka: 'kafka://k:9092', topic: 't' }, /--kafka must be host:port/],
      [{ kafka: 'k', topic: 't' }, /--kafka must be host:port/],
      [{ kafka: 'k:1', topic: 't', pulsar: 'ws://p:1' }, /--pulsar and --kafka exclude/],
      [{ kafka: 'k:1', topic: 't', demo: true }, /--demo and --kafka exclude/],
      [{ kafka: 'k:1', topic: 't', subscription: 's' }, /with --kafka use --group/],
      [{ kafka: 'k:1', topic: 't', group: '' }, /--group must not be empty/],
      [{ kafka: 'k:1', topic: 't', dataDir: 'd' }, /--data-dir and a broker/],
      [{ group: 'g' }, /--group needs --kafka/],
    ];
    for (const [flags, message] of cases) {
      expect(() => config(flags), JSON.stringify(flags)).toThrow(ConfigError);
      expect(() => config(flags), JSON.stringify(flags)).toThrow(message);
    }
  });
});
