/**
 * Timeouts and a cap on open connections, so that clients which connect and then send nothing,
 * or send their headers a byte at a time, cannot use up the process's file descriptors.
 *
 * At the cap, a new connection does not wait or fail: the oldest connection that has not yet
 * sent a complete request is closed to make room (a slow-header flood evicts itself, while a
 * client that sends its request at once is answered). Only when every open connection is busy
 * with a request is the new one refused.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionLimits {
  /** Open connections at most. */
  maxConnections: number;
  /** A request's headers must arrive within this (ms). */
  headersTimeoutMs: number;
  /** A whole request, body included, must arrive within this (ms). */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (ms). */
  keepAliveTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 512,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

/** Connections counted by the cap, and how many the cap closed; for /metrics. */
export interface ConnectionStats {
  open: number;
  evicted: number;
  refused: number;
}

export function limitConnections(server: Server, limits: ConnectionLimits): () => ConnectionStats {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Sockets counted by the cap, and (in arrival order) those without a request in progress.
  const live = new Set<Socket>();
  const waiting = new Set<Socket>();
  let evicted = 0;
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    live.add(socket);
    waiting.add(socket);
    socket.once('close', () => {
      live.delete(socket);
      waiting.delete(socket);
    });
    while (live.size > limits.maxConnections) {
      const oldest = firstOther(waiting, socket);
      if (oldest === undefined) {
        refused++;
        live.delete(socket);
        waiting.delete(socket);
        socket.destroy();
        return;
      }
      evicted++;
      live.delete(oldest);
      waiting.delete(oldest);
      oldest.destroy();
    }
  });
  server.on('request', (request, response) => {
    const socket = request.socket;
    waiting.delete(socket);
    // Back in the queue once answered: an idle keep-alive connection may make room too.
    response.once('finish', () => {
      if (!socket.destroyed) {
        waiting.delete(socket);
        waiting.add(socket);
      }
    });
  });
  return () => ({ open: live.size, evicted, refused });
}

function firstOther(set: Set<Socket>, not: Socket): Socket | undefined {
  for (const s of set) if (s !== not) return s;
  return undefined;
}
