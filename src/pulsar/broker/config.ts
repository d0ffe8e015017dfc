/**
 * The standalone broker's configuration files. One file serves as both the broker and the
 * bookie configuration (PulsarStandalone reads it for both); the ports written in it are also
 * how `brokerStatus` finds the URLs of a running broker.
 */
import fs from 'node:fs';
import type { BrokerFiles } from './files.js';

/** The two ports a standalone broker listens on (the bookie picks a free port itself). */
export interface BrokerPorts {
  /** HTTP: admin REST API and the WebSocket API. */
  web: number;
  /** The binary Pulsar protocol, for native clients. */
  broker: number;
}

/** The URLs of a broker listening on 127.0.0.1 with `ports`. */
export function brokerUrls(ports: BrokerPorts): {
  wsUrl: string;
  adminUrl: string;
  serviceUrl: string;
} {
  return {
    wsUrl: `ws://127.0.0.1:${ports.web}`,
    adminUrl: `http://127.0.0.1:${ports.web}`,
    serviceUrl: `pulsar://127.0.0.1:${ports.broker}`,
  };
}

/** The contents of standalone.conf for a single-node broker on loopback. */
export function standaloneConf(ports: BrokerPorts): string {
  const settings: [string, string | number | boolean][] = [
    ['clusterName', 'standalone'],
    ['bindAddress', '127.0.0.1'],
    ['advertisedAddress', '127.0.0.1'],
    ['brokerServicePort', ports.broker],
    ['webServicePort', ports.web],
    // Empty: metadata in RocksDB under --metadata-dir, no ZooKeeper.
    ['metadataStoreUrl', ''],
    // Off by default in the Java config class; only the distribution's standalone.conf enables it.
    ['webSocketServiceEnabled', true],
    // One bookie, so every quorum is one (the defaults of 2 would never be met).
    ['managedLedgerDefaultEnsembleSize', 1],
    ['managedLedgerDefaultWriteQuorum', 1],
    ['managedLedgerDefaultAckQuorum', 1],
    ['loadManagerClassName', 'org.apache.pulsar.broker.loadbalance.NoopLoadManager'],
    ['loadBalancerEnabled', false],
    ['functionsWorkerEnabled', false],
    ['systemTopicEnabled', true],
    ['topicLevelPoliciesEnabled', true],
    // Partitioned topics are created explicitly through the admin API; auto-created ones are plain.
    ['allowAutoTopicCreation', true],
    ['allowAutoTopicCreationType', 'non-partitioned'],
    // The engine replays topics from the earliest message with a Reader, which holds no
    // subscription: without infinite retention the broker would delete what it must replay.
    ['brokerDeleteInactiveTopicsEnabled', false],
    ['defaultRetentionTimeInMinutes', -1],
    ['defaultRetentionSizeInMB', -1],
    ['dbStorage_writeCacheMaxSizeMb', 64],
    ['dbStorage_readAheadCacheMaxSizeMb', 64],
    // The bookie's own HTTP server would need one more port and serves nothing we use.
    ['httpServerEnabled', false],
  ];
  return (
    '# Written by aisle (src/pulsar/broker/config.ts) at each start; edits are overwritten.\n' +
    settings.map(([k, v]) => `${k}=${String(v)}`).join('\n') +
    '\n'
  );
}

// The broker's log goes to stdout, which the launcher sends to broker.log together with
// anything the JVM prints itself (a crash, an OutOfMemoryError). Written explicitly so the
// output does not depend on which jar's log4j2.xml comes first on the class path.
const LOG4J2_XML = `<?xml version="1.0" encoding="UTF-8"?>
<Configuration status="warn">
  <Appenders>
    <Console name="stdout" target="SYSTEM_OUT">
      <PatternLayout pattern="%d{ISO8601} %-5p [%t] %c{1} - %m%n"/>
    </Console>
  </Appenders>
  <Loggers>
    <Root level="info"><AppenderRef ref="stdout"/></Root>
  </Loggers>
</Configuration>
`;

/** Writes standalone.conf and log4j2.xml into the data directory. */
export function writeConfig(files: BrokerFiles, ports: BrokerPorts): void {
  fs.writeFileSync(files.conf, standaloneConf(ports));
  fs.writeFileSync(files.log4j, LOG4J2_XML);
}

/** The ports recorded in an existing standalone.conf, or undefined when it has none. */
export function readPorts(files: BrokerFiles): BrokerPorts | undefined {
  let text: string;
  try {
    text = fs.readFileSync(files.conf, 'utf8');
  } catch {
    return undefined;
  }
  const get = (key: string): number => Number(new RegExp(`^${key}=(\\d+)$`, 'm').exec(text)?.[1]);
  const ports = { web: get('webServicePort'), broker: get('brokerServicePort') };
  return ports.web > 0 && ports.broker > 0 ? ports : undefined;
}
