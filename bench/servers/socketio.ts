import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { baselineEvent } from '../payload.js';
import { type BaselinePrincipal, serveBench, verifyBaselineToken } from './common.js';

/**
 * Baseline 2, what the original design used: Socket.IO 4 over WebSocket only
 * (no long-polling, for both sides). The token goes in the handshake's `auth`;
 * officers and admins join the room `alerts:all`, a user the room
 * `user:<sub>`; each alert is one `io.to([...]).emit('alert', event)`, which
 * Socket.IO encodes once per broadcast. With REDIS_URL it uses the official
 * Redis adapter, so a broadcast on one instance reaches the others.
 */

interface ServerToClient {
  ready: () => void;
  alert: (event: ReturnType<typeof baselineEvent>) => void;
}

const EVERYONE = 'alerts:all';
const userRoom = (sub: string) => `user:${sub}`;

const http = createServer();
const io = new Server<Record<string, never>, ServerToClient, Record<string, never>, BaselinePrincipal>(http, {
  transports: ['websocket'],
  serveClient: false,
});
let subscribers = 0;
const refusals: Record<string, number> = {};

const redisUrl = process.env.REDIS_URL;
if (redisUrl) io.adapter(createAdapter(new Redis(redisUrl), new Redis(redisUrl)));

io.use(async (socket, next) => {
  try {
    Object.assign(
      socket.data,
      await verifyBaselineToken((socket.handshake.auth as { token?: unknown }).token),
    );
    next();
  } catch {
    refusals['auth failed'] = (refusals['auth failed'] ?? 0) + 1;
    next(new Error('Forbidden'));
  }
});
io.on('connection', (socket) => {
  const principal = socket.data;
  void socket.join(principal.seesAll ? EVERYONE : userRoom(principal.sub));
  subscribers++;
  socket.on('disconnect', () => {
    subscribers--;
  });
  socket.emit('ready');
});

await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
serveBench({
  port: (http.address() as AddressInfo).port,
  counters: () => ({ subscribers, refusals }),
  publishOne: (seq, target, sentAt) => {
    io.to([EVERYONE, userRoom(target)]).emit('alert', baselineEvent(seq, target, sentAt));
    return undefined;
  },
});
