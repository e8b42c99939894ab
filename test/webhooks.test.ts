import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import type { WebhookPayload } from '../src/webhooks/dispatcher.js';
import { signWebhook } from '../src/webhooks/signature.js';
import { castTokens, tokenFor } from './support/auth.js';
import { type Backend, createBackend } from './support/backends.js';
import { gql, gqlOk, startTestServer } from './support/server.js';
import { waitUntil } from './support/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

/**
 * Webhooks end to end: an admin registers a local receiver (127.0.0.1 only),
 * alerts raised through the API arrive there signed, failures are retried with
 * backoff, each delivery's record is queryable, and with two instances on one
 * Redis each alert reaches each endpoint exactly once.
 */

const SECRET = 'receiver-secret-0123456789';
/** Fast retries for the tests: 50 ms, then 100 ms, ... */
const WEBHOOK_ENV = { WEBHOOK_RETRY_BASE_MS: '50', WEBHOOK_MAX_ATTEMPTS: '4', WEBHOOK_TIMEOUT_MS: '2000' };

const REGISTER = `mutation($i: RegisterWebhookInput!) {
  registerWebhook(input: $i) { id url minSeverity types createdBy createdAt }
}`;
const DELIVERIES = `query($e: ID, $a: ID) {
  webhookDeliveries(endpointId: $e, alertId: $a) {
    id endpointId alertId status attempts lastStatusCode lastError createdAt updatedAt nextAttemptAt deliveredAt
  }
}`;
const RAISE = 'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { id } }';

interface Delivery {
  id: string;
  alertId: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  nextAttemptAt: string | null;
}

let admin: string;
let officer: string;
let service: string;
beforeAll(async () => {
  ({ admin, officer, service } = await castTokens());
});

const receivers: WebhookReceiver[] = [];
const receiver = async (secret = SECRET) => {
  const started = await startWebhookReceiver(secret);
  receivers.push(started);
  return started;
};
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

const register = async (server: RunningServer, input: Record<string, unknown>) =>
  (
    await gqlOk<{ registerWebhook: { id: string } }>(server, REGISTER, {
      token: admin,
      variables: { i: input },
    })
  ).registerWebhook;
const raise = async (server: RunningServer, over: Record<string, unknown> = {}) =>
  (
    await gqlOk<{ raiseAlert: { id: string } }>(server, RAISE, {
      token: service,
      variables: { i: { type: 'BRUTE_FORCE', severity: 'HIGH', message: '5 failed logins', ...over } },
    })
  ).raiseAlert;
const deliveries = async (server: RunningServer, variables: { e?: string; a?: string }) =>
  (await gqlOk<{ webhookDeliveries: Delivery[] }>(server, DELIVERIES, { token: admin, variables }))
    .webhookDeliveries;
/** Waits until the delivery of `alertId` to `endpointId` is final, and returns its record. */
const finalDelivery = async (server: RunningServer, endpointId: string, alertId: string) => {
  let record: Delivery | undefined;
  await waitUntil(`the delivery of ${alertId} is final`, async () => {
    [record] = await deliveries(server, { e: endpointId, a: alertId });
    return record?.status === 'DELIVERED' || record?.status === 'FAILED';
  });
  return record as Delivery;
};

describe('one instance (memory)', () => {
  const lines: string[] = [];
  let server: RunningServer;
  beforeAll(async () => {
    server = await startTestServer(
      { ...WEBHOOK_ENV, LOG_LEVEL: 'info' },
      { logDestination: { write: (line: string) => lines.push(line) } },
    );
  });
  afterAll(() => server.close());

  it('lets only admins manage webhooks and read deliveries', async () => {
    const input = { url: 'http://127.0.0.1:9/hook', secret: SECRET };
    for (const token of [officer, service, await tokenFor('alice', ['user'])]) {
      for (const [query, variables] of [
        [REGISTER, { i: input }],
        ['mutation { removeWebhook(id: "x") }', {}],
        ['{ webhookEndpoints { id } }', {}],
        [DELIVERIES, {}],
      ] as const) {
        const result = await gql(server, query, { token, variables });
        expect([query, result.errors?.[0]?.extensions?.code]).toEqual([query, 'FORBIDDEN']);
      }
    }
    expect((await gql(server, '{ webhookEndpoints { id } }')).errors?.[0]?.extensions?.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  // biome-ignore format: laid out as a table
  const REFUSED: [name: string, input: Record<string, unknown>, field: string][] = [
    ['an ftp URL',                { url: 'ftp://127.0.0.1/hook', secret: SECRET },                    'input.url'],
    ['a relative URL',            { url: '/hook', secret: SECRET },                                   'input.url'],
    ['credentials in the URL',    { url: 'http://user:pw@127.0.0.1:9/hook', secret: SECRET },         'input.url'],
    ['a short secret',            { url: 'http://127.0.0.1:9/hook', secret: 'short' },               'input.secret'],
  ];
  it.each(REFUSED)('refuses %s with BAD_USER_INPUT and registers nothing', async (_name, input, field) => {
    const result = await gql(server, REGISTER, { token: admin, variables: { i: input } });
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    const { webhookEndpoints } = await gqlOk<{ webhookEndpoints: unknown[] }>(
      server,
      '{ webhookEndpoints { id } }',
      {
        token: admin,
      },
    );
    expect(webhookEndpoints).toEqual([]);
  });

  it('never shows the secret: the type has no such field', async () => {
    const result = await gql(server, '{ webhookEndpoints { id secret } }', { token: admin });
    expect(result.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('POSTs matching new alerts signed, once, and not their acknowledgement nor alerts it does not want', async () => {
    const hook = await receiver();
    const endpoint = await register(server, {
      url: hook.url,
      secret: SECRET,
      minSeverity: 'HIGH',
      types: ['BRUTE_FORCE', 'DDOS'],
    });
    await raise(server, { severity: 'MEDIUM', message: 'too mild' });
    await raise(server, { type: 'API_ABUSE', message: 'another kind' });
    const wanted = await raise(server, { severity: 'CRITICAL', message: 'wanted', userId: 'alice' });

    const request = await hook.requests.next('the signed webhook');
    expect(request.verdict.ok).toBe(true);
    expect(request.answered).toBe(200);
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'x-hub-event': 'security_alert',
      'x-hub-delivery': `${endpoint.id}:${wanted.id}`,
      'x-hub-attempt': '1',
    });
    const payload = JSON.parse(request.body) as WebhookPayload;
    expect(payload).toMatchObject({
      event: 'security_alert',
      deliveryId: `${endpoint.id}:${wanted.id}`,
      alert: { id: wanted.id, type: 'BRUTE_FORCE', severity: 'CRITICAL', message: 'wanted', userId: 'alice' },
    });

    await gqlOk(server, 'mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }', {
      token: officer,
      variables: { id: wanted.id },
    });
    expect(await finalDelivery(server, endpoint.id, wanted.id)).toMatchObject({
      status: 'DELIVERED',
      attempts: 1,
      lastStatusCode: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    // A marker alert after the acknowledgement: if the acknowledgement were sent, it would arrive first.
    const marker = await raise(server, { type: 'DDOS', message: 'marker' });
    const next = await hook.requests.next('the marker');
    expect((JSON.parse(next.body) as WebhookPayload).alert.id).toBe(marker.id);
    expect(hook.requests.seen).toHaveLength(2);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('retries a failing receiver with exponential backoff until it answers 2xx', async () => {
    const hook = await receiver();
    const endpoint = await register(server, { url: hook.url, secret: SECRET });
    hook.failNext(500, 503);
    const alert = await raise(server, { message: 'retried' });
    const attempts = [];
    for (let n = 1; n <= 3; n++) attempts.push(await hook.requests.next(`attempt ${n}`));
    expect(attempts.map((r) => [r.headers['x-hub-attempt'], r.answered, r.verdict.ok])).toEqual([
      ['1', 500, true],
      ['2', 503, true],
      ['3', 200, true],
    ]);
    // Each attempt is signed anew, over the same body.
    expect(new Set(attempts.map((r) => r.body)).size).toBe(1);
    const record = await finalDelivery(server, endpoint.id, alert.id);
    expect(record).toMatchObject({ status: 'DELIVERED', attempts: 3, lastStatusCode: 200, lastError: null });
    expect(record.deliveredAt).not.toBeNull();
  });

  it('waits longer before each retry (base 50 ms, doubling)', async () => {
    const hook = await receiver();
    await register(server, { url: hook.url, secret: SECRET, types: ['TOKEN_REPLAY'] });
    hook.failNext(500, 500);
    await raise(server, { type: 'TOKEN_REPLAY', message: 'timed' });
    const arrivals: number[] = [];
    for (let n = 1; n <= 3; n++) {
      await hook.requests.next(`attempt ${n}`);
      arrivals.push(performance.now());
    }
    // Lower bounds only: timers never fire early, but a busy machine may fire them late.
    const [first = 0, second = 0, third = 0] = arrivals;
    expect(second - first).toBeGreaterThanOrEqual(45);
    expect(third - second).toBeGreaterThanOrEqual(95);
  });

  it('records a receiver that refuses the signature, and gives up after WEBHOOK_MAX_ATTEMPTS', async () => {
    // The receiver knows another secret than the one registered: every signature is bad to it.
    const hook = await receiver('the-receivers-own-secret-42');
    const endpoint = await register(server, {
      url: hook.url,
      secret: SECRET,
      types: ['PRIVILEGE_ESCALATION'],
    });
    const alert = await raise(server, { type: 'PRIVILEGE_ESCALATION', message: 'forged?' });
    const first = await hook.requests.next('the first attempt');
    expect(first.verdict).toEqual({ ok: false, reason: 'signature mismatch' });
    expect(first.answered).toBe(401);
    expect(await finalDelivery(server, endpoint.id, alert.id)).toMatchObject({
      status: 'FAILED',
      attempts: 4,
      lastStatusCode: 401,
      lastError: 'HTTP 401',
    });
    expect(hook.requests.seen).toHaveLength(4);
  });

  it('a receiver refuses a forged request and a replayed one', async () => {
    const hook = await receiver();
    const body = JSON.stringify({ event: 'security_alert', deliveryId: 'x', alert: { id: 'forged' } });
    const send = (signature: string) =>
      fetch(hook.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature': signature },
        body,
      });
    const now = Math.floor(Date.now() / 1000);
    expect((await send(signWebhook('a-guessed-secret-0000', body, now))).status).toBe(401);
    expect((await send(signWebhook(SECRET, body, now - 3600))).status).toBe(401);
    expect((await send(signWebhook(SECRET, body, now))).status).toBe(200);
  });

  it('records a receiver that cannot be reached', async () => {
    const hook = await receiver();
    const url = hook.url;
    await hook.close();
    const endpoint = await register(server, { url, secret: SECRET, types: ['OTHER'] });
    const alert = await raise(server, { type: 'OTHER', message: 'nobody home' });
    expect(await finalDelivery(server, endpoint.id, alert.id)).toMatchObject({
      status: 'FAILED',
      attempts: 4,
      lastStatusCode: null,
      lastError: 'ECONNREFUSED',
    });
  });

  it('stops sending to a removed endpoint', async () => {
    const [removed, kept] = [await receiver(), await receiver()];
    const gone = await register(server, {
      url: removed.url,
      secret: SECRET,
      types: ['DATA_ACCESS_VIOLATION'],
    });
    await register(server, { url: kept.url, secret: SECRET, types: ['DATA_ACCESS_VIOLATION'] });
    const { removeWebhook } = await gqlOk<{ removeWebhook: boolean }>(
      server,
      'mutation($id: ID!) { removeWebhook(id: $id) }',
      { token: admin, variables: { id: gone.id } },
    );
    expect(removeWebhook).toBe(true);
    const alert = await raise(server, { type: 'DATA_ACCESS_VIOLATION', message: 'after removal' });
    // Once the kept endpoint has it, the alert has been dispatched: the removed one got nothing.
    expect(
      (JSON.parse((await kept.requests.next('the kept endpoint')).body) as WebhookPayload).alert.id,
    ).toBe(alert.id);
    expect(removed.requests.seen).toHaveLength(0);
    expect(await deliveries(server, { e: gone.id })).toEqual([]);
    const { webhookEndpoints } = await gqlOk<{ webhookEndpoints: { id: string }[] }>(
      server,
      '{ webhookEndpoints { id } }',
      { token: admin },
    );
    expect(webhookEndpoints.map((e) => e.id)).not.toContain(gone.id);
  });
});

describe('two instances on one Redis', () => {
  let backend: Backend;
  let a: RunningServer;
  let b: RunningServer;
  beforeAll(async () => {
    backend = await createBackend('redis');
    const env = { ...WEBHOOK_ENV, REDIS_KEY_PREFIX: 'webhooks' };
    [a, b] = await Promise.all([backend.startServer(env), backend.startServer(env)]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await backend.stop();
  });

  it('delivers each alert exactly once per endpoint, whichever instance raised it', async () => {
    const [one, two] = [await receiver(), await receiver()];
    const first = await register(a, { url: one.url, secret: SECRET });
    const second = await register(b, { url: two.url, secret: SECRET });
    // A failure on one endpoint is retried by the instance that claimed it, still once per alert.
    two.failNext(500);
    const alerts: string[] = [];
    for (let n = 0; n < 10; n++) alerts.push((await raise(n % 2 ? b : a, { message: `both ${n}` })).id);

    for (const alertId of alerts) {
      expect(await finalDelivery(b, first.id, alertId)).toMatchObject({ status: 'DELIVERED', attempts: 1 });
      expect((await finalDelivery(a, second.id, alertId)).status).toBe('DELIVERED');
    }
    // Anything sent twice would have arrived by the time every record is final; allow a straggler's moment.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const alertIds = (r: WebhookReceiver) =>
      r.requests.seen
        .filter((x) => x.answered === 200)
        .map((x) => (JSON.parse(x.body) as WebhookPayload).alert.id);
    expect(alertIds(one).sort()).toEqual([...alerts].sort());
    expect(alertIds(two).sort()).toEqual([...alerts].sort());
    expect(one.requests.seen).toHaveLength(10);
    expect(two.requests.seen).toHaveLength(11);
    expect((await deliveries(a, { e: first.id })).map((d) => d.alertId).sort()).toEqual([...alerts].sort());
  });
});
