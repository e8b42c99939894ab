import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { castTokens } from './support/auth.js';
import { startRedisCluster, type TestRedisCluster } from './support/redis-cluster.js';
import { gqlOk, startTestServer } from './support/server.js';
import { statusOf, waitUntil } from './support/wait.js';
import { openAuthedSocket, subscribeOn } from './support/ws.js';

/**
 * REDIS_CLUSTER_NODES: two instances on a three-node Redis Cluster the harness
 * creates itself. Every stream's keys share a hash tag, so the append script,
 * history reads and the webhook and rule stores each stay in one slot while
 * the streams spread over the nodes.
 */
describe('two instances on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let a: RunningServer;
  let b: RunningServer;
  let service: string;
  let officer: string;
  let admin: string;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    const env = { REDIS_CLUSTER_NODES: cluster.nodes };
    [a, b] = await Promise.all([startTestServer(env), startTestServer(env)]);
    ({ service, officer, admin } = await castTokens());
  }, 60_000);
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await cluster?.stop();
  });

  it('is ready, on Redis, and says so in stats', async () => {
    expect(await statusOf(a.url, '/ready')).toBe(200);
    const { stats } = await gqlOk<{ stats: { backend: string; redisConnected: boolean } }>(
      b,
      '{ stats { backend redisConnected } }',
      { token: admin },
    );
    expect(stats).toEqual({ backend: 'redis', redisConnected: true });
  });

  it("delivers each instance's events to the other's subscribers, in order, on every stream", async () => {
    const onA = subscribeOn(
      await openAuthedSocket(a.url, officer),
      'subscription { securityAlerts { message } }',
    );
    const onB = subscribeOn(
      await openAuthedSocket(b.url, officer),
      'subscription { securityAlerts { message } }',
    );
    const sessions = subscribeOn(
      await openAuthedSocket(a.url, officer),
      'subscription { sessionUpdates { sessionId status } }',
    );
    const published: string[] = [];
    for (let n = 0; n < 20; n++) {
      const message = `cluster event ${n} via ${n % 2 ? 'b' : 'a'}`;
      await gqlOk(n % 2 ? b : a, 'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { id } }', {
        token: service,
        variables: { i: { type: 'OTHER', severity: 'LOW', message } },
      });
      published.push(message);
    }
    await gqlOk(b, 'mutation($i: ReportSessionInput!) { reportSession(input: $i) { id } }', {
      token: service,
      variables: { i: { sessionId: 'cluster-s1', userId: 'alice', status: 'CONNECTED' } },
    });
    for (const sub of [onA, onB]) {
      const received: string[] = [];
      for (const _ of published)
        received.push(((await sub.next()).securityAlerts as { message: string }).message);
      expect(received).toEqual(published);
    }
    expect(await sessions.next()).toEqual({
      sessionUpdates: { sessionId: 'cluster-s1', status: 'CONNECTED' },
    });
  });

  it('keeps history and acknowledges across instances (the append script and reads in one slot)', async () => {
    const { raiseAlert } = await gqlOk<{ raiseAlert: { id: string; cursor: string } }>(
      a,
      'mutation { raiseAlert(input: { type: DDOS, severity: HIGH, message: "cluster history" }) { id cursor } }',
      { token: service },
    );
    await waitUntil('instance b lists the alert', async () => {
      const { recentAlerts } = await gqlOk<{ recentAlerts: { id: string }[] }>(
        b,
        '{ recentAlerts(limit: 5) { id } }',
        {
          token: officer,
        },
      );
      return recentAlerts.some((alert) => alert.id === raiseAlert.id);
    });
    const { acknowledgeAlert } = await gqlOk<{ acknowledgeAlert: { acknowledgedBy: string } }>(
      b,
      'mutation($id: ID!) { acknowledgeAlert(id: $id) { acknowledgedBy } }',
      { token: officer, variables: { id: raiseAlert.id } },
    );
    expect(acknowledgeAlert.acknowledgedBy).toBe('olga');
    const replay = subscribeOn(
      await openAuthedSocket(a.url, officer),
      'subscription($after: String) { securityAlerts(after: $after) { id acknowledgedBy } }',
      { after: raiseAlert.cursor },
    );
    expect(await replay.next()).toEqual({ securityAlerts: { id: raiseAlert.id, acknowledgedBy: 'olga' } });
  });

  it('shares login-rule counters and webhook endpoints across instances', async () => {
    const report = (server: RunningServer) =>
      gqlOk<{ reportLoginAttempt: { raised: { type: string }[] } }>(
        server,
        'mutation { reportLoginAttempt(input: { userId: "cluster-user", ip: "10.9.9.9", success: false }) { raised { type } } }',
        { token: service },
      );
    const raised: string[] = [];
    for (let n = 0; n < 6; n++)
      raised.push(...(await report(n % 2 ? b : a)).reportLoginAttempt.raised.map((r) => r.type));
    expect(raised).toEqual(['BRUTE_FORCE']);

    const { registerWebhook } = await gqlOk<{ registerWebhook: { id: string } }>(
      a,
      'mutation { registerWebhook(input: { url: "http://127.0.0.1:9/none", secret: "cluster-secret-0123456789" }) { id } }',
      { token: admin },
    );
    const { webhookEndpoints } = await gqlOk<{ webhookEndpoints: { id: string }[] }>(
      b,
      '{ webhookEndpoints { id } }',
      {
        token: admin,
      },
    );
    expect(webhookEndpoints.map((e) => e.id)).toContain(registerWebhook.id);
    await gqlOk(b, 'mutation($id: ID!) { removeWebhook(id: $id) }', {
      token: admin,
      variables: { id: registerWebhook.id },
    });
  });
});

describe('REDIS_CLUSTER_NODES', () => {
  it('stops start-up, naming the variable, when no node answers', async () => {
    await expect(startTestServer({ REDIS_CLUSTER_NODES: '127.0.0.1:1' })).rejects.toThrow(
      /Cannot reach Redis at REDIS_CLUSTER_NODES/,
    );
  });
});
