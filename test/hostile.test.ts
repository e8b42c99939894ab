import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { gql, gqlOk, startTestServer } from './support/server.js';
import { subscribeSse } from './support/sse.js';
import { waitUntil } from './support/wait.js';
import {
  openAuthedSocket,
  openSocket,
  subscribeOn,
  type TestSocket,
  type WsSubscription,
} from './support/ws.js';

/**
 * Hostile input, one attack per row, each with its exact outcome, and a
 * bystander who keeps receiving throughout: the attack changes nothing for
 * anyone else.
 */

let server: RunningServer;
let officer: string;
let attackers = 0;
/** A fresh officer identity, so per-user connection limits never couple one test to another. */
const attacker = () => tokenFor(`attacker-${++attackers}`, ['officer']);
let service: string;
let bystander: WsSubscription;
let sentinels = 0;

const LIMITS = {
  MAX_QUERY_DEPTH: '2',
  MAX_QUERY_COST: '50',
  MAX_SUBSCRIPTIONS_PER_SOCKET: '3',
  MAX_CONNECTIONS_PER_USER: '3',
  MESSAGES_PER_MINUTE: '30',
  ALLOWED_ORIGINS: 'https://dashboard.example.com',
};

beforeAll(async () => {
  server = await startTestServer(LIMITS);
  officer = await tokenFor('olga', ['officer']);
  service = await tokenFor('ids', ['service']);
  bystander = subscribeOn(
    await openAuthedSocket(server.url, await tokenFor('watcher', ['admin'])),
    'subscription { securityAlerts { message } }',
  );
});
afterAll(() => server.close());

/** The bystander still receives: a fresh alert reaches it, and it is the next thing it gets. */
async function bystanderStillReceives() {
  const message = `sentinel ${++sentinels}`;
  await gqlOk(
    server,
    'mutation($m: String!) { raiseAlert(input: { type: OTHER, severity: LOW, message: $m }) { id } }',
    {
      token: service,
      variables: { m: message },
    },
  );
  expect(await bystander.next()).toEqual({ securityAlerts: { message } });
}

const subscribe = (socket: TestSocket, id: string, query: string) =>
  socket.send({ id, type: 'subscribe', payload: { query } });

type Attack = (socket: TestSocket) => Promise<void> | void;

// [attack, authenticate first?, what it sends, expected close code, expected reason]
const CLOSING_ATTACKS: [string, boolean, Attack, number, string][] = [
  ['malformed JSON', true, (s) => s.send('{"type": "subscribe", '), 4400, 'Invalid message received'],
  [
    'unknown message type',
    true,
    (s) => s.send({ type: 'launch_missiles' }),
    4400,
    'Invalid message received',
  ],
  [
    'a binary frame',
    true,
    (s) => s.ws.send(Buffer.from([1, 2, 3])),
    4400,
    'Binary messages are not accepted',
  ],
  [
    'a duplicate operation id',
    true,
    (s) => {
      subscribe(s, 'same', 'subscription { securityAlerts { id } }');
      subscribe(s, 'same', 'subscription { securityAlerts { id } }');
    },
    4409,
    'Subscriber for same already exists',
  ],
  [
    'a second connection_init',
    true,
    async (s) => {
      s.send({ type: 'connection_init', payload: { authorization: `Bearer ${officer}` } });
    },
    4429,
    'Too many initialisation requests',
  ],
  [
    'subscribe before connection_init',
    false,
    (s) => subscribe(s, '1', '{ me { sub } }'),
    4401,
    'Unauthorized',
  ],
  [
    'a forged token',
    false,
    (s) =>
      s.send({ type: 'connection_init', payload: { authorization: `Bearer ${officer.slice(0, -4)}AAAA` } }),
    4403,
    'Forbidden: token signature invalid',
  ],
  [
    'a frame over 64 KiB',
    true,
    (s) => s.send({ type: 'ping', payload: { pad: 'x'.repeat(70 * 1024) } }),
    1009,
    '',
  ],
  [
    'a flood of messages',
    true,
    (s) => {
      for (let i = 0; i < 40; i++) s.send({ type: 'ping' });
    },
    4429,
    'Too many messages',
  ],
];

describe('attacks that close the socket', () => {
  it.each(CLOSING_ATTACKS)('%s', async (_name, authenticate, attack, code, reason) => {
    const socket = authenticate
      ? await openAuthedSocket(server.url, await attacker())
      : await openSocket(server.url);
    await attack(socket);
    expect(await socket.waitForClose()).toEqual({ code, reason });
    await bystanderStillReceives();
  });
});

const errorOf = async (
  sub: WsSubscription & { queue: { next(what: string): Promise<{ type: string; payload?: unknown }> } },
) => {
  const frame = await sub.queue.next('an error');
  const errors = (
    frame.type === 'next' ? (frame.payload as { errors: unknown[] }).errors : frame.payload
  ) as {
    message: string;
    extensions?: { code?: string };
  }[];
  return { type: frame.type, code: errors[0]?.extensions?.code, message: errors[0]?.message };
};

describe('costly operations are refused, the socket stays open', () => {
  const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: me { sub }`).join(' ');
  const manyFields = `{ recentAlerts(limit: 500) { ${'id message severity type userId source '.repeat(20)} } }`;
  // [case, operation, expected code, message pattern]
  const REFUSED: [string, string, string, RegExp][] = [
    [
      'too deep',
      'subscription { securityAlerts { acknowledgement { by } } }',
      'BAD_USER_INPUT',
      /depth limit of 2/,
    ],
    ['too many aliases', `{ ${aliases} }`, 'BAD_USER_INPUT', /Aliases limit of 15/],
    ['too costly', manyFields, 'BAD_USER_INPUT', /[Cc]ost/],
    ['too many tokens', `{ me { ${'sub '.repeat(1200)} } }`, 'BAD_USER_INPUT', /Token limit of 1000/],
  ];
  it.each(REFUSED)('%s', async (_name, query, code, message) => {
    const socket = await openAuthedSocket(server.url, await attacker());
    const sub = subscribeOn(socket, query);
    const error = await errorOf(sub);
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    // The socket is still usable.
    const me = subscribeOn(socket, '{ me { roles } }');
    expect(await me.next()).toEqual({ me: { roles: ['OFFICER'] } });
    socket.close();
    await bystanderStillReceives();
  });

  it('refuses more operations per socket than allowed, and keeps the others running', async () => {
    const socket = await openAuthedSocket(server.url, await attacker());
    const running = [1, 2, 3].map(() => subscribeOn(socket, 'subscription { securityAlerts { message } }'));
    const fourth = subscribeOn(socket, 'subscription { securityAlerts { message } }');
    expect(await errorOf(fourth)).toMatchObject({ type: 'error', code: 'LIMIT_EXCEEDED' });
    await bystanderStillReceives();
    const last = `sentinel ${sentinels}`;
    for (const sub of running) expect(await sub.next()).toEqual({ securityAlerts: { message: last } });
    socket.close();
  });
});

describe('connection limits', () => {
  it('closes a user’s connection beyond the per-user limit with 4429, sparing the others', async () => {
    const user = await tokenFor('greedy', ['user']);
    const kept = await Promise.all([1, 2, 3].map(() => openAuthedSocket(server.url, user)));
    const extra = await openSocket(server.url);
    extra.send({ type: 'connection_init', payload: { authorization: `Bearer ${user}` } });
    expect(await extra.waitForClose()).toEqual({ code: 4429, reason: 'Too many connections for this user' });
    expect(extra.messages.seen).toEqual([]);
    // Closing one frees a place.
    kept[0]?.close();
    await kept[0]?.waitForClose();
    const again = await openAuthedSocket(server.url, user);
    for (const socket of [...kept, again]) socket.close();
  });

  it('refuses upgrades past MAX_CONNECTIONS with 503', async () => {
    const small = await startTestServer({ MAX_CONNECTIONS: '2' });
    try {
      const open = [await openSocket(small.url), await openSocket(small.url)];
      await expect(openSocket(small.url)).rejects.toThrow('upgrade refused: 503');
      for (const s of open) s.close();
    } finally {
      await small.close();
    }
  });
});

describe('origins', () => {
  it.each([
    ['a foreign origin', 'https://evil.example', 403],
    ['a look-alike of the allowed origin', 'https://dashboard.example.com.evil.example', 403],
  ])('refuses the upgrade from %s before any WebSocket exists', async (_name, origin, status) => {
    await expect(openSocket(server.url, { headers: { origin } })).rejects.toThrow(
      `upgrade refused: ${status}`,
    );
  });

  it.each([
    ['the allowed origin', 'https://dashboard.example.com'],
    ['the server’s own origin (GraphiQL, the dashboard)', null],
  ])('accepts %s', async (_name, origin) => {
    const own = server.url.replace('127.0.0.1', 'localhost');
    const socket = await openSocket(own, { headers: { origin: origin ?? own } });
    socket.close();
  });

  it('refuses a browser request from a foreign origin with 403 and runs nothing', async () => {
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: {
        origin: 'https://evil.example',
        'content-type': 'application/json',
        authorization: `Bearer ${service}`,
      },
      body: JSON.stringify({
        query: 'mutation { raiseAlert(input: { type: OTHER, severity: LOW, message: "csrf" }) { id } }',
      }),
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      errors: [{ message: 'Origin not allowed', extensions: { code: 'FORBIDDEN' } }],
    });
    // The bystander's next alert is the sentinel, not "csrf".
    await bystanderStillReceives();
  });

  it('answers CORS preflight for the allowed origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.url}/graphql`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const allowed = await preflight('https://dashboard.example.com');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dashboard.example.com');
    // The browser enforces CORS: without the header it sends nothing.
    const foreign = await preflight('https://evil.example');
    expect(foreign.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });
});

describe('resources are released', () => {
  it('an operation completed before it ever started leaves no listener behind', async () => {
    const before = { listeners: server.hub.listenerCounts().securityAlerts, fanout: server.fanout.size() };
    const socket = await openAuthedSocket(server.url, await attacker());
    for (let i = 0; i < 10; i++) {
      socket.send({
        id: `quick-${i}`,
        type: 'subscribe',
        payload: { query: 'subscription { securityAlerts { id } }' },
      });
      socket.send({ id: `quick-${i}`, type: 'complete' });
    }
    // A ping is answered after the messages before it were handled.
    socket.send({ type: 'ping' });
    await waitUntil('the pong', () => socket.messages.seen.some((m) => m.type === 'pong'));
    await waitUntil(
      'listeners and fan-out members back to where they were',
      () =>
        server.hub.listenerCounts().securityAlerts === before.listeners &&
        JSON.stringify(server.fanout.size()) === JSON.stringify(before.fanout),
    );
    // Completed by the client: not a frame for any of them, not even a `complete`.
    expect(socket.messages.seen.filter((m) => m.id?.startsWith('quick-'))).toEqual([]);
    socket.close();
  });

  it('a dead peer (no pong) is dropped within two heartbeats, and its subscriptions with it', async () => {
    const beating = await startTestServer({ HEARTBEAT_INTERVAL_MS: '200' });
    try {
      const before = beating.fanout.size().members;
      // A client that never answers pings: a peer whose network went away.
      const ws = new WebSocket(`${beating.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
        autoPong: false,
      });
      await new Promise((resolve) => ws.once('open', resolve));
      const acked = new Promise((resolve) => ws.once('message', resolve));
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${officer}` } }));
      await acked;
      ws.send(
        JSON.stringify({
          id: '1',
          type: 'subscribe',
          payload: { query: 'subscription { securityAlerts { id } }' },
        }),
      );
      await waitUntil('the subscription is registered', () => beating.fanout.size().members === before + 1);
      const closed = await new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      expect(closed).toBe(1006);
      await waitUntil('its subscription is released', () => beating.fanout.size().members === before);
    } finally {
      await beating.close();
    }
  });
});

describe('the same limits over SSE and HTTP', () => {
  it('refuses an aliased flood over SSE with BAD_USER_INPUT', async () => {
    const aliases = Array.from({ length: 16 }, (_, i) => `a${i}: securityAlerts { id }`).join(' ');
    const sse = await subscribeSse(server.url, await attacker(), `subscription { ${aliases} }`);
    const result = await sse.results.next('the refusal');
    expect(result.errors).toMatchObject([{ extensions: { code: 'BAD_USER_INPUT' } }]);
    sse.close();
  });
});

describe('in production', () => {
  let production: RunningServer;
  beforeAll(async () => {
    production = await startTestServer({ NODE_ENV: 'production' });
  });
  afterAll(() => production.close());

  it('answers no introspection and suggests no field names', async () => {
    const token = await attacker();
    const introspection = await gql(production, '{ __schema { types { name } } }', { token });
    expect(introspection.data ?? null).toBeNull();
    expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
    const typo = await gql(production, '{ mee { sub } }', { token });
    expect(typo.errors?.[0]?.message).not.toMatch(/Did you mean/);
  });

  it('serves no GraphiQL', async () => {
    const page = await fetch(`${production.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toMatch(/graphiql/i);
    expect((await fetch(`${production.url}/graphiql/`)).status).not.toBe(200);
  });
});
