import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { type Backend, createBackend } from './support/backends.js';
import { gql, gqlOk } from './support/server.js';
import { statusOf, waitUntil } from './support/wait.js';
import { openAuthedSocket, subscribeOn } from './support/ws.js';

/** Two app instances on one real Redis: each delivers, remembers and acts on the other's events. */
describe('two instances through Redis', () => {
  let backend: Backend;
  let a: RunningServer;
  let b: RunningServer;
  let service: string;
  let officer: string;

  beforeAll(async () => {
    backend = await createBackend('redis');
    [a, b] = await Promise.all([backend.startServer(), backend.startServer()]);
    service = await tokenFor('ids', ['service']);
    officer = await tokenFor('olga', ['officer']);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await backend.stop();
  });

  const raise = (server: RunningServer, message: string, userId = 'alice') =>
    gqlOk<{ raiseAlert: { id: string } }>(
      server,
      'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { id } }',
      { token: service, variables: { i: { type: 'BRUTE_FORCE', severity: 'HIGH', message, userId } } },
    );

  it('delivers events published on either instance to subscribers on both, in publish order', async () => {
    const onA = subscribeOn(
      await openAuthedSocket(a.url, officer),
      'subscription { securityAlerts { message } }',
    );
    const onB = subscribeOn(
      await openAuthedSocket(b.url, officer),
      'subscription { securityAlerts { message } }',
    );
    const published: string[] = [];
    for (let n = 0; n < 200; n++) {
      const message = `event ${n} via ${n % 2 ? 'b' : 'a'}`;
      await raise(n % 2 ? b : a, message);
      published.push(message);
    }
    for (const sub of [onA, onB]) {
      const received: string[] = [];
      for (const _ of published)
        received.push(((await sub.next()).securityAlerts as { message: string }).message);
      expect(received).toEqual(published);
    }
  });

  it('keeps history on both instances, so an alert raised on one is acknowledged on the other', async () => {
    const { raiseAlert } = await raise(a, 'ack me across instances');
    const watcher = subscribeOn(
      await openAuthedSocket(a.url, officer),
      'subscription { securityAlerts { id acknowledgedBy acknowledgement { note } } }',
    );
    await waitUntil('instance b has the alert in its history', async () => {
      const { recentAlerts } = await gqlOk<{ recentAlerts: { id: string }[] }>(
        b,
        '{ recentAlerts(limit: 5) { id } }',
        {
          token: officer,
        },
      );
      return recentAlerts.some((x) => x.id === raiseAlert.id);
    });
    const ack = await gqlOk<{ acknowledgeAlert: { acknowledgedBy: string } }>(
      b,
      'mutation($id: ID!) { acknowledgeAlert(id: $id, note: "blocked at edge") { id acknowledgedBy } }',
      { token: officer, variables: { id: raiseAlert.id } },
    );
    expect(ack.acknowledgeAlert.acknowledgedBy).toBe('olga');
    expect(await watcher.next()).toEqual({
      securityAlerts: {
        id: raiseAlert.id,
        acknowledgedBy: 'olga',
        acknowledgement: { note: 'blocked at edge' },
      },
    });
  });

  it('answers /ready 503 while Redis is down and recovers by itself when it returns', async () => {
    const redis = backend.redis;
    if (!redis) throw new Error('redis backend expected');
    expect(await statusOf(a.url, '/ready')).toBe(200);
    await redis.kill();
    await waitUntil('/ready answers 503', async () => (await statusOf(a.url, '/ready')) === 503);
    expect(await statusOf(a.url, '/health')).toBe(200);
    const refused = await gql(
      a,
      'mutation { raiseAlert(input: { type: DDOS, severity: LOW, message: "x" }) { id } }',
      {
        token: service,
      },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');

    await redis.start();
    await waitUntil('/ready answers 200 on both', async () => {
      return (await statusOf(a.url, '/ready')) === 200 && (await statusOf(b.url, '/ready')) === 200;
    });
    const onB = subscribeOn(
      await openAuthedSocket(b.url, officer),
      'subscription { securityAlerts { message } }',
    );
    await raise(a, 'after the outage');
    expect(await onB.next()).toEqual({ securityAlerts: { message: 'after the outage' } });
  });
});
