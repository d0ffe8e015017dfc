import { describe, expect, it } from 'vitest';
import { parseBootstrap } from '../../../src/kafka/client.js';
import { kafkaPosition } from '../../../src/kafka/source.js';
import { byKey, routingKey } from '../../../src/stream/keys.js';

describe('Kafka client settings', () => {
  it('reads bootstrap lists and refuses what is not host:port', () => {
    expect(parseBootstrap('127.0.0.1:9092')).toEqual(['127.0.0.1:9092']);
    expect(parseBootstrap(' a:1 , b:2 ')).toEqual(['a:1', 'b:2']);
    expect(() => parseBootstrap('')).toThrow(/no Kafka broker/);
    expect(() => parseBootstrap('kafka://a:1')).toThrow(/not host:port/);
    expect(() => parseBootstrap('a')).toThrow(/not host:port/);
  });

  it('takes only a Kafka position of the same topic from a snapshot', () => {
    const position = {
      transport: 'kafka',
      topic: 't',
      partitions: { 't/0': '9' },
      messages: 10,
      deadLetters: 0,
    };
    expect(kafkaPosition(position, 't')).toEqual(position);
    expect(() => kafkaPosition(position, 'u')).toThrow(/topic "t", not "u"/);
    expect(() => kafkaPosition({ topics: {}, messages: 1 }, 't')).toThrow(/not Kafka/);
    expect(() => kafkaPosition(undefined, 't')).toThrow(/not Kafka/);
  });
});

describe('routing keys', () => {
  it('keys by user, an anonymous shopper by session, stock and prices by item', () => {
    expect(routingKey({ type: 'view', ts: 1, user: 'u', session: 's', item: 'i' })).toBe('u');
    expect(routingKey({ type: 'view', ts: 1, session: 's', item: 'i' })).toBe('s');
    expect(routingKey({ type: 'inventory', ts: 1, item: 'i', op: 'set', quantity: 3 })).toBe('i');
    const groups = byKey([
      { type: 'view', ts: 1, user: 'a', item: 'x' },
      { type: 'view', ts: 2, user: 'b', item: 'y' },
      { type: 'add_to_cart', ts: 3, user: 'a', item: 'x', quantity: 1 },
    ]);
    expect([...groups.keys()]).toEqual(['a', 'b']);
    expect(groups.get('a')!.map((e) => e.ts)).toEqual([1, 3]);
  });
});
