import { describe, expect, it } from 'vitest';
import { pulsarPosition } from '../../../src/pulsar/source.js';

describe('a restored Pulsar position', () => {
  it('is taken as it was written', () => {
    const p = {
      topics: { 'persistent://public/default/t': 'CAMQAjAA' },
      messages: 3,
      deadLetters: 1,
      unacked: [],
    };
    expect(pulsarPosition(p)).toEqual(p);
  });

  it('refuses a Kafka snapshot or anything else, by name', () => {
    const kafka = {
      transport: 'kafka',
      topic: 't',
      partitions: { 't/0': '9' },
      messages: 10,
      deadLetters: 0,
    };
    for (const bad of [kafka, undefined, null, 'x', { messages: 1 }]) {
      expect(() => pulsarPosition(bad), JSON.stringify(bad)).toThrow(/not Pulsar/);
    }
  });
});
