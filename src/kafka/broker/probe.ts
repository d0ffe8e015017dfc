/**
 * Is a Kafka broker serving? An open port is not enough (the socket server binds before the
 * broker has caught up with its metadata log), so a kafkajs admin client asks for the topic list,
 * which the broker answers only once it is fully up.
 */
import { Kafka, logLevel } from 'kafkajs';
import { portAccepts } from '../../broker/index.js';

/**
 * True when the broker at `bootstrap` (`host:port`, or a comma-separated list) answers a metadata request (`listTopics`);
 * false on any error. Never throws. About 50 ms against a running broker; each network step
 * (connect, request) gives up after `timeoutMs`.
 */
export async function isKafkaReady(bootstrap: string, timeoutMs = 3_000): Promise<boolean> {
  const brokers = bootstrap.split(',').map((b) => b.trim());
  const one = brokers.length === 1 ? /^(.+):(\d+)$/.exec(brokers[0]!) : null;
  // The cheap check first: on a broker still starting, nothing listens yet.
  if (one !== null && !(await portAccepts(one[1]!, Number(one[2]), timeoutMs))) return false;
  const admin = new Kafka({
    clientId: 'aisle-broker-probe',
    brokers,
    connectionTimeout: Math.min(timeoutMs, 1_000),
    requestTimeout: timeoutMs,
    // The probe is polled; a retry here would only hide how long the broker took.
    retry: { retries: 0 },
    logLevel: logLevel.NOTHING,
  }).admin();
  // No race against a timer: a connect still pending when we disconnect could leave a socket
  // open behind us. kafkajs's own timeouts bound each step instead.
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}
