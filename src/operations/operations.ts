import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import { STREAMS } from '../events/types.js';
import type { Hub } from '../hub.js';
import { createMetrics, type ServerMetrics } from '../metrics/metrics.js';
import { useMetrics } from '../metrics/plugin.js';
import { createMemoryCounters, createRedisCounters, type LoginCounters } from '../rules/counters.js';
import { createLoginRules, type LoginRules } from '../rules/login-attempts.js';
import {
  connectRedisClients,
  createRedisClient,
  type RedisClient,
  type RedisConnection,
} from '../store/redis.js';
import { startWebhookDispatcher } from '../webhooks/dispatcher.js';
import { createMemoryWebhookStore, createRedisWebhookStore, type WebhookStore } from '../webhooks/store.js';
import { createWebhooks, type Webhooks } from '../webhooks/webhooks.js';

/** What the operations features add to every operation's context. */
export interface OperationsContext {
  /** This instance's metrics: record from anywhere, read by `stats` and `GET /metrics`. */
  metrics: ServerMetrics;
  /** The admin API of webhooks. */
  webhooks: Webhooks;
  /** Login attempts → alerts. */
  loginRules: LoginRules;
}

/** The operations features of one server: metrics, webhooks and alert rules, wired to its hub. */
export interface Operations extends OperationsContext {
  /** Yoga plugins: `GET /metrics`, subscription counting, and the context fields above. */
  readonly plugins: readonly (Plugin | Plugin<OperationsContext>)[];
  /** Stops webhook deliveries and releases the Redis connection. */
  close(): Promise<void>;
}

/** Where Redis is, from the configuration; null for the in-memory backend. */
export function redisConnectionOf(
  config: Pick<Config, 'redisUrl' | 'redisClusterNodes'>,
): RedisConnection | null {
  if (config.redisUrl) return { url: config.redisUrl };
  if (config.redisClusterNodes) return { clusterNodes: config.redisClusterNodes };
  return null;
}

/**
 * Starts the operations features over the hub. With Redis configured, webhook
 * endpoints, delivery records and the rules' counters live there (one more
 * connection, failing fast while Redis is down), so every instance shares them.
 */
export async function startOperations(config: Config, hub: Hub, logger: Logger): Promise<Operations> {
  const metrics = createMetrics({ backend: hub.backend, isReady: () => hub.isReady() });
  const releases = STREAMS.map((stream) => hub.listen(stream, () => metrics.published(stream)));

  const connection = redisConnectionOf(config);
  let redis: RedisClient | null = null;
  let webhookStore: WebhookStore;
  let counters: LoginCounters;
  if (connection) {
    redis = createRedisClient(connection, { failFast: true });
    await connectRedisClients(connection, [redis]);
    webhookStore = createRedisWebhookStore(redis, config.redisKeyPrefix);
    counters = createRedisCounters(redis, config.redisKeyPrefix);
  } else {
    webhookStore = createMemoryWebhookStore();
    counters = createMemoryCounters();
  }

  const dispatcher = startWebhookDispatcher({
    hub,
    store: webhookStore,
    settings: config.webhooks,
    logger: logger.child({ component: 'webhooks' }),
    onAttempt: (outcome) => metrics.webhookAttempt(outcome),
  });
  const context: OperationsContext = {
    metrics,
    webhooks: createWebhooks(webhookStore),
    loginRules: createLoginRules({
      hub,
      counters,
      settings: config.loginRules,
      onAlert: (type) => metrics.ruleAlert(type),
      onAttempt: (success) => metrics.loginAttempt(success),
    }),
  };
  const extendContext: Plugin<OperationsContext> = {
    onContextBuilding({ extendContext }) {
      extendContext(context);
    },
  };

  return {
    ...context,
    plugins: [useMetrics(metrics, { token: config.metricsToken }), extendContext],
    async close() {
      for (const release of releases) release();
      await dispatcher.close();
      if (redis) await redis.quit().catch(() => redis?.disconnect());
    },
  };
}
