/**
 * The transport-independent half of consuming a stream: payload formats, applying a message,
 * dead letters, derived records out, and the figures a source reports. Pulsar (src/pulsar) and
 * Kafka (src/kafka) supply the other half: reading, positions and acknowledgement.
 */
export { applyPayload, mergeRefusals, type Applied } from './apply.js';
export { deadLetter, type DeadLetter, type DeadLetterSource } from './dead-letter.js';
export { decodePayload, type Decoded, type PayloadFormat } from './decode.js';
export { encodePayload, type OutFormat } from './encode.js';
export { snapshotWriter, startEngine, type StartedEngine } from './engine-state.js';
export { byKey, routingKey } from './keys.js';
export { streamOutputs, type RecordSink, type StreamOutputs } from './outputs.js';
export type { SourceStats, StreamReport, StreamTransport } from './stats.js';
