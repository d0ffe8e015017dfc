import { describe, expect, it } from 'vitest';
import { parseEndpoint } from '../../../src/bridge/endpoint.js';

describe('bridge endpoints', () => {
  it('reads Pulsar and Kafka URIs', () => {
    expect(parseEndpoint('pulsar://127.0.0.1:8080/orders')).toEqual({
      kind: 'pulsar',
      wsUrl: 'ws://127.0.0.1:8080',
      adminUrl: 'http://127.0.0.1:8080',
      topic: 'persistent://public/default/orders',
    });
    expect(parseEndpoint('pulsar+tls://broker:8443/shop/retail/orders').topic).toBe(
      'persistent://shop/retail/orders',
    );
    expect(parseEndpoint('pulsar+tls://broker:8443/persistent/shop/retail/orders')).toMatchObject({
      wsUrl: 'wss://broker:8443',
      topic: 'persistent://shop/retail/orders',
    });
    expect(parseEndpoint('pulsar://b:8080/persistent://shop/retail/orders').topic).toBe(
      'persistent://shop/retail/orders',
    );
    expect(parseEndpoint('kafka://k1:9092,k2:9092/orders.v1')).toEqual({
      kind: 'kafka',
      bootstrap: 'k1:9092,k2:9092',
      topic: 'orders.v1',
    });
  });

  it('names what is wrong with a bad one', () => {
    expect(() => parseEndpoint('http://x:1/t')).toThrow(/neither pulsar/);
    expect(() => parseEndpoint('kafka://nohost/t')).toThrow(/not host:port/);
    expect(() => parseEndpoint('kafka://a:1/bad topic')).toThrow(/not a Kafka topic/);
    expect(() => parseEndpoint('pulsar://a:1/x/y')).toThrow(/not a Pulsar topic/);
    expect(() => parseEndpoint('pulsar://a:1,b:2/t')).toThrow(/one host:port/);
  });
});
