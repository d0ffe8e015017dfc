/**
 * The WebSocket backend of `PulsarTransport`.
 */
export { createWsTransport, type WsTransportOptions } from './transport.js';
export { parseTopic, type TopicName } from './url.js';
