import type { RunningServer } from '../../src/transport/server.js';
import { startRedis, type TestRedis } from './redis.js';
import { startTestServer } from './server.js';

/** A pub/sub backend the same suite runs against: in-memory, or a real redis-server the harness owns. */
export interface Backend {
  readonly name: 'memory' | 'redis';
  /** Starts one app instance on this backend (instances started alike share its Redis log). */
  startServer(env?: Record<string, string>): Promise<RunningServer>;
  /** Starts an instance on an empty log of its own (a fresh Redis key prefix). */
  startIsolatedServer(env?: Record<string, string>): Promise<RunningServer>;
  /** Stops what the backend started (Redis). */
  stop(): Promise<void>;
  /** The Redis under it, for fault tests; null for memory. */
  readonly redis: TestRedis | null;
}

let isolated = 0;

/** Creates a backend; for `redis`, starts a private redis-server on a free port. */
export async function createBackend(name: Backend['name']): Promise<Backend> {
  const redis = name === 'redis' ? await startRedis() : null;
  return {
    name,
    redis,
    startServer: (env = {}) => startTestServer({ ...(redis ? { REDIS_URL: redis.url } : {}), ...env }),
    startIsolatedServer: (env = {}) =>
      startTestServer({
        ...(redis ? { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `t${++isolated}` } : {}),
        ...env,
      }),
    stop: async () => redis?.stop(),
  };
}

/** The backend names, for `describe.each`. */
export const BACKENDS = ['memory', 'redis'] as const;
