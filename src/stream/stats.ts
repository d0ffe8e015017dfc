/** What every stream source reports, whichever broker it reads. */

export type StreamTransport = 'pulsar' | 'kafka';

export interface SourceStats {
  /** Messages applied (each once). */
  messages: number;
  /** Events refused and sent to the dead-letter topic (a whole unreadable payload counts 1). */
  deadLetters: number;
  /** Messages seen again (redelivered or re-read) and skipped. */
  duplicatesSkipped: number;
  /**
   * Where the state stands, per partition: the raw id of the last message applied (Pulsar,
   * keyed by topic or partition), or the offset of the last record applied (Kafka, keyed
   * `topic/partition`).
   */
  position: Record<string, string>;
  /** Publish time (Pulsar) or record timestamp (Kafka) of the newest applied message, 0 before any. */
  lastPublishTime: number;
  checkpoints: number;
  lastCheckpointMs: number;
}

/** What a stream host reports next to the engine's own totals. */
export interface StreamReport extends SourceStats {
  transport: StreamTransport;
  derivedEvents: number;
  alertEvents: number;
  /** Kafka with a consumer group: its name and the partitions this engine holds now. */
  group?: string;
  assigned?: string[];
  /** Kafka with a group: the next offset this engine committed, per `topic/partition`. */
  committed?: Record<string, string>;
}
