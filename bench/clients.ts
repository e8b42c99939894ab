import { io } from 'socket.io-client';
import WebSocket from 'ws';
import { type BenchEvent, HUB_SUBSCRIPTION } from './payload.js';
import type { ServerKind } from './protocol.js';

/**
 * One subscriber per server kind, all with the same shape: connect,
 * authenticate, subscribe to alerts, then hand every delivered event to
 * `onEvent` and every close or error frame to `onProblem`. Each decodes the
 * whole message (JSON.parse, or socket.io-client's own decoding), as a real
 * client would.
 */

/** Callbacks of a subscriber. */
export interface SubscriberEvents {
  onEvent(event: BenchEvent): void;
  /** Received message bytes (the WebSocket message, without frame headers). */
  onBytes(bytes: number): void;
  /** A close or error after the subscription was up, e.g. `close 1013` or `error SLOW_CONSUMER`. */
  onProblem(problem: string): void;
}

/** A connected, subscribed client. */
export interface Subscriber {
  /** Closes the connection; resolves once it is closed. */
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 30_000;

const wsUrl = (url: string, path: string) => `${url.replace(/^http/, 'ws')}${path}`;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out`)), CONNECT_TIMEOUT_MS);
    }),
  ]);
}

function closeWs(ws: WebSocket): Promise<void> {
  if (ws.readyState === ws.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => ws.terminate(), 5000);
    ws.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close();
  });
}

interface GraphQLWsMessage {
  type: string;
  id?: string;
  payload?: { data?: { securityAlerts?: BenchEvent } | null; errors?: unknown[] } & Record<string, unknown>;
}

/** The hub: graphql-transport-ws, `connection_init` with the token, then one `subscribe`. */
function hubSubscriber(url: string, token: string, events: SubscriberEvents): Promise<Subscriber> {
  const ws = new WebSocket(wsUrl(url, '/graphql'), 'graphql-transport-ws');
  let up = false;
  let closing = false;
  return withTimeout(
    new Promise<Subscriber>((resolve, reject) => {
      const subscriber: Subscriber = {
        close: () => {
          closing = true;
          return closeWs(ws);
        },
      };
      ws.on('open', () =>
        ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
      );
      ws.on('message', (data: Buffer) => {
        events.onBytes(data.length);
        const message = JSON.parse(data.toString()) as GraphQLWsMessage;
        switch (message.type) {
          case 'next': {
            const event = message.payload?.data?.securityAlerts;
            if (event) events.onEvent(event);
            else events.onProblem(`next without data ${JSON.stringify(message.payload?.errors ?? null)}`);
            return;
          }
          case 'connection_ack':
            ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: HUB_SUBSCRIPTION } }));
            // graphql-ws does not acknowledge a subscribe; the orchestrator waits for the server's count.
            up = true;
            resolve(subscriber);
            return;
          case 'ping':
            ws.send('{"type":"pong"}');
            return;
          case 'error': {
            const errors = message.payload as unknown as { extensions?: { code?: string } }[];
            events.onProblem(`error ${errors[0]?.extensions?.code ?? 'unknown'}`);
            return;
          }
          case 'complete':
            events.onProblem('complete');
            return;
        }
      });
      ws.on('error', (error) => {
        if (!up) reject(error);
      });
      ws.on('unexpected-response', (_request, response) =>
        reject(new Error(`upgrade ${response.statusCode}`)),
      );
      ws.on('close', (code, reason) => {
        if (!up) reject(new Error(`closed ${code} ${reason.toString()}`));
        else if (!closing) events.onProblem(`close ${code}`);
      });
    }),
    'hub subscribe',
  );
}

/** The raw ws baseline: `{"token"}` first, `{"type":"ready"}` back, then events as plain JSON. */
function rawSubscriber(url: string, token: string, events: SubscriberEvents): Promise<Subscriber> {
  const ws = new WebSocket(wsUrl(url, '/'));
  let up = false;
  let closing = false;
  return withTimeout(
    new Promise<Subscriber>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ token })));
      ws.on('message', (data: Buffer) => {
        if (!up) {
          up = true;
          resolve({
            close: () => {
              closing = true;
              return closeWs(ws);
            },
          });
          return;
        }
        events.onBytes(data.length);
        events.onEvent(JSON.parse(data.toString()) as BenchEvent);
      });
      ws.on('error', (error) => {
        if (!up) reject(error);
      });
      ws.on('close', (code, reason) => {
        if (!up) reject(new Error(`closed ${code} ${reason.toString()}`));
        else if (!closing) events.onProblem(`close ${code}`);
      });
    }),
    'raw ws subscribe',
  );
}

/** The Socket.IO baseline: socket.io-client over WebSocket only, its own connection each (no multiplexing). */
function socketIoSubscriber(url: string, token: string, events: SubscriberEvents): Promise<Subscriber> {
  const socket = io(url, {
    transports: ['websocket'],
    auth: { token },
    reconnection: false,
    forceNew: true,
  });
  let up = false;
  let closing = false;
  return withTimeout(
    new Promise<Subscriber>((resolve, reject) => {
      socket.on('ready', () => {
        up = true;
        // Message bytes as the engine received them ("4" + the encoded packet).
        socket.io.engine.on('data', (data: unknown) => {
          events.onBytes(typeof data === 'string' ? data.length + 1 : 0);
        });
        resolve({
          close: () => {
            closing = true;
            if (socket.disconnected) return Promise.resolve();
            return new Promise<void>((done) => {
              socket.once('disconnect', () => done());
              socket.disconnect();
            });
          },
        });
      });
      socket.on('alert', (event: BenchEvent) => events.onEvent(event));
      socket.on('connect_error', (error) => reject(error));
      socket.on('disconnect', (reason) => {
        if (!up) reject(new Error(`disconnected: ${reason}`));
        else if (!closing) events.onProblem(`disconnect ${reason}`);
      });
    }),
    'socket.io subscribe',
  );
}

/** Connects one subscriber of the given kind. */
export function connectSubscriber(
  kind: ServerKind,
  url: string,
  token: string,
  events: SubscriberEvents,
): Promise<Subscriber> {
  switch (kind) {
    case 'hub':
      return hubSubscriber(url, token, events);
    case 'ws':
      return rawSubscriber(url, token, events);
    case 'socketio':
      return socketIoSubscriber(url, token, events);
  }
}
