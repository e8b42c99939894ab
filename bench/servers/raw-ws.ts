import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { type WebSocket, WebSocketServer } from 'ws';
import { baselineEvent } from '../payload.js';
import { type BaselinePrincipal, serveBench, verifyBaselineToken } from './common.js';

/**
 * Baseline 1, the practical limit of this stack: a plain `ws` server. A client
 * sends `{"token": "<jwt>"}` first and gets `{"type":"ready"}`; from then on
 * each alert is JSON-encoded once and the same bytes are written to every
 * socket in its scope (officers and admins: all; a user: their own). With
 * REDIS_URL, events travel over one Redis channel and each instance fans out
 * to its own sockets.
 */

const CHANNEL = 'bench:raw-ws';

const everyone = new Set<WebSocket>();
const byUser = new Map<string, Set<WebSocket>>();
let subscribers = 0;
const refusals: Record<string, number> = {};

function register(socket: WebSocket, principal: BaselinePrincipal): () => void {
  subscribers++;
  if (principal.seesAll) {
    everyone.add(socket);
    return () => everyone.delete(socket);
  }
  const own = byUser.get(principal.sub) ?? new Set();
  own.add(socket);
  byUser.set(principal.sub, own);
  return () => {
    own.delete(socket);
    if (own.size === 0) byUser.delete(principal.sub);
  };
}

/** Writes one encoded event to every socket allowed to see it. */
function fanOut(json: string, userId: string): void {
  const frame = Buffer.from(json);
  for (const socket of everyone) socket.send(frame, { binary: false });
  const own = byUser.get(userId);
  if (own) for (const socket of own) socket.send(frame, { binary: false });
}

const http = createServer();
const wss = new WebSocketServer({ server: http });
wss.on('connection', (socket) => {
  socket.on('error', () => {});
  let unregister: (() => void) | null = null;
  socket.once('message', async (data) => {
    try {
      const { token } = JSON.parse(String(data)) as { token?: unknown };
      const principal = await verifyBaselineToken(token);
      if (socket.readyState !== socket.OPEN) return;
      unregister = register(socket, principal);
      socket.send('{"type":"ready"}');
    } catch {
      refusals['auth failed'] = (refusals['auth failed'] ?? 0) + 1;
      socket.close(4403, 'Forbidden');
    }
  });
  socket.once('close', () => {
    if (!unregister) return;
    unregister();
    subscribers--;
  });
});

const redisUrl = process.env.REDIS_URL;
let publish: (json: string, userId: string) => Promise<unknown> | undefined = (json, userId) => {
  fanOut(json, userId);
  return undefined;
};
if (redisUrl) {
  const publisher = new Redis(redisUrl);
  const subscriber = new Redis(redisUrl);
  await subscriber.subscribe(CHANNEL);
  // Each instance decodes the event once, for its address, and fans the original bytes out.
  subscriber.on('message', (_channel: string, json: string) => {
    fanOut(json, (JSON.parse(json) as { userId: string }).userId);
  });
  publish = (json) => publisher.publish(CHANNEL, json);
}

await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
serveBench({
  port: (http.address() as AddressInfo).port,
  counters: () => ({ subscribers, refusals }),
  publishOne: (seq, target, sentAt) => publish(JSON.stringify(baselineEvent(seq, target, sentAt)), target),
});
