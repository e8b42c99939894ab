import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { gqlOk, startTestServer } from './support/server.js';
import { waitUntil } from './support/wait.js';
import { openAuthedSocket, subscribeOn, type WsSubscription } from './support/ws.js';

/**
 * Shared execution must not blur anyone's view: subscribers are grouped only
 * when they share operation, variables and scope, and every subscriber gets
 * exactly its own payloads, whichever group it landed in.
 */

let server: RunningServer;
let service: string;
beforeAll(async () => {
  server = await startTestServer({ MAX_CONNECTIONS_PER_USER: '100' });
  service = await tokenFor('ids', ['service']);
});
afterAll(() => server.close());

const raise = (message: string, userId: string | null, severity = 'HIGH') =>
  gqlOk(server, 'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { id } }', {
    token: service,
    variables: { i: { type: 'BRUTE_FORCE', severity, message, userId, source: 'fire_wall' } },
  });

async function subscriber(
  sub: string,
  roles: ('admin' | 'officer' | 'user')[],
  query: string,
  variables?: object,
) {
  const socket = await openAuthedSocket(server.url, await tokenFor(sub, roles));
  return subscribeOn(socket, query, variables as Record<string, unknown>);
}

const take = async (sub: WsSubscription, count: number) => {
  const got = [];
  for (let i = 0; i < count; i++) got.push(await sub.next());
  return got;
};

describe('fan-out groups', () => {
  it('groups only subscribers that share operation, variables and scope, and each gets exactly its own payloads', async () => {
    const MESSAGES = 'subscription { securityAlerts { message } }';
    const SEVERITIES = 'subscription { securityAlerts { message severity userId } }';
    const FILTERED = 'subscription($f: AlertFilter) { securityAlerts(filter: $f) { message } }';
    const before = server.fanout.size();

    // Two officers and an admin, same operation: one group ("all" scope).
    const olga = await subscriber('olga', ['officer'], MESSAGES);
    const oscar = await subscriber('oscar', ['officer'], MESSAGES);
    const root = await subscriber('root', ['admin'], MESSAGES);
    // Another selection, other variables: groups of their own.
    const detailed = await subscriber('olga', ['officer'], SEVERITIES);
    const critical = await subscriber('olga', ['officer'], FILTERED, { f: { minSeverity: 'CRITICAL' } });
    const unfiltered = await subscriber('olga', ['officer'], FILTERED, { f: null });
    // Users: one group each, even with the same operation.
    const alice = await subscriber('alice', ['user'], MESSAGES);
    const alice2 = await subscriber('alice', ['user'], MESSAGES);
    const bob = await subscriber('bob', ['user'], MESSAGES);
    // An alias changes the operation, not the data.
    const aliased = await subscriber(
      'oscar',
      ['officer'],
      'subscription { feed: securityAlerts { message } }',
    );

    await waitUntil('all ten have joined', () => server.fanout.size().members === before.members + 10);
    // olga+oscar+root | detailed | critical | unfiltered | alice (x2) | bob | aliased
    expect(server.fanout.size().groups).toBe(before.groups + 7);

    await raise('for alice', 'alice', 'LOW');
    await raise('for bob', 'bob', 'CRITICAL');
    await raise('for nobody', null, 'HIGH');

    const all = [
      { securityAlerts: { message: 'for alice' } },
      { securityAlerts: { message: 'for bob' } },
      { securityAlerts: { message: 'for nobody' } },
    ];
    for (const sub of [olga, oscar, root, unfiltered]) expect(await take(sub, 3)).toEqual(all);
    expect(await take(detailed, 3)).toEqual([
      { securityAlerts: { message: 'for alice', severity: 'LOW', userId: 'alice' } },
      { securityAlerts: { message: 'for bob', severity: 'CRITICAL', userId: 'bob' } },
      { securityAlerts: { message: 'for nobody', severity: 'HIGH', userId: null } },
    ]);
    expect(await take(aliased, 3)).toEqual(all.map((a) => ({ feed: a.securityAlerts })));

    // Absences, proved by order: a last event each may see arrives next, nothing before it.
    await raise('critical for alice', 'alice', 'CRITICAL');
    await raise('last for bob', 'bob', 'LOW');
    expect(await take(critical, 2)).toEqual([
      { securityAlerts: { message: 'for bob' } },
      { securityAlerts: { message: 'critical for alice' } },
    ]);
    for (const sub of [alice, alice2]) {
      expect(await take(sub, 2)).toEqual([
        { securityAlerts: { message: 'for alice' } },
        { securityAlerts: { message: 'critical for alice' } },
      ]);
    }
    expect(await take(bob, 2)).toEqual([
      { securityAlerts: { message: 'for bob' } },
      { securityAlerts: { message: 'last for bob' } },
    ]);
  });

  it('keeps officers’ narrower RBAC view apart from admins’', async () => {
    const RBAC = 'subscription { rbacEvents { type userId } }';
    const before = server.fanout.size().members;
    const officer = await subscriber('olga', ['officer'], RBAC);
    const admin = await subscriber('root', ['admin'], RBAC);
    await waitUntil('both joined', () => server.fanout.size().members === before + 2);
    for (const type of ['ROLE_ASSIGNED', 'ACCESS_DENIED']) {
      await gqlOk(server, 'mutation($i: PublishRbacEventInput!) { publishRbacEvent(input: $i) { id } }', {
        token: service,
        variables: { i: { type, userId: 'alice', message: type } },
      });
    }
    expect(await take(admin, 2)).toEqual([
      { rbacEvents: { type: 'ROLE_ASSIGNED', userId: 'alice' } },
      { rbacEvents: { type: 'ACCESS_DENIED', userId: 'alice' } },
    ]);
    expect(await take(officer, 1)).toEqual([{ rbacEvents: { type: 'ACCESS_DENIED', userId: 'alice' } }]);
  });

  it('routes by audience: owner, filer and custodians each get a recovery update once, nobody else', async () => {
    const RECOVERY = 'subscription { recoveryStatus { userId status custodians } }';
    const before = server.fanout.size().members;
    const dave = await subscriber('dave', ['user'], RECOVERY);
    // Another selection: a second group with the same audience key.
    const daveIds = await subscriber('dave', ['user'], 'subscription { recoveryStatus { userId } }');
    const carol = await subscriber('carol', ['user'], RECOVERY);
    const erin = await subscriber('erin', ['user'], RECOVERY);
    const frank = await subscriber('frank', ['user'], RECOVERY);
    await waitUntil('all five joined', () => server.fanout.size().members === before + 5);

    const request = async (token: string, userId: string, custodians?: string[]) =>
      gqlOk(server, 'mutation($i: RequestRecoveryInput!) { requestRecovery(input: $i) { requestId } }', {
        token,
        variables: { i: { userId, method: custodians ? 'CUSTODIAN' : 'EMAIL', custodians } },
      });
    // Filed by the service for dave, custodians carol and erin.
    await request(service, 'dave', ['carol', 'erin']);
    // Filed by dave himself: he is owner and filer, still one delivery.
    await request(await tokenFor('dave', ['user']), 'dave');
    // Last, for frank alone: what each receives before it proves what they did not.
    await request(service, 'frank');

    const forDave = { userId: 'dave', status: 'PENDING', custodians: ['carol', 'erin'] };
    const byDave = { userId: 'dave', status: 'PENDING', custodians: [] };
    const forFrank = { userId: 'frank', status: 'PENDING', custodians: [] };
    expect(await take(dave, 2)).toEqual([{ recoveryStatus: forDave }, { recoveryStatus: byDave }]);
    expect(await take(daveIds, 2)).toEqual([
      { recoveryStatus: { userId: 'dave' } },
      { recoveryStatus: { userId: 'dave' } },
    ]);
    for (const custodian of [carol, erin])
      expect(await take(custodian, 1)).toEqual([{ recoveryStatus: forDave }]);
    expect(await take(frank, 1)).toEqual([{ recoveryStatus: forFrank }]);

    // An update that concerns all four arrives next everywhere: no duplicate or stray was queued before it.
    await request(service, 'carol', ['dave', 'erin', 'frank']);
    const forCarol = { userId: 'carol', status: 'PENDING', custodians: ['dave', 'erin', 'frank'] };
    for (const sub of [dave, carol, erin, frank])
      expect(await take(sub, 1)).toEqual([{ recoveryStatus: forCarol }]);
    expect(await take(daveIds, 1)).toEqual([{ recoveryStatus: { userId: 'carol' } }]);
  });

  it('serves a subscription whose field comes from a fragment (run through graphql-ws) just the same', async () => {
    const before = server.fanout.size();
    const fragment = 'subscription { ...Feed } fragment Feed on Subscription { securityAlerts { message } }';
    const carl = await subscriber('carl', ['user'], fragment);
    const plain = await subscriber('carl', ['user'], 'subscription { securityAlerts { message } }');
    await waitUntil('both joined', () => server.fanout.size().members === before.members + 2);

    await raise('for dora', 'dora');
    await raise('for carl', 'carl');
    for (const sub of [carl, plain])
      expect(await take(sub, 1)).toEqual([{ securityAlerts: { message: 'for carl' } }]);

    carl.complete();
    await waitUntil('left', () => server.fanout.size().members === before.members + 1);
    await raise('for carl again', 'carl');
    expect(await take(plain, 1)).toEqual([{ securityAlerts: { message: 'for carl again' } }]);
    expect(carl.frames.map((frame) => frame.type)).toEqual(['next']);
  });

  it('releases a group when its last member leaves', async () => {
    const before = server.fanout.size();
    const socket = await openAuthedSocket(server.url, await tokenFor('temp', ['officer']));
    const sub = subscribeOn(socket, 'subscription { toolAccessEvents { id } }');
    await waitUntil('joined', () => server.fanout.size().groups === before.groups + 1);
    sub.complete();
    await waitUntil('released', () => server.fanout.size().groups === before.groups);
    expect(server.fanout.size().members).toBe(before.members);
    socket.close();
  });
});

describe('the end of a fan-out subscription', () => {
  it('at shutdown is a 1001 close and no `complete`, so the client resubscribes elsewhere', async () => {
    const own = await startTestServer();
    const socket = await openAuthedSocket(own.url, await tokenFor('olga', ['officer']));
    const sub = subscribeOn(socket, 'subscription { securityAlerts { message } }');
    await waitUntil('joined', () => own.fanout.size().members === 1);
    await gqlOk(
      own,
      'mutation { raiseAlert(input: { type: DDOS, severity: LOW, message: "live" }) { id } }',
      {
        token: service,
      },
    );
    expect(await sub.next()).toEqual({ securityAlerts: { message: 'live' } });

    await own.close();
    expect(await socket.waitForClose()).toEqual({ code: 1001, reason: 'Server shutting down' });
    // A `complete` would tell the client its subscription is over.
    expect(sub.frames.map((frame) => frame.type)).toEqual(['next']);
    expect(own.fanout.size()).toEqual({ groups: 0, members: 0 });
  });
});
