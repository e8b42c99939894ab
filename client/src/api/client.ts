import { createClient as createWsClient } from 'graphql-ws';
import { Client, fetchExchange, subscriptionExchange } from 'urql';
import { reconnectDelay } from './backoff.js';
import { type ConnectionStore, createConnectionStore, isFinalClose } from './connection.js';
import { subscribeResumable } from './resume.js';

/** Everything one signed-in session talks to the server through. */
export interface Api {
  /** Queries and mutations over HTTP, subscriptions over the WebSocket. */
  readonly urql: Client;
  /** The WebSocket's state, for the connection indicator. */
  readonly connection: ConnectionStore;
  /** Cuts the wait before the next reconnect attempt short (the "Retry now" button). */
  retryNow(): void;
  /** Closes the socket and stops reconnecting (sign-out). */
  dispose(): void;
}

/** A client ping goes out this often; a server that does not answer within PONG_TIMEOUT_MS is presumed gone. */
const KEEP_ALIVE_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;

/** The API's WebSocket URL on this page's own origin. */
function webSocketUrl(): string {
  const url = new URL('/graphql', window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/**
 * Creates the session's clients for `token`. The token travels only in the
 * `Authorization` header and the `connection_init` payload, never in a URL.
 *
 * The WebSocket connects lazily (with the first subscription), reconnects
 * after any transient close with exponential backoff and jitter, for as long
 * as the page is open, and resumes each subscription from its last cursor
 * (`subscribeResumable`). A 4403 close (token expired, forged, or its session
 * terminated) is final: the connection store reports it and the app signs out.
 */
export function createApi(token: string): Api {
  const connection = createConnectionStore();
  const authorization = `Bearer ${token}`;
  let wakeUp: (() => void) | null = null;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  let socket: WebSocket | null = null;

  const ws = createWsClient({
    url: webSocketUrl(),
    connectionParams: () => ({ authorization }),
    lazy: true,
    keepAlive: KEEP_ALIVE_MS,
    retryAttempts: Number.POSITIVE_INFINITY,
    // Browsers report a failed connection as an `error` event before the close; both are worth a retry.
    shouldRetry: (errorOrClose) => !(errorOrClose instanceof CloseEvent && isFinalClose(errorOrClose.code)),
    retryWait: async (attempt) => {
      const delay = reconnectDelay(attempt);
      connection.dispatch({ type: 'waiting', retryAt: Date.now() + delay });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = null;
    },
    on: {
      connecting: () => connection.dispatch({ type: 'connecting' }),
      connected: () => connection.dispatch({ type: 'connected' }),
      closed: (event) => {
        clearTimeout(pongTimer);
        const { code, reason } = event as CloseEvent;
        connection.dispatch({ type: 'closed', code, reason });
      },
      // graphql-ws's recipe for a dead connection: a ping without a pong closes the socket, and the retry begins.
      ping: (received) => {
        if (received) return;
        pongTimer = setTimeout(() => socket?.close(4408, 'Request Timeout'), PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      opened: (opened) => {
        socket = opened as WebSocket;
      },
    },
  });

  const urql = new Client({
    url: '/graphql',
    requestPolicy: 'network-only',
    preferGetMethod: false,
    fetchOptions: () => ({ headers: { authorization } }),
    exchanges: [
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({
            unsubscribe: subscribeResumable(ws, { ...request, query: request.query ?? '' }, sink),
          }),
        }),
      }),
      fetchExchange,
    ],
  });

  return {
    urql,
    connection,
    retryNow: () => wakeUp?.(),
    dispose: () => {
      clearTimeout(pongTimer);
      void ws.dispose();
    },
  };
}
