import type { IncomingMessage } from 'node:http';
import { CloseCode, type Server } from 'graphql-ws';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import { type Metrics, NO_METRICS } from '../metrics/metrics.js';

/**
 * Close codes this server uses besides graphql-ws's own (4400 bad request,
 * 4401 unauthorized, 4403 forbidden, 4406 subprotocol, 4408 init timeout,
 * 4409 duplicate id, 4429 second init).
 */
export const CLOSE = {
  /** Shutting down: reconnect (to another instance). */
  goingAway: 1001,
  /** A message over the size limit (ws enforces it). */
  messageTooBig: 1009,
  /** Too slow to keep up: reconnect and resume from the last cursor. graphql-ws clients retry on it. */
  tryAgainLater: 1013,
  /** Too many messages, or too many connections for one user. Not retried by graphql-ws clients. */
  tooManyRequests: 4429,
} as const;

/** Per-connection limits enforced by the adapter. */
export interface SocketLimits {
  /** Messages a connection may send per minute (a token bucket: bursts up to this, refilled evenly). */
  messagesPerMinute: number;
  /** Bytes queued for a socket beyond which it is closed as too slow. */
  maxBufferedBytes: number;
  /** Ping interval; a peer that has not answered the previous ping by the next is terminated. */
  heartbeatIntervalMs: number;
}

/** What each connection's graphql-ws context carries in `extra`. */
export interface SocketExtra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
}

const TOO_SLOW = 'Too slow: reconnect and resume from your last cursor';

// A closing socket whose peer does not answer the close handshake is destroyed after this long.
const CLOSE_GRACE_MS = 2000;

/** Closes with a code and reason, and destroys the socket if the peer never completes the handshake. */
export function closeSocket(socket: WebSocket, code: number, reason: string): void {
  if (socket.readyState === socket.CLOSED) return;
  socket.close(code, reason);
  setTimeout(() => socket.terminate(), CLOSE_GRACE_MS).unref();
}

/**
 * Sends a message unless the reader is too slow: over `maxBufferedBytes` queued,
 * the socket is closed with 1013. Past a quarter of the cap the returned promise
 * waits until the message is written out (backpressure for whoever awaits it);
 * a reader that does not drain within a heartbeat is cut off.
 */
export function sendCapped(socket: WebSocket, data: string, limits: SocketLimits): void | Promise<void> {
  if (socket.readyState !== socket.OPEN) return;
  // Read once: the getter sums the socket's and the sender's queues, on every frame.
  const buffered = socket.bufferedAmount;
  if (buffered > limits.maxBufferedBytes) {
    closeSocket(socket, CLOSE.tryAgainLater, TOO_SLOW);
    return;
  }
  if (buffered <= limits.maxBufferedBytes / 4) {
    socket.send(data);
    return;
  }
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      closeSocket(socket, CLOSE.tryAgainLater, TOO_SLOW);
      resolve();
    }, limits.heartbeatIntervalMs);
    socket.send(data, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Runs a graphql-ws server (`makeServer`) on a ws server, like graphql-ws's
 * own `useServer`, plus what an internet-facing server needs: a per-connection
 * message rate limit (a flood is refused, not queued), a cap on bytes queued
 * for a slow reader, and heartbeats that drop dead peers. Sends apply
 * backpressure past a quarter of the cap; a reader that stalls is cut off with
 * 1013 rather than holding memory.
 */
export function attachGraphQLWs<E extends SocketExtra>(
  wss: WebSocketServer,
  server: Server<E>,
  limits: SocketLimits,
  extraFor: (socket: WebSocket, request: IncomingMessage) => E,
  metrics: Pick<Metrics, 'rateLimited'> = NO_METRICS,
): { dispose(): Promise<void> } {
  wss.on('connection', (socket, request) => {
    let tokens = limits.messagesPerMinute;
    let refilledAt = Date.now();
    const allowMessage = () => {
      const now = Date.now();
      tokens = Math.min(
        limits.messagesPerMinute,
        tokens + ((now - refilledAt) * limits.messagesPerMinute) / 60_000,
      );
      refilledAt = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    };

    let alive = true;
    socket.on('pong', () => {
      alive = true;
    });
    const heartbeat = setInterval(() => {
      if (!alive) return socket.terminate();
      alive = false;
      socket.ping();
    }, limits.heartbeatIntervalMs);

    // ws reports protocol violations (e.g. an oversized frame, closed with 1009) as errors after closing.
    socket.on('error', () => {});

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data: string) => sendCapped(socket, data, limits),
        close: (code?: number, reason?: string) => closeSocket(socket, code ?? 1000, reason ?? ''),
        onMessage: (handle: (data: string) => Promise<void>) => {
          socket.on('message', (data: RawData, isBinary: boolean) => {
            if (socket.readyState !== socket.OPEN) return;
            if (!allowMessage()) {
              metrics.rateLimited('messages');
              closeSocket(socket, CLOSE.tooManyRequests, 'Too many messages');
              return;
            }
            if (isBinary) {
              closeSocket(socket, CloseCode.BadRequest, 'Binary messages are not accepted');
              return;
            }
            handle(String(data)).catch((error: unknown) => {
              console.error('graphql-ws message handling failed', error);
              closeSocket(socket, CloseCode.InternalServerError, 'Internal server error');
            });
          });
        },
      },
      extraFor(socket, request),
    );

    socket.once('close', (code, reason) => {
      clearInterval(heartbeat);
      void closed(code, reason.toString());
    });
  });

  return {
    async dispose() {
      for (const socket of wss.clients) closeSocket(socket, CLOSE.goingAway, 'Server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
