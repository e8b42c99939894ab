import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { type Backend, createBackend } from './support/backends.js';
import { gql, gqlOk } from './support/server.js';
import { subscribeSse } from './support/sse.js';
import { openAuthedSocket, openSocket, subscribeOn } from './support/ws.js';

/** Terminating a login session cuts off that session's tokens everywhere, at once and from then on. */
describe('session termination through Redis', () => {
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
});
