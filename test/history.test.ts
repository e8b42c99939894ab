import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { gql, gqlOk, startTestServer } from './support/server.js';
import { subscribeSse } from './support/sse.js';
import { openAuthedSocket, subscribeOn } from './support/ws.js';

/** History queries and client filters: scoped exactly like live delivery; filters only narrow. */

let server: RunningServer;
const t: Record<string, string> = {};

const raise = (
  message: string,
  userId: string | null,
  severity: string,
  type = 'BRUTE_FORCE',
  source = 'fire_wall',
) =>
  gqlOk(server, 'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { id } }', {
    token: t.service,
    variables: { i: { type, severity, message, userId, source } },
  });

beforeAll(async () => {
  server = await startTestServer();
  t.admin = await tokenFor('root', ['admin']);
  t.officer = await tokenFor('olga', ['officer']);
  t.alice = await tokenFor('alice', ['user']);
  t.bob = await tokenFor('bob', ['user']);
  t.service = await tokenFor('ids', ['service']);
  await raise('h1 alice low', 'alice', 'LOW');
  await raise('h2 bob critical', 'bob', 'CRITICAL', 'DDOS');
  await raise('h3 alice high', 'alice', 'HIGH', 'SUSPICIOUS_LOGIN', 'waf');
  await raise('h4 none medium', null, 'MEDIUM');
  for (const [type, userId] of [
    ['ROLE_ASSIGNED', 'alice'],
    ['ACCESS_DENIED', 'bob'],
    ['POLICY_UPDATED', null],
  ] as const) {
    await gqlOk(server, 'mutation($i: PublishRbacEventInput!) { publishRbacEvent(input: $i) { id } }', {
      token: t.service,
      variables: { i: { type, userId, message: `${type} ${userId}` } },
    });
  }
});
afterAll(() => server.close());

const messages = async (token: string, args = '') => {
  const { recentAlerts } = await gqlOk<{ recentAlerts: { message: string }[] }>(
    server,
    `{ recentAlerts${args} { message } }`,
    { token },
  );
  return recentAlerts.map((a) => a.message);
};

describe('recentAlerts', () => {
  it.each([
    ['admin', '', ['h4 none medium', 'h3 alice high', 'h2 bob critical', 'h1 alice low']],
    ['officer', '', ['h4 none medium', 'h3 alice high', 'h2 bob critical', 'h1 alice low']],
    ['alice', '', ['h3 alice high', 'h1 alice low']],
    ['bob', '', ['h2 bob critical']],
    ['officer', '(limit: 2)', ['h4 none medium', 'h3 alice high']],
    ['officer', '(filter: { minSeverity: HIGH })', ['h3 alice high', 'h2 bob critical']],
    ['officer', '(filter: { severities: [LOW, MEDIUM] })', ['h4 none medium', 'h1 alice low']],
    ['officer', '(filter: { types: [DDOS, SUSPICIOUS_LOGIN] })', ['h3 alice high', 'h2 bob critical']],
    ['officer', '(filter: { source: "waf" })', ['h3 alice high']],
    ['officer', '(filter: { userId: "alice", minSeverity: MEDIUM })', ['h3 alice high']],
    // A filter naming someone else never widens a user's scope.
    ['alice', '(filter: { userId: "bob" })', []],
    ['bob', '(filter: { minSeverity: LOW })', ['h2 bob critical']],
  ])('%s %s', async (who, args, expected) => {
    expect(await messages(t[who] as string, args)).toEqual(expected);
  });

  it('refuses a service token and out-of-range limits', async () => {
    const service = await gql(server, '{ recentAlerts { id } }', { token: t.service });
    expect(service.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const limit of [0, 501, -1]) {
      const result = await gql(server, `{ recentAlerts(limit: ${limit}) { id } }`, { token: t.officer });
      expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    }
    const anonymous = await gql(server, '{ recentAlerts { id } }');
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('recentRbacEvents', () => {
  it.each([
    ['admin', ['POLICY_UPDATED null', 'ACCESS_DENIED bob', 'ROLE_ASSIGNED alice']],
    ['officer', ['ACCESS_DENIED bob']],
    ['alice', ['ROLE_ASSIGNED alice']],
    ['bob', ['ACCESS_DENIED bob']],
  ])('%s', async (who, expected) => {
    const { recentRbacEvents } = await gqlOk<{ recentRbacEvents: { message: string }[] }>(
      server,
      '{ recentRbacEvents { message } }',
      { token: t[who] },
    );
    expect(recentRbacEvents.map((e) => e.message)).toEqual(expected);
  });
});

describe('subscription filters narrow, never widen', () => {
  it.each(['ws', 'sse'] as const)('over %s', async (transport) => {
    const subscribe = async (token: string, filter: string) => {
      const query = `subscription { securityAlerts${filter} { message } }`;
      if (transport === 'sse') {
        const sub = await subscribeSse(server.url, token, query);
        return async (timeoutMs?: number) =>
          ((await sub.next(timeoutMs)).securityAlerts as { message: string }).message;
      }
      const sub = subscribeOn(await openAuthedSocket(server.url, token), query);
      return async (timeoutMs?: number) =>
        ((await sub.next(timeoutMs)).securityAlerts as { message: string }).message;
    };
    const officerHigh = await subscribe(
      t.officer as string,
      '(filter: { minSeverity: HIGH, types: [BRUTE_FORCE] })',
    );
    const aliceAsksForBob = await subscribe(t.alice as string, '(filter: { userId: "bob" })');
    const alice = await subscribe(t.alice as string, '');
    const adminForBob = await subscribe(
      t.admin as string,
      '(filter: { userId: "bob", source: "fire_wall" })',
    );

    await raise('f1 bob high', 'bob', 'HIGH');
    await raise('f2 alice low', 'alice', 'LOW');
    await raise('f3 bob low ddos', 'bob', 'LOW', 'DDOS');
    await raise('f4 alice critical', 'alice', 'CRITICAL');

    expect([await officerHigh(), await officerHigh()]).toEqual(['f1 bob high', 'f4 alice critical']);
    expect([await alice(), await alice()]).toEqual(['f2 alice low', 'f4 alice critical']);
    expect([await adminForBob(), await adminForBob()]).toEqual(['f1 bob high', 'f3 bob low ddos']);
    // alice's filter for bob's alerts must yield nothing. Everything above was dispatched to her
    // subscription alongside the others (same event, same tick), so a leak would already be in flight.
    await raise('f5 bob critical', 'bob', 'CRITICAL');
    expect(await adminForBob()).toBe('f5 bob critical');
    await expect(aliceAsksForBob(300)).rejects.toThrow(/timed out/);
  });
});
