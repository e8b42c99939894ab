import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCounters, createRedisCounters, type LoginCounters } from '../src/rules/counters.js';
import type { WebhookDelivery, WebhookEndpoint } from '../src/webhooks/endpoints.js';
import {
  createMemoryWebhookStore,
  createRedisWebhookStore,
  type WebhookStore,
} from '../src/webhooks/store.js';
import { startRedis, type TestRedis } from './support/redis.js';

/**
 * The stores behind webhooks and the login rules, run against every backend
 * alike: in memory, and on a real redis-server the harness starts. On Redis,
 * two stores over two connections stand for two instances.
 */

let redis: TestRedis;
const clients: Redis[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const client of clients) client.disconnect();
  await redis.stop();
});

const connect = () => {
  const client = new Redis(redis.url);
  clients.push(client);
  return client;
};
const prefix = () => `t${Math.random().toString(36).slice(2)}`;

/** Two handles on one shared store: two instances (Redis), or the same object twice (memory). */
type Pair<T> = () => [T, T];
const WEBHOOK_BACKENDS: [string, Pair<WebhookStore>][] = [
  [
    'memory',
    () => {
      const store = createMemoryWebhookStore();
      return [store, store];
    },
  ],
  [
    'redis',
    () => {
      const p = prefix();
      return [createRedisWebhookStore(connect(), p), createRedisWebhookStore(connect(), p)];
    },
  ],
];
const COUNTER_BACKENDS: [string, Pair<LoginCounters>][] = [
  [
    'memory',
    () => {
      const counters = createMemoryCounters();
      return [counters, counters];
    },
  ],
  [
    'redis',
    () => {
      const p = prefix();
      return [createRedisCounters(connect(), p), createRedisCounters(connect(), p)];
    },
  ],
];

const endpoint = (id: string, createdAt: string): WebhookEndpoint => ({
  id,
  url: `http://127.0.0.1:9/${id}`,
  secret: `secret-of-${id}-0123456789`,
  minSeverity: 'LOW',
  types: [],
  createdBy: 'root',
  createdAt,
});
const delivery = (
  endpointId: string,
  alertId: string,
  over: Partial<WebhookDelivery> = {},
): WebhookDelivery => {
  const now = new Date().toISOString();
  return {
    id: `${endpointId}:${alertId}`,
    endpointId,
    alertId,
    status: 'PENDING',
    attempts: 0,
    lastStatusCode: null,
    lastError: null,
    createdAt: now,
    updatedAt: now,
    nextAttemptAt: null,
    deliveredAt: null,
    ...over,
  };
};

describe.each(WEBHOOK_BACKENDS)('%s webhook store', (_name, pair) => {
  it('shares endpoints between instances, oldest first, secrets included for signing', async () => {
    const [a, b] = pair();
    await a.addEndpoint(endpoint('e2', '2026-01-02T00:00:00.000Z'));
    await b.addEndpoint(endpoint('e1', '2026-01-01T00:00:00.000Z'));
    expect((await a.endpoints()).map((e) => [e.id, e.secret])).toEqual([
      ['e1', 'secret-of-e1-0123456789'],
      ['e2', 'secret-of-e2-0123456789'],
    ]);
    expect(await b.removeEndpoint('e1')).toBe(true);
    expect(await a.removeEndpoint('e1')).toBe(false);
    expect((await a.endpoints()).map((e) => e.id)).toEqual(['e2']);
  });

  it('lets exactly one of many concurrent claims on a delivery win', async () => {
    const [a, b] = pair();
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claimDelivery(delivery('e1', 'alert-1'))),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await a.claimDelivery(delivery('e2', 'alert-1'))).toBe(true);
  });

  it('keeps the record the winner updates, queryable from any instance, newest first and filtered', async () => {
    const [a, b] = pair();
    for (const [e, alertId] of [
      ['e1', 'x1'],
      ['e2', 'x1'],
      ['e1', 'x2'],
    ] as const) {
      expect(await a.claimDelivery(delivery(e, alertId))).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await a.updateDelivery(delivery('e1', 'x1', { status: 'DELIVERED', attempts: 3, lastStatusCode: 204 }));
    // A losing claim changes nothing.
    expect(await b.claimDelivery(delivery('e1', 'x1'))).toBe(false);
    const ids = (records: WebhookDelivery[]) => records.map((r) => r.id);
    expect(ids(await b.deliveries({}, 50))).toEqual(['e1:x2', 'e2:x1', 'e1:x1']);
    expect(ids(await b.deliveries({ endpointId: 'e1' }, 50))).toEqual(['e1:x2', 'e1:x1']);
    expect(ids(await b.deliveries({ alertId: 'x1' }, 50))).toEqual(['e2:x1', 'e1:x1']);
    expect(ids(await b.deliveries({}, 2))).toEqual(['e1:x2', 'e2:x1']);
    expect(await b.deliveries({ endpointId: 'e1', alertId: 'x1' }, 50)).toMatchObject([
      { status: 'DELIVERED', attempts: 3, lastStatusCode: 204 },
    ]);
  });

  it('does not create a record by updating an unclaimed delivery', async () => {
    const [a] = pair();
    await a.updateDelivery(delivery('e9', 'nope', { status: 'DELIVERED' }));
    expect(await a.deliveries({ endpointId: 'e9' }, 50)).toEqual([]);
  });
});

describe.each(COUNTER_BACKENDS)('%s login counters', (_name, pair) => {
  const windows = { bruteForceMs: 60_000, suspiciousMs: 60_000 };
  const t0 = Date.now();

  it('counts failures per user, per IP and distinct users per IP across instances', async () => {
    const [a, b] = pair();
    const seen = [];
    seen.push(await a.recordFailure({ userId: 'alice', ip: '10.0.0.7' }, t0, windows));
    seen.push(await b.recordFailure({ userId: 'alice', ip: '10.0.0.7' }, t0 + 1, windows));
    seen.push(await a.recordFailure({ userId: 'bob', ip: '10.0.0.7' }, t0 + 2, windows));
    seen.push(await b.recordFailure({ userId: 'alice', ip: '10.0.0.8' }, t0 + 3, windows));
    expect(seen).toEqual([
      { userFailures: 1, ipFailures: 1, ipUsers: 1 },
      { userFailures: 2, ipFailures: 2, ipUsers: 1 },
      { userFailures: 1, ipFailures: 3, ipUsers: 2 },
      { userFailures: 3, ipFailures: 1, ipUsers: 1 },
    ]);
  });

  it('forgets failures older than their window', async () => {
    const [a] = pair();
    const short = { bruteForceMs: 1000, suspiciousMs: 5000 };
    await a.recordFailure({ userId: 'carol', ip: '10.0.0.9' }, t0, short);
    await a.recordFailure({ userId: 'dave', ip: '10.0.0.9' }, t0 + 500, short);
    expect(await a.recordFailure({ userId: 'carol', ip: '10.0.0.9' }, t0 + 1200, short)).toEqual({
      userFailures: 1,
      ipFailures: 2,
      ipUsers: 2,
    });
    expect(await a.recordFailure({ userId: 'erin', ip: '10.0.0.9' }, t0 + 7000, short)).toEqual({
      userFailures: 1,
      ipFailures: 1,
      ipUsers: 1,
    });
  });

  it('lets one claim per key win until it expires; a claim wins if any of its keys is new', async () => {
    const [a, b] = pair();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 ? a : b).claim(['k1'], 60_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await a.claim(['k1', 'k2'], 60_000)).toBe(true);
    expect(await b.claim(['k2', 'k1'], 60_000)).toBe(false);
    expect(await a.claim(['k3'], 50)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await b.claim(['k3'], 50)).toBe(true);
  });
});
