import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { castTokens, tokenFor } from './support/auth.js';
import { type Backend, createBackend } from './support/backends.js';
import { gql, gqlOk, startTestServer } from './support/server.js';
import { subscribeSse } from './support/sse.js';
import { waitUntil } from './support/wait.js';
import { openAuthedSocket, openSocket, subscribeOn } from './support/ws.js';

/**
 * What an operator scrapes: `GET /metrics` in Prometheus text moves as
 * connections open, subscriptions run and events flow; the admin-only `stats`
 * query reads the same figures.
 */

/** The samples of `GET /metrics`: line (name and labels) → value. */
async function scrape(server: RunningServer, token?: string): Promise<Map<string, number>> {
  const response = await fetch(`${server.url}/metrics`, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

const STATS = `{ stats {
  backend ready redisConnected openConnections
  streams { stream activeSubscriptions published delivered latency { count averageMs p50Ms p95Ms p99Ms } }
  authFailures { label count } rateLimited { label count } webhookAttempts { label count }
  loginAttempts { label count } ruleAlerts { label count } measuredAt
} }`;

interface Stats {
  backend: string;
  ready: boolean;
  redisConnected: boolean | null;
  openConnections: number;
  streams: { stream: string; activeSubscriptions: number; published: number; delivered: number }[];
  authFailures: { label: string; count: number }[];
  rateLimited: { label: string; count: number }[];
}

let admin: string;
let officer: string;
let service: string;
beforeAll(async () => {
  ({ admin, officer, service } = await castTokens());
});

describe('one instance', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer({ MAX_CONNECTIONS: '3' });
  });
  afterAll(() => server.close());

  const stats = async () => (await gqlOk<{ stats: Stats }>(server, STATS, { token: admin })).stats;

  it('moves as connections open, subscriptions run, events flow and tokens are refused', async () => {
    const before = await scrape(server);
    expect(before.get('seh_open_connections')).toBe(0);
    expect(before.get('seh_active_subscriptions{stream="securityAlerts"}')).toBe(0);
    expect(before.get('seh_events_published_total{stream="securityAlerts"}')).toBe(0);
    expect(before.has('seh_redis_connected')).toBe(false);

    const socket = await openAuthedSocket(server.url, officer);
    const onSocket = subscribeOn(socket, 'subscription { securityAlerts { message } }');
    const sse = await subscribeSse(server.url, officer, 'subscription { securityAlerts { message } }');
    const sessions = await subscribeSse(server.url, officer, 'subscription { sessionUpdates { status } }');
    await waitUntil('three subscriptions are counted', async () => {
      const now = await scrape(server);
      return (
        now.get('seh_active_subscriptions{stream="securityAlerts"}') === 2 &&
        now.get('seh_active_subscriptions{stream="sessionUpdates"}') === 1
      );
    });
    for (const n of [1, 2, 3]) {
      await gqlOk(server, 'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { id } }', {
        token: service,
        variables: { i: { type: 'DDOS', severity: 'HIGH', message: `metered ${n}` } },
      });
      await onSocket.next();
      await sse.next();
    }
    expect(await gql(server, '{ me { sub } }', { token: 'not-a-jwt' })).toMatchObject({
      errors: [{ extensions: { code: 'UNAUTHENTICATED' } }],
    });

    const during = await scrape(server);
    expect(during.get('seh_open_connections')).toBe(1);
    expect(during.get('seh_events_published_total{stream="securityAlerts"}')).toBe(3);
    expect(during.get('seh_events_published_total{stream="sessionUpdates"}')).toBe(0);
    // 3 alerts × (one WebSocket subscriber + one SSE subscriber).
    expect(during.get('seh_events_delivered_total{stream="securityAlerts"}')).toBe(6);
    expect(during.get('seh_auth_failures_total{transport="http"}')).toBe(1);
    // Every live delivery is timed (replays are not): the histogram counts all six.
    expect(during.get('seh_delivery_latency_seconds_count{stream="securityAlerts"}')).toBe(6);

    // stats reads the same tallies.
    const figures = await stats();
    expect(figures).toMatchObject({
      backend: 'memory',
      ready: true,
      redisConnected: null,
      openConnections: 1,
    });
    expect(figures.streams.find((s) => s.stream === 'securityAlerts')).toMatchObject({
      activeSubscriptions: 2,
      published: 3,
      delivered: during.get('seh_events_delivered_total{stream="securityAlerts"}'),
    });
    expect(figures.authFailures).toEqual([{ label: 'http', count: 1 }]);

    socket.close();
    sse.close();
    sessions.close();
    await waitUntil('the subscriptions and the socket are gone from the figures', async () => {
      const after = await scrape(server);
      return (
        after.get('seh_open_connections') === 0 &&
        after.get('seh_active_subscriptions{stream="securityAlerts"}') === 0 &&
        after.get('seh_active_subscriptions{stream="sessionUpdates"}') === 0
      );
    });
  });

  it('stops counting a subscription the server ends (its session terminated)', async () => {
    await gqlOk(
      server,
      'mutation { reportSession(input: { sessionId: "m1", userId: "mia", status: CONNECTED }) { id } }',
      {
        token: service,
      },
    );
    const mia = await tokenFor('mia', ['user'], { sessionId: 'm1' });
    const sse = await subscribeSse(server.url, mia, 'subscription { securityAlerts { id } }');
    const socket = await openAuthedSocket(server.url, mia);
    subscribeOn(socket, 'subscription { sessionUpdates { status } }');
    await waitUntil('both are counted', async () => {
      const now = await scrape(server);
      return (
        now.get('seh_active_subscriptions{stream="securityAlerts"}') === 1 &&
        now.get('seh_active_subscriptions{stream="sessionUpdates"}') === 1
      );
    });
    await gqlOk(server, 'mutation { terminateSession(sessionId: "m1") { status } }', { token: admin });
    await sse.ended;
    expect((await socket.waitForClose()).code).toBe(4403);
    await waitUntil('neither is counted any more', async () => {
      const now = await scrape(server);
      return (
        now.get('seh_active_subscriptions{stream="securityAlerts"}') === 0 &&
        now.get('seh_active_subscriptions{stream="sessionUpdates"}') === 0 &&
        now.get('seh_open_connections') === 0
      );
    });
  });

  it('counts upgrades refused at MAX_CONNECTIONS', async () => {
    const open = await Promise.all([1, 2, 3].map(() => openSocket(server.url)));
    await expect(openSocket(server.url)).rejects.toThrow(/503/);
    expect((await scrape(server)).get('seh_rate_limited_total{reason="max_connections"}')).toBe(1);
    expect((await stats()).rateLimited).toEqual([{ label: 'max_connections', count: 1 }]);
    for (const socket of open) socket.close();
  });

  it('answers stats to admins only', async () => {
    for (const roles of [['officer'], ['user'], ['service']] as const) {
      const result = await gql(server, '{ stats { openConnections } }', {
        token: await tokenFor('x', [...roles]),
      });
      expect([roles[0], result.errors?.[0]?.extensions?.code]).toEqual([roles[0], 'FORBIDDEN']);
      expect(result.data ?? null).toBeNull();
    }
    expect((await gql(server, '{ stats { openConnections } }')).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('serves only GET and HEAD at /metrics', async () => {
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
    const head = await fetch(`${server.url}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });
});

describe('METRICS_TOKEN', () => {
  it('requires the bearer token at /metrics when set', async () => {
    const token = 'prometheus-scrape-token-1234';
    const server = await startTestServer({ METRICS_TOKEN: token });
    try {
      for (const authorization of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${token}`]) {
        const response = await fetch(`${server.url}/metrics`, {
          headers: authorization ? { authorization } : {},
        });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toBe('Bearer');
      }
      expect((await scrape(server, token)).get('seh_open_connections')).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('on Redis', () => {
  let backend: Backend;
  let server: RunningServer;
  beforeAll(async () => {
    backend = await createBackend('redis');
    server = await backend.startServer();
  });
  afterAll(async () => {
    await server.close();
    await backend.stop();
  });

  it('follows the Redis connection: 1, then 0 while Redis is down, then 1 again', async () => {
    expect((await scrape(server)).get('seh_redis_connected')).toBe(1);
    await backend.redis?.kill();
    await waitUntil(
      'the scrape reports Redis down',
      async () => (await scrape(server)).get('seh_redis_connected') === 0,
    );
    // (stats cannot answer meanwhile: verifying any token reads revocations from Redis; /metrics needs none.)
    await backend.redis?.start();
    await waitUntil(
      'the scrape reports Redis back',
      async () => (await scrape(server)).get('seh_redis_connected') === 1,
      20_000,
    );
    const { stats } = await gqlOk<{ stats: Stats }>(server, '{ stats { ready redisConnected } }', {
      token: admin,
    });
    expect(stats).toEqual({ ready: true, redisConnected: true });
  });
});
