/** The single-node KRaft broker's config files: what server.properties says, and reading it back. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readPorts, writeConfig } from '../../../src/kafka/broker/config.js';
import {
  bootstrapAddress,
  kafkaFiles,
  log4j2Properties,
  serverProperties,
} from '../../../src/kafka/broker/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-kafka-config-'));
  dirs.push(dir);
  return dir;
}

function parse(text: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    expect(eq, line).toBeGreaterThan(0);
    const key = line.slice(0, eq).trim();
    expect(map.has(key), `duplicate ${line}`).toBe(false);
    map.set(key, line.slice(eq + 1).trim());
  }
  return map;
}

describe('serverProperties', () => {
  const files = kafkaFiles('/data/k');
  const props = parse(serverProperties({ broker: 40001, controller: 40002 }, files));

  it.each([
    ['process.roles', 'broker,controller'],
    ['node.id', '1'],
    ['controller.quorum.voters', '1@127.0.0.1:40002'],
    ['listeners', 'PLAINTEXT://127.0.0.1:40001,CONTROLLER://127.0.0.1:40002'],
    ['advertised.listeners', 'PLAINTEXT://127.0.0.1:40001'],
    ['controller.listener.names', 'CONTROLLER'],
    ['listener.security.protocol.map', 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT'],
    ['log.dirs', path.join(path.resolve('/data/k'), 'logs')],
    ['num.partitions', '1'],
    ['offsets.topic.replication.factor', '1'],
    ['transaction.state.log.replication.factor', '1'],
    ['transaction.state.log.min.isr', '1'],
    ['group.initial.rebalance.delay.ms', '0'],
    ['auto.create.topics.enable', 'true'],
    ['log.retention.ms', '-1'],
  ])('sets %s=%s', (key, value) => {
    expect(props.get(key)).toBe(value);
  });

  it('has no ZooKeeper and no dynamic-quorum settings', () => {
    for (const key of props.keys()) expect(key).not.toMatch(/zookeeper|quorum\.bootstrap/);
  });

  it('binds and advertises loopback only', () => {
    const addresses = [props.get('listeners'), props.get('advertised.listeners')].join(',');
    for (const host of addresses.matchAll(/\/\/([^:]+):/g)) expect(host[1]).toBe('127.0.0.1');
  });
});

describe('log4j2Properties', () => {
  it('logs WARN and above to stdout, which the launcher sends to broker.log', () => {
    const props = parse(log4j2Properties());
    expect(props.get('rootLogger.level')).toBe('warn');
    expect(props.get('appender.stdout.type')).toBe('Console');
    expect(props.get('appender.stdout.target')).toBe('SYSTEM_OUT');
    expect(props.get('rootLogger.appenderRef.stdout.ref')).toBe('stdout');
  });
});

describe('writeConfig and readPorts', () => {
  it('reads back the ports it wrote', () => {
    const files = kafkaFiles(tmp());
    writeConfig(files, { broker: 41234, controller: 41235 });
    expect(readPorts(files)).toEqual({ broker: 41234, controller: 41235 });
    expect(fs.readFileSync(files.log4j, 'utf8')).toBe(log4j2Properties());
  });

  it.each([
    ['no file', undefined],
    ['no listeners', 'node.id=1\n'],
    ['no controller listener', 'listeners=PLAINTEXT://127.0.0.1:9092\n'],
    [
      'a port that is not a number',
      'listeners=PLAINTEXT://127.0.0.1:x,CONTROLLER://127.0.0.1:9093\n',
    ],
  ])('gives undefined for %s', (_, text) => {
    const files = kafkaFiles(tmp());
    if (text !== undefined) fs.writeFileSync(files.conf, text);
    expect(readPorts(files)).toBeUndefined();
  });

  it('reads the listeners in either order', () => {
    const files = kafkaFiles(tmp());
    fs.writeFileSync(
      files.conf,
      'listeners=CONTROLLER://127.0.0.1:9093,PLAINTEXT://127.0.0.1:9092\n',
    );
    expect(readPorts(files)).toEqual({ broker: 9092, controller: 9093 });
  });
});

describe('kafkaFiles', () => {
  it('keeps everything inside the data directory', () => {
    const dir = tmp();
    const files = kafkaFiles(dir);
    for (const [key, file] of Object.entries(files)) {
      expect(file.startsWith(dir), key).toBe(true);
    }
    expect(files.meta).toBe(path.join(dir, 'logs', 'meta.properties'));
  });

  it('gives the bootstrap address of the broker port', () => {
    expect(bootstrapAddress({ broker: 40001, controller: 40002 })).toBe('127.0.0.1:40001');
  });
});
