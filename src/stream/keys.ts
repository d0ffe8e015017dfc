/**
 * How events are keyed when aisle publishes them: by user; an anonymous shopper by session;
 * else by item (inventory and price events). Pulsar and Kafka route a key to one partition, so
 * one engine of a group sees all of a user's (or an anonymous session's) events, in order.
 */
import type { RetailEvent } from '../../engine/index.js';

export function routingKey(e: RetailEvent): string {
  return ('user' in e && e.user) || ('session' in e && e.session) || ('item' in e && e.item) || '';
}

/** Events grouped by routing key, each group in the order given. */
export function byKey(events: readonly RetailEvent[]): Map<string, RetailEvent[]> {
  const out = new Map<string, RetailEvent[]>();
  for (const e of events) {
    const key = routingKey(e);
    const group = out.get(key);
    if (group === undefined) out.set(key, [e]);
    else group.push(e);
  }
  return out;
}
