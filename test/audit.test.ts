import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { TEST_SECRET, tokenFor } from './support/auth.js';
import { gql, gqlOk, startTestServer } from './support/server.js';
import { waitUntil } from './support/wait.js';
import { openAuthedSocket, openSocket, subscribeOn } from './support/ws.js';

/** The audit trail: structured JSON lines for who did what, and never a token or secret in them. */

const lines: string[] = [];
let server: RunningServer;
const tokens: string[] = [];

beforeAll(async () => {
  server = await startTestServer(
    { LOG_LEVEL: 'info' },
    { logDestination: { write: (line: string) => lines.push(line) } },
  );
});
afterAll(() => server.close());

const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
const audit = (kind: string) => entries().filter((e) => e.audit === kind);

describe('audit log', () => {
  it('records connects, auth failures, subscriptions and mutations with their actors', async () => {
    const officer = await tokenFor('olga', ['officer']);
    const service = await tokenFor('ids', ['service']);
    const user = await tokenFor('alice', ['user']);
    const forged = (await tokenFor('mallory', ['admin'])).replace(/.{6}$/, 'AAAAAA');
    tokens.push(officer, service, user, forged);

    const refused = await openSocket(server.url);
    refused.send({ type: 'connection_init', payload: { authorization: `Bearer ${forged}` } });
    await refused.waitForClose();

    const socket = await openAuthedSocket(server.url, officer);
    const sub = subscribeOn(socket, 'subscription { securityAlerts { message } }');
    await gqlOk(
      server,
      'mutation { raiseAlert(input: { type: DDOS, severity: HIGH, message: "audited" }) { id } }',
      {
        token: service,
      },
    );
    await sub.next();
    await gql(
      server,
      'mutation { raiseAlert(input: { type: DDOS, severity: HIGH, message: "refused" }) { id } }',
      {
        token: user,
      },
    );
    await gql(server, '{ me { sub } }', { token: forged });
    // A service has no scope on alerts: refused, and audited with its code.
    const serviceSocket = await openAuthedSocket(server.url, service);
    const refusedSub = subscribeOn(serviceSocket, 'subscription { securityAlerts { message } }');
    await refusedSub.next();
    expect(refusedSub.frames[0]).toMatchObject({
      type: 'next',
      payload: { errors: [{ extensions: { code: 'FORBIDDEN' } }] },
    });
    serviceSocket.close();
    sub.complete();
    await waitUntil('the subscription end is logged', () => audit('subscription ended').length > 0);
    socket.close();
    await waitUntil('both disconnects are logged', () => audit('disconnected').length === 2);

    expect(audit('auth failed')).toEqual([
      expect.objectContaining({ transport: 'ws', reason: 'token signature invalid', level: 40 }),
      expect.objectContaining({ transport: 'http', reason: 'token signature invalid', level: 40 }),
    ]);
    expect(audit('connected')).toEqual([
      expect.objectContaining({ actor: 'olga', roles: ['officer'] }),
      expect.objectContaining({ actor: 'ids', roles: ['service'] }),
    ]);
    expect(audit('subscription started')).toEqual([
      expect.objectContaining({ actor: 'olga', fields: ['securityAlerts'] }),
    ]);
    expect(audit('subscription ended')).toEqual([
      expect.objectContaining({ actor: 'olga', fields: ['securityAlerts'] }),
    ]);
    expect(audit('subscription refused')).toEqual([
      expect.objectContaining({ actor: 'ids', fields: ['securityAlerts'], errors: ['FORBIDDEN'] }),
    ]);
    expect(audit('mutation')).toEqual([
      expect.objectContaining({ actor: 'ids', fields: ['raiseAlert'], ok: true, errors: [] }),
      expect.objectContaining({ actor: 'alice', fields: ['raiseAlert'], ok: false, errors: ['FORBIDDEN'] }),
    ]);
    expect(audit('disconnected')).toEqual([
      expect.objectContaining({ actor: 'ids', code: 1005 }),
      expect.objectContaining({ actor: 'olga', code: 1005 }),
    ]);
  });

  it('never contains a token, a token fragment, or the secret', () => {
    const everything = lines.join('\n');
    expect(lines.length).toBeGreaterThan(5);
    for (const token of tokens) {
      // Any of a token's three parts would be a leak (the header part is shared, so check payload and signature).
      const [, payload, signature] = token.split('.');
      expect(everything).not.toContain(payload);
      expect(everything).not.toContain(signature);
    }
    expect(everything).not.toContain(TEST_SECRET);
    expect(everything).not.toMatch(/Bearer/i);
  });
});
