import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { BACKENDS, type Backend, createBackend } from './support/backends.js';
import { gqlOk } from './support/server.js';
import { subscribeSse } from './support/sse.js';
import { openAuthedSocket, subscribeOn, type TestSocket } from './support/ws.js';

/**
 * SPEC's role matrix end to end: for each stream, an admin, an officer, two
 * users (alice, bob) and a service subscribe; events about alice, bob and
 * others are published through the mutations; each subscriber must receive
 * exactly its set, in order. The expected sets are written out by hand from
 * the SPEC table, not computed by the policy under test.
 *
 * "Nothing else" is checked without sleeping: every subscriber's expected set
 * ends with the last event it may see, and delivery is ordered, so anything it
 * must not see would have arrived before that.
 */

type Who = 'admin' | 'officer' | 'alice' | 'bob';
const SUBSCRIBERS: Who[] = ['admin', 'officer', 'alice', 'bob'];

interface StreamCase {
  stream: string;
  selection: string;
  /** A label that identifies each published event in a received payload. */
  label: (payload: Record<string, unknown>) => string;
  /** Publishes the events in order. */
  publish: (server: RunningServer, tokens: Tokens) => Promise<void>;
  expected: Record<Who, string[]>;
}

type Tokens = Record<Who | 'service' | 'carol' | 'dave', string>;

const mutate = (server: RunningServer, token: string, query: string, variables?: Record<string, unknown>) =>
  gqlOk(server, query, { token, variables });

const CASES: StreamCase[] = [
  {
    stream: 'securityAlerts',
    selection: 'id message userId',
    label: (p) => String(p.message),
    async publish(server, t) {
      const raise = (message: string, userId: string | null) =>
        mutate(server, t.service, 'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { id } }', {
          i: { type: 'BRUTE_FORCE', severity: 'HIGH', message, userId, source: 'fire_wall' },
        });
      await raise('a1 alice', 'alice');
      await raise('a2 bob', 'bob');
      await raise('a3 nobody', null);
      await raise('a4 carol', 'carol');
      await raise('a5 alice', 'alice');
      await raise('a6 bob', 'bob');
    },
    expected: {
      admin: ['a1 alice', 'a2 bob', 'a3 nobody', 'a4 carol', 'a5 alice', 'a6 bob'],
      officer: ['a1 alice', 'a2 bob', 'a3 nobody', 'a4 carol', 'a5 alice', 'a6 bob'],
      alice: ['a1 alice', 'a5 alice'],
      bob: ['a2 bob', 'a6 bob'],
    },
  },
  {
    stream: 'sessionUpdates',
    selection: 'sessionId userId status',
    label: (p) => `${p.sessionId} ${p.status}`,
    async publish(server, t) {
      const report = (sessionId: string, userId: string, status: string) =>
        mutate(server, t.service, 'mutation($i: ReportSessionInput!) { reportSession(input: $i) { id } }', {
          i: { sessionId, userId, status, device: { ip: '10.0.0.7', deviceType: 'laptop' } },
        });
      await report('sa', 'alice', 'CONNECTED');
      await report('sb', 'bob', 'CONNECTED');
      await report('sc', 'carol', 'CONNECTED');
      await mutate(server, t.alice, 'mutation { terminateSession(sessionId: "sa") { id } }');
      await report('sb', 'bob', 'DISCONNECTED');
    },
    expected: {
      admin: ['sa CONNECTED', 'sb CONNECTED', 'sc CONNECTED', 'sa TERMINATED', 'sb DISCONNECTED'],
      officer: ['sa CONNECTED', 'sb CONNECTED', 'sc CONNECTED', 'sa TERMINATED', 'sb DISCONNECTED'],
      alice: ['sa CONNECTED', 'sa TERMINATED'],
      bob: ['sb CONNECTED', 'sb DISCONNECTED'],
    },
  },
  {
    stream: 'toolAccessEvents',
    selection: 'id toolId userId action',
    label: (p) => `${p.toolId} ${p.userId} ${p.action}`,
    async publish(server, t) {
      const change = (field: string, token: string, toolId: string, userId: string) =>
        mutate(server, token, `mutation($i: ToolAccessInput!) { ${field}(input: $i) { id } }`, {
          i: { toolId, userId, dataPoints: ['email'] },
        });
      await change('requestToolAccess', t.alice, 'crm', 'alice');
      await change('grantToolAccess', t.admin, 'crm', 'alice');
      await change('requestToolAccess', t.service, 'siem', 'bob');
      await change('blockToolAccess', t.service, 'export', 'carol');
      await change('revokeToolAccess', t.admin, 'crm', 'alice');
      await change('grantToolAccess', t.admin, 'siem', 'bob');
    },
    expected: {
      admin: [
        'crm alice REQUESTED',
        'crm alice GRANTED',
        'siem bob REQUESTED',
        'export carol BLOCKED',
        'crm alice REVOKED',
        'siem bob GRANTED',
      ],
      officer: [
        'crm alice REQUESTED',
        'crm alice GRANTED',
        'siem bob REQUESTED',
        'export carol BLOCKED',
        'crm alice REVOKED',
        'siem bob GRANTED',
      ],
      alice: ['crm alice REQUESTED', 'crm alice GRANTED', 'crm alice REVOKED'],
      bob: ['siem bob REQUESTED', 'siem bob GRANTED'],
    },
  },
  {
    stream: 'recoveryStatus',
    selection: 'requestId userId status approvalCount threshold',
    label: (p) => `${p.userId} ${p.status} ${p.approvalCount}/${p.threshold}`,
    async publish(server, t) {
      const request = (token: string, userId: string, custodians: string[]) =>
        mutate(
          server,
          token,
          'mutation($i: RequestRecoveryInput!) { requestRecovery(input: $i) { requestId } }',
          { i: { userId, method: 'CUSTODIAN', custodians } },
        ) as Promise<{ requestRecovery: { requestId: string } }>;
      const approve = (token: string, requestId: string) =>
        mutate(server, token, 'mutation($r: ID!) { approveRecovery(requestId: $r) { id } }', {
          r: requestId,
        });
      // alice's account, bob and dave guard it (both needed); carol's, guarded by dave; bob's own, guarded by carol.
      const forAlice = await request(t.alice, 'alice', ['bob', 'dave']);
      await request(t.service, 'carol', ['dave']);
      const forBob = await request(t.service, 'bob', ['carol']);
      await approve(t.bob, forAlice.requestRecovery.requestId);
      await approve(t.carol, forBob.requestRecovery.requestId);
      await approve(t.dave, forAlice.requestRecovery.requestId);
    },
    expected: {
      admin: [
        'alice PENDING 0/2',
        'carol PENDING 0/1',
        'bob PENDING 0/1',
        'alice APPROVED 1/2',
        'bob COMPLETED 1/1',
        'alice COMPLETED 2/2',
      ],
      officer: [
        'alice PENDING 0/2',
        'carol PENDING 0/1',
        'bob PENDING 0/1',
        'alice APPROVED 1/2',
        'bob COMPLETED 1/1',
        'alice COMPLETED 2/2',
      ],
      alice: ['alice PENDING 0/2', 'alice APPROVED 1/2', 'alice COMPLETED 2/2'],
      // bob sees his own request, and alice's because he is its custodian.
      bob: [
        'alice PENDING 0/2',
        'bob PENDING 0/1',
        'alice APPROVED 1/2',
        'bob COMPLETED 1/1',
        'alice COMPLETED 2/2',
      ],
    },
  },
  {
    stream: 'rbacEvents',
    selection: 'id type userId message',
    label: (p) => String(p.message),
    async publish(server, t) {
      const publish = (type: string, userId: string | null, message: string) =>
        mutate(
          server,
          t.service,
          'mutation($i: PublishRbacEventInput!) { publishRbacEvent(input: $i) { id } }',
          {
            i: { type, userId, message, roleName: 'auditor' },
          },
        );
      await publish('ROLE_ASSIGNED', 'alice', 'r1 role to alice');
      await publish('SECURITY_VIOLATION', 'bob', 'r2 violation by bob');
      await publish('POLICY_UPDATED', null, 'r3 policy');
      await publish('ACCESS_DENIED', 'carol', 'r4 carol denied');
      await publish('SUSPICIOUS_ACTIVITY', 'alice', 'r5 alice suspicious');
      await publish('USER_UPDATED', 'bob', 'r6 bob updated');
      await publish('ACCESS_DENIED', 'bob', 'r7 bob denied');
    },
    expected: {
      admin: [
        'r1 role to alice',
        'r2 violation by bob',
        'r3 policy',
        'r4 carol denied',
        'r5 alice suspicious',
        'r6 bob updated',
        'r7 bob denied',
      ],
      officer: ['r2 violation by bob', 'r4 carol denied', 'r5 alice suspicious', 'r7 bob denied'],
      alice: ['r1 role to alice', 'r5 alice suspicious'],
      bob: ['r2 violation by bob', 'r6 bob updated', 'r7 bob denied'],
    },
  },
];

/** A transport-neutral subscription handle. */
interface Subscriber {
  next(): Promise<Record<string, unknown>>;
  close(): void;
}

const TRANSPORTS = {
  async ws(server: RunningServer, token: string, query: string): Promise<Subscriber> {
    const socket: TestSocket = await openAuthedSocket(server.url, token);
    const sub = subscribeOn(socket, query);
    return { next: () => sub.next(), close: () => socket.close() };
  },
  async sse(server: RunningServer, token: string, query: string): Promise<Subscriber> {
    const sub = await subscribeSse(server.url, token, query);
    return { next: () => sub.next(), close: () => sub.close() };
  },
};

describe.each(BACKENDS)('role matrix on the %s backend', (backendName) => {
  let backend: Backend;
  let tokens: Tokens;

  beforeAll(async () => {
    backend = await createBackend(backendName);
    tokens = {
      admin: await tokenFor('root', ['admin']),
      officer: await tokenFor('olga', ['officer']),
      alice: await tokenFor('alice', ['user']),
      bob: await tokenFor('bob', ['user']),
      carol: await tokenFor('carol', ['user']),
      dave: await tokenFor('dave', ['user']),
      service: await tokenFor('login-service', ['service']),
    };
  });
  afterAll(() => backend.stop());

  describe.each(Object.keys(TRANSPORTS) as (keyof typeof TRANSPORTS)[])('over %s', (transport) => {
    it.each(CASES)('$stream: each role receives exactly its events', async (c) => {
      const server = await backend.startServer();
      try {
        const query = `subscription { ${c.stream} { ${c.selection} } }`;
        const subscribers = Object.fromEntries(
          await Promise.all(
            SUBSCRIBERS.map(
              async (who) => [who, await TRANSPORTS[transport](server, tokens[who], query)] as const,
            ),
          ),
        ) as Record<Who, Subscriber>;
        await c.publish(server, tokens);

        for (const who of SUBSCRIBERS) {
          const received: string[] = [];
          for (const _ of c.expected[who]) {
            const data = await subscribers[who].next();
            received.push(c.label(data[c.stream] as Record<string, unknown>));
          }
          expect(received, `${who} on ${c.stream}`).toEqual(c.expected[who]);
        }
        for (const who of SUBSCRIBERS) subscribers[who].close();
      } finally {
        await server.close();
      }
    });

    it.each(CASES.map((c) => c.stream))('%s: a service token is refused with FORBIDDEN', async (stream) => {
      const server = await backend.startServer();
      try {
        const sub = await (transport === 'ws'
          ? (async () => {
              const socket = await openAuthedSocket(server.url, tokens.service);
              const s = subscribeOn(socket, `subscription { ${stream} { id } }`);
              const frame = await s.queue.next('an error result');
              const done = await s.queue.next('complete');
              socket.close();
              return {
                result: frame.payload as { errors?: { extensions?: { code?: string } }[] },
                done: done.type,
              };
            })()
          : (async () => {
              const s = await subscribeSse(server.url, tokens.service, `subscription { ${stream} { id } }`);
              const result = await s.results.next('an error result');
              // The server ends the response by itself: the subscription is over, not left open.
              const done = await Promise.race([
                s.ended.then(() => 'complete'),
                new Promise<string>((resolve) => setTimeout(() => resolve('still open'), 5000)),
              ]);
              s.close();
              return { result: result as { errors?: { extensions?: { code?: string } }[] }, done };
            })());
        expect(sub.result.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
        expect(sub.done).toBe('complete');
      } finally {
        await server.close();
      }
    });
  });
});
