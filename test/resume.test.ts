import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/transport/server.js';
import { tokenFor } from './support/auth.js';
import { BACKENDS, type Backend, createBackend } from './support/backends.js';
import { gql, gqlOk } from './support/server.js';
import { statusOf, waitUntil } from './support/wait.js';
import { openAuthedSocket, openSocket, subscribeOn, type WsMessage } from './support/ws.js';

/**
 * Nothing lost: a subscriber that was away resumes from its last cursor and
 * gets everything it missed, in order, once, or is told CURSOR_EXPIRED.
 */

const RAISE = 'mutation($i: RaiseAlertInput!) { raiseAlert(input: $i) { id cursor } }';

let service: string;
let officer: string;
let alice: string;
beforeAll(async () => {
  service = await tokenFor('ids', ['service']);
  officer = await tokenFor('olga', ['officer']);
  alice = await tokenFor('alice', ['user']);
});

const raise = async (server: RunningServer, message: string, userId: string | null = 'alice') =>
  (
    await gqlOk<{ raiseAlert: { id: string; cursor: string } }>(server, RAISE, {
      token: service,
      variables: { i: { type: 'BRUTE_FORCE', severity: 'HIGH', message, userId } },
    })
  ).raiseAlert;

/** Subscribes to alerts (optionally after a cursor) and returns a reader of messages. */
async function alertsAfter(server: RunningServer, token: string, after?: string) {
  const socket = await openAuthedSocket(server.url, token);
  const sub = subscribeOn(
    socket,
    'subscription($after: String) { securityAlerts(after: $after) { message cursor } }',
    {
      after,
    },
  );
  return {
    socket,
    sub,
    async take(count: number): Promise<{ message: string; cursor: string }[]> {
      const taken = [];
      for (let i = 0; i < count; i++)
        taken.push((await sub.next()).securityAlerts as { message: string; cursor: string });
      return taken;
    },
  };
}

const errorCodeOf = (frame: WsMessage) => {
  const errors = (frame.payload as { errors?: { extensions?: { code?: string } }[] }).errors ?? frame.payload;
  return (errors as { extensions?: { code?: string } }[])[0]?.extensions?.code;
};

describe('across two instances', () => {
  let backend: Backend;
  let a: RunningServer;
  let b: RunningServer;
  beforeAll(async () => {
    backend = await createBackend('redis');
    [a, b] = await Promise.all([backend.startServer(), backend.startServer()]);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
    await backend.stop();
  });

  it('a dropped subscriber reconnects to the other instance with its cursor and gets all 500 missed events, in order, once', async () => {
    const first = await alertsAfter(a, officer);
    await raise(a, 'before the drop');
    const [seen] = await first.take(1);
    first.socket.close();
    await first.socket.waitForClose();

    const published: string[] = [];
    for (let n = 0; n < 500; n++) {
      const message = `missed ${n}`;
      await raise(n % 2 ? b : a, message);
      published.push(message);
    }
    const resumed = await alertsAfter(b, officer, seen?.cursor);
    expect((await resumed.take(500)).map((e) => e.message)).toEqual(published);
    // And it continues live, with nothing repeated.
    await raise(a, 'live again');
    expect((await resumed.take(1)).map((e) => e.message)).toEqual(['live again']);
    resumed.socket.close();
  });

  it('answers 503 on /ready while Redis is down, then publishing, subscribing and replay resume without a restart', async () => {
    const redis = backend.redis;
    if (!redis) throw new Error('redis backend expected');
    const watcher = await alertsAfter(b, officer);
    const before = await raise(a, 'before the outage');
    expect((await watcher.take(1)).map((e) => e.message)).toEqual(['before the outage']);

    await redis.kill();
    await waitUntil('/ready answers 503', async () => (await statusOf(a.url, '/ready')) === 503);
    const refused = await gql(a, RAISE, {
      token: service,
      variables: { i: { type: 'DDOS', severity: 'LOW', message: 'during the outage' } },
    });
    expect(refused.errors?.[0]?.extensions?.code).toBe('UNAVAILABLE');
    // A new socket cannot have its token's revocations checked: refused, retryably.
    const during = await openSocket(a.url);
    during.send({ type: 'connection_init', payload: { authorization: `Bearer ${officer}` } });
    expect(await during.waitForClose()).toEqual({
      code: 1013,
      reason: 'Service unavailable: try again shortly',
    });

    await redis.start();
    await waitUntil('both instances are ready again', async () => {
      return (await statusOf(a.url, '/ready')) === 200 && (await statusOf(b.url, '/ready')) === 200;
    });
    // The subscription that stayed open receives again.
    const after = await raise(a, 'after the outage');
    expect((await watcher.take(1)).map((e) => e.message)).toEqual(['after the outage']);
    // Replay works on the new log; the old log died with the unpersisted Redis, so its cursors say so.
    const resumed = await alertsAfter(a, officer, '0');
    expect((await resumed.take(1)).map((e) => e.message)).toEqual(['after the outage']);
    expect(after.cursor).not.toBe(before.cursor);
    const stale = await alertsAfter(a, officer, before.cursor);
    expect(errorCodeOf(await stale.sub.queue.next('the error'))).toBe('CURSOR_EXPIRED');
    for (const s of [watcher, resumed, stale]) s.socket.close();
  });
});

describe.each(BACKENDS)('on the %s backend', (backendName) => {
  let backend: Backend;
  let server: RunningServer;
  beforeAll(async () => {
    backend = await createBackend(backendName);
    server = await backend.startServer({ HISTORY_MAX_EVENTS: '2000' });
  });
  afterAll(async () => {
    await server.close();
    await backend.stop();
  });

  it('has no gap and no duplicate at the seam while events keep coming during the replay', async () => {
    const anchor = await raise(server, 'anchor');
    const expected: string[] = [];
    for (let n = 0; n < 1200; n++) {
      await raise(server, `backlog ${n}`);
      expected.push(`backlog ${n}`);
    }
    // Start the resumed subscription (a replay of three pages) while a publisher keeps going.
    let publishing = true;
    const during: string[] = [];
    const publisher = (async () => {
      for (let n = 0; publishing || n < 50; n++) {
        await raise(server, `during ${n}`);
        during.push(`during ${n}`);
        if (n >= 300) break;
      }
    })();
    const resumed = await alertsAfter(server, officer, anchor.cursor);
    const replayed = await resumed.take(1200);
    // The seam was really exercised: events were being published while the replay ran.
    expect(during.length).toBeGreaterThan(0);
    publishing = false;
    await publisher;
    const rest = await resumed.take(during.length);
    // Compared as a whole; on failure vitest's diff shows the exact gap or repeated event.
    const got = [...replayed, ...rest].map((e) => e.message);
    const want = [...expected, ...during];
    expect(got).toEqual(want);
    resumed.socket.close();
  });

  it('replays from the beginning only what the subscriber may see now', async () => {
    const fresh = await backend.startIsolatedServer();
    try {
      await raise(fresh, 'for alice 1', 'alice');
      await raise(fresh, 'for bob', 'bob');
      await raise(fresh, 'for nobody', null);
      await raise(fresh, 'for alice 2', 'alice');
      const replay = await alertsAfter(fresh, alice, '0');
      const got = await replay.take(2);
      expect(got.map((e) => e.message)).toEqual(['for alice 1', 'for alice 2']);
      // Ordered delivery: a later own event arriving next proves nothing else was in between.
      await raise(fresh, 'for bob again', 'bob');
      await raise(fresh, 'for alice 3', 'alice');
      expect((await replay.take(1)).map((e) => e.message)).toEqual(['for alice 3']);
      replay.socket.close();
    } finally {
      await fresh.close();
    }
  });

  it('answers CURSOR_EXPIRED for a trimmed cursor, and BAD_USER_INPUT for a malformed one', async () => {
    const small = await backend.startIsolatedServer({ HISTORY_MAX_EVENTS: '10' });
    try {
      const first = await raise(small, 'soon trimmed');
      for (let n = 0; n < 20; n++) await raise(small, `filler ${n}`);
      const expired = await alertsAfter(small, officer, first.cursor);
      const frame = await expired.sub.queue.next('the error');
      expect(errorCodeOf(frame)).toBe('CURSOR_EXPIRED');
      expect((await expired.sub.queue.next('complete')).type).toBe('complete');
      const malformed = await alertsAfter(small, officer, 'not-a-cursor');
      expect(errorCodeOf(await malformed.sub.queue.next('the error'))).toBe('BAD_USER_INPUT');
      for (const s of [expired, malformed]) s.socket.close();
    } finally {
      await small.close();
    }
  });

  it('answers CURSOR_EXPIRED once the log has started over', async () => {
    let restarted = await backend.startServer();
    try {
      const old = await raise(restarted, 'from the old log');
      if (backend.redis) {
        const admin = new Redis(backend.redis.url);
        await admin.flushall();
        admin.disconnect();
      } else {
        // In memory, the log lives and dies with the process.
        await restarted.close();
        restarted = await backend.startServer();
      }
      await raise(restarted, 'from the new log');
      const stale = await alertsAfter(restarted, officer, old.cursor);
      expect(errorCodeOf(await stale.sub.queue.next('the error'))).toBe('CURSOR_EXPIRED');
      stale.socket.close();
    } finally {
      await restarted.close();
    }
  });

  it('pages history by cursor; an acknowledged alert is listed once, acknowledged', async () => {
    const fresh = await backend.startIsolatedServer();
    try {
      const ids: string[] = [];
      for (let n = 1; n <= 5; n++) ids.push((await raise(fresh, `page ${n}`)).id);
      await gqlOk(fresh, 'mutation($id: ID!) { acknowledgeAlert(id: $id, note: "seen") { id } }', {
        token: officer,
        variables: { id: ids[1] },
      });
      const page = async (before?: string) =>
        (
          await gqlOk<{ recentAlerts: { message: string; cursor: string; acknowledgedBy: string | null }[] }>(
            fresh,
            'query($before: String) { recentAlerts(limit: 2, before: $before) { message cursor acknowledgedBy } }',
            { token: officer, variables: { before } },
          )
        ).recentAlerts;
      const one = await page();
      const two = await page(one[1]?.cursor);
      const three = await page(two[1]?.cursor);
      expect([...one, ...two, ...three].map((e) => [e.message, e.acknowledgedBy])).toEqual([
        ['page 2', 'olga'],
        ['page 5', null],
        ['page 4', null],
        ['page 3', null],
        ['page 1', null],
      ]);
    } finally {
      await fresh.close();
    }
  });
});
