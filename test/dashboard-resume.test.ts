import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { subscribeResumable } from '../client/src/api/resume.js';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { type CuttableProxy, startProxy } from './support/proxy.js';
import { gqlOk, startTestServer } from './support/server.js';
import { waitUntil } from './support/wait.js';

/**
 * The dashboard's reconnection, with the same graphql-ws client it uses in the
 * browser (here over `ws`): the connection is cut under it by a proxy, events
 * are raised while it is away, and after the automatic reconnect it receives
 * exactly those, in order, nothing twice, because the resent subscription
 * resumes from the last cursor it received.
 */

const SUBSCRIPTION =
  'subscription Alerts($after: String) { securityAlerts(after: $after) { message cursor } }';
const RAISE = `mutation Raise($message: String!) {
  raiseAlert(input: { type: OTHER, severity: LOW, message: $message }) { id }
}`;

describe('dashboard subscriptions across a dropped connection', () => {
  let server: RunningServer;
  let proxy: CuttableProxy;
  let client: Client;
  let service: string;
  let connections = 0;

  beforeAll(async () => {
    server = await startTestServer();
    proxy = await startProxy(server.url);
    service = await tokenFor('ids', ['service']);
    const officer = await tokenFor('olga', ['officer']);
    client = createClient({
      url: `${proxy.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${officer}` },
      retryAttempts: Number.POSITIVE_INFINITY,
      retryWait: () => new Promise((resolve) => setTimeout(resolve, 50)),
      shouldRetry: () => true,
      on: { connected: () => connections++ },
    });
  });

  afterAll(async () => {
    await client?.dispose();
    await proxy?.close();
    await server?.close();
  });

  const raise = (message: string) => gqlOk(server, RAISE, { token: service, variables: { message } });

  it('receives what was raised while away, in order, without repeating what it had', async () => {
    const resumed: string[] = [];
    const plain: string[] = [];
    const sink = (into: string[]) => ({
      next: (result: { data?: { securityAlerts?: { message: string } } | null }) =>
        into.push(result.data?.securityAlerts?.message ?? `unexpected: ${JSON.stringify(result)}`),
      error: (error: unknown) => into.push(`error: ${JSON.stringify(error)}`),
      complete: () => undefined,
    });
    subscribeResumable(client, { query: SUBSCRIPTION, variables: { after: '0' } }, sink(resumed));
    // For contrast, what graphql-ws does on its own: resend the payload it was first given.
    client.subscribe({ query: SUBSCRIPTION, variables: { after: '0' } }, sink(plain));
    await waitUntil('connected', () => connections === 1);

    await raise('one');
    await raise('two');
    await waitUntil('both received both', () => resumed.length === 2 && plain.length === 2);

    proxy.cut();
    await raise('three (while away)');
    await raise('four (while away)');
    await waitUntil('reconnected', () => connections === 2);
    await raise('five');

    await waitUntil('the resumed subscription has caught up', () => resumed.includes('five'));
    expect(resumed).toEqual(['one', 'two', 'three (while away)', 'four (while away)', 'five']);
    await waitUntil('the plain subscription has caught up', () => plain.includes('five'));
    expect(plain).toEqual(['one', 'two', 'one', 'two', 'three (while away)', 'four (while away)', 'five']);
  });
});
