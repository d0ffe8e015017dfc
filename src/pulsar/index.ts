/**
 * Pulsar access for the hosts in `src/`: the transport interface, message ids, and the
 * WebSocket transport. engine/ never imports this.
 */
export * from './transport.js';
export {
  compareMessageIds,
  formatMessageId,
  messageIdKey,
  parseMessageId,
  type MessageIdFields,
} from './message-id.js';
export {
  createWsTransport,
  parseTopic,
  type TopicName,
  type WsTransportOptions,
} from './ws/index.js';
