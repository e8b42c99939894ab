import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { type Backend, createBackend } from './support/backends.js';
import { gql, gqlOk } from './support/server.js';
import { openAuthedSocket, subscribeOn, type WsSubscription } from './support/ws.js';

/**
 * The login service reports attempts; the rules turn a stream of them into
 * alerts, once per window rather than once per attempt, with the counters in
 * Redis so attempts reported to two instances add up.
 */

const REPORT = `mutation($i: LoginAttemptInput!) {
  reportLoginAttempt(input: $i) { raised { id type severity userId identifier source raisedBy message details } }
}`;

interface Raised {
  id: string;
  type: string;
  severity: string;
  userId: string | null;
  identifier: string;
  source: string;
  details: Record<string, unknown>;
}

let backend: Backend;
let a: RunningServer;
let b: RunningServer;
let service: string;
let officer: string;
let alerts: WsSubscription;

beforeAll(async () => {
  backend = await createBackend('redis');
  const env = { REDIS_KEY_PREFIX: 'rules' };
  [a, b] = await Promise.all([backend.startServer(env), backend.startServer(env)]);
  [service, officer] = await Promise.all([
    tokenFor('login-service', ['service']),
    tokenFor('olga', ['officer']),
  ]);
  alerts = subscribeOn(
    await openAuthedSocket(b.url, officer),
    'subscription { securityAlerts(filter: { types: [BRUTE_FORCE, SUSPICIOUS_LOGIN] }) { id type identifier } }',
  );
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  await backend.stop();
});

/** Reports one attempt to `server` and returns the alerts it raised. */
const report = async (server: RunningServer, userId: string, ip: string, success = false, token = service) =>
  (
    await gqlOk<{ reportLoginAttempt: { raised: Raised[] } }>(server, REPORT, {
      token,
      variables: { i: { userId, ip, success } },
    })
  ).reportLoginAttempt.raised;

/** The next alert the officer's subscription (on instance b) receives. */
const nextAlert = async () =>
  (await alerts.next()).securityAlerts as { id: string; type: string; identifier: string };

describe('reportLoginAttempt', () => {
  it('is for service and admin tokens; others are refused and nothing is counted', async () => {
    const variables = { i: { userId: 'refused-user', ip: '10.1.0.1', success: false } };
    for (const [sub, roles] of [
      ['olga', ['officer']],
      ['alice', ['user']],
    ] as const) {
      const result = await gql(a, REPORT, { token: await tokenFor(sub, [...roles]), variables });
      expect(result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
    expect((await gql(a, REPORT, { variables })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const admin = await tokenFor('root', ['admin']);
    expect(await report(a, 'admin-reported', '10.1.0.2', false, admin)).toEqual([]);
  });

  // biome-ignore format: laid out as a table
  const BAD: [name: string, input: Record<string, unknown>, field: string][] = [
    ['an IP that is not one',   { userId: 'u', ip: '10.0.0.300', success: false },   'input.ip'],
    ['a host name as IP',       { userId: 'u', ip: 'login.example.com', success: false }, 'input.ip'],
    ['an empty user',           { userId: '  ', ip: '10.0.0.1', success: false },   'input.userId'],
  ];
  it.each(BAD)('refuses %s with BAD_USER_INPUT', async (_name, input, field) => {
    const result = await gql(a, REPORT, { token: service, variables: { i: input } });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
  });
});

describe('rules across two instances', () => {
  it('raises one HIGH BRUTE_FORCE alert at the fifth failure for a user, not one per attempt', async () => {
    const raised: Raised[][] = [];
    // Successes never count.
    await report(a, 'victim', '10.2.0.1', true);
    for (let n = 1; n <= 9; n++) raised.push(await report(n % 2 ? a : b, 'victim', '10.2.0.1'));
    expect(raised.map((r) => r.length)).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(raised[4]?.[0]).toMatchObject({
      type: 'BRUTE_FORCE',
      severity: 'HIGH',
      userId: 'victim',
      identifier: '10.2.0.1',
      source: 'login-rules',
      details: { userFailures: 5, ipFailures: 5, threshold: 5, windowSeconds: 60 },
    });
    expect(await nextAlert()).toEqual({
      id: raised[4]?.[0]?.id,
      type: 'BRUTE_FORCE',
      identifier: '10.2.0.1',
    });
  });

  it('lets the attacked user see the alert about them', async () => {
    const victim = subscribeOn(
      await openAuthedSocket(a.url, await tokenFor('target', ['user'])),
      'subscription { securityAlerts { type userId } }',
    );
    // From five addresses: the per-user rule, not the per-IP one.
    for (let n = 1; n <= 5; n++) await report(n % 2 ? a : b, 'target', `10.3.0.${n}`);
    expect(await victim.next()).toEqual({ securityAlerts: { type: 'BRUTE_FORCE', userId: 'target' } });
    expect((await nextAlert()).identifier).toBe('target');
  });

  it('raises SUSPICIOUS_LOGIN when one IP fails for three users, and BRUTE_FORCE for the IP at five', async () => {
    const ip = '10.4.0.9';
    const types: string[][] = [];
    for (let n = 1; n <= 8; n++)
      types.push((await report(n % 2 ? b : a, `sprayed-${n}`, ip)).map((r) => r.type));
    expect(types).toEqual([[], [], ['SUSPICIOUS_LOGIN'], [], ['BRUTE_FORCE'], [], [], []]);
    expect(await nextAlert()).toMatchObject({ type: 'SUSPICIOUS_LOGIN', identifier: ip });
    expect(await nextAlert()).toMatchObject({ type: 'BRUTE_FORCE', identifier: ip });
  });

  it('raises exactly one alert when the attempts of a burst reach both instances at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, n) => report(n % 2 ? a : b, 'burst-victim', '10.5.0.1')),
    );
    const raised = results.flat();
    expect(raised.map((r) => [r.type, r.userId])).toEqual([['BRUTE_FORCE', 'burst-victim']]);
    expect((await nextAlert()).id).toBe(raised[0]?.id);
  });

  it('counts attempts and rule alerts in stats', async () => {
    const admin = await tokenFor('root', ['admin']);
    const stats = async (server: RunningServer) =>
      (
        await gqlOk<{ stats: { loginAttempts: { label: string; count: number }[]; ruleAlerts: unknown[] } }>(
          server,
          '{ stats { loginAttempts { label count } ruleAlerts { label count } } }',
          { token: admin },
        )
      ).stats;
    const [onA, onB] = [await stats(a), await stats(b)];
    const total = (list: { label: string; count: number }[], label: string) =>
      list.find((x) => x.label === label)?.count ?? 0;
    // Each instance counts what was reported to it; together, every attempt above.
    expect(total(onA.loginAttempts, 'success') + total(onB.loginAttempts, 'success')).toBe(1);
    expect(total(onA.loginAttempts, 'failure') + total(onB.loginAttempts, 'failure')).toBe(
      1 + 9 + 5 + 8 + 20,
    );
    const alerts = (label: string) =>
      total(onA.ruleAlerts as { label: string; count: number }[], label) +
      total(onB.ruleAlerts as { label: string; count: number }[], label);
    // One alert per rule and window, across both instances: the tests above raised exactly these.
    expect({ bruteForce: alerts('BRUTE_FORCE'), suspicious: alerts('SUSPICIOUS_LOGIN') }).toEqual({
      bruteForce: 4,
      suspicious: 1,
    });
  });
});
