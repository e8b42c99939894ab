import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { type Backend, createBackend } from './support/backends.js';
import { gql, gqlOk } from './support/server.js';
import { subscribeSse } from './support/sse.js';
import { waitUntil } from './support/wait.js';
import { openAuthedSocket, openSocket, subscribeOn } from './support/ws.js';

/**
 * Live authorization through Redis, across two instances: terminating a login
 * session, or revoking a user's rights, cuts off the affected tokens
 * everywhere, at once and from then on, and nothing published after the change
 * reaches them.
 */
describe('revocation through Redis', () => {
  let backend: Backend;
  let a: RunningServer;
  let b: RunningServer;
  let service: string;
  let admin: string;

  beforeAll(async () => {
    backend = await createBackend('redis');
    [a, b] = await Promise.all([backend.startServer(), backend.startServer()]);
    service = await tokenFor('login-service', ['service']);
    admin = await tokenFor('root', ['admin']);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await backend.stop();
  });

  it('closes the session’s sockets on every instance with 4403, ends its SSE streams, and refuses its token after', async () => {
    const aliceS1 = await tokenFor('alice', ['user'], { sessionId: 's1' });
    const aliceS2 = await tokenFor('alice', ['user'], { sessionId: 's2' });
    await gqlOk(
      a,
      'mutation { reportSession(input: { sessionId: "s1", userId: "alice", status: CONNECTED }) { id } }',
      {
        token: service,
      },
    );

    const onB = await openAuthedSocket(b.url, aliceS1);
    const sessionsOnB = subscribeOn(onB, 'subscription { sessionUpdates { sessionId status } }');
    const sse = await subscribeSse(a.url, aliceS1, 'subscription { securityAlerts { id } }');
    const otherSession = await openAuthedSocket(b.url, aliceS2);
    const alertsOnOther = subscribeOn(otherSession, 'subscription { securityAlerts { message } }');

    const terminated = await gqlOk(
      a,
      'mutation { terminateSession(sessionId: "s1") { status terminatedBy } }',
      {
        token: admin,
      },
    );
    expect(terminated).toEqual({ terminateSession: { status: 'TERMINATED', terminatedBy: 'root' } });

    // alice sees her own session's termination, then the socket closes.
    expect(await sessionsOnB.next()).toEqual({ sessionUpdates: { sessionId: 's1', status: 'TERMINATED' } });
    expect(await onB.waitForClose()).toEqual({ code: 4403, reason: 'Forbidden: session terminated' });
    const sseEnd = await sse.results.next('the SSE error');
    expect(sseEnd.errors).toMatchObject([{ extensions: { code: 'UNAUTHENTICATED' } }]);

    // From then on the token is refused on both transports and both instances.
    for (const server of [a, b]) {
      const again = await openSocket(server.url);
      again.send({ type: 'connection_init', payload: { authorization: `Bearer ${aliceS1}` } });
      expect(await again.waitForClose()).toEqual({ code: 4403, reason: 'Forbidden: session terminated' });
      expect(again.messages.seen).toEqual([]);
      const http = await gql(server, '{ me { sub } }', { token: aliceS1 });
      expect(http.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }

    // Her other session is untouched.
    await gqlOk(
      a,
      'mutation { raiseAlert(input: { type: OTHER, severity: LOW, message: "still here", userId: "alice" }) { id } }',
      {
        token: service,
      },
    );
    expect(await alertsOnOther.next()).toEqual({ securityAlerts: { message: 'still here' } });
    otherSession.close();
  });

  it.each(['ROLE_REVOKED', 'PERMISSION_REVOKED', 'USER_DELETED'])(
    '%s closes the user’s sockets on every instance and refuses tokens issued before it',
    async (type) => {
      const user = `victim-${type.toLowerCase()}`;
      const oldToken = await tokenFor(user, ['user']);
      const onA = await openAuthedSocket(a.url, oldToken);
      const rbacOnA = subscribeOn(onA, 'subscription { rbacEvents { type userId } }');
      const joinedOnB = b.fanout.size().members;
      const onB = await openAuthedSocket(b.url, oldToken);
      const alertsOnB = subscribeOn(onB, 'subscription { securityAlerts { message } }');
      const sse = await subscribeSse(b.url, oldToken, 'subscription { securityAlerts { message } }');
      const bystander = subscribeOn(
        await openAuthedSocket(b.url, await tokenFor('olga', ['officer'])),
        'subscription { securityAlerts { message } }',
      );
      await waitUntil(
        'both WebSocket subscriptions on b have started',
        () => b.fanout.size().members === joinedOnB + 2,
      );

      await gqlOk(a, 'mutation($i: PublishRbacEventInput!) { publishRbacEvent(input: $i) { id } }', {
        token: admin,
        variables: { i: { type, userId: user, roleName: 'user', message: 'rights withdrawn' } },
      });
      // Published right after the revocation: must reach the bystander, never the revoked user.
      await gqlOk(a, 'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { id } }', {
        token: service,
        variables: {
          i: { type: 'OTHER', severity: 'HIGH', message: `after revoking ${user}`, userId: user },
        },
      });

      // The user sees the revoking event itself (it targets them), then the socket closes.
      expect(await rbacOnA.next()).toEqual({ rbacEvents: { type, userId: user } });
      const reason = 'Forbidden: roles changed; sign in again';
      expect(await onA.waitForClose()).toEqual({ code: 4403, reason });
      expect(await onB.waitForClose()).toEqual({ code: 4403, reason });
      // Nothing after the change but its subscription's end, before the close.
      expect(alertsOnB.frames).toEqual([
        {
          id: alertsOnB.id,
          type: 'error',
          payload: [
            {
              message: 'Unauthenticated: roles changed; sign in again',
              extensions: { code: 'UNAUTHENTICATED' },
            },
          ],
        },
      ]);
      expect((await sse.results.next('the SSE end')).errors).toMatchObject([
        { extensions: { code: 'UNAUTHENTICATED' } },
      ]);
      expect(await bystander.next()).toEqual({ securityAlerts: { message: `after revoking ${user}` } });

      // The old token is refused on both transports and instances.
      for (const server of [a, b]) {
        const again = await openSocket(server.url);
        again.send({ type: 'connection_init', payload: { authorization: `Bearer ${oldToken}` } });
        expect(await again.waitForClose()).toEqual({ code: 4403, reason });
        const http = await gql(server, '{ me { sub } }', { token: oldToken });
        expect(http.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      }
      // A token issued after the change (iat is in whole seconds) works again.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const fresh = await openAuthedSocket(b.url, await tokenFor(user, ['user']));
      fresh.close();
    },
  );

  it('leaves other users and other kinds of RBAC events alone', async () => {
    const token = await tokenFor('bystander-user', ['user']);
    const socket = await openAuthedSocket(a.url, token);
    const alerts = subscribeOn(socket, 'subscription { securityAlerts { message } }');
    for (const type of ['ROLE_ASSIGNED', 'USER_UPDATED', 'ACCESS_DENIED']) {
      await gqlOk(a, 'mutation($i: PublishRbacEventInput!) { publishRbacEvent(input: $i) { id } }', {
        token: admin,
        variables: { i: { type, userId: 'bystander-user', message: 'not a revocation' } },
      });
    }
    await gqlOk(a, 'mutation($i: PublishRbacEventInput!) { publishRbacEvent(input: $i) { id } }', {
      token: admin,
      variables: { i: { type: 'USER_DELETED', userId: 'someone-else', message: 'another user' } },
    });
    await gqlOk(
      a,
      'mutation { raiseAlert(input: { type: OTHER, severity: LOW, message: "still connected", userId: "bystander-user" }) { id } }',
      {
        token: service,
      },
    );
    expect(await alerts.next()).toEqual({ securityAlerts: { message: 'still connected' } });
    socket.close();
  });
});
