import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { gql, gqlOk, startTestServer } from './support/server.js';
import { openAuthedSocket, subscribeOn, type WsSubscription } from './support/ws.js';

/**
 * Every action of SPEC's "Who may act": allowed for the listed roles, refused
 * with FORBIDDEN for the others, and bad input refused with BAD_USER_INPUT;
 * a refusal publishes nothing.
 */

let server: RunningServer;
const t: Record<string, string> = {};

beforeAll(async () => {
  server = await startTestServer();
  const who: [string, string, ('admin' | 'officer' | 'user' | 'service')[]][] = [
    ['admin', 'root', ['admin']],
    ['officer', 'olga', ['officer']],
    ['alice', 'alice', ['user']],
    ['bob', 'bob', ['user']],
    ['dave', 'dave', ['user']],
    ['service', 'login-service', ['service']],
  ];
  for (const [key, sub, roles] of who) t[key] = await tokenFor(sub, roles);
});
afterAll(() => server.close());

type Result = Awaited<ReturnType<typeof gql>>;
const codeOf = (result: Result) => result.errors?.[0]?.extensions?.code;
const run = (token: string, query: string, variables?: Record<string, unknown>) =>
  gql(server, query, { token, variables });

const RAISE = 'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { id } }';
const REPORT = 'mutation($i: ReportSessionInput!) { reportSession(input: $i) { id } }';
const RBAC = 'mutation($i: PublishRbacEventInput!) { publishRbacEvent(input: $i) { id } }';
const TOOL = (field: string) => `mutation($i: ToolAccessInput!) { ${field}(input: $i) { id } }`;
const RECOVER =
  'mutation($i: RequestRecoveryInput!) { requestRecovery(input: $i) { requestId status threshold } }';

const alertInput = (over: Record<string, unknown> = {}) => ({
  i: { type: 'BRUTE_FORCE', severity: 'HIGH', message: '5 failed logins', userId: 'alice', ...over },
});
const tool = (over: Record<string, unknown> = {}) => ({ i: { toolId: 'crm', userId: 'alice', ...over } });

describe('refusals publish nothing', () => {
  // [case, who calls, mutation, variables, expected code]
  const REFUSALS: [string, string, string, Record<string, unknown>, string][] = [
    ['a user cannot raise an alert', 'alice', RAISE, alertInput(), 'FORBIDDEN'],
    ['an officer cannot raise an alert', 'officer', RAISE, alertInput(), 'FORBIDDEN'],
    ['an empty alert message', 'service', RAISE, alertInput({ message: '   ' }), 'BAD_USER_INPUT'],
    [
      'an alert message over 1000 characters',
      'service',
      RAISE,
      alertInput({ message: 'x'.repeat(1001) }),
      'BAD_USER_INPUT',
    ],
    [
      'alert details over 8 KiB',
      'service',
      RAISE,
      alertInput({ details: { blob: 'x'.repeat(9000) } }),
      'BAD_USER_INPUT',
    ],
    ['an unknown alert type', 'service', RAISE, alertInput({ type: 'ALIENS' }), 'BAD_USER_INPUT'],
    [
      'a user id with control characters',
      'service',
      RAISE,
      alertInput({ userId: 'ali\u0000ce' }),
      'BAD_USER_INPUT',
    ],
    [
      'a user cannot report a session',
      'alice',
      REPORT,
      { i: { sessionId: 's', userId: 'alice', status: 'CONNECTED' } },
      'FORBIDDEN',
    ],
    [
      'a session with an empty id',
      'service',
      REPORT,
      { i: { sessionId: '', userId: 'alice', status: 'CONNECTED' } },
      'BAD_USER_INPUT',
    ],
    [
      'an officer cannot publish RBAC events',
      'officer',
      RBAC,
      { i: { type: 'ROLE_ASSIGNED', message: 'm' } },
      'FORBIDDEN',
    ],
    [
      'an RBAC event without message',
      'service',
      RBAC,
      { i: { type: 'ROLE_ASSIGNED', message: '' } },
      'BAD_USER_INPUT',
    ],
    [
      'a user cannot request tool access for another user',
      'bob',
      TOOL('requestToolAccess'),
      tool(),
      'FORBIDDEN',
    ],
    [
      'an officer cannot request tool access for alice',
      'officer',
      TOOL('requestToolAccess'),
      tool(),
      'FORBIDDEN',
    ],
    ['a service cannot grant tool access', 'service', TOOL('grantToolAccess'), tool(), 'FORBIDDEN'],
    ['a user cannot grant themself tool access', 'alice', TOOL('grantToolAccess'), tool(), 'FORBIDDEN'],
    ['an officer cannot revoke tool access', 'officer', TOOL('revokeToolAccess'), tool(), 'FORBIDDEN'],
    ['a user cannot report blocked access', 'alice', TOOL('blockToolAccess'), tool(), 'FORBIDDEN'],
    [
      'repeated data points',
      'admin',
      TOOL('grantToolAccess'),
      tool({ dataPoints: ['a', 'a'] }),
      'BAD_USER_INPUT',
    ],
    [
      'a user cannot request recovery of another account',
      'bob',
      RECOVER,
      { i: { userId: 'alice', method: 'EMAIL' } },
      'FORBIDDEN',
    ],
    [
      'custodian recovery without custodians',
      'alice',
      RECOVER,
      { i: { userId: 'alice', method: 'CUSTODIAN' } },
      'BAD_USER_INPUT',
    ],
    [
      'a user as their own custodian',
      'alice',
      RECOVER,
      { i: { userId: 'alice', method: 'CUSTODIAN', custodians: ['alice'] } },
      'BAD_USER_INPUT',
    ],
    [
      'a threshold above the custodians',
      'alice',
      RECOVER,
      { i: { userId: 'alice', method: 'CUSTODIAN', custodians: ['bob'], threshold: 2 } },
      'BAD_USER_INPUT',
    ],
    [
      'a zero threshold',
      'alice',
      RECOVER,
      { i: { userId: 'alice', method: 'CUSTODIAN', custodians: ['bob'], threshold: 0 } },
      'BAD_USER_INPUT',
    ],
    [
      'terminating an unknown session',
      'admin',
      'mutation { terminateSession(sessionId: "nope") { id } }',
      {},
      'BAD_USER_INPUT',
    ],
    [
      'acknowledging an unknown alert',
      'officer',
      'mutation { acknowledgeAlert(id: "nope") { id } }',
      {},
      'BAD_USER_INPUT',
    ],
    [
      'deciding an unknown recovery request',
      'admin',
      'mutation { approveRecovery(requestId: "nope") { id } }',
      {},
      'BAD_USER_INPUT',
    ],
  ];

  it('refuses each with its code, and an admin watching every stream receives none of them', async () => {
    const socket = await openAuthedSocket(server.url, t.admin as string);
    const streams: Record<string, WsSubscription> = {
      securityAlerts: subscribeOn(socket, 'subscription { securityAlerts { message } }'),
      sessionUpdates: subscribeOn(socket, 'subscription { sessionUpdates { sessionId } }'),
      toolAccessEvents: subscribeOn(socket, 'subscription { toolAccessEvents { toolId } }'),
      recoveryStatus: subscribeOn(socket, 'subscription { recoveryStatus { userId } }'),
      rbacEvents: subscribeOn(socket, 'subscription { rbacEvents { message } }'),
    };
    const outcomes = [];
    for (const [name, who, query, variables, code] of REFUSALS) {
      const result = await run(t[who] as string, query, variables);
      outcomes.push([name, codeOf(result), result.data ?? null]);
      expect([name, codeOf(result)]).toEqual([name, code]);
    }
    // Sentinels: the first event on every stream must be the one published after all refusals.
    await run(t.service as string, RAISE, alertInput({ message: 'sentinel' }));
    await run(t.service as string, REPORT, {
      i: { sessionId: 'sentinel', userId: 'x', status: 'CONNECTED' },
    });
    await run(t.admin as string, TOOL('grantToolAccess'), tool({ toolId: 'sentinel' }));
    await run(t.service as string, RECOVER, { i: { userId: 'sentinel', method: 'EMAIL' } });
    await run(t.service as string, RBAC, { i: { type: 'USER_CREATED', message: 'sentinel' } });
    expect(await streams.securityAlerts?.next()).toEqual({ securityAlerts: { message: 'sentinel' } });
    expect(await streams.sessionUpdates?.next()).toEqual({ sessionUpdates: { sessionId: 'sentinel' } });
    expect(await streams.toolAccessEvents?.next()).toEqual({ toolAccessEvents: { toolId: 'sentinel' } });
    expect(await streams.recoveryStatus?.next()).toEqual({ recoveryStatus: { userId: 'sentinel' } });
    expect(await streams.rbacEvents?.next()).toEqual({ rbacEvents: { message: 'sentinel' } });
    socket.close();
  });
});

describe('acting on events', () => {
  it('raises an alert with the shape clients rely on', async () => {
    const data = await gqlOk(
      server,
      `mutation { raiseAlert(input: { type: BRUTE_FORCE, severity: HIGH, message: "5 failed logins",
        userId: "alice", source: "fire_wall", identifier: "10.0.0.7" }) { id type severity userId source identifier raisedBy createdAt acknowledgedBy } }`,
      { token: t.service },
    );
    expect(data.raiseAlert).toMatchObject({
      type: 'BRUTE_FORCE',
      severity: 'HIGH',
      userId: 'alice',
      source: 'fire_wall',
      identifier: '10.0.0.7',
      raisedBy: 'login-service',
      acknowledgedBy: null,
    });
    expect(new Date((data.raiseAlert as { createdAt: string }).createdAt).toISOString()).toBe(
      (data.raiseAlert as { createdAt: string }).createdAt,
    );
  });

  it('acknowledges an alert once: officers and admins only', async () => {
    const { raiseAlert } = await gqlOk<{ raiseAlert: { id: string } }>(server, RAISE, {
      token: t.service,
      variables: alertInput(),
    });
    const ack = (who: string) =>
      run(
        t[who] as string,
        'mutation($id: ID!) { acknowledgeAlert(id: $id, note: "blocked at edge") { id acknowledgedBy } }',
        {
          id: raiseAlert.id,
        },
      );
    expect(codeOf(await ack('alice'))).toBe('FORBIDDEN');
    expect(codeOf(await ack('service'))).toBe('FORBIDDEN');
    expect((await ack('officer')).data).toEqual({
      acknowledgeAlert: { id: raiseAlert.id, acknowledgedBy: 'olga' },
    });
    expect(codeOf(await ack('admin'))).toBe('BAD_USER_INPUT');
  });

  it('terminates a session: its own user or an admin, nobody else', async () => {
    await gqlOk(server, REPORT, {
      token: t.service,
      variables: { i: { sessionId: 's-alice', userId: 'alice', status: 'CONNECTED' } },
    });
    const terminate = (who: string) =>
      run(
        t[who] as string,
        'mutation { terminateSession(sessionId: "s-alice") { sessionId status terminatedBy } }',
      );
    expect(codeOf(await terminate('bob'))).toBe('FORBIDDEN');
    expect(codeOf(await terminate('officer'))).toBe('FORBIDDEN');
    expect((await terminate('alice')).data).toEqual({
      terminateSession: { sessionId: 's-alice', status: 'TERMINATED', terminatedBy: 'alice' },
    });
    expect(codeOf(await terminate('admin'))).toBe('BAD_USER_INPUT');
  });

  it('completes custodian recovery at the threshold; custodians and admins decide, each once', async () => {
    const { requestRecovery } = await gqlOk<{
      requestRecovery: { requestId: string; status: string; threshold: number };
    }>(server, RECOVER, {
      token: t.alice,
      variables: {
        i: { userId: 'alice', method: 'CUSTODIAN', custodians: ['bob', 'dave', 'erin'], threshold: 2 },
      },
    });
    expect(requestRecovery).toMatchObject({ status: 'PENDING', threshold: 2 });
    const approve = (who: string) =>
      run(
        t[who] as string,
        'mutation($r: ID!) { approveRecovery(requestId: $r) { status approvals approvalCount decidedBy } }',
        {
          r: requestRecovery.requestId,
        },
      );
    expect(codeOf(await approve('alice'))).toBe('FORBIDDEN');
    expect(codeOf(await approve('officer'))).toBe('FORBIDDEN');
    expect((await approve('bob')).data).toEqual({
      approveRecovery: { status: 'APPROVED', approvals: ['bob'], approvalCount: 1, decidedBy: 'bob' },
    });
    expect(codeOf(await approve('bob'))).toBe('BAD_USER_INPUT');
    expect((await approve('dave')).data).toEqual({
      approveRecovery: {
        status: 'COMPLETED',
        approvals: ['bob', 'dave'],
        approvalCount: 2,
        decidedBy: 'dave',
      },
    });
    expect(codeOf(await approve('admin'))).toBe('BAD_USER_INPUT');
  });

  it('denies recovery on one denial, after which nothing more is decided', async () => {
    const { requestRecovery } = await gqlOk<{ requestRecovery: { requestId: string } }>(server, RECOVER, {
      token: t.service,
      variables: { i: { userId: 'alice', method: 'CUSTODIAN', custodians: ['bob', 'dave'] } },
    });
    const deny = await run(
      t.dave as string,
      'mutation($r: ID!) { denyRecovery(requestId: $r, reason: "not her voice") { status reason decidedBy } }',
      { r: requestRecovery.requestId },
    );
    expect(deny.data).toEqual({
      denyRecovery: { status: 'DENIED', reason: 'not her voice', decidedBy: 'dave' },
    });
    const late = await run(
      t.bob as string,
      'mutation($r: ID!) { approveRecovery(requestId: $r) { status } }',
      {
        r: requestRecovery.requestId,
      },
    );
    expect(codeOf(late)).toBe('BAD_USER_INPUT');
  });

  it('lets an admin approve a recovery without custodians', async () => {
    const { requestRecovery } = await gqlOk<{ requestRecovery: { requestId: string; threshold: number } }>(
      server,
      RECOVER,
      { token: t.bob, variables: { i: { userId: 'bob', method: 'EMAIL' } } },
    );
    expect(requestRecovery.threshold).toBe(1);
    const approved = await run(
      t.admin as string,
      'mutation($r: ID!) { approveRecovery(requestId: $r) { status } }',
      {
        r: requestRecovery.requestId,
      },
    );
    expect(approved.data).toEqual({ approveRecovery: { status: 'COMPLETED' } });
  });
});
