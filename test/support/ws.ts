import WebSocket from 'ws';
import { AsyncQueue } from './queue.js';

/** A server-sent graphql-transport-ws message. */
export interface WsMessage {
  type: string;
  id?: string;
  payload?: unknown;
}

/** A raw graphql-transport-ws client that records every frame and the close. */
export interface TestSocket {
  readonly ws: WebSocket;
  readonly messages: AsyncQueue<WsMessage>;
  send(message: object | string): void;
  /** The next message; fails after `timeoutMs`. */
  waitForMessage(timeoutMs?: number): Promise<WsMessage>;
  /** The close code and reason; fails after `timeoutMs`. */
  waitForClose(timeoutMs?: number): Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens a WebSocket to `<url>/graphql` with the graphql-transport-ws subprotocol (or `protocol`). */
export async function openSocket(
  url: string,
  options: { protocol?: string; headers?: Record<string, string> } = {},
): Promise<TestSocket> {
  const ws = new WebSocket(
    `${url.replace(/^http/, 'ws')}/graphql`,
    options.protocol ?? 'graphql-transport-ws',
    {
      headers: options.headers,
    },
  );
  const messages = new AsyncQueue<WsMessage>();
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  ws.on('message', (data) => messages.push(JSON.parse(String(data)) as WsMessage));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
  return {
    ws,
    messages,
    send: (message) => ws.send(typeof message === 'string' ? message : JSON.stringify(message)),
    waitForMessage: (timeoutMs = 5000) => messages.next('a WebSocket message', timeoutMs),
    waitForClose: (timeoutMs = 5000) =>
      Promise.race([
        closed,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`socket not closed within ${timeoutMs} ms`)), timeoutMs),
        ),
      ]),
    close: () => ws.close(),
  };
}

/** Opens a socket and completes the handshake with `Bearer <token>`; fails unless acknowledged. */
export async function openAuthedSocket(url: string, token: string): Promise<TestSocket> {
  const socket = await openSocket(url);
  socket.send({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } });
  const ack = await socket.waitForMessage();
  if (ack.type !== 'connection_ack') throw new Error(`expected connection_ack, got ${JSON.stringify(ack)}`);
  return socket;
}

/** A subscription's results on one socket, by operation id. */
export interface WsSubscription {
  /** The `data` of the next `next` frame for this id; fails on an `error` frame. */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Every frame received for this id so far. */
  readonly frames: WsMessage[];
  complete(): void;
}

let nextId = 0;

/** Starts an operation on an acknowledged socket; frames for other ids are left to their own subscriptions. */
export function subscribeOn(
  socket: TestSocket,
  query: string,
  variables?: Record<string, unknown>,
): WsSubscription & { id: string; queue: AsyncQueue<WsMessage> } {
  const id = `op-${++nextId}`;
  const queue = new AsyncQueue<WsMessage>();
  socket.ws.on('message', (data) => {
    const message = JSON.parse(String(data)) as WsMessage;
    if (message.id === id) queue.push(message);
  });
  socket.send({ id, type: 'subscribe', payload: { query, variables } });
  return {
    id,
    queue,
    frames: queue.seen,
    async next(timeoutMs = 5000) {
      const frame = await queue.next(`a result for ${id}`, timeoutMs);
      if (frame.type !== 'next') throw new Error(`expected next for ${id}, got ${JSON.stringify(frame)}`);
      return (frame.payload as { data: Record<string, unknown> }).data;
    },
    complete: () => socket.send({ id, type: 'complete' }),
  };
}
