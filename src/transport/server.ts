import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { handleProtocols } from 'graphql-ws';
import type { DestinationStream } from 'pino';
import { WebSocketServer } from 'ws';
import { createRevocations } from '../auth/revocation.js';
import { createVerifier } from '../auth/verify.js';
import type { Config } from '../config/config.js';
import { createFanout, type Fanout } from '../fanout/fanout.js';
import { createHub, type Hub } from '../hub.js';
import { createLogger } from '../log.js';
import { redisConnectionOf, startOperations } from '../operations/operations.js';
import { createMemoryStore } from '../store/memory.js';
import { createRedisStore } from '../store/redis.js';
import { createApp } from './http.js';
import { isUpgradeOriginAllowed } from './origin.js';
import { useWsTransport } from './ws.js';

/** How long in-flight requests may take to finish on shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;

/** A running instance. */
export interface RunningServer {
  /** The bound port (useful with PORT=0). */
  readonly port: number;
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly hub: Hub;
  /** Shared-execution groups of WebSocket subscriptions. */
  readonly fanout: Fanout;
  readonly http: Server;
  /** Graceful shutdown: stops accepting, ends subscriptions, closes sockets with 1001, drains requests, closes the store. */
  close(): Promise<void>;
}

function refuseUpgrade(socket: Duplex, status: number, message: string): void {
  socket.end(`HTTP/1.1 ${status} ${message}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

/** Starts the server: the event store (memory or Redis), the hub, HTTP + SSE + WebSocket on one port. */
export async function startServer(
  config: Config,
  options: { logDestination?: DestinationStream } = {},
): Promise<RunningServer> {
  const logger = createLogger(config.logLevel, options.logDestination);
  const redis = redisConnectionOf(config);
  const store = redis
    ? await createRedisStore({ ...redis, retention: config.retention, prefix: config.redisKeyPrefix })
    : createMemoryStore(config.retention);
  const hub = await createHub(store);
  const revocations = createRevocations(hub);
  const verify = createVerifier(config.keys);
  // Operations: metrics, webhooks and login rules (src/operations).
  const operations = await startOperations(config, hub, logger);
  const fanout = createFanout(hub, revocations, operations.metrics);
  const app = await createApp(config, hub, revocations, verify, logger, fanout, operations);

  const http = createServer(app);
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: config.limits.maxMessageBytes,
    // Fan-out writes frames it encoded itself, in order with ws's own writes, which holds only uncompressed.
    perMessageDeflate: false,
    handleProtocols,
  });
  const transport = useWsTransport(wss, {
    app,
    hub,
    fanout,
    revocations,
    verify,
    logger,
    metrics: operations.metrics,
    limits: { ...config.limits, heartbeatIntervalMs: config.heartbeatIntervalMs },
  });

  http.on('upgrade', (request, socket, head) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== '/graphql') return refuseUpgrade(socket, 404, 'Not Found');
    if (!isUpgradeOriginAllowed(request, config.allowedOrigins))
      return refuseUpgrade(socket, 403, 'Forbidden');
    if (wss.clients.size >= config.maxConnections) {
      operations.metrics.rateLimited('max_connections');
      return refuseUpgrade(socket, 503, 'Service Unavailable');
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  operations.metrics.countConnections(() => wss.clients.size);

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    hub,
    fanout,
    http,
    async close() {
      // Stop accepting, tell sockets to go elsewhere (1001), end subscriptions, let in-flight
      // requests (publishes) finish, then release the store. Sockets first: their subscriptions
      // end without a `complete`, which would tell a client not to resubscribe once reconnected.
      const drained = new Promise<void>((resolve) => http.close(() => resolve()));
      const disposed = transport.dispose();
      hub.shutdown();
      await disposed;
      const deadline = setTimeout(() => http.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await drained;
      clearTimeout(deadline);
      await operations.close();
      await hub.close();
    },
  };
}
