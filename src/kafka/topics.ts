/**
 * Topics made before use. Brokers may create topics on first use, but a consumer subscribing to
 * a topic nobody has written yet gets UNKNOWN_TOPIC_OR_PARTITION from kafkajs instead; creating
 * them up front (with the broker's default partitions) makes start-up order not matter.
 */
import type { Kafka } from 'kafkajs';

/** Creates the topics that do not exist yet; `partitions` defaults to the broker's setting. */
export async function ensureTopics(
  kafka: Kafka,
  topics: readonly string[],
  partitions?: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          ...(partitions !== undefined && { numPartitions: partitions }),
        })),
      });
    } catch (err) {
      // Another engine of the group may have made it between the listing and now.
      if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
    }
  } finally {
    await admin.disconnect();
  }
}
