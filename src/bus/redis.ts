import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { EventBus } from './bus.js';
import { engineBus } from './engine.js';

/** Options for the Redis bus. */
export interface RedisBusOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** Prefix for every channel; default `seh:`. */
  channelPrefix?: string;
}

/**
 * Bus through Redis pub/sub, with separate publisher and subscriber
 * connections (a subscribed connection cannot publish). Resolves once both are
 * connected; rejects if Redis cannot be reached at start-up.
 */
export async function createRedisBus(options: RedisBusOptions): Promise<EventBus> {
  // The publisher fails fast while Redis is down instead of queueing without bound;
  // the subscriber keeps its queue so ioredis can resubscribe on reconnect.
  const publisher = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  const subscriber = new Redis(options.url, { lazyConnect: true });
  // ioredis logs unhandled 'error' events loudly; the connection state is what matters and is read by isReady().
  for (const client of [publisher, subscriber]) client.on('error', () => {});
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
  } catch (error) {
    publisher.disconnect();
    subscriber.disconnect();
    throw new Error(`Cannot reach Redis at REDIS_URL: ${(error as Error).message}`);
  }
  const engine = new RedisPubSub({ publisher, subscriber });
  let closed = false;
  return engineBus({
    kind: 'redis',
    engine,
    channelPrefix: options.channelPrefix ?? 'seh:',
    isReady: () => !closed && publisher.status === 'ready' && subscriber.status === 'ready',
    close: async () => {
      if (closed) return;
      closed = true;
      await engine.close().catch(() => undefined);
    },
  });
}
