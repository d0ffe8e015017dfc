/**
 * The single-node KRaft broker's configuration files: server.properties (one process that is
 * both broker and controller, on loopback) and its log4j2 config. The ports written in
 * server.properties are also how `kafkaBrokerStatus` finds the address of a running broker.
 */
import fs from 'node:fs';
import type { KafkaFiles } from './files.js';

/** The two ports a single-node broker listens on, both on 127.0.0.1. */
export interface KafkaPorts {
  /** The PLAINTEXT listener clients bootstrap from. */
  broker: number;
  /** The CONTROLLER listener of the KRaft quorum (only the node itself talks to it). */
  controller: number;
}

/** The bootstrap address clients use: `127.0.0.1:<broker port>`. */
export function bootstrapAddress(ports: KafkaPorts): string {
  return `127.0.0.1:${ports.broker}`;
}

/** The KRaft node id; with one node there is nothing to choose. */
const NODE_ID = 1;

/** The contents of server.properties for a single-node broker on loopback. */
export function serverProperties(ports: KafkaPorts, files: KafkaFiles): string {
  const settings: [string, string | number | boolean][] = [
    // One JVM is the whole cluster: broker and KRaft controller, no ZooKeeper.
    ['process.roles', 'broker,controller'],
    ['node.id', NODE_ID],
    // A static quorum of one voter. StorageTool formats it as such (no --standalone, which is for
    // a dynamic quorum and refuses to be combined with controller.quorum.voters).
    ['controller.quorum.voters', `${NODE_ID}@127.0.0.1:${ports.controller}`],
    [
      'listeners',
      `PLAINTEXT://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
    ],
    // What metadata responses tell clients to connect to: the same loopback address.
    ['advertised.listeners', `PLAINTEXT://127.0.0.1:${ports.broker}`],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['log.dirs', files.logDirs],
    ['num.partitions', 1],
    // One broker, so every internal topic has one replica (the defaults of 3 would never be met).
    ['offsets.topic.replication.factor', 1],
    ['transaction.state.log.replication.factor', 1],
    ['transaction.state.log.min.isr', 1],
    ['share.coordinator.state.topic.replication.factor', 1],
    ['share.coordinator.state.topic.min.isr', 1],
    // A consumer group's first member starts at once instead of waiting 3 s for more members.
    ['group.initial.rebalance.delay.ms', 0],
    ['auto.create.topics.enable', true],
    // The engine replays topics from the earliest offset, and events carry their own (possibly
    // old) timestamps: time-based retention (7 days by default) would delete what it must replay.
    ['log.retention.ms', -1],
  ];
  return (
    '# Written by aisle (src/kafka/broker/config.ts) at each start; edits are overwritten.\n' +
    settings.map(([k, v]) => `${k}=${String(v)}`).join('\n') +
    '\n'
  );
}

// The broker's log goes to stdout, which the launcher sends to broker.log together with anything
// the JVM prints itself (a crash, an OutOfMemoryError). WARN keeps it short; the one INFO logger
// is the server's own, for its "Kafka Server started" and shutdown lines. Properties, not YAML:
// log4j2 reads this format without Jackson. No shutdown hook: the console appender flushes each
// line, and the hook only warns when it cannot register during a SIGTERM-initiated shutdown.
const LOG4J2_PROPERTIES = `# Written by aisle (src/kafka/broker/config.ts) at each start; edits are overwritten.
status = warn
shutdownHook = disable
appender.stdout.type = Console
appender.stdout.name = stdout
appender.stdout.target = SYSTEM_OUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = %d{ISO8601} %-5p [%t] %c{1} - %m%n
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = stdout
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = info
`;

/** The contents of log4j2.properties. */
export function log4j2Properties(): string {
  return LOG4J2_PROPERTIES;
}

/** Writes server.properties and log4j2.properties into the data directory. */
export function writeConfig(files: KafkaFiles, ports: KafkaPorts): void {
  fs.writeFileSync(files.conf, serverProperties(ports, files));
  fs.writeFileSync(files.log4j, LOG4J2_PROPERTIES);
}

/** The ports recorded in an existing server.properties, or undefined when it has none. */
export function readPorts(files: KafkaFiles): KafkaPorts | undefined {
  let text: string;
  try {
    text = fs.readFileSync(files.conf, 'utf8');
  } catch {
    return undefined;
  }
  const listeners = /^listeners=(.*)$/m.exec(text)?.[1] ?? '';
  const port = (name: string): number =>
    Number(new RegExp(`(?:^|,)${name}://[^,]*:(\\d+)`).exec(listeners)?.[1]);
  const ports = { broker: port('PLAINTEXT'), controller: port('CONTROLLER') };
  return ports.broker > 0 && ports.controller > 0 ? ports : undefined;
}
